// The INHOPE statistics of `relay stats` and the console are one code: it lives in libs/bus (issue 20).
export { computeStats } from '@relay/bus';
export type { RemovalTimes, Stats, StatsGrouping, StatsRow } from '@relay/bus';
