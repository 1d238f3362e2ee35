import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
// Type-only: brings in the Root.fromDescriptor declaration; the module itself is required on first use.
import type {} from 'protobufjs/ext/descriptor.js';
import type protojsonModule from 'protobufjs/ext/protojson.js';
import { DecodeError, UnknownMessageTypeError } from './errors.js';

/**
 * Path of the descriptor image of proto/ (built by `npm run generate` with
 * `buf build`). Other tools (protoc --decode, grpcurl, buf curl) read it too.
 */
export const descriptorImagePath: string = new URL('../descriptors/relay.binpb', import.meta.url).pathname;

interface Reflection {
  readonly root: protobuf.Root;
  readonly protojson: typeof protojsonModule;
}

let reflection: Reflection | undefined;

/**
 * protobufjs (about 50 modules) is loaded on first use, not at import: only
 * the CLI decodes by name, and every service imports this package at start.
 */
function loadReflection(): Reflection {
  if (reflection) return reflection;
  const require = createRequire(import.meta.url);
  const pb = require('protobufjs') as typeof protobuf;
  require('protobufjs/ext/descriptor.js');
  const protojson = require('protobufjs/ext/protojson.js') as typeof protojsonModule;
  reflection = { root: pb.Root.fromDescriptor(readFileSync(descriptorImagePath)), protojson };
  return reflection;
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
  const { root, protojson } = loadReflection();
  let type: protobuf.Type;
  try {
    type = root.lookupType(typeName);
  } catch {
    throw new UnknownMessageTypeError(typeName);
  }
  try {
    return protojson.toJson(type, type.decode(bytes));
  } catch (err) {
    throw new DecodeError(typeName, err);
  }
}
