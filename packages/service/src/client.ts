/**
 * Typed clients: one method per method of a generated service descriptor,
 * each encoding the request envelope, sending it through a request-reply
 * transport (`RpcClient` of `@skein/patterns`), and decoding the reply or
 * rejecting with the typed error the server sent.
 */
import { Bytes } from "@skein/core";
import { type Attributes, type Context, context as otelContext, SpanKind } from "@opentelemetry/api";
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
  RequestHeaderWriter,
  type ServiceDescriptor,
} from "@skein/codec";
import { RpcError, RpcStatus } from "./errors.js";
import { DEFAULT_STREAM_WINDOW, StreamCredit, StreamInbox, writeWithinCredit } from "./stream-flow.js";
import { endSpanWithError, networkAttributes, type RpcSpanTemplate, Telemetry, traceHeaderOf } from "./telemetry.js";

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

/** A call opened on a transport (`RpcClient.open`): its reply, and further messages to the one server that holds it. */
export interface TransportCall {
  /** The call's final reply (after any partial replies). */
  readonly reply: Promise<Buffer[]>;
  /** Sends a further message of this call (a request-stream item, credit, a cancel) to its server. */
  send(frames: Buffer[]): Promise<void>;
}

/**
 * A request-reply transport: `RpcClient` of `@skein/patterns` is one. With
 * `open`, calls can stream requests, grant flow-control credit and cancel at
 * the one server that holds them; without it only unary and
 * server-streaming calls work, without flow control.
 */
export interface RequestTransport {
  /** Sends a request, resolves with its reply. */
  request(frames: Buffer[], options?: TransportRequestOptions): Promise<Buffer[]>;
  /** Opens a call held by one server, for streams in either direction and per-call cancel. */
  open?(frames: Buffer[], options?: TransportRequestOptions): TransportCall;
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
   * Sends a `cancel` envelope to the server(s) when a call's signal aborts,
   * for a transport without `open` (with `open` the cancel goes to the one
   * server holding the call). Without either, cancellation is local only
   * (the server runs until its deadline).
   */
  cancel?: (frames: Buffer[]) => Promise<void>;
  /**
   * Items of credit granted to each server stream (server-streaming and
   * bidirectional methods; default 64): the replies received and not yet
   * read never exceed it, and a server that stops being read stops
   * producing. Needs a transport with `open`.
   */
  streamWindow?: number;
}

/**
 * The typed client of a service descriptor, one method per shape:
 *
 * | shape              | method                                                      |
 * | ------------------ | ----------------------------------------------------------- |
 * | unary              | `(request, options?) => Promise<Reply>`                     |
 * | server streaming   | `(request, options?) => AsyncIterable<Reply>`               |
 * | client streaming   | `(requests: AsyncIterable<Request>, options?) => Promise<Reply>` |
 * | bidirectional      | `(requests: AsyncIterable<Request>, options?) => AsyncIterable<Reply>` |
 *
 * A request stream is read only as the server grants credit; breaking out
 * of a reply stream's `for await` cancels the call at its server.
 */
export type ClientOf<D extends ServiceDescriptor> = {
  readonly [K in keyof D["methods"]]: D["methods"][K] extends {
    /** The method's request codec: gives the request type. */
    readonly requestCodec: MessageCodec<infer Req>;
    /** The method's reply codec: gives the reply type. */
    readonly responseCodec: MessageCodec<infer Res>;
    /** Whether the method takes a request stream: its first argument is an (async) iterable. */
    readonly clientStreaming: infer C;
    /** Whether the method streams replies: gives `AsyncIterable` instead of `Promise`. */
    readonly serverStreaming: infer S;
  }
    ? C extends true
      ? S extends true
        ? (requests: AsyncIterable<MessageInit<Req>> | Iterable<MessageInit<Req>>, options?: ClientCallOptions) => AsyncIterable<Res>
        : (requests: AsyncIterable<MessageInit<Req>> | Iterable<MessageInit<Req>>, options?: ClientCallOptions) => Promise<Res>
      : S extends true
        ? (request: MessageInit<Req>, options?: ClientCallOptions) => AsyncIterable<Res>
        : (request: MessageInit<Req>, options?: ClientCallOptions) => Promise<Res>
    : never;
};

const DEFAULT_TIMEOUT = 5_000;
const NO_CALL_OPTIONS: ClientCallOptions = Object.freeze({});

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
    if (method.serverStreaming) {
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
  readonly #window: number;
  /** The transport's `open`, bound once. */
  readonly #open: ((frames: Buffer[], options?: TransportRequestOptions) => TransportCall) | undefined;
  // Correlation ids are unique across clients: a server may cancel by id.
  readonly #prefix = randomPrefix();
  #sequence = 0;

  constructor(descriptor: ServiceDescriptor, transport: RequestTransport, options: ClientOptions) {
    this.#service = descriptor.name;
    this.#transport = transport;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#telemetry = options.telemetry ?? new Telemetry();
    this.#cancel = options.cancel;
    this.#network = networkAttributes(options.endpoints ?? []);
    this.#window = options.streamWindow ?? DEFAULT_STREAM_WINDOW;
    if (!Number.isInteger(this.#window) || this.#window < 1) throw new RangeError(`streamWindow must be an integer >= 1, got ${this.#window}`);
    this.#open = transport.open?.bind(transport);
  }

  unary(method: MethodDescriptor<unknown, unknown>, methodOptions: ClientMethodOptions, request: unknown, options: ClientCallOptions = NO_CALL_OPTIONS): Promise<unknown> {
    if (options.signal === undefined && !options.metadata && !method.clientStreaming && this.#telemetry.tracesNothing(otelContext.active())) {
      return this.#plainUnary(method, methodOptions, request, options);
    }
    return this.#call(method, methodOptions, request, options, null, decodeReply);
  }

  /**
   * A unary call with nothing to carry but its request, id and deadline (no
   * signal, no metadata) and no span to record or propagate: the frames,
   * transport options, errors and metrics of {@link #call}, without its
   * async function (whose context keeps every local across the await) or a
   * span. Most calls are these.
   */
  #plainUnary(method: MethodDescriptor<unknown, unknown>, methodOptions: ClientMethodOptions, request: unknown, options: ClientCallOptions): Promise<unknown> {
    const known = this.#methodOf(method);
    const started = performance.now();
    this.#telemetry.clientRequests.add(1, known.attributes);
    const correlationId = `${this.#prefix}.${++this.#sequence}`;
    const now = Date.now();
    const deadline = options.deadline ?? now + (options.timeout ?? methodOptions.timeout ?? this.#timeout);
    const idempotent = options.idempotent ?? methodOptions.idempotent ?? false;
    const retries = idempotent ? (options.retries ?? methodOptions.retries ?? 0) : 0;
    const open = retries > 0 ? undefined : this.#open;
    let reply: Promise<Buffer[]>;
    try {
      const frames = known.header.encode(correlationId, deadline, method.requestCodec.encode(request as never));
      if (deadline <= now) throw new RpcError(RpcStatus.DEADLINE_EXCEEDED, "the deadline passed before the call was sent");
      const transportOptions: TransportRequestOptions = {
        timeout: Math.max(1, Math.floor((deadline - now) / (retries + 1))),
        retries,
        idempotent,
        onPartial: known.noPartial,
      };
      if (options.waitForReady !== undefined) transportOptions.waitForReady = options.waitForReady;
      reply = open !== undefined ? open(frames, transportOptions).reply : this.#transport.request(frames, transportOptions);
    } catch (error) {
      return Promise.reject(this.#failed(known, method, started, error));
    }
    return reply.then(
      (frames) => this.#plainReply(known, method, frames, started),
      (error: unknown) => {
        throw this.#failed(known, method, started, transportError(error, this.#service, method.name));
      },
    );
  }

  /** The reply of a {@link #plainUnary} call, decoded and counted. */
  #plainReply(known: KnownMethod, method: MethodDescriptor<unknown, unknown>, frames: Buffer[], started: number): unknown {
    let result: unknown;
    try {
      result = decodeReply(method, frames);
    } catch (error) {
      throw this.#failed(known, method, started, error instanceof CodecError ? undecodableReply(error, this.#service, method.name) : error);
    }
    this.#telemetry.clientDuration.record(performance.now() - started, known.attributes);
    return result;
  }

  /** A {@link #plainUnary} call failed: its error as the caller gets it, counted in the client's error and duration metrics. */
  #failed(known: KnownMethod, method: MethodDescriptor<unknown, unknown>, started: number, error: unknown): RpcError {
    const rpcError = this.#callError(error, method);
    this.#telemetry.clientErrors.add(1, { ...known.attributes, "rpc.skein.status_code": rpcError.code, "error.type": rpcError.code });
    this.#telemetry.clientDuration.record(performance.now() - started, known.attributes);
    return rpcError;
  }

  /** Anything a call threw, as the {@link RpcError} its caller gets. */
  #callError(error: unknown, method: MethodDescriptor<unknown, unknown>): RpcError {
    if (error instanceof RpcError) return error;
    if (error instanceof CodecError) return new RpcError(RpcStatus.INVALID_ARGUMENT, `${this.#service}/${method.name}: ${error.message}`, [], { cause: error });
    return transportError(error, this.#service, method.name);
  }

  /**
   * A reply stream (server-streaming or bidirectional): items arrive as
   * partial replies into a {@link StreamInbox} bounded by the credit this
   * client grants, and are yielded as read; the final reply carries
   * `stream-end` (or an error, or, from a server without partial replies,
   * every item at once). Leaving the loop early cancels the call.
   */
  async *stream(method: MethodDescriptor<unknown, unknown>, methodOptions: ClientMethodOptions, request: unknown, options: ClientCallOptions = {}): AsyncGenerator<unknown> {
    const flowControl = this.#transport.open !== undefined;
    const stop = new AbortController();
    const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
    const reader: ReplyStream = {
      inbox: new StreamInbox<unknown>(flowControl ? this.#window : Infinity, (n) => reader.grant?.(n), false),
      grant: null,
    };
    let settled = false;
    // Items are decoded as they arrive, inside the call's span: a bad item or
    // an error reply fails the call (its span, its metrics), not only the loop.
    const call = this.#call(method, methodOptions, request, { ...options, signal }, reader, decodeWholeStream).then(
      (items) => {
        settled = true;
        for (const item of items) reader.inbox.push(item);
        reader.inbox.end();
      },
      (error: unknown) => {
        settled = true;
        reader.inbox.fail(error);
      },
    );
    try {
      yield* reader.inbox;
    } finally {
      // The consumer left early: cancel the call at its server (the call then settles as CANCELLED).
      if (!settled) stop.abort(new RpcError(RpcStatus.CANCELLED, "the caller stopped reading the stream"));
      await call;
    }
  }

  /**
   * One call, from encoding the request to `finish` decoding the reply, all
   * inside the CLIENT span: an error reply, a reply that does not decode, a
   * timeout or a cancel each end the span as an error and count in
   * `skein.rpc.client.errors`. `request` is the iterable of requests of a
   * client-streaming method; `reader` receives a reply stream's items.
   */
  async #call<T>(
    method: MethodDescriptor<unknown, unknown>,
    methodOptions: ClientMethodOptions,
    request: unknown,
    options: ClientCallOptions,
    reader: ReplyStream | null,
    finish: (method: MethodDescriptor<unknown, unknown>, frames: Buffer[]) => T,
  ): Promise<T> {
    const known = this.#methodOf(method);
    const attributes = known.attributes;
    const started = performance.now();
    this.#telemetry.clientRequests.add(1, attributes);
    const parent = otelContext.active();
    const { span, context } = this.#telemetry.startRpcSpan(known.span, parent);
    const correlationId = `${this.#prefix}.${++this.#sequence}`;
    const now = Date.now();
    const deadline = options.deadline ?? now + (options.timeout ?? methodOptions.timeout ?? this.#timeout);
    const idempotent = options.idempotent ?? methodOptions.idempotent ?? false;
    const retries = idempotent ? (options.retries ?? methodOptions.retries ?? 0) : 0;
    // A retried call cannot be open: its later messages would follow its first server only.
    const open = retries > 0 && !method.clientStreaming ? undefined : this.#open;
    let call: TransportCall | undefined;
    // The server's grants for our request stream (client-streaming and bidirectional only).
    const sendCredit = method.clientStreaming ? new StreamCredit(0) : undefined;
    const signal = options.signal;
    const onAbort = signal === undefined ? undefined : (): void => this.#sendCancel(correlationId, call);
    try {
      if (method.clientStreaming && open === undefined) {
        throw new RpcError(RpcStatus.UNIMPLEMENTED, `${this.#service}/${method.name} is client-streaming, which needs a transport with open() (RpcClient)`);
      }
      const frames = context === parent && !options.metadata && reader === null && !method.clientStreaming
        // Nothing but the method, id and deadline: the method's header writer (the same bytes, less work).
        ? known.header.encode(correlationId, deadline, method.requestCodec.encode(request as never))
        : this.#requestFrames(method, request, correlationId, deadline, context, parent, options, reader !== null && open !== undefined);
      if (method.clientStreaming && !isIterable(request)) {
        throw new RpcError(RpcStatus.INVALID_ARGUMENT, `${this.#service}/${method.name} is client-streaming: pass an (async) iterable of requests`);
      }
      if (signal?.aborted) throw new RpcError(RpcStatus.CANCELLED, "the call was cancelled before it was sent");
      if (deadline <= now) throw new RpcError(RpcStatus.DEADLINE_EXCEEDED, "the deadline passed before the call was sent");
      // Before the transport's own listener: the cancel leaves while the call is still open.
      if (onAbort !== undefined) signal!.addEventListener("abort", onAbort, { once: true });
      const transportOptions: TransportRequestOptions = {
        // Each attempt gets an equal share of the time to the deadline.
        timeout: Math.max(1, Math.floor((deadline - now) / (retries + 1))),
        retries,
        idempotent,
        // A unary call takes no partial reply: the method's shared listener fails it (no closure per call).
        onPartial: reader === null && sendCredit === undefined ? known.noPartial : (partial) => this.#onPartial(method, partial, reader, sendCredit),
      };
      if (signal !== undefined) transportOptions.signal = signal;
      if (options.waitForReady !== undefined) transportOptions.waitForReady = options.waitForReady;
      let reply: Promise<Buffer[]>;
      if (open !== undefined) {
        call = context === parent ? open(frames, transportOptions) : otelContext.with(context, () => open(frames, transportOptions));
        if (reader !== null) reader.grant = (n) => this.#sendOnCall(call!, { kind: "credit", correlationId, credit: n, payload: [] });
        reply = sendCredit !== undefined ? this.#sendRequests(method, correlationId, call, request as AsyncIterable<unknown>, sendCredit) : call.reply;
      } else {
        reply = context === parent ? this.#transport.request(frames, transportOptions) : otelContext.with(context, () => this.#transport.request(frames, transportOptions));
      }
      let replyFrames: Buffer[];
      try {
        replyFrames = await reply;
      } catch (error) {
        throw transportError(error, this.#service, method.name);
      }
      let result: T;
      try {
        result = finish(method, replyFrames);
      } catch (error) {
        // A reply that does not decode is the server's fault (INTERNAL, as gRPC says of a response
        // it cannot parse), not the caller's INVALID_ARGUMENT.
        throw error instanceof CodecError ? undecodableReply(error, this.#service, method.name) : error;
      }
      span.end();
      return result;
    } catch (error) {
      const rpcError = this.#callError(error, method);
      endSpanWithError(span, rpcError);
      this.#telemetry.clientErrors.add(1, { ...attributes, "rpc.skein.status_code": rpcError.code, "error.type": rpcError.code });
      throw rpcError;
    } finally {
      sendCredit?.fail(new RpcError(RpcStatus.CANCELLED, "the call has ended"));
      if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
      this.#telemetry.clientDuration.record(performance.now() - started, attributes);
    }
  }

  /** The request frames of a call with metadata, a trace to carry, a request stream or credit to grant. */
  #requestFrames(
    method: MethodDescriptor<unknown, unknown>,
    request: unknown,
    correlationId: string,
    deadline: number,
    context: Context,
    parent: Context,
    options: ClientCallOptions,
    grantsCredit: boolean,
  ): Buffer[] {
    const envelope: Envelope = {
      kind: "request",
      service: this.#service,
      method: method.name,
      correlationId,
      deadline,
      payload: method.clientStreaming ? [] : [method.requestCodec.encode(request as never)],
    };
    if (context !== parent) {
      const { traceparent, tracestate } = traceHeaderOf(context);
      if (traceparent !== undefined) envelope.traceparent = traceparent;
      if (tracestate !== undefined) envelope.tracestate = tracestate;
    }
    if (options.metadata) envelope.metadata = options.metadata;
    if (grantsCredit) envelope.credit = this.#window;
    return encodeEnvelope(envelope);
  }

  /** A partial reply of a streaming call: credit for its request stream, or an item of its reply stream. */
  #onPartial(method: MethodDescriptor<unknown, unknown>, partial: Buffer[], reader: ReplyStream | null, sendCredit: StreamCredit | undefined): void {
    const envelope = decodeEnvelope(partial);
    if (envelope.kind === "credit" && sendCredit !== undefined) sendCredit.grant(envelope.credit ?? 0);
    else if (reader !== null && envelope.kind !== "credit") readPartial(method, envelope, partial, reader);
    // Credit for a call without a request stream, or an item of a call without a reply stream.
    else throw misplaced(method, envelope);
  }

  /**
   * Sends a client's request stream on `call`, each item only within the
   * credit the server granted, then `stream-end`; resolves with the call's
   * reply. A request iterable that throws (or an item that does not encode)
   * cancels the call at the server and fails it with that error.
   */
  async #sendRequests(method: MethodDescriptor<unknown, unknown>, correlationId: string, call: TransportCall, requests: AsyncIterable<unknown> | Iterable<unknown>, credit: StreamCredit): Promise<Buffer[]> {
    let failed: (error: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    const pump = async (): Promise<void> => {
      try {
        await writeWithinCredit(requests, credit, async (request) => {
          await call.send(encodeEnvelope({ kind: "stream-item", correlationId, payload: [method.requestCodec.encode(request as never)] }));
          return true;
        });
        await call.send(encodeEnvelope({ kind: "stream-end", correlationId, payload: [] }));
      } catch (error) {
        // The call ended (reply, failure, cancel): its reply says how. Anything else is the request stream's failure.
        if (credit.ended) return;
        this.#sendCancel(correlationId, call);
        failed(error instanceof RpcError ? error : new RpcError(
          error instanceof CodecError ? RpcStatus.INVALID_ARGUMENT : RpcStatus.CANCELLED,
          `${this.#service}/${method.name}: the request stream failed: ${(error as Error).message}`,
          [],
          { cause: error },
        ));
      }
    };
    void pump();
    return Promise.race([call.reply, failure]);
  }

  /** Sends a flow-control or cancel envelope on an open call; one that cannot leave is counted, not thrown. */
  #sendOnCall(call: TransportCall, envelope: Envelope): void {
    call.send(encodeEnvelope(envelope)).catch((error: unknown) => this.#countLost(error));
  }

  #sendCancel(correlationId: string, call: TransportCall | undefined): void {
    const cancel = { kind: "cancel", correlationId, payload: [] } as const;
    // With an open call the cancel goes to the one server that holds it.
    if (call !== undefined) {
      this.#sendOnCall(call, cancel);
      return;
    }
    if (this.#cancel === undefined) return;
    // The caller already has its CANCELLED rejection; a lost cancel only
    // means the server runs until the deadline: counted, not thrown.
    this.#cancel(encodeEnvelope(cancel)).catch((error: unknown) => this.#countLost(error));
  }

  /** What every call of `method` shares, made on its first call: metric attributes, span, partial-reply guard. */
  #methodOf(method: MethodDescriptor<unknown, unknown>): KnownMethod {
    let known = this.#methods.get(method);
    if (known === undefined) {
      known = {
        attributes: Object.freeze({ "rpc.service": this.#service, "rpc.method": method.name }),
        span: this.#telemetry.rpcSpan(SpanKind.CLIENT, this.#service, method.name, this.#network),
        header: new RequestHeaderWriter(this.#service, method.name),
        noPartial: (partial) => {
          throw misplaced(method, decodeEnvelope(partial));
        },
      };
      this.#methods.set(method, known);
    }
    return known;
  }
  readonly #methods = new Map<MethodDescriptor<unknown, unknown>, KnownMethod>();

  #countLost(error: unknown): void {
    // ECANCELED: the call ended before the message left (a late grant or cancel): nothing is lost.
    const code = (error as { code?: string } | null)?.code ?? "unknown";
    if (code === "ECANCELED") return;
    this.#telemetry.cancelErrors.add(1, { "rpc.service": this.#service, "error.type": code });
  }
}

/** What every call of one method shares (see `Caller.#methodOf`). */
interface KnownMethod {
  readonly attributes: Attributes;
  readonly span: RpcSpanTemplate;
  /** Writes the request header of a call with nothing but its id and deadline. */
  readonly header: RequestHeaderWriter;
  /** The partial-reply listener of a unary call: any partial reply fails it. */
  readonly noPartial: (partial: Buffer[]) => void;
}

/** A message that has no place in a reply to `method`: credit for a call without a request stream, or an item of a call without a reply stream. */
function misplaced(method: MethodDescriptor<unknown, unknown>, envelope: Envelope): RpcError {
  return new RpcError(RpcStatus.INTERNAL, `a ${envelope.kind} message has no place in a reply to ${method.name}`);
}

/** The reader of a call's reply stream: its inbox, and how it grants credit once the call is open. */
interface ReplyStream {
  readonly inbox: StreamInbox<unknown>;
  grant: ((n: number) => void) | null;
}

/** A partial reply of a reply stream: one item (the first tells whether the server honours credit) or an error. */
function readPartial(method: MethodDescriptor<unknown, unknown>, envelope: Envelope, frames: Buffer[], reader: ReplyStream): void {
  if (envelope.kind === "stream-item" && envelope.credit !== undefined) reader.inbox.enforce();
  for (const item of decodeStream(method, frames, false)) {
    if (!reader.inbox.push(item)) {
      throw new RpcError(RpcStatus.RESOURCE_EXHAUSTED, `${method.name}: the server sent more items than the credit it was granted`);
    }
  }
}

function isIterable(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  return value !== null && typeof value === "object" && (Symbol.asyncIterator in value || Symbol.iterator in value);
}

function decodeReply(method: MethodDescriptor<unknown, unknown>, frames: Buffer[]): unknown {
  const envelope = decodeEnvelope(frames);
  throwIfError(envelope);
  if (envelope.kind !== "reply") {
    throw new RpcError(RpcStatus.INTERNAL, `expected a reply to ${method.name}, got ${envelope.kind}`);
  }
  return method.responseCodec.decode(envelope.payload[0] ?? Bytes.alloc(0));
}

/** A whole reply stream in one final reply (or the end of one sent item by item). */
function decodeWholeStream(method: MethodDescriptor<unknown, unknown>, frames: Buffer[]): unknown[] {
  return [...decodeStream(method, frames, true)];
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
  const error = decodeErrorPayload(envelope.payload[0] ?? Bytes.alloc(0));
  throw new RpcError(error.code, error.message, error.details);
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
    case "ECONNRESET":
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: the connection to the server was lost during the call`, [], { cause: error });
    case "ENOTCONN":
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: no server connected (${(error as Error).message})`, [], { cause: error });
    default:
      return new RpcError(RpcStatus.UNAVAILABLE, `${what}: ${error instanceof Error ? error.message : String(error)}`, [], { cause: error });
  }
}

/** Six random octets as base64url: the prefix of a client's correlation ids (Web Crypto, so it runs in a browser). */
function randomPrefix(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}
