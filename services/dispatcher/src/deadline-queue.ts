/**
 * Pending removal deadlines, earliest first: a binary heap of (due, case id)
 * with one live entry per case (a changed deadline replaces the old one,
 * which is skipped when it surfaces).
 */
export interface DeadlineQueue {
  /** Sets or moves the case's deadline. */
  set(caseId: string, dueAt: number): void;
  /** Forgets the case's deadline (met, escalated or closed). */
  delete(caseId: string): void;
  /** Case ids whose deadline is at or before `now`, removed from the queue. */
  popDue(now: number): string[];
  size(): number;
}

/** Creates an empty queue. */
export function createDeadlineQueue(): DeadlineQueue {
  const heap: { dueAt: number; caseId: string }[] = [];
  const live = new Map<string, number>();
  const less = (i: number, j: number): boolean => heap[i]!.dueAt < heap[j]!.dueAt;
  const swap = (i: number, j: number): void => {
    [heap[i], heap[j]] = [heap[j]!, heap[i]!];
  };
  const push = (entry: { dueAt: number; caseId: string }): void => {
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(i, parent)) break;
      swap(i, parent);
      i = parent;
    }
  };
  const pop = (): { dueAt: number; caseId: string } | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(l, m)) m = l;
        if (r < heap.length && less(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return top;
  };
  return {
    set(caseId, dueAt) {
      if (live.get(caseId) === dueAt) return;
      live.set(caseId, dueAt);
      push({ dueAt, caseId });
    },
    delete: (caseId) => void live.delete(caseId),
    popDue(now) {
      const out: string[] = [];
      while (heap.length > 0 && heap[0]!.dueAt <= now) {
        const e = pop()!;
        if (live.get(e.caseId) === e.dueAt) {
          live.delete(e.caseId);
          out.push(e.caseId);
        }
      }
      return out;
    },
    size: () => live.size,
  };
}
