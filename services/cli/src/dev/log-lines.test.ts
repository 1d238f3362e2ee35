import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-lines.js';

describe("the dev stack's log lines", () => {
  it('turn a pino line into service, level, message and key=value pairs', () => {
    const line = JSON.stringify({ level: 40, time: '2026-11-02T08:00:00Z', service: 'locator', pid: 7, hostname: 'h', msg: 'zone file changed but is invalid', err: { message: 'bad record', code: 'zone-file' }, revision: 3, file: '/tmp/a b' });
    expect(formatLogLine('locator', line, 10)).toBe('locator     WARN   zone file changed but is invalid  err="zone-file: bad record" revision=3 file="/tmp/a b"');
  });

  it('pass anything else through behind the prefix', () => {
    expect(formatLogLine('gateway', 'Error: boom', 10)).toBe('gateway     Error: boom');
  });
});

