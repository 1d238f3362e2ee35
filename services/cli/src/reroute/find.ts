import type { Bus } from '@relay/bus';
import type { Directory } from '@relay/directory';
import type { Progress } from '../progress.js';
import { openCases } from './cases.js';
import { type CaseFilter, type ClosedElsewhere, findReroute, isSelected, type ToReroute } from './plan.js';

/** What reading every case found: counts, and only the cases that need action. */
export interface Found {
  /** Cases looked at: `unchanged` plus the two maps. */
  readonly evaluated: number;
  /** Looked at, and routed as the directory says. */
  readonly unchanged: number;
  /** Open cases the directory routes elsewhere, by case id. */
  readonly reroute: ReadonlyMap<string, ToReroute>;
  /** Closed cases (with `since`) that would now go elsewhere, by case id. */
  readonly closed: ReadonlyMap<string, ClosedElsewhere>;
}

/** Cases read between two progress updates. */
const PROGRESS_EVERY = 1_024;

/**
 * Reads every case once, streaming (memory holds the findings, never the
 * cases), and evaluates each case `filter` selects with {@link findReroute}.
 * A case the dispatcher writes while this reads can be read twice: its later
 * value replaces what the earlier one found (an unchanged case read twice
 * counts twice). A case rewritten before the read reached it is read with
 * its new value, as the read goes on to what was written while it read; it
 * ends after a bounded number of such passes even under writes that never
 * pause (decision 0158). `progress` gets the number of
 * keys in the bucket and is told how many were read.
 * @throws BucketValueError for a stored case that does not parse.
 */
export async function findReroutes(bus: Bus, directory: Directory, filter: CaseFilter, progress: (keys: number) => Progress): Promise<Found> {
  const values = await (await openCases(bus)).values();
  const shown = progress(values.total);
  const reroute = new Map<string, ToReroute>();
  const closed = new Map<string, ClosedElsewhere>();
  let unchanged = 0;
  let read = 0;
  try {
    for await (const { value: c } of values) {
      if (++read % PROGRESS_EVERY === 0) shown.update(read);
      // A tombstone (decision 0118) has nothing to reroute.
      if (!c || !isSelected(c, filter)) continue;
      const finding = findReroute(c, directory);
      // A later value of a case read before replaces what that one found.
      reroute.delete(c.id);
      closed.delete(c.id);
      if (finding.kind === 'reroute') reroute.set(c.id, finding);
      else if (finding.kind === 'closed') closed.set(c.id, finding);
      else unchanged++;
    }
    shown.update(read);
  } finally {
    shown.stop();
  }
  return { evaluated: unchanged + reroute.size + closed.size, unchanged, reroute, closed };
}
