/**
 * Typed clients: one method per method of a generated service descriptor,
 * each encoding the request envelope, sending it through a request-reply
 * transport (`RpcClient` of `@skein/patterns`), and decoding the reply or
 * rejecting with the typed error the server sent.
 */
import { type Attributes, context as otelContext } from "@opentelemetry/api";
import {
  CodecError,
  decodeEnvelope,
  decodeErrorPayload,
  encodeEnvelope,
  type CallOptions,
  type Envelope,
  type MessageCodec,
  type MessageInit,
  type MethodDescriptor,
  type ServiceDescriptor,
} from "@skein/codec";
import { randomBytes } from "node:crypto";
import { RpcError, RpcStatus } from "./errors.js";
import { endSpanWithError, networkAttributes, Telemetry, traceHeaderOf } from "./telemetry.js";

/** Per-call options of a typed client method. */
export interface ClientCallOptions extends CallOptions {
  /**
   * Retries after a timeout. Only used when the method is idempotent (in the
   * client's `methods` options or `idempotent: true` here): a call that is
   * not could run twice.
   */
  retries?: number;
  /** This call may safely run more than once. */
  idempotent?: boolean;
  /**
   * While no server is connected: `true` (default) waits for one until the
   * deadline, then fails `UNAVAILABLE` (not `DEADLINE_EXCEEDED`: no server
   * can have seen the call); `false` fails `UNAVAILABLE` as soon as every
   * endpoint has failed to connect, as gRPC's `waitForReady: false` does.
   */
  waitForReady?: boolean;
}

/** The request options a transport takes (those of `RpcClient.request`). */
export interface TransportRequestOptions {
  /** How long to wait for the reply, ms. */
  timeout?: number;
  /** Attempts after a timeout. */
  retries?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The request may run more than once (allows retries). */
  idempotent?: boolean;
  /** Partial replies ahead of the final one (server streams), in order. */
  onPartial?: (frames: Buffer[]) => void;
  /** See {@link ClientCallOptions.waitForReady}. */
  waitForReady?: boolean;
}

/** A request-reply transport: `RpcClient` of `@skein/patterns` is one. */
export interface RequestTransport {
  /** Sends a request, resolves with its reply. */
  request(frames: Buffer[], options?: TransportRequestOptions): Promise<Buffer[]>;
}

/** Options of one method in {@link ClientOptions.methods}. */
export interface ClientMethodOptions {
  /** The method may run more than once for one call (enables `retries`). */
  idempotent?: boolean;
  /** Retries after a timeout (idempotent methods only). */
  retries?: number;
  /** Default timeout of this method, ms. */
  timeout?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Default timeout of every call, ms (default 5000): becomes the call's deadline. */
  timeout?: number;
  /** Per-method options, by descriptor key (`sayHello`) or declared name. */
  methods?: Readonly<Record<string, ClientMethodOptions>>;
  /** Where spans and metrics go. */
  telemetry?: Telemetry;
  /**
   * The endpoints `transport` sends to: they give the CLIENT spans their
   * `network.transport` (`tcp`, `unix` for ipc, `inproc`; ws is `tcp` with
   * `network.protocol.name` `websocket`). Unset: no network attributes.
   */
  endpoints?: readonly string[];
  /**
   * Sends a `cancel` envelope to the server(s) when a call's signal aborts.
   * Without it cancellation is local only (the server runs until its deadline).
   */
  cancel?: (frames: Buffer[]) => Promise<void>;
}

/**
 * The typed client of a service descriptor: `sayHello(request, options)`
 * returns `Promise<HelloReply>`, a server-streaming method an
 * `AsyncIterable` of replies.
 */
export type ClientOf<D extends ServiceDescriptor> = {
  readonly [K in keyof D["methods"]]: D["methods"][K] extends {
    /** The method's request codec: gives the request type. */
    readonly requestCodec: MessageCodec<infer Req>;
    /** The method's reply codec: gives the reply type. */
    readonly responseCodec: MessageCodec<infer Res>;
    /** Whether the method streams replies: gives `AsyncIterable` instead of `Promise`. */
    readonly serverStreaming: infer S;
  }
    ? S extends true
      ? (request: MessageInit<Req>, options?: ClientCallOptions) => AsyncIterable<Res>
      : (request: MessageInit<Req>, options?: ClientCallOptions) => Promise<Res>
    : never;
};

const DEFAULT_TIMEOUT = 5_000;

/**
 * Makes a typed client of `descriptor` over `transport`.
 *
 * @example
 * ```ts
 * const rpc = new RpcClient({ endpoints: ["tcp://127.0.0.1:5555"] });
 * const greeter = createClient(GreeterService, rpc);
 * const reply = await greeter.sayHello({ name: "Ada" }, { timeout: 1000 });
 * ```
 */
export function createClient<D extends ServiceDescriptor>(descriptor: D, transport: RequestTransport, options: ClientOptions = {}): ClientOf<D> {
  const caller = new Caller(descriptor, transport, options);
  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(descriptor.methods)) {
    const methodOptions = options.methods?.[key] ?? options.methods?.[method.name] ?? {};
    if (method.clientStreaming) {
      client[key] = () => {
        throw new RpcError(RpcStatus.UNIMPLEMENTED, `${descriptor.name}/${method.name} is client-streaming, which the service layer does not call yet`);
      };
    } else if (method.serverStreaming) {
      client[key] = (request: unknown, callOptions?: ClientCallOptions) => caller.stream(method, methodOptions, request, callOptions);
    } else {
      client[key] = (request: unknown, callOptions?: ClientCallOptions) => caller.unary(method, methodOptions, request, callOptions);
    }
  }
  return Object.freeze(client) as ClientOf<D>;
}

class Caller {
  readonly #service: string;
  readonly #transport: RequestTransport;
  readonly #timeout: number;
  readonly #telemetry: Telemetry;
  readonly #cancel: ((frames: Buffer[]) => Promise<void>) | undefined;
  readonly #network: Attributes;
  // Correlation ids are unique across clients: a server may cancel by id.
  readonly #prefix = randomBytes(6).toString("base64url");
  #sequence = 0;

  constructor(descriptor: ServiceDescriptor, transport: RequestTransport, options: ClientOptions) {
    this.#service = descriptor.name;
    this.#transport = transport;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#telemetry = options.telemetry ?? new Telemetry();
    this.#cancel = options.cancel;
    this.#network = networkAttributes(options.endpoints ?? []);
  }

  async unary(method: MethodDescriptor<unknown, unknown>, methodOptions: ClientMethodOptions, request: unknown, options: ClientCallOptions = {}): Promise<unknown> {
    return this.#call(method, methodOptions, request, options, (frames) => decodeReply(method, frames));
  }

  /**
   * A server stream: items arrive as partial replies and are yielded as they
   * come; the final reply carries `stream-end` (or an error, or, from a
   * server without partial replies, every item at once).
   */
  async *stream(method: MethodDescriptor<unknown, unknown>, methodOptions: ClientMethodOptions, request: unknown, options: ClientCallOptions = {}): AsyncGenerator<unknown> {
    // Items are decoded as they arrive, inside the call's span: a bad item or
    // an error reply fails the call (its span, its metrics), not only the loop.
    const partials: unknown[][] = [];
    let wake: (() => void) | null = null;
    let settled = false;
    let final: unknown[] = [];
    let failure: unknown = null;
    const call = this.#call(method, methodOptions, request, options, (frames) => [...decodeStream(method, frames, true)], (frames) => {
      partials.push([...decodeStream(method, frames, false)]);
      wake?.();
    }).then(
      (items) => {
        final = items;
        settled = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error;
        settled = true;
        wake?.();
      },
    );
    for (;;) {
      let items;
      while ((items = partials.shift()) !== undefined) yield* items;
      if (settled) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    await call;
    if (failure !== null) throw failure;
    yield* final;
  }

  /**
   * One call, from encoding the request to `finish` decoding the reply, all
   * inside the CLIENT span: an error reply, a reply that does not decode, a
   * timeout or a cancel each end the span as an error and count in
   * `skein.rpc.client.errors`.
   */
  async #call<T>(
    method: MethodDescriptor<unknown, unknown>,
    methodOptions: ClientMethodOptions,
    request: unknown,
    options: ClientCallOptions,
    finish: (frames: Buffer[]) => T,
    onPartial?: (frames: Buffer[]) => void,
  ): Promise<T> {
    const attributes = { "rpc.service": this.#service, "rpc.method": method.name };
    const started = performance.now();
    this.#telemetry.clientRequests.add(1, attributes);
    const { span, context } = this.#telemetry.startClientSpan(this.#service, method.name, this.#network);
    const correlationId = `${this.#prefix}.${++this.#sequence}`;
    const now = Date.now();
    const deadline = options.deadline ?? now + (options.timeout ?? methodOptions.timeout ?? this.#timeout);
    const idempotent = options.idempotent ?? methodOptions.idempotent ?? false;
    const retries = idempotent ? (options.retries ?? methodOptions.retries ?? 0) : 0;
    const onAbort = (): void => this.#sendCancel(correlationId);
    try {
      const frames = encodeEnvelope({
        kind: "request",
        service: this.#service,
        method: method.name,
        correlationId,
        deadline,
        ...traceHeaderOf(context),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        payload: [method.requestCodec.encode(request as never)],
      });
      if (options.signal?.aborted) throw new RpcError(RpcStatus.CANCELLED, "the call was cancelled before it was sent");
      if (deadline <= now) throw new RpcError(RpcStatus.DEADLINE_EXCEEDED, "the deadline passed before the call was sent");
      options.signal?.addEventListener("abort", onAbort, { once: true });
      // Each attempt gets an equal share of the time to the deadline.
      const timeout = Math.max(1, Math.floor((deadline - now) / (retries + 1)));
      const reply = await otelContext.with(context, () => this.#transport.request(frames, {
        timeout,
        retries,
        idempotent,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(onPartial ? { onPartial } : {}),
        ...(options.waitForReady === undefined ? {} : { waitForReady: options.waitForReady }),
      })).catch((error: unknown) => {
        throw transportError(error, this.#service, method.name);
      });
      const result = decoding(() => finish(reply), this.#service, method.name);
      span.end();
      return result;
    } catch (error) {
      const rpcError = error instanceof RpcError
        ? error
        : error instanceof CodecError
          ? new RpcError(RpcStatus.INVALID_ARGUMENT, `${this.#service}/${method.name}: ${error.message}`, [], { cause: error })
          : transportError(error, this.#service, method.name);
      endSpanWithError(span, rpcError);
      this.#telemetry.clientErrors.add(1, { ...attributes, "rpc.skein.status_code": rpcError.code, "error.type": rpcError.code });
      throw rpcError;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      this.#telemetry.clientDuration.record(performance.now() - started, attributes);
    }
  }

  #sendCancel(correlationId: string): void {
    if (this.#cancel === undefined) return;
    // The caller already has its CANCELLED rejection; a lost cancel only
    // means the server runs until the deadline: counted, not thrown.
    this.#cancel(encodeEnvelope({ kind: "cancel", correlationId, payload: [] })).catch((error: unknown) => {
      this.#telemetry.cancelErrors.add(1, { "rpc.service": this.#service, "error.type": (error as { code?: string } | null)?.code ?? "unknown" });
    });
  }
}

function decodeReply(method: MethodDescriptor<unknown, unknown>, frames: Buffer[]): unknown {
  const envelope = decodeEnvelope(frames);
  throwIfError(envelope);
  if (envelope.kind !== "reply") {
    throw new RpcError(RpcStatus.INTERNAL, `expected a reply to ${method.name}, got ${envelope.kind}`);
  }
  return method.responseCodec.decode(envelope.payload[0] ?? Buffer.alloc(0));
}

/**
 * Reads `[item header, item, ..., end header]` (see rpc-dispatcher.ts); a
 * partial reply holds items only (`expectEnd` false).
 */
function* decodeStream(method: MethodDescriptor<unknown, unknown>, frames: Buffer[], expectEnd: boolean): Generator<unknown> {
  let index = 0;
  while (index < frames.length) {
    const header = decodeEnvelope([frames[index]!]);
    throwIfError(header.kind === "error" ? decodeEnvelope(frames.slice(index, index + 2)) : header);
    if (header.kind === "stream-end") return;
    if (header.kind !== "stream-item" || index + 1 >= frames.length) {
      throw new RpcError(RpcStatus.INTERNAL, `malformed stream reply to ${method.name} at frame ${index}`);
    }
    yield method.responseCodec.decode(frames[index + 1]!);
    index += 2;
  }
  if (expectEnd) throw new RpcError(RpcStatus.INTERNAL, `stream reply to ${method.name} has no stream-end`);
}

function throwIfError(envelope: Envelope): void {
  if (envelope.kind !== "error") return;
  const error = decodeErrorPayload(envelope.payload[0] ?? Buffer.alloc(0));
  throw new RpcError(error.code, error.message, error.details);
}

/**
 * Runs `decode` on a reply: an error envelope throws its {@link RpcError};
 * a reply that does not decode is the server's fault (`INTERNAL`, as gRPC
 * says of a response it cannot parse), not the caller's `INVALID_ARGUMENT`.
 */
function decoding<T>(decode: () => T, service: string, method: string): T {
  try {
    return decode();
  } catch (error) {
    throw error instanceof CodecError ? undecodableReply(error, service, method) : error;
  }
}

function undecodableReply(error: CodecError, service: string, method: string): RpcError {
  return new RpcError(RpcStatus.INTERNAL, `${service}/${method}: the reply does not decode: ${error.message}`, [], { cause: error });
}

/** Maps a transport failure (`PatternError` codes) to the caller's {@link RpcError}. */
function transportError(error: unknown, service: string, method: string): RpcError {
  if (error instanceof RpcError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  // A partial reply that failed to decode: RpcClient rejects with what our onPartial threw as the cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (code === "EINVAL" && (cause instanceof RpcError || cause instanceof CodecError)) {
    return cause instanceof RpcError ? cause : undecodableReply(cause, service, method);
  }
  const what = `${service}/${method}`;
  switch (code) {
    case "ETIMEDOUT":
      return new RpcError(RpcStatus.DEADLINE_EXCEEDED, `${what}: no reply before the deadline`, [], { cause: error });
    case "ECANCELED":
    case "ABORT_ERR":
      return new RpcError(RpcStatus.CANCELLED, `${what}: cancelled by the caller`, [], { cause: error });
    case "ECLOSED":
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: the client is closed`, [], { cause: error });
    case "ESHUTDOWN":
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: the server is shutting down`, [], { cause: error });
    case "ENOTCONN":
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: no server connected (${(error as Error).message})`, [], { cause: error });
    default:
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: ${error instanceof Error ? error.message : String(error)}`, [], { cause: error });
  }
}
