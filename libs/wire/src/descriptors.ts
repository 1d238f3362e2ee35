import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor.js';
import protojson from 'protobufjs/ext/protojson.js';
import { DecodeError, UnknownMessageTypeError } from './errors.js';

/**
 * Path of the descriptor image of proto/ (built by `npm run generate` with
 * `buf build`). Other tools (protoc --decode, grpcurl, buf curl) read it too.
 */
export const descriptorImagePath: string = new URL('../descriptors/relay.binpb', import.meta.url).pathname;

let root: protobuf.Root | undefined;

function descriptorRoot(): protobuf.Root {
  root ??= protobuf.Root.fromDescriptor(readFileSync(descriptorImagePath));
  return root;
}

/**
 * Decodes any message of the schema, by its full name (the `Relay-Type`
 * header), to its proto3 JSON mapping, using reflection over the descriptor
 * image rather than generated code: what `relay inspect` and `relay replay`
 * show, including messages added to proto/ after this code was generated.
 * @throws UnknownMessageTypeError when the name is not in the schema.
 * @throws DecodeError when the bytes are not a valid encoding.
 */
export function decodeToJsonByName(typeName: string, bytes: Uint8Array): unknown {
  let type: protobuf.Type;
  try {
    type = descriptorRoot().lookupType(typeName);
  } catch {
    throw new UnknownMessageTypeError(typeName);
  }
  try {
    return protojson.toJson(type, type.decode(bytes));
  } catch (err) {
    throw new DecodeError(typeName, err);
  }
}
