import { type Bus, type Envelope, type Responder, serveRequests } from '@relay/bus';
import { encodeIntakeReply, subjects } from '@relay/wire';
import type { Intake, IntakeMetrics } from './intake.js';
import type { Keyring } from './auth.js';
import { admitSource, type SourceRateLimiter } from './limits.js';
import { type LoadGate, overloadedProblem, RETRY_AFTER_OVERLOADED_S } from './load-gate.js';
import type { Problem } from './problems.js';
import { IdPlace, type OutsideId, SOURCE_REPORT_ID_HEADER } from './source-report-id.js';

/** Queue group of the NATS intake: every gateway copy shares `relay.intake.submit`. */
export const INTAKE_QUEUE = 'gateway';

/** What the NATS intake is made of. */
export interface NatsIntakeDeps {
  readonly bus: Bus;
  readonly intake: Intake;
  readonly keyring: Keyring;
  /** The per-source limit shared with HTTP and every gateway copy. */
  readonly limiter: SourceRateLimiter;
  /** Bounds the submissions held at once, shared with HTTP. */
  readonly gate: LoadGate;
  readonly rateLimitPerMinute: number;
  readonly metrics: IntakeMetrics;
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Every value of a header under any spelling of its name: case variants that disagree are refused as a mismatch. */
function outsideIdsOf(headers: Readonly<Record<string, string>>): OutsideId[] {
  const lower = SOURCE_REPORT_ID_HEADER.toLowerCase();
  return Object.entries(headers)
    .filter(([k]) => k.toLowerCase() === lower)
    .map(([, value]) => ({ value, place: IdPlace.Header }));
}

/**
 * Serves the intake on `relay.intake.submit` (queue group `gateway`) for
 * hotlines that speak NATS: request headers `Authorization: Bearer <key>`,
 * `Content-Type` and optionally `Relay-Source-Report-Id`, the report as payload. The reply is the same JSON receipt or
 * problem document as over HTTP, with `Relay-Status` set to the HTTP status.
 * A request whose reply subject is not a reply inbox is dropped unread and
 * counted (`relay_gateway_refused_replies_total`): its sender chose where the
 * answer would go, which could be a stream or the JetStream API.
 */
export function serveNatsIntake(deps: NatsIntakeDeps): Responder {
  return serveRequests(deps.bus, subjects.intakeSubmit(), INTAKE_QUEUE, async (request) => {
    if (!deps.gate.tryEnter()) return refused(deps.metrics, overloadedProblem(), RETRY_AFTER_OVERLOADED_S);
    try {
      return await answer(deps, request);
    } finally {
      deps.gate.leave();
    }
  }, { onRefusedReply: () => deps.metrics.refusedReply() });
}

/** Counts a refusal and encodes it as the reply. */
function refused(metrics: IntakeMetrics, p: Problem, retryAfterSeconds?: number): Envelope {
  metrics.refused(p.status, p.rule);
  return encodeIntakeReply({ status: p.status, problem: p }, retryAfterSeconds);
}

/** Authenticates, admits by the source's rate limit, and hands the report to the intake. */
async function answer(deps: NatsIntakeDeps, request: { readonly headers: Readonly<Record<string, string>>; readonly data: Uint8Array }): Promise<Envelope> {
  const refuse = (p: Problem, retryAfterSeconds?: number): Envelope => refused(deps.metrics, p, retryAfterSeconds);
  const auth = deps.keyring.authenticate(header(request.headers, 'Authorization'));
  if (!auth.ok) return refuse(auth.problem);
  const refusal = await admitSource(deps.limiter, auth.source, deps.keyring.rateLimitOf(auth.source) ?? deps.rateLimitPerMinute);
  if (refusal) return refuse(refusal.problem, refusal.retryAfterSeconds);
  const result = await deps.intake.submit({
    source: auth.source,
    contentType: header(request.headers, 'Content-Type'),
    body: request.data,
    traceparent: header(request.headers, 'traceparent'),
    outsideIds: outsideIdsOf(request.headers),
  });
  return encodeIntakeReply(result);
}
