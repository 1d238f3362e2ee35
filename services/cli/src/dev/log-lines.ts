/** pino's numeric levels. */
const LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields every service line has, shown in the prefix or not at all. */
const HIDDEN = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname']);

function valueText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const e = value as { message?: unknown; code?: unknown };
    return JSON.stringify(`${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message)}`);
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * Formats one line a service wrote for the dev stack's terminal:
 * `gateway     info   report stored reportId=rpt_... seq=3`. pino JSON lines
 * are turned into level, message and `key=value` pairs; anything else (a
 * stack trace on stderr) is passed through behind the prefix.
 */
export function formatLogLine(service: string, line: string, width = 10): string {
  const prefix = service.padEnd(width);
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${prefix}  ${line}`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `${prefix}  ${line}`;
  const record = entry as Record<string, unknown>;
  const level = typeof record['level'] === 'number' ? (LEVELS[record['level']] ?? String(record['level'])) : '';
  const fields = Object.entries(record)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(' ');
  const text = `${prefix}  ${level.padEnd(5)}  ${typeof record['msg'] === 'string' ? record['msg'] : ''}${fields === '' ? '' : `  ${fields}`}`;
  return text.length > 600 ? `${text.slice(0, 599)}…` : text;
}
