/**
 * The envelope's protobuf types, parsed once from the `.proto` shipped with
 * the package (`proto/skein/codec/v1/envelope.proto`, embedded as text in
 * envelope-proto.ts so no file is read: a browser has none) when this module
 * is first imported. Every header is encoded and decoded with these same
 * reflected types: nothing is parsed or generated per message.
 */
import protobuf from "protobufjs";
import { ENVELOPE_PROTO } from "./envelope-proto.js";

/** Protocol version this build writes and fully understands. */
export const PROTOCOL_VERSION = 1;

/** Path of the shipped envelope schema, for tools that want to read it. */
export const ENVELOPE_PROTO_URL = new URL("../proto/skein/codec/v1/envelope.proto", import.meta.url);

const root = protobuf.parse(ENVELOPE_PROTO, { keepCase: false }).root;
root.resolveAll();

/** The reflected `skein.codec.v1.Header` type. */
export const HeaderType: protobuf.Type = root.lookupType("skein.codec.v1.Header");
/** The reflected `skein.codec.v1.ErrorPayload` type. */
export const ErrorPayloadType: protobuf.Type = root.lookupType("skein.codec.v1.ErrorPayload");

/** The shape protobufjs gives a decoded `Header` (field names in camelCase). */
export interface HeaderMessage {
  version: number;
  minVersion: number;
  kind: number;
  service: string;
  method: string;
  topic: string;
  correlationId: string;
  deadlineMs: number | protobuf.Long;
  traceparent: string;
  tracestate: string;
  metadata: Record<string, string>;
  payloadType: string;
  credit: number;
  $unknowns?: Uint8Array[];
}
