import { RequestError, RequestOne } from '@nats-io/nats-core/internal';

let patched = false;

/**
 * Stops nats.js from building an `Error` (a stack trace capture) after every
 * successful request. `RequestOne.resolver` settles the request's promise and
 * then calls `cancel()`, which rejects the already-settled promise with a new
 * `RequestError("cancelled")`: a no-op that cost about 5% of the dispatcher's
 * CPU (four requests per new case). A cancel without a cause now rejects with
 * one shared error, built once; a request really cancelled while pending gets
 * the same message, only without a stack of its own.
 *
 * Relies on nats.js internals (`RequestOne.prototype.cancel`, nats.js 3.x);
 * returns false and changes nothing when they are not there. Process-wide and
 * idempotent (decision 0080).
 */
export function cheapRequestCancel(): boolean {
  if (patched) return true;
  const proto = (RequestOne as unknown as { prototype?: { cancel?: unknown } }).prototype;
  if (!proto || typeof proto.cancel !== 'function') return false;
  const cancel = proto.cancel as (this: unknown, err?: Error) => void;
  const cancelled = new RequestError('cancelled');
  proto.cancel = function (this: unknown, err?: Error) {
    cancel.call(this, err ?? cancelled);
  };
  patched = true;
  return true;
}
