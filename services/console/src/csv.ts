/**
 * One CSV cell (RFC 4180). Every value a tenant controls is hostile: a cell a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed
 * with `'` (OWASP's CSV injection advice).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A CSV document: a header row and the rows, CRLF line ends. */
export function csvOf(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
