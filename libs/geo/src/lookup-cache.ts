/**
 * A bounded memo of recent answers with two generations: lookups fill the
 * young generation; when it is full it becomes the old one and the previous
 * old one is dropped. An entry found in the old generation moves back to the
 * young one. O(1), no per-hit bookkeeping, at most `2 * size` entries.
 */
export class GenerationalCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    if (this.size <= 0) return;
    if (this.young.size >= this.size) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
