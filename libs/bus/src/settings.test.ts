import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { choiceSetting, configIssues, durationSetting, existingFileSetting, pathSetting, portSetting, serviceEnv, wholeNumberSetting } from './index.js';

const schema = z.object({
  PORT: portSetting(9100),
  WAIT: durationSetting('15m'),
  COUNT: wholeNumberSetting(1, 10, 3),
  MODE: choiceSetting(['system', 'zone'], 'system'),
  FILE: pathSetting('the file of things'),
  ZONE: existingFileSetting.optional(),
});

function issues(env: Record<string, string>): string[] {
  const parsed = schema.safeParse(env);
  return parsed.success ? [] : configIssues(parsed.error);
}

describe('the setting helpers every service shares', () => {
  it('read each kind of value, with its default when unset', () => {
    expect(schema.parse({ FILE: '/etc/things.json' })).toEqual({ PORT: 9100, WAIT: 900_000, COUNT: 3, MODE: 'system', FILE: '/etc/things.json' });
    expect(schema.parse({ FILE: 'f', PORT: '0', WAIT: '250ms', COUNT: '10', MODE: 'zone' })).toMatchObject({ PORT: 0, WAIT: 250, COUNT: 10, MODE: 'zone' });
  });

  it('name each bad variable and the rule it broke, one line each', () => {
    expect(issues({ PORT: '', WAIT: 'soon', COUNT: '11', MODE: 'dig', ZONE: '/nonexistent/zone.json' })).toEqual([
      'PORT: must be a port number, 0-65535 (0 picks a free one)',
      'WAIT: must be a duration like 500ms, 90s, 15m, 24h or 3d, above zero (got "soon")',
      'COUNT: must be at most 10',
      expect.stringMatching(/^MODE: /),
      'FILE: is required: the file of things',
      'ZONE: file does not exist',
    ]);
    expect(issues({ FILE: 'f', COUNT: '1e3' })).toEqual(['COUNT: must be a whole number']);
  });

  it('format the issues of a file a setting names after the setting', () => {
    const parsed = z.object({ sources: z.array(z.string()) }).safeParse({ sources: [1] });
    expect(parsed.success || configIssues(parsed.error, 'RELAY_SOURCES_FILE (s.json)')).toEqual([
      'RELAY_SOURCES_FILE (s.json): sources.0: Invalid input: expected string, received number',
    ]);
  });

  it("gather a service's NATS and own issues into one ConfigError", () => {
    expect(() => serviceEnv({ NATS_URL: 'http://x', COUNT: '0' }, 'svc', schema)).toThrow(/COUNT: must be at least 1[\s\S]*FILE: is required[\s\S]*NATS_URL: must be one or more/);
    const tooMany = (s: { COUNT: number }) => (s.COUNT > 2 ? ['COUNT: more than 2 across settings'] : []);
    expect(() => serviceEnv({ NATS_URL: 'nats://127.0.0.1:4222', FILE: 'f' }, 'svc', schema, tooMany)).toThrow(/COUNT: more than 2 across settings/);
    const { bus, settings } = serviceEnv({ NATS_URL: 'nats://127.0.0.1:4222', FILE: 'f', COUNT: '2' }, 'svc', schema, tooMany);
    expect(bus.name).toBe('svc');
    expect(settings).toMatchObject({ FILE: 'f', COUNT: 2 });
  });
});
