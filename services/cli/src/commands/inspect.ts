import type { Command } from 'commander';
import { getStoredMessage, streamState } from '@relay/bus';
import { Audience, errorFromHeader, Header, parseSubject, type ParsedSubject, StreamName } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UnavailableError, UsageError } from '../errors.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import { type DecodedMessage, decodeStored, messageJson, messageSummary } from './message-lines.js';
import { withBus } from '../operator/connect.js';

interface InspectOptions {
  readonly json?: boolean;
}

/**
 * Reads a stream name as given (`referrals`, `REFERRALS`).
 * @throws UsageError naming the streams there are.
 */
export function streamNameOf(text: string): StreamName {
  const name = text.toUpperCase();
  const known: readonly string[] = Object.values(StreamName);
  if (!known.includes(name)) throw new UsageError(`no stream ${JSON.stringify(text)}: use one of ${known.join(', ')}`);
  return name as StreamName;
}

function sequenceOf(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`sequence ${JSON.stringify(text)} must be a positive whole number`);
  return Number(text);
}

/** Fields a person reads first: who signed it, and for a dead letter what went wrong and where it came from. */
function provenanceFields(d: DecodedMessage): [string, string][] {
  const h = d.stored.headers;
  const fields: [string, string][] = [
    ['Origin', h[Header.Origin] ?? ''],
    ['Message id', h[Header.MsgId] ?? ''],
    ['Signer', h[Header.Signer] ?? 'unsigned'],
    ['Signed at', signedAt(h[Header.SignedAt], h[Header.Signer])],
  ];
  const error = h[Header.Error];
  if (error !== undefined) {
    const e = errorFromHeader(error);
    fields.push(
      ['Error code', e.code],
      ['Error', e.message],
      ['Dead-lettered by', h[Header.DlqService] ?? ''],
      ['Consumed from', `${h[Header.DlqSource] ?? ''} (${h[Header.DlqSubject] ?? ''})`],
      ['Original message id', h[Header.DlqMsgId] ?? ''],
      ['Original signer', h[Header.DlqSigner] ?? 'unsigned'],
      ['Originally signed at', signedAt(h[Header.DlqSignedAt], h[Header.DlqSigner])],
    );
  }
  return fields;
}

/** `Relay-Signed-At` as an instant; a signature without one is v1 (decision 0102). */
function signedAt(value: string | undefined, signer: string | undefined): string {
  if (signer === undefined) return '';
  if (value === undefined) return 'no signing time (v1 signature)';
  const at = Number(value);
  return Number.isSafeInteger(at) ? new Date(at).toISOString() : `invalid (${value.slice(0, 40)})`;
}

/** Who a notice's subject lets read it: one hotline, or (before decision 0091) every hotline of a country. */
function addressedTo(subject: string): [string, string][] {
  let parsed: ParsedSubject;
  try {
    parsed = parseSubject(subject);
  } catch {
    return [];
  }
  if (parsed.kind !== 'notice' || parsed.audience !== Audience.AUDIENCE_HOTLINE) return [];
  if (parsed.hotline !== undefined) return [['Addressed to', `hotline ${parsed.hotline} (${parsed.country})`]];
  return [['Addressed to', `every hotline of ${parsed.country} (country-wide subject of earlier versions, decision 0091)`]];
}

function printMessage(ctx: CliContext, d: DecodedMessage): void {
  printFields(ctx, [
    ['Stream', `${d.stored.stream} #${d.stored.seq}`],
    ['Subject', d.stored.subject],
    ...addressedTo(d.stored.subject),
    ['Stored at', d.stored.time.toISOString()],
    ['Type', d.type],
    ['Summary', messageSummary(d)],
    ...provenanceFields(d),
  ]);
  ctx.out('\n');
  printTable(
    ctx,
    ['header', 'value'],
    Object.entries(d.stored.headers).map(([k, v]) => [k, v]),
  );
  ctx.out('\n');
  if (d.problem === undefined) ctx.out(`${JSON.stringify(d.json, null, 2)}\n`);
  else ctx.out(`The payload (${d.stored.data.byteLength} bytes) cannot be decoded: ${d.problem}\n`);
}

/** `relay inspect <stream> <seq> [--json]`: one stored message, its headers and its decoded payload. */
export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('show one stored message: its headers (signer, DLQ error) and its payload decoded by Relay-Type')
    .argument('<stream>', `stream name (${Object.values(StreamName).join(', ')}; any case)`)
    .argument('<seq>', 'stream sequence number')
    .option('--json', 'print stream, subject, headers and the proto3 JSON of the payload as one JSON document')
    .action(async (streamText: string, seqText: string, options: InspectOptions) => {
      const stream = streamNameOf(streamText);
      const seq = sequenceOf(seqText);
      await withBus(ctx, 'relay-inspect', async (bus) => {
        const stored = await getStoredMessage(bus, stream, seq);
        if (!stored) {
          const state = await streamState(bus, stream);
          if (!state) throw new UnavailableError(`stream ${stream} does not exist on this server: start the relay (npm start) or point NATS_URL at one`);
          const range = state.messages === 0 ? 'it is empty' : `it holds ${state.firstSeq}-${state.lastSeq}, with gaps where messages were removed`;
          throw new UsageError(`no message ${seq} in ${stream}: ${range}`);
        }
        const decoded = decodeStored(stored);
        if (outputMode(options) === 'json') printJson(ctx, messageJson(decoded));
        else printMessage(ctx, decoded);
      });
    });
}
