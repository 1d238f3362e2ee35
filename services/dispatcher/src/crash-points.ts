/**
 * Deterministic crash points for the crash-point suite (decision 0142): with
 * `RELAY_CRASH_AT=<event>:<stage>` (only tests set it) the dispatcher kills
 * itself with SIGKILL at that point, the first time it is reached. Events:
 * the write of a new case, of a relocation, of a status update; stages:
 * `written` (the case is stored, nothing published) and `published` (its
 * messages are published, the consumed message not yet acked).
 */
export const CrashEvent = { NewCase: 'new-case', Relocation: 'relocation', Status: 'status' } as const;
export type CrashEvent = (typeof CrashEvent)[keyof typeof CrashEvent];

export const CrashStage = { Written: 'written', Published: 'published' } as const;
export type CrashStage = (typeof CrashStage)[keyof typeof CrashStage];

/** Every `<event>:<stage>` a dispatcher can be told to crash at. */
export const CRASH_POINTS = Object.values(CrashEvent).flatMap((e) => Object.values(CrashStage).map((s) => `${e}:${s}` as const));
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Reached at every point; kills the process at the configured one. */
export type CrashHook = (event: CrashEvent, stage: CrashStage) => void;

/** The hook for `at` (undefined: never crashes). */
export function crashHook(at: CrashPoint | undefined): CrashHook | undefined {
  if (at === undefined) return undefined;
  return (event, stage) => {
    if (`${event}:${stage}` === at) process.kill(process.pid, 'SIGKILL');
  };
}
