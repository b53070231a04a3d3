/**
 * A registry of protobuf message types, filled at run time from `.proto`
 * files or source (protobufjs reflection), from a protobufjs `Root`, or from
 * the JSON descriptor that generated code embeds.
 */
import protobuf from "protobufjs";
import { CodecError, CodecErrorCode, describeError } from "./errors.js";
import { type CodecLimits, resolveLimits } from "./limits.js";
import { LongConverter, type LongRepresentation } from "./long-representation.js";
import { decodeMessage, encodeMessage, type MessageCodec, ReflectionCodec } from "./message-codec.js";

/** Options for a {@link TypeRegistry}. */
export interface TypeRegistryOptions {
  /** Size limits; `maxPayloadSize` bounds every message encoded or decoded. */
  limits?: Partial<CodecLimits>;
  /**
   * The JavaScript type of decoded 64-bit integer fields: `"bigint"`
   * (default), `"number"` (fails with `ERR_CODEC_UNSAFE_INTEGER` beyond
   * 2^53 − 1) or `"string"`. Generated code sets it to match its types
   * (`skein-codegen --longs`). A registry changes the prototype defaults of
   * the types it registers: do not register one protobufjs `Root` in two
   * registries of different `longs`.
   */
  longs?: LongRepresentation;
}

/**
 * Message types by fully-qualified name, with encode and decode.
 * A type registered again under the same name replaces the earlier one.
 *
 * @example
 * ```ts
 * const registry = new TypeRegistry().registerProto("proto/greeter.proto");
 * const bytes = registry.encode("example.HelloRequest", { name: "Ada" });
 * const request = registry.decode<{ name: string }>("example.HelloRequest", bytes);
 * ```
 */
export class TypeRegistry {
  /** The limits applied by this registry's encode, decode and codecs. */
  readonly limits: CodecLimits;
  readonly #types = new Map<string, protobuf.Type>();
  readonly #longs: LongConverter;

  /** Creates an empty registry. */
  constructor(options?: TypeRegistryOptions) {
    this.limits = resolveLimits(options?.limits);
    this.#longs = new LongConverter(options?.longs);
  }

  /** The JavaScript type of decoded 64-bit integer fields (see {@link TypeRegistryOptions.longs}). */
  get longs(): LongRepresentation {
    return this.#longs.representation;
  }

  /**
   * A registry holding the types of a protobufjs JSON descriptor
   * (`root.toJSON()`), as embedded by `skein-codegen` output.
   */
  static fromJSON(
    descriptor: protobuf.INamespace | Readonly<Record<string, unknown>>,
    options?: TypeRegistryOptions,
  ): TypeRegistry {
    let root: protobuf.Root;
    try {
      root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
    } catch (err) {
      throw new CodecError(CodecErrorCode.INVALID_SCHEMA, `invalid protobuf JSON descriptor: ${describeError(err)}`, {
        cause: err,
      });
    }
    return new TypeRegistry(options).registerRoot(root);
  }

  /**
   * Registers the messages of a `.proto` file (its imports resolved relative to
   * it) or of `.proto` source text. A string holding a newline, `{` or `;` is
   * taken as source; anything else as a path.
   * @throws {@link CodecError} `ERR_CODEC_INVALID_SCHEMA` if it cannot be read or parsed
   */
  registerProto(pathOrSource: string): this {
    const isSource = /[\n{;]/.test(pathOrSource);
    let root: protobuf.Root;
    try {
      if (isSource) {
        root = protobuf.parse(pathOrSource, { keepCase: false, alternateCommentMode: true }).root;
      } else {
        // protobufjs reads the file itself (through Node's fs; a browser has none, and this throws there).
        root = new protobuf.Root().loadSync(pathOrSource, { keepCase: false, alternateCommentMode: true });
      }
    } catch (err) {
      throw new CodecError(
        CodecErrorCode.INVALID_SCHEMA,
        `cannot load ${isSource ? "protobuf source" : pathOrSource}: ${describeError(err)}`,
        { cause: err },
      );
    }
    return this.registerRoot(root);
  }

  /**
   * Registers every message type under a protobufjs `Root` (or namespace).
   * @throws {@link CodecError} `ERR_CODEC_INVALID_SCHEMA` if a type reference does not resolve
   */
  registerRoot(root: protobuf.NamespaceBase): this {
    try {
      root.resolveAll();
    } catch (err) {
      throw new CodecError(CodecErrorCode.INVALID_SCHEMA, `cannot resolve types: ${describeError(err)}`, { cause: err });
    }
    this.#collect(root);
    return this;
  }

  /** Whether a type of that fully-qualified name (no leading dot) is registered. */
  has(typeName: string): boolean {
    return this.#types.has(typeName);
  }

  /** The fully-qualified names of all registered types. */
  typeNames(): string[] {
    return [...this.#types.keys()];
  }

  /**
   * The reflected type of that name, e.g. `"example.HelloRequest"`.
   * @throws {@link CodecError} `ERR_CODEC_UNKNOWN_TYPE`
   */
  lookup(typeName: string): protobuf.Type {
    const type = this.#types.get(typeName.startsWith(".") ? typeName.slice(1) : typeName);
    if (type === undefined) {
      throw new CodecError(
        CodecErrorCode.UNKNOWN_TYPE,
        `no message type ${JSON.stringify(typeName)} is registered: register its .proto first`,
      );
    }
    return type;
  }

  /**
   * Encodes `value` as a message of type `typeName`.
   * @throws {@link CodecError} `ERR_CODEC_UNKNOWN_TYPE`, `ERR_CODEC_INVALID_MESSAGE`, `ERR_CODEC_TOO_LARGE`
   */
  encode(typeName: string, value: unknown): Buffer {
    return encodeMessage(this.lookup(typeName), value, this.limits, this.#longs);
  }

  /**
   * Decodes `bytes` as a message of type `typeName`, without copying them.
   * @throws {@link CodecError} `ERR_CODEC_UNKNOWN_TYPE`, `ERR_CODEC_MALFORMED_PAYLOAD`, `ERR_CODEC_TOO_LARGE`, `ERR_CODEC_UNSAFE_INTEGER`
   */
  decode<T = Record<string, unknown>>(typeName: string, bytes: Uint8Array): T {
    return decodeMessage(this.lookup(typeName), bytes, this.limits, this.#longs) as T;
  }

  /**
   * A typed codec for one registered type (looked up once, here).
   * @throws {@link CodecError} `ERR_CODEC_UNKNOWN_TYPE`
   */
  codec<T>(typeName: string): MessageCodec<T> {
    return new ReflectionCodec<T>(this.lookup(typeName), this.limits, this.#longs);
  }

  #collect(namespace: protobuf.NamespaceBase): void {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) this.#types.set(nested.fullName.slice(1), nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) this.#collect(nested);
    }
  }
}
