// Seeded inputs for the geo tests, so a failure reproduces.

/** A seeded generator of unsigned 32-bit numbers (xorshift32). */
export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
