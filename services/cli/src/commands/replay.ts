import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type Bus, isProvenanceError, publishBytes, readdressedHeaders, streamState } from '@relay/bus';
import { Header, StreamName } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { type AuditedOptions, auditBeforeActing, auditedOptions, requireReason } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';
import { parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printFields, printJson } from '../output.js';
import { openJsonl } from '../replay/jsonl.js';
import { createPacer } from '../replay/pace.js';
import { startProgress } from '../progress.js';
import { checkSubjectFilter, REFERRAL_STREAMS, type Selection, selectMessages, streamNamed } from '../replay/select.js';
import { findResigner, type Resigner } from '../replay/resign.js';
import { checkNoticeRecipient, checkTarget, noticeHotlineOf, ORIGINAL, parseTargetSubject, type Republish, republishOf, type TargetSubject } from '../replay/target.js';

interface ReplayOptions extends AuditedOptions {
  readonly stream: string;
  readonly since?: string;
  readonly until?: string;
  readonly subject?: string;
  readonly referral?: string;
  readonly out?: string;
  readonly toSubject?: string;
  readonly rate?: string;
  readonly json?: boolean;
}

/** Messages a second when re-publishing without `--rate`: well under what the dispatcher handles, so live traffic keeps flowing. */
export const DEFAULT_REPUBLISH_RATE = 1_000;

/** What a replay did. */
export interface ReplayResult {
  readonly stream: StreamName;
  readonly subject: string | undefined;
  readonly since: string | undefined;
  readonly until: string | undefined;
  readonly referral: string | undefined;
  /** The file written, or the subject pattern re-published to. */
  readonly out?: string;
  readonly toSubject?: string;
  readonly read: number;
  /** Lines written, or messages the target stream stored anew. */
  readonly written: number;
  /** Re-published messages the stream dropped as duplicates (same `Nats-Msg-Id` inside its window). */
  readonly duplicates: number;
  /** Copies put on another subject and re-signed by this operator (decision 0109). */
  readonly resigned: number;
  /** The operator organisation that re-signed them, when any was. */
  readonly resignedBy?: string;
  /** Where the audit record is: `AUDIT:<seq>`. */
  readonly audit: string;
}

interface Plan {
  readonly selection: Selection;
  readonly out?: string;
  readonly toSubject?: { readonly text: string; readonly target: TargetSubject };
  readonly rate: number | undefined;
}

function planOf(options: ReplayOptions, now: Date): Plan {
  const stream = streamNamed(options.stream);
  if ((options.out === undefined) === (options.toSubject === undefined)) throw new UsageError('replay needs exactly one of --out <file.jsonl> or --to-subject <subject>');
  if (options.referral !== undefined && !REFERRAL_STREAMS.includes(stream)) {
    throw new UsageError(`--referral: messages of ${stream} name no referral (use it with ${REFERRAL_STREAMS.join(', ')})`);
  }
  if (options.toSubject !== undefined && ([StreamName.Archive, StreamName.Audit, StreamName.AuditMirror, StreamName.Dlq] as StreamName[]).includes(stream)) {
    throw new UsageError(`--to-subject: ${stream} is not replayed into the pipeline (${stream === StreamName.Dlq ? 'use `relay dlq redrive`' : 'its messages are a record, not work'}); use --out`);
  }
  const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, now);
  const until = options.until === undefined ? undefined : parseTimeOrDuration('--until', options.until, now);
  if (since && until && since >= until) throw new UsageError(`--since (${since.toISOString()}) must be before --until (${until.toISOString()})`);
  let rate: number | undefined = options.toSubject === undefined ? undefined : DEFAULT_REPUBLISH_RATE;
  if (options.rate !== undefined) {
    const n = Number(options.rate);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--rate: ${JSON.stringify(options.rate)} is not a number of messages a second (0 = no limit)`);
    rate = n === 0 ? undefined : n;
  }
  return {
    selection: {
      stream,
      ...(options.subject === undefined ? {} : { filterSubject: checkSubjectFilter(stream, options.subject) }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(options.referral === undefined ? {} : { referral: options.referral }),
    },
    ...(options.out === undefined ? {} : { out: resolve(options.out) }),
    ...(options.toSubject === undefined ? {} : { toSubject: { text: options.toSubject, target: parseTargetSubject(options.toSubject) } }),
    rate,
  };
}

function describeRange(s: Selection): string {
  const range = s.since || s.until ? ` [${s.since?.toISOString() ?? 'start'}, ${s.until?.toISOString() ?? 'end'})` : '';
  return `${s.stream}${s.filterSubject === undefined ? '' : ` ${s.filterSubject}`}${range}${s.referral === undefined ? '' : ` referral ${s.referral}`}`;
}

async function replay(bus: Bus, ctx: CliContext, options: ReplayOptions, plan: Plan): Promise<ReplayResult> {
  const { selection } = plan;
  const state = await streamState(bus, selection.stream);
  if (!state) throw new UsageError(`stream ${selection.stream} does not exist on this server`);
  const destination = plan.out ?? `subject ${plan.toSubject?.text ?? ''}`;
  // A signed message put on another subject no longer verifies: re-signed by the operator (decision 0109).
  const resigner = plan.toSubject && plan.toSubject.text !== ORIGINAL ? await findResigner(bus, ctx.env['RELAY_DIRECTORY_KEY'] || undefined) : undefined;
  const audit = await auditBeforeActing(bus, ctx, options, {
    action: 'replay',
    target: `${describeRange(selection)} -> ${destination}`,
    details: {
      stream: selection.stream,
      ...(selection.filterSubject === undefined ? {} : { subject: selection.filterSubject }),
      ...(selection.since === undefined ? {} : { since: selection.since.toISOString() }),
      ...(selection.until === undefined ? {} : { until: selection.until.toISOString() }),
      ...(selection.referral === undefined ? {} : { referral: selection.referral }),
      ...(plan.out === undefined ? {} : { out: plan.out }),
      ...(plan.toSubject === undefined ? {} : { toSubject: plan.toSubject.text }),
      rate: plan.rate === undefined ? 'unlimited' : String(plan.rate),
      ...(resigner === undefined ? {} : { resignAs: resigner.org }),
    },
  });
  const pace = createPacer(plan.rate);
  const progress = startProgress(ctx, `replay ${selection.stream}`, state.lastSeq);
  const file = plan.out === undefined ? undefined : await openJsonl(plan.out);
  let read = 0;
  let written = 0;
  let duplicates = 0;
  let resigned = 0;
  try {
    for await (const m of selectMessages(bus, selection)) {
      read++;
      await pace();
      if (file) {
        await file.write(m);
        written++;
      } else if (plan.toSubject) {
        const hotline = (): string => noticeHotlineOf(m.headers[Header.Type], m.data);
        const subject = plan.toSubject.target(m.subject, hotline);
        checkTarget(subject, m.headers[Header.Type] ?? '');
        checkNoticeRecipient(subject, hotline);
        const again = republishOf(m.headers, `replay:${m.stream}:${m.seq}`);
        const copy = subject !== m.subject && resigner ? readdressed(again, m.subject, resigner, `${m.stream} #${m.seq}`) : again;
        if (copy !== again) resigned++;
        const stored = await publishBytes(bus, subject, m.data, { ...copy });
        if (stored.duplicate) duplicates++;
        else written++;
      }
      progress.update(m.seq);
    }
    await file?.finish();
  } catch (err) {
    await file?.abort();
    throw err;
  } finally {
    progress.stop();
  }
  return {
    stream: selection.stream,
    subject: selection.filterSubject,
    since: selection.since?.toISOString(),
    until: selection.until?.toISOString(),
    referral: selection.referral,
    ...(plan.out === undefined ? {} : { out: plan.out }),
    ...(plan.toSubject === undefined ? {} : { toSubject: plan.toSubject.text }),
    read,
    written,
    duplicates,
    resigned,
    ...(resigned > 0 && resigner ? { resignedBy: resigner.org } : {}),
    audit: `${audit.stream}:${audit.seq}`,
  };
}

/**
 * A copy of `again` for another subject, re-signed by the operator on
 * publishing: the original's origin and signature kept in `Relay-Replay-Of-*`.
 * @throws UsageError for a message with no v2 signature to keep.
 */
function readdressed(again: Republish, originalSubject: string, by: Resigner, where: string): Republish {
  try {
    return { ...again, origin: by.org, headers: readdressedHeaders({ ...again.headers, [Header.Origin]: again.origin }, originalSubject) };
  } catch (err) {
    if (isProvenanceError(err)) throw new UsageError(`--to-subject: ${where}: ${err.message}; replay it with --to-subject original, or not at all`, err);
    throw err;
  }
}

function printResult(ctx: CliContext, r: ReplayResult): void {
  printFields(ctx, [
    ['Stream', r.stream],
    ['Subject filter', r.subject ?? ''],
    ['Since', r.since ?? ''],
    ['Until', r.until ?? ''],
    ['Referral', r.referral ?? ''],
    ...(r.out === undefined
      ? ([
          ['Re-published to', r.toSubject ?? ''],
          ['Read', String(r.read)],
          ['Stored anew', String(r.written)],
          ['Dropped as duplicates', String(r.duplicates)],
          ['Re-signed', r.resigned === 0 ? '0' : `${r.resigned} (by ${r.resignedBy ?? ''}: re-addressed copies keep the original signature in Relay-Replay-Of-*)`],
        ] as const)
      : ([
          ['Written to', r.out],
          ['Messages', String(r.written)],
        ] as const)),
    ['Audit record', r.audit],
  ]);
}

/**
 * `relay replay --stream <S> [--since] [--until] [--subject] [--referral]
 * (--out <file.jsonl> | --to-subject <subject|original>) [--rate] --reason`:
 * reads a range of a stream in order and writes it to a JSON Lines file or
 * publishes it again, unchanged (same `Nats-Msg-Id`, origin and signature),
 * after writing an audit record. A signed message put on another subject is
 * re-signed by the operator, keeping the original signature beside (decision 0109).
 */
export function registerReplay(program: Command, ctx: CliContext): void {
  const command = program
    .command('replay')
    .description('read a range of a stream in order, to a JSON Lines file or back into the pipeline (audited)')
    .requiredOption('--stream <stream>', `the stream to read (${Object.values(StreamName).join(', ')})`)
    .option('--since <time|duration>', 'from this time (2026-11-02T09:00:00Z) or this long ago (2h)')
    .option('--until <time|duration>', 'up to (not including) this time, or this long ago')
    .option('--subject <filter>', 'only subjects matching this filter (relay.hosting.NL, relay.referral.*.eokm)')
    .option('--referral <id>', 'only messages about this referral (REFERRALS, NOTICES, STATUS, ARCHIVE)')
    .option('--out <file.jsonl>', 'write one JSON object per message: stream, seq, subject, time, headers, message (proto3 JSON), data (base64)')
    .option(
      '--to-subject <subject>',
      'publish each message again: "original" keeps its subject; else a subject with {n} for the n-th original token and {hotline} for the hotline a notice is addressed to',
    )
    .option('--rate <msgs/s>', `at most this many messages a second; 0 = no limit (default: none with --out, ${DEFAULT_REPUBLISH_RATE} with --to-subject)`)
    .option('--json', 'print the result as JSON');
  auditedOptions(command).action(async (options: ReplayOptions) => {
    const plan = planOf(options, new Date());
    requireReason(options);
    const result = await withBus(ctx, 'relay-cli-replay', (bus) => replay(bus, ctx, options, plan));
    if (outputMode(options) === 'json') printJson(ctx, result);
    else printResult(ctx, result);
  });
}
