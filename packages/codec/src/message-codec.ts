/**
 * A typed codec for one protobuf message type: what generated code exports
 * for every message, and what {@link TypeRegistry.codec} returns.
 */
import protobuf from "protobufjs";
import { asFrame } from "./bytes.js";
import { protobufReader } from "./flat-string-reader.js";
import { CodecError, CodecErrorCode, describeError } from "./errors.js";
import type { CodecLimits } from "./limits.js";
import { LongConverter } from "./long-representation.js";

/**
 * What may be passed to encode a 64-bit integer field, whatever its decoded
 * representation: a `bigint`, an integer `number`, a decimal `string` or a
 * protobufjs `Long`.
 */
export type Int64 = bigint | number | string | protobuf.Long;

/**
 * What may be passed to encode a message of type `T`: every field optional
 * (proto3 defaults fill the gaps), nested messages likewise.
 */
export type MessageInit<T> = { [K in keyof T]?: FieldInit<T[K]> | null };

/** What may be passed for one field of a message (see {@link MessageInit}). */
export type FieldInit<V> = V extends Uint8Array
  ? Uint8Array
  : V extends protobuf.Long | bigint
    ? Int64
    : V extends readonly (infer E)[]
      ? FieldInit<E>[]
      : V extends object
        ? MessageInit<V>
        : V;

/**
 * Encodes and decodes one message type.
 *
 * @typeParam T - the decoded message shape (a generated interface)
 *
 * @example
 * ```ts
 * const bytes = HelloRequest.encode({ name: "Ada" });
 * const request = HelloRequest.decode(bytes); // request.name === "Ada"
 * ```
 */
export interface MessageCodec<T> {
  /** Fully-qualified protobuf name, e.g. `"example.HelloRequest"`. */
  readonly typeName: string;
  /**
   * Encodes `value` (checked against the type first).
   * @throws {@link CodecError} `ERR_CODEC_INVALID_MESSAGE` or `ERR_CODEC_TOO_LARGE`
   */
  encode(value: MessageInit<T>): Buffer;
  /**
   * Decodes `bytes` without copying them: `bytes` fields of the result are
   * views of `bytes`. Fields unknown to this schema are kept and written back
   * by {@link MessageCodec.encode} of the decoded message.
   * @throws {@link CodecError} `ERR_CODEC_MALFORMED_PAYLOAD` or `ERR_CODEC_TOO_LARGE`
   */
  decode(bytes: Uint8Array): T;
}

/** A type's name without protobufjs's leading dot; only built for error messages (fullName is computed on each read). */
function nameOf(type: protobuf.Type): string {
  return type.fullName.slice(1);
}

/** {@link MessageCodec} over a protobufjs reflected type. */
export class ReflectionCodec<T> implements MessageCodec<T> {
  readonly typeName: string;
  readonly #type: protobuf.Type;
  readonly #limits: CodecLimits;
  readonly #longs: LongConverter;

  /**
   * @param type - a resolved protobufjs type
   * @param limits - `maxPayloadSize` bounds encoded and decoded messages
   * @param longs - how 64-bit fields are decoded (default: as `bigint`)
   */
  constructor(type: protobuf.Type, limits: CodecLimits, longs: LongConverter = new LongConverter()) {
    this.#type = type;
    this.#limits = limits;
    this.#longs = longs;
    this.typeName = type.fullName.slice(1);
  }

  /**
   * The reflected protobufjs type, for reflection: `type.root.toJSON()` is the
   * JSON descriptor of the schema that defines it (what the `skein.Health`
   * `Describe` method sends so that `skein call` can encode without a `.proto`).
   */
  get type(): protobuf.Type {
    return this.#type;
  }

  encode(value: MessageInit<T>): Buffer {
    return encodeMessage(this.#type, value, this.#limits, this.#longs);
  }

  decode(bytes: Uint8Array): T {
    return decodeMessage(this.#type, bytes, this.#limits, this.#longs) as T;
  }
}

/**
 * Encodes `value` as a message of `type`, after checking it matches.
 * @throws {@link CodecError} `ERR_CODEC_INVALID_MESSAGE` or `ERR_CODEC_TOO_LARGE`
 */
export function encodeMessage(type: protobuf.Type, input: unknown, limits: CodecLimits, longs?: LongConverter): Buffer {
  if (typeof input !== "object" || input === null) {
    throw new CodecError(CodecErrorCode.INVALID_MESSAGE, `cannot encode ${nameOf(type)}: value is not an object`);
  }
  let value = input;
  try {
    value = longs === undefined ? input : longs.toEncode(type, input) as object;
  } catch (err) {
    throw err instanceof CodecError ? new CodecError(err.code, `cannot encode ${nameOf(type)}: ${err.message}`) : err;
  }
  const problem = type.verify(value as Record<string, unknown>);
  if (problem !== null) {
    throw new CodecError(CodecErrorCode.INVALID_MESSAGE, `cannot encode ${nameOf(type)}: ${problem}`);
  }
  const bytes = type.encode(value as Record<string, unknown>).finish();
  // On Node protobufjs writes into a Buffer; wrap (never copy) if it did not.
  const buffer = asFrame(bytes);
  if (buffer.length > limits.maxPayloadSize) {
    throw new CodecError(
      CodecErrorCode.TOO_LARGE,
      `${nameOf(type)} encodes to ${buffer.length} bytes, over maxPayloadSize ${limits.maxPayloadSize}`,
    );
  }
  return buffer;
}

/**
 * Decodes `bytes` as a message of `type`, reading straight from them.
 * @throws {@link CodecError} `ERR_CODEC_MALFORMED_PAYLOAD` or `ERR_CODEC_TOO_LARGE`
 */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array, limits: CodecLimits, longs?: LongConverter): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new CodecError(CodecErrorCode.MALFORMED_PAYLOAD, `cannot decode ${nameOf(type)}: input is not a Buffer or Uint8Array`);
  }
  if (bytes.length > limits.maxPayloadSize) {
    throw new CodecError(
      CodecErrorCode.TOO_LARGE,
      `${nameOf(type)} payload is ${bytes.length} bytes, over maxPayloadSize ${limits.maxPayloadSize}`,
    );
  }
  // A Buffer view of the same memory, so protobufjs's BufferReader slices
  // `bytes` fields as views instead of copying them.
  const buffer = asFrame(bytes);
  const reader = protobufReader(buffer);
  reader.discardUnknown = false;
  let message: protobuf.Message;
  try {
    message = type.decode(reader);
  } catch (err) {
    throw new CodecError(
      CodecErrorCode.MALFORMED_PAYLOAD,
      `payload is not a valid ${nameOf(type)}: ${describeError(err)}`,
      { cause: err },
    );
  }
  longs?.decoded(type, message as unknown as Record<string, unknown>);
  return message;
}
