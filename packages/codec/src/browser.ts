/**
 * `@skein/codec` in a browser (the `browser` export condition): the Node
 * entry without `skein-codegen` (`generateTypeScript`, `codegenMain`), which
 * reads and writes files. Generated code, envelopes and the type registry
 * (from `.proto` source or JSON descriptors; not from a file path) work as
 * under Node, with `Uint8Array` frames. See docs/browser.md.
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
