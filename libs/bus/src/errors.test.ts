import { errors } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { isRetryable, PublishError } from './index.js';

describe('which failures a retry can fix', () => {
  it('retries what the broker may answer next time: timeouts, no responders, a lost connection', () => {
    expect(isRetryable(new errors.TimeoutError())).toBe(true);
    expect(isRetryable(new errors.NoRespondersError('relay.dlq.dispatcher'))).toBe(true);
    expect(isRetryable(new errors.ClosedConnectionError())).toBe(true);
    expect(new PublishError('relay.dlq.dispatcher', new errors.TimeoutError()).retryable).toBe(true);
  });

  it('does not retry a message the client or the server refused for what it is', () => {
    const tooLarge = errors.InvalidArgumentError.format('payload', 'max_payload size exceeded');
    const badHeader = errors.InvalidArgumentError.format('header', "' ' is not a valid character in a header name");
    expect(isRetryable(tooLarge)).toBe(false);
    expect(isRetryable(badHeader)).toBe(false);
    expect(new PublishError('relay.dlq.dispatcher', tooLarge).retryable).toBe(false);
    expect(new PublishError('relay.dlq.dispatcher', badHeader).retryable).toBe(false);
  });
});
