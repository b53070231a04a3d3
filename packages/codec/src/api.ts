/**
 * The public API both entries of @skein/codec share: index.ts (Node, with
 * `skein-codegen`) and browser.ts (no file system: no code generation).
 */
export { CodecError, CodecErrorCode } from "./errors.js";
export { type CodecLimits, DEFAULT_LIMITS } from "./limits.js";
export { EnvelopeKind } from "./envelope-kind.js";
export { ENVELOPE_PROTO_URL, PROTOCOL_VERSION } from "./envelope-schema.js";
export { decodeEnvelope, encodeEnvelope, type Envelope, type EnvelopeOptions } from "./envelope.js";
export { encodeReply, RequestHeaderWriter } from "./header-writer.js";
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
