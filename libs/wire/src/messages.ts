import { AuditRecord } from './gen/relay/v1/audit.js';
import { HostingObservation } from './gen/relay/v1/hosting.js';
import { Notice } from './gen/relay/v1/notice.js';
import { RecheckRequest } from './gen/relay/v1/recheck.js';
import { Referral } from './gen/relay/v1/referral.js';
import { Report } from './gen/relay/v1/report.js';
import { StatusUpdate } from './gen/relay/v1/status.js';

/** Full protobuf names of the top-level messages: the values of `Relay-Type`. */
export const RelayType = {
  Report: 'relay.v1.Report',
  HostingObservation: 'relay.v1.HostingObservation',
  Referral: 'relay.v1.Referral',
  Notice: 'relay.v1.Notice',
  StatusUpdate: 'relay.v1.StatusUpdate',
  RecheckRequest: 'relay.v1.RecheckRequest',
  AuditRecord: 'relay.v1.AuditRecord',
} as const;
export type RelayTypeName = (typeof RelayType)[keyof typeof RelayType];

/** The TypeScript type of each message, by its `Relay-Type` name. */
export interface RelayMessageMap {
  'relay.v1.Report': Report;
  'relay.v1.HostingObservation': HostingObservation;
  'relay.v1.Referral': Referral;
  'relay.v1.Notice': Notice;
  'relay.v1.StatusUpdate': StatusUpdate;
  'relay.v1.RecheckRequest': RecheckRequest;
  'relay.v1.AuditRecord': AuditRecord;
}

/** Encode, decode and proto-JSON functions of one message type (ts-proto's shape). */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** The generated codec of each message type. */
export const codecs: { readonly [K in RelayTypeName]: MessageCodec<RelayMessageMap[K]> } = {
  'relay.v1.Report': Report,
  'relay.v1.HostingObservation': HostingObservation,
  'relay.v1.Referral': Referral,
  'relay.v1.Notice': Notice,
  'relay.v1.StatusUpdate': StatusUpdate,
  'relay.v1.RecheckRequest': RecheckRequest,
  'relay.v1.AuditRecord': AuditRecord,
};

/** True when `name` is one of the top-level relay.v1 message names. */
export function isRelayType(name: string): name is RelayTypeName {
  return Object.hasOwn(codecs, name);
}
