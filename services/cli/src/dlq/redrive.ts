// One redrive for the CLI and the console: the code lives in libs/bus (issue 20).
export { redrive } from '@relay/bus';
export type { RedriveOutcome } from '@relay/bus';
