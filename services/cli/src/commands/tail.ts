import { type Command, Option } from 'commander';
import { readStream, streamState } from '@relay/bus';
import { Audience, StreamName, subjectFilters } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UnavailableError, UsageError } from '../errors.js';
import { onInterrupt } from './interrupt.js';
import { decodeStored, messageJson, messageLine } from './message-lines.js';
import { connectCli } from '../operator/connect.js';
import { parseTimeOrDuration } from '../operator/time.js';

/** What `relay tail` can follow, the stream behind each, and the filters its subjects carry. */
const TAILABLE = {
  reports: { stream: StreamName.Reports, subjects: 'relay.report.<source>', filters: ['source'] },
  hosting: { stream: StreamName.Hosting, subjects: 'relay.hosting.<CC>', filters: ['country'] },
  referrals: { stream: StreamName.Referrals, subjects: 'relay.referral.<CC>.<hotline>', filters: ['country', 'hotline'] },
  notices: {
    stream: StreamName.Notices,
    subjects: 'relay.notice.<CC>.<police|authority>.<kind> and relay.notice.<CC>.hotline.<hotline>.<kind>',
    filters: ['country', 'audience', 'hotline'],
  },
  status: { stream: StreamName.Status, subjects: 'relay.status.<hotline>', filters: ['hotline'] },
  dlq: { stream: StreamName.Dlq, subjects: 'relay.dlq.<service>', filters: ['service'] },
} as const;
type Tailable = keyof typeof TAILABLE;
type Filter = 'country' | 'hotline' | 'audience' | 'source' | 'service';

const AUDIENCES = { hotline: Audience.AUDIENCE_HOTLINE, police: Audience.AUDIENCE_POLICE, authority: Audience.AUDIENCE_AUTHORITY } as const;

interface TailOptions {
  readonly country?: string;
  readonly hotline?: string;
  readonly audience?: keyof typeof AUDIENCES;
  readonly source?: string;
  readonly service?: string;
  readonly since?: string;
  readonly count?: string;
  readonly json?: boolean;
}

/**
 * The subject filter for `what` with the given options.
 * @throws UsageError when an option does not apply to that stream's subjects.
 * @throws InvalidSubjectTokenError when a value cannot be a subject token.
 */
export function tailFilter(what: Tailable, options: TailOptions): string {
  const spec = TAILABLE[what];
  const allowed: readonly Filter[] = spec.filters;
  for (const f of ['country', 'hotline', 'audience', 'source', 'service'] as const) {
    if (options[f] !== undefined && !allowed.includes(f)) {
      const takes = allowed.length === 0 ? 'no filter' : allowed.map((a) => `--${a}`).join(', ');
      throw new UsageError(`--${f} does not apply to ${what} (its subjects are ${spec.subjects}); it takes ${takes}`);
    }
  }
  const country = options.country?.toUpperCase();
  switch (what) {
    case 'reports':
      return subjectFilters.reports(options.source);
    case 'hosting':
      return subjectFilters.hosting(country);
    case 'referrals':
      return subjectFilters.referrals({ ...(country === undefined ? {} : { country }), ...(options.hotline === undefined ? {} : { hotline: options.hotline }) });
    case 'notices':
      if (options.hotline !== undefined && options.audience !== undefined && options.audience !== 'hotline') {
        throw new UsageError(`--hotline names the recipient of hotline notices; it does not go with --audience ${options.audience}`);
      }
      return subjectFilters.notices({
        ...(country === undefined ? {} : { country }),
        ...(options.audience === undefined ? {} : { audience: AUDIENCES[options.audience] }),
        ...(options.hotline === undefined ? {} : { hotline: options.hotline }),
      });
    case 'status':
      return subjectFilters.status(options.hotline);
    case 'dlq':
      return subjectFilters.dlq(options.service);
  }
}

function countOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--count ${JSON.stringify(text)} must be a positive whole number`);
  return Number(text);
}

/**
 * `relay tail <stream> [filters] [--since <time|duration>] [--count <n>] [--json]`:
 * follows a stream from now (or `--since`), one line per message decoded by
 * its `Relay-Type`, until Ctrl-C or `--count` messages.
 */
export function registerTail(program: Command, ctx: CliContext): void {
  program
    .command('tail')
    .description('follow a stream as messages arrive: one line per message, decoded by its Relay-Type')
    .addArgument(program.createArgument('<stream>', 'what to follow').choices(Object.keys(TAILABLE)))
    .option('--country <CC>', 'only this hosting country (hosting, referrals, notices)')
    .option('--hotline <id>', 'only this hotline (referrals, status, the notices addressed to it)')
    .addOption(new Option('--audience <who>', 'only notices to this audience').choices(Object.keys(AUDIENCES)))
    .option('--source <id>', 'only reports from this source (reports)')
    .option('--service <name>', 'only dead letters of this service (dlq)')
    .option('--since <time|duration>', 'start at this time (ISO 8601) or this long ago (15m, 2h) instead of now')
    .option('--count <n>', 'stop after n messages')
    .option('--json', 'print one JSON document per line: headers and the proto3 JSON of the message')
    .action(async (what: Tailable, options: TailOptions) => {
      const filterSubject = tailFilter(what, options);
      const limit = countOf(options.count);
      const startTime = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, new Date());
      const { stream } = TAILABLE[what];
      const bus = await connectCli(ctx, 'relay-tail');
      // Closing the connection ends the follow loop; a second close would fail while the first drains.
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => (closing ??= bus.close());
      let interrupted = false;
      const stopListening = onInterrupt(() => {
        interrupted = true;
        void close();
      });
      try {
        const state = await streamState(bus, stream);
        if (!state) throw new UnavailableError(`stream ${stream} does not exist on this server: start the relay (npm start) or point NATS_URL at one`);
        const from = startTime === undefined ? { startSeq: state.lastSeq + 1 } : { startTime };
        ctx.err(`following ${stream} ${filterSubject} ${startTime === undefined ? 'from now' : `since ${startTime.toISOString()}`}; Ctrl-C stops\n`);
        let seen = 0;
        for await (const stored of readStream(bus, { stream, filterSubject, follow: true, ...from })) {
          const decoded = decodeStored(stored);
          ctx.out(options.json === true ? `${JSON.stringify(messageJson(decoded))}\n` : `${messageLine(decoded)}\n`);
          seen += 1;
          if (limit !== undefined && seen >= limit) break;
        }
      } catch (err) {
        // Ctrl-C closes the connection under whatever was in progress (even the consumer's
        // creation): what fails because of that close is the stop the user asked for.
        if (!interrupted) throw err;
      } finally {
        stopListening();
        await close();
      }
    });
}
