// DLQ entries are read by the CLI and the console alike: the code lives in libs/bus (issue 20).
export { entryOf, getEntry, listEntries, originalHeaders, sourceOf } from '@relay/bus';
export type { DlqEntry } from '@relay/bus';
