import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  decodeMessage,
  decodeToJsonByName,
  encodeMessage,
  exampleMessage,
  messageFromJson,
  messageToJson,
  RelayType,
  UnknownMessageTypeError,
} from './index.js';

const TYPES = Object.values(RelayType);

describe('codec', () => {
  it.each(TYPES)('round-trips %s through protobuf binary', (type) => {
    const message = exampleMessage(type);
    expect(decodeMessage(type, encodeMessage(type, message))).toEqual(message);
  });

  it.each(TYPES)('round-trips %s through the proto3 JSON mapping', (type) => {
    const message = exampleMessage(type);
    expect(messageFromJson(type, JSON.parse(JSON.stringify(messageToJson(type, message))))).toEqual(message);
  });

  it('refuses bytes that are not a message with a typed error', () => {
    expect(() => decodeMessage(RelayType.Referral, Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(DecodeError);
  });

  it('refuses a Relay-Type that names no message', () => {
    expect(() => decodeMessage('relay.v1.Nope', new Uint8Array())).toThrow(UnknownMessageTypeError);
    expect(() => decodeToJsonByName('relay.v1.Nope', new Uint8Array())).toThrow(UnknownMessageTypeError);
  });
});

describe('decodeToJsonByName', () => {
  it.each(TYPES)('decodes %s by name from the descriptor image, as generated code does', (type) => {
    const message = exampleMessage(type);
    const reflected = decodeToJsonByName(type, encodeMessage(type, message));
    expect(messageFromJson(type, reflected)).toEqual(message);
  });

  it('names the referral fields a hotline reads', () => {
    const bytes = encodeMessage(RelayType.Referral, exampleMessage(RelayType.Referral));
    expect(decodeToJsonByName(RelayType.Referral, bytes)).toMatchObject({
      hotline: 'eokm',
      jurisdiction: 'NL',
      reason: 'ROUTING_REASON_HOSTED_IN',
      hosting: { country: 'NL', asn: 43350 },
    });
  });
});
