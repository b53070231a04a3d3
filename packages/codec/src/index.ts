/**
 * `@skein/codec`: typed calls and events as ZeroMQ frames, encoded with
 * protobufjs. See docs/wire-format.md for the bytes on the wire.
 */
export { CodecError, CodecErrorCode } from "./errors.js";
export { type CodecLimits, DEFAULT_LIMITS } from "./limits.js";
export { EnvelopeKind } from "./envelope-kind.js";
export { ENVELOPE_PROTO_URL, PROTOCOL_VERSION } from "./envelope-schema.js";
export { decodeEnvelope, encodeEnvelope, type Envelope, type EnvelopeOptions } from "./envelope.js";
export { decodeErrorPayload, encodeErrorPayload, type ErrorDetail, type ErrorPayload } from "./error-payload.js";
export {
  type FieldInit,
  type Int64,
  type MessageCodec,
  type MessageInit,
  ReflectionCodec,
} from "./message-codec.js";
export { TypeRegistry, type TypeRegistryOptions } from "./type-registry.js";
export { DEFAULT_LONGS, type LongRepresentation } from "./long-representation.js";
export type { CallContext, CallOptions, MethodDescriptor, ServiceDescriptor } from "./service-descriptor.js";
export type { Long } from "protobufjs";
export { generateTypeScript, type GeneratedFile, type GenerateOptions } from "./codegen/generate.js";
/** The `skein-codegen` command as a function (also `skein gen`): returns the exit code. */
export { main as codegenMain } from "./codegen/cli.js";
