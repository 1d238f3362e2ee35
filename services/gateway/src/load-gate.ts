import { type Problem, problem, Rule } from './problems.js';

/**
 * Bounds the submissions a gateway holds at once, over HTTP and NATS
 * together (decision 0145). Above the bound a submission is refused before
 * its body is read, with 503 and `Retry-After`, so a load far above capacity
 * costs the gateway a refusal each, not memory: what it holds is at most
 * `max` bodies and their publishes.
 */
export interface LoadGate {
  /** Takes a place; false when all `max` are taken (shed the submission). */
  tryEnter(): boolean;
  /** Gives a place back; call exactly once per successful `tryEnter`. */
  leave(): void;
  /** Places taken now. */
  readonly inFlight: number;
}

/** Seconds a shed sender should wait: the gateway frees places as fast as JetStream acks. */
export const RETRY_AFTER_OVERLOADED_S = 1;

/** A gate of `max` places; `onChange` sees the count after each change (a gauge). */
export function createLoadGate(max: number, onChange: (inFlight: number) => void = () => {}): LoadGate {
  let inFlight = 0;
  return {
    tryEnter() {
      if (inFlight >= max) return false;
      inFlight++;
      onChange(inFlight);
      return true;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
      onChange(inFlight);
    },
    get inFlight() {
      return inFlight;
    },
  };
}

/** The refusal of a shed submission: 503 `overloaded`, sent with {@link RETRY_AFTER_OVERLOADED_S}. */
export function overloadedProblem(): Problem {
  return problem(503, Rule.Overloaded, 'the gateway holds as many submissions as it takes: resend the same report after Retry-After');
}
