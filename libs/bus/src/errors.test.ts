import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { isNotFoundError, isRetryable, isWrongLastSequenceError, PublishError } from './index.js';

const apiError = (status: number, code: number, description: string): JetStreamApiError => new JetStreamApiError({ code: status, err_code: code, description });

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

  it('decides by the client\'s error types and the server\'s codes, never by message text', () => {
    // What a 2.9 leader election looks like to a publish: "no responders", wrapped by the JetStream client.
    const election = new Error('jetstream is not enabled', { cause: new errors.RequestError('no responders', { cause: new errors.NoRespondersError('relay.report.x') }) });
    expect(isRetryable(election)).toBe(true);
    expect(isRetryable(apiError(503, 10008, 'JetStream system temporarily unavailable'))).toBe(true);
    expect(isRetryable(apiError(400, 10071, 'wrong last sequence: 7'))).toBe(false);
    expect(isRetryable(new Error('timeout: no connection, disconnected'))).toBe(false);
  });

  it('tells a missing stream or consumer and a lost compare-and-set from anything else by their codes', () => {
    expect(isNotFoundError(apiError(404, JetStreamApiCodes.StreamNotFound, 'stream not found'))).toBe(true);
    expect(isNotFoundError(apiError(404, JetStreamApiCodes.ConsumerNotFound, 'consumer not found'))).toBe(true);
    expect(isNotFoundError(new Error('stream not found'))).toBe(false);
    expect(isNotFoundError(new errors.TimeoutError())).toBe(false);
    expect(isWrongLastSequenceError(apiError(400, JetStreamApiCodes.StreamWrongLastSequence, 'wrong last sequence: 7'))).toBe(true);
    expect(isWrongLastSequenceError(new Error('wrong last sequence'))).toBe(false);
  });
});
