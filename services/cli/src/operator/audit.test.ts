import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { actorOf } from './audit.js';

const ctx = (env: Record<string, string>): CliContext => ({ out: () => undefined, err: () => undefined, env });

describe('the actor of an audit record', () => {
  it('is the NATS user the CLI connects as, and --actor may name nobody else', () => {
    const alice = ctx({ NATS_INBOX_PREFIX: '_INBOX.operator.operator-alice', NATS_CLIENT_NAME: 'someone' });
    expect(actorOf(alice, undefined)).toBe('operator-alice');
    expect(actorOf(alice, 'operator-alice')).toBe('operator-alice');
    expect(() => actorOf(alice, 'operator-bob')).toThrow(UsageError);
  });

  it('without accounts is --actor, else NATS_CLIENT_NAME, as a subject token', () => {
    expect(actorOf(ctx({ NATS_CLIENT_NAME: 'operator-test' }), undefined)).toBe('operator-test');
    expect(actorOf(ctx({ NATS_CLIENT_NAME: 'operator-test' }), 'Alice Smith')).toBe('alice-smith');
    expect(actorOf(ctx({}), ' ..Bob.. ')).toBe('bob');
    expect(actorOf(ctx({}), '***')).toBe('unknown');
  });
});
