import { type Bus, publishMessage } from '@relay/bus';
import { childTraceparent, RelayType, StatusAction, type StatusUpdate, StreamName, subjects } from '@relay/wire';
import { z } from 'zod';
import { decodeBody, MediaType } from './decode.js';
import { enumNames, text } from './fields.js';
import { invalid, type Problem, problem, Rule } from './problems.js';
import { violationsOf } from './read-report.js';

/**
 * `POST /v1/status` (decision 0130): a hotline that does not hold a NATS
 * connection reports its progress on a referral over HTTP. The body is a
 * `relay.v1.StatusUpdate` in proto3 JSON names; the hotline comes from the API
 * key (the source's `hotline` in the sources file), never from the body. The
 * gateway publishes it on `relay.status.<hotline>` exactly as a hotline does
 * over NATS (`Nats-Msg-Id = <hotline>:<id>`, `Relay-Origin = <hotline>`), signed
 * with the gateway's own key; the dispatcher accepts the gateway's signature
 * there only for a hotline of the directory whose id is the signed
 * `Relay-Origin`, and applies the same rules as to a status over NATS.
 */

const CASE_ID = /^case_[0-9a-f]{32}$/;
const REFERRAL_ID = /^ref_[0-9a-f]{32}$/;
/** A hotline's own status id: it becomes part of `Nats-Msg-Id`, so a printable token. */
export const STATUS_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$';

/** Longest note accepted, characters. */
export const MAX_STATUS_NOTE = 2_000;

const ACTIONS = enumNames(StatusAction).filter((a) => a !== 'STATUS_ACTION_UNSPECIFIED') as [string, ...string[]];

/** The body of `POST /v1/status`. */
export const statusBodySchema = z
  .strictObject({
    id: z
      .string()
      .regex(new RegExp(STATUS_ID_PATTERN), 'must be 1-100 characters of [A-Za-z0-9_.:-], starting with a letter or digit')
      .meta({ description: "The hotline's own id of this update: its idempotency key (a resend with the same id is stored once, over HTTP or NATS)", examples: ['eokm-2026-0042-isp'] }),
    referralId: z.string().regex(REFERRAL_ID, 'must be a referral id (ref_ and 32 hex digits)').meta({ examples: ['ref_0c4b1f7e2d9a8b6c5e3f1a0d9c8b7a6e'] }),
    caseId: z.string().regex(CASE_ID, 'must be a case id (case_ and 32 hex digits)').meta({ examples: ['case_5b2e0c7f9d8a4e1b3c6d2f0a9e8b7c6d'] }),
    action: z.enum(ACTIONS).meta({ description: 'ICCAM action: CR, CU and NI close the case, MO asks for a recheck, ISP starts the removal deadline', examples: ['STATUS_ACTION_ISP'] }),
    occurredAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'When it happened (RFC 3339); absent: when the relay applies it. Must lie between the referral and now, give or take 5 minutes' }),
    note: text(MAX_STATUS_NOTE).optional().meta({ description: 'Free text from the analyst: no content, no personal data' }),
    hotline: z.string().optional().meta({ description: 'Optional; when present, must be the hotline of the API key' }),
  })
  .meta({ description: 'A relay.v1.StatusUpdate in proto3 JSON names; the hotline is the API key\'s' });

/** What `POST /v1/status` answers once JetStream stored the update. */
export const statusReceiptSchema = z
  .object({
    statusId: z.string(),
    hotline: z.string().meta({ examples: ['eokm'] }),
    stream: z.literal(StreamName.Status),
    seq: z.int().min(1),
    /** True when this id was stored before (a resend): `seq` is the original's. */
    duplicate: z.boolean(),
  })
  .meta({ description: 'The status update is stored; the dispatcher applies it (or dead-letters it) as a status sent over NATS' });

/** The receipt of a stored status update. */
export type StatusReceipt = z.infer<typeof statusReceiptSchema>;

/** A receipt or why the update was refused. */
export type StatusAnswer = { readonly receipt: StatusReceipt } | { readonly problem: Problem };

/** One status update as the HTTP API hands it over, after authentication. */
export interface StatusSubmission {
  /** Source id from the API key. */
  readonly source: string;
  /** The hotline the source may send statuses for, from its entry; undefined: none. */
  readonly hotline: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  readonly traceparent?: string | undefined;
}

/** What the status intake needs. */
export interface StatusIntakeDeps {
  readonly bus: Bus;
  readonly maxBodyBytes: number;
  readonly publishTimeoutMs: number;
  readonly publishAttempts: number;
  readonly metrics: { refused(status: number, rule: string): void; statusStored(hotline: string, outcome: 'stored' | 'duplicate'): void };
  readonly log: { error(obj: object, msg: string): void };
}

/** Takes status updates over HTTP. */
export interface StatusIntake {
  submit(s: StatusSubmission): Promise<StatusAnswer>;
}

/** Creates the status intake: authorise -> decode (the report intake's guards) -> validate -> publish -> receipt. */
export function createStatusIntake(deps: StatusIntakeDeps): StatusIntake {
  const refuse = (p: Problem): StatusAnswer => {
    deps.metrics.refused(p.status, p.rule);
    return { problem: p };
  };
  return {
    submit: async (s) => {
      if (s.hotline === undefined) {
        return refuse(problem(403, Rule.Forbidden, `source ${s.source} is not a hotline: its API key may submit reports, not status updates`));
      }
      const type = (s.contentType ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== MediaType.Json) return refuse(problem(415, Rule.UnsupportedMediaType, 'a status update is application/json'));
      const decoded = decodeBody(s.body, s.contentType, deps.maxBodyBytes);
      if (!decoded.ok) return refuse(decoded.problem);
      const parsed = statusBodySchema.safeParse(decoded.tree);
      if (!parsed.success) return refuse(invalid(violationsOf(parsed.error.issues, decoded.tree, undefined)));
      const body = parsed.data;
      if (body.hotline !== undefined && body.hotline !== s.hotline) {
        return refuse(problem(403, Rule.Forbidden, `this API key sends status updates for hotline ${s.hotline} only`, '/hotline'));
      }
      const update: StatusUpdate = {
        id: body.id,
        hotline: s.hotline,
        referralId: body.referralId,
        caseId: body.caseId,
        action: StatusAction[body.action as keyof typeof StatusAction],
        ...(body.occurredAt === undefined ? {} : { occurredAt: new Date(body.occurredAt) }),
        note: body.note ?? '',
      };
      try {
        // The same subject, msg id and origin as a hotline's own publish: one idempotency key over HTTP and NATS.
        const stored = await publishMessage(deps.bus, subjects.status(s.hotline), RelayType.StatusUpdate, update, {
          msgId: `${s.hotline}:${update.id}`,
          origin: s.hotline,
          traceparent: childTraceparent(s.traceparent),
          timeoutMs: deps.publishTimeoutMs,
          attempts: deps.publishAttempts,
        });
        deps.metrics.statusStored(s.hotline, stored.duplicate ? 'duplicate' : 'stored');
        return { receipt: { statusId: update.id, hotline: s.hotline, stream: StreamName.Status, seq: stored.seq, duplicate: stored.duplicate } };
      } catch (err) {
        deps.log.error({ err, hotline: s.hotline }, 'status update not stored');
        return refuse(problem(503, Rule.Unavailable, 'JetStream did not acknowledge the status update: resend it with the same id (a resend is never stored twice)'));
      }
    },
  };
}
