// The INHOPE statistics of `relay stats` and the console are one code: it lives in libs/bus (issue 20).
export { readFacts } from '@relay/bus';
export type { Facts, NoticeFact, ReferralFact, StatusFact } from '@relay/bus';
