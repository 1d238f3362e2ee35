import { DecodeError, UnknownMessageTypeError } from './errors.js';
import { codecs, isRelayType, type RelayMessageMap, type RelayTypeName } from './messages.js';

/** Encodes a relay.v1 message to protobuf binary. */
export function encodeMessage<K extends RelayTypeName>(type: K, message: RelayMessageMap[K]): Uint8Array {
  return codecs[type].encode(message).finish();
}

/**
 * Decodes protobuf binary as the message named by `type` (a `Relay-Type`).
 * @throws UnknownMessageTypeError when `type` names no relay.v1 message.
 * @throws DecodeError when the bytes are not a valid encoding.
 */
export function decodeMessage<K extends RelayTypeName>(type: K, bytes: Uint8Array): RelayMessageMap[K];
export function decodeMessage(type: string, bytes: Uint8Array): RelayMessageMap[RelayTypeName];
export function decodeMessage(type: string, bytes: Uint8Array): RelayMessageMap[RelayTypeName] {
  if (!isRelayType(type)) throw new UnknownMessageTypeError(type);
  try {
    return codecs[type].decode(bytes);
  } catch (err) {
    throw new DecodeError(type, err);
  }
}

/** The proto3 JSON mapping of a message (camelCase fields, enum names, RFC 3339 times). */
export function messageToJson<K extends RelayTypeName>(type: K, message: RelayMessageMap[K]): unknown {
  return codecs[type].toJSON(message);
}

/**
 * Reads a message from its proto3 JSON mapping.
 * @throws DecodeError when the JSON does not fit the message.
 */
export function messageFromJson<K extends RelayTypeName>(type: K, json: unknown): RelayMessageMap[K] {
  try {
    return codecs[type].fromJSON(json);
  } catch (err) {
    throw new DecodeError(type, err);
  }
}
