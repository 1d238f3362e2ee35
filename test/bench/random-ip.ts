/**
 * An endless seeded sequence of public-looking IPv4 addresses
 * (1.0.0.0 - 223.255.255.255; some land in reserved ranges, as real input does).
 */
export function* randomIPv4s(seed: number): Generator<string, never> {
  let x = seed >>> 0;
  for (;;) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    const v = 0x01000000 + (x % 0xdf000000);
    yield `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
}

/** The first `count` addresses of {@link randomIPv4s}. */
export function randomIPv4(count: number, seed = 42): string[] {
  const it = randomIPv4s(seed);
  return Array.from({ length: count }, () => it.next().value);
}
