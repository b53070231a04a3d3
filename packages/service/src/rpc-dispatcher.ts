/**
 * The server side of request-reply, without sockets: decodes a request
 * envelope, finds its handler, runs it under the call's deadline,
 * cancellation and span, and encodes the reply or a typed error reply. The
 * app feeds it the frames `RpcServer` (from `@skein/patterns`) receives.
 */
import { Bytes } from "@skein/core";
import { DeadlineSweep } from "@skein/patterns";
import { type Attributes, context as otelContext, type Span, SpanKind } from "@opentelemetry/api";
import {
  CodecError,
  decodeEnvelope,
  encodeEnvelope,
  encodeErrorPayload,
  encodeReply,
  type Envelope,
} from "@skein/codec";
import { CallAbort } from "./call-abort.js";
import { DEFAULT_STREAM_WINDOW, StreamCredit, StreamInbox, writeWithinCredit } from "./stream-flow.js";
import { RpcError, RpcStatus } from "./errors.js";
import type { ExploredRpc, ExploredService } from "./explorer.js";
import type { ServiceCallContext } from "./interceptor.js";
import { endSpanWithError, networkAttributes, remoteParent, type RpcSpanTemplate, type Telemetry } from "./telemetry.js";

/** What the transport knows about a request besides its frames. */
export interface TransportContext {
  /** Aborted when the server stops waiting for in-flight handlers (drain timeout passed). */
  readonly signal?: AbortSignal;
  /** ZAP user id of the peer, when the transport reports it. */
  readonly userId?: string;
  /**
   * Sends a partial reply ahead of the final one (`RpcServer`'s
   * `sendPartial`). With it, a server stream goes out item by item as the
   * handler yields; without it, as one multipart reply at the end.
   */
  readonly sendPartial?: (frames: Buffer[]) => Promise<void>;
  /**
   * Listens for the further messages the caller sends on this call
   * (`RpcServer`'s `onMessage`): its request stream, flow-control credit
   * and cancel. Client-streaming and bidirectional methods need it (and
   * `sendPartial`); without it a cancel can only come as a separate request.
   */
  readonly onMessage?: (listener: (frames: Buffer[]) => void) => void;
}

/** Options of {@link RpcDispatcher}. */
export interface RpcDispatcherOptions {
  /** Milliseconds a call may run when neither the caller nor `@Rpc` set a limit (default: none). */
  defaultTimeout?: number;
  /** Endpoints the server binds or connects: they give SERVER spans their `network.transport` (see `networkAttributes`). */
  endpoints?: readonly string[];
  /**
   * Items of credit granted to a caller's request stream (client-streaming
   * and bidirectional methods): the requests received and not yet read by
   * the handler never exceed it. Default 64 (`DEFAULT_STREAM_WINDOW` (64)).
   */
  streamWindow?: number;
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});
const NO_TRANSPORT: TransportContext = Object.freeze({});
const UNKNOWN_CORRELATION = "unknown";

/** What the dispatcher keeps of one `@Rpc` method, made once: its handler, metric attributes and span. */
interface Route {
  readonly rpc: ExploredRpc;
  readonly attributes: Attributes;
  readonly span: RpcSpanTemplate;
  /** Neither side streams: the call may be answered in the turn it arrived. */
  readonly unary: boolean;
}

/** Dispatches request envelopes to `@Rpc` handlers. */
export class RpcDispatcher {
  /** Routes by service, then by method: no `service/method` key is made per call. */
  readonly #routes = new Map<string, Map<string, Route>>();
  readonly #services: readonly ExploredService[];
  readonly #telemetry: Telemetry;
  readonly #defaultTimeout: number | undefined;
  readonly #network: Attributes;
  readonly #calls = new Map<string, CallAbort>();
  readonly #watched = new WeakSet<AbortSignal>();
  readonly #window: number;
  /** The deadlines of running handlers: one timer for all of them. */
  readonly #deadlines = new DeadlineSweep<CallAbort>((call) => {
    call.abort(new RpcError(RpcStatus.DEADLINE_EXCEEDED, "the handler did not finish before the deadline"));
  });

  constructor(services: readonly ExploredService[], telemetry: Telemetry, options: RpcDispatcherOptions = {}) {
    this.#services = services;
    this.#telemetry = telemetry;
    this.#defaultTimeout = options.defaultTimeout;
    this.#network = networkAttributes(options.endpoints ?? []);
    this.#window = options.streamWindow ?? DEFAULT_STREAM_WINDOW;
    if (!Number.isInteger(this.#window) || this.#window < 1) throw new RangeError(`streamWindow must be an integer >= 1, got ${this.#window}`);
    for (const service of services) {
      let methods = this.#routes.get(service.name);
      if (methods === undefined) this.#routes.set(service.name, (methods = new Map()));
      for (const [name, rpc] of service.rpc) {
        methods.set(name, {
          rpc,
          // Metric attributes and span options made once per method, not per call.
          attributes: Object.freeze({ "rpc.service": service.name, "rpc.method": name }),
          span: telemetry.rpcSpan(SpanKind.SERVER, service.name, name, this.#network),
          unary: !rpc.method.clientStreaming && !rpc.method.serverStreaming,
        });
      }
    }
  }

  /** Services served, for `describe`. */
  get services(): readonly ExploredService[] {
    return this.#services;
  }

  /** Calls being handled now. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /**
   * Handles one message (`[header, ...payload]`) and returns the reply
   * frames. Never rejects: every failure becomes an `error` envelope.
   */
  dispatch(frames: Buffer[], transport: TransportContext = NO_TRANSPORT): Promise<Buffer[]> {
    return Promise.resolve(this.handle(frames, transport));
  }

  /**
   * {@link dispatch}, answering in the same turn when it can: a unary call
   * whose handler returns a value (not a promise) gets its reply frames
   * back at once, with no promise, timer or listener made for it; any
   * other call gets a promise of them. Never throws nor rejects: every
   * failure becomes an `error` envelope.
   */
  handle(frames: Buffer[], transport: TransportContext = NO_TRANSPORT): Buffer[] | Promise<Buffer[]> {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(frames);
    } catch (error) {
      // Counted like any failed call: a peer sending what no client sends is visible in the metrics.
      const rpcError = toRpcError(error);
      this.#telemetry.serverErrors.add(1, { "rpc.skein.status_code": rpcError.code });
      return errorReply(UNKNOWN_CORRELATION, rpcError);
    }
    const correlationId = envelope.correlationId ?? UNKNOWN_CORRELATION;
    if (envelope.kind === "cancel") {
      this.#calls.get(correlationId)?.abort(new RpcError(RpcStatus.CANCELLED, "the caller cancelled the call"));
      return encodeEnvelope({ kind: "reply", correlationId, payload: [] });
    }
    if (envelope.kind !== "request") {
      return errorReply(correlationId, new RpcError(RpcStatus.INVALID_ARGUMENT, `expected a request or cancel envelope, got ${envelope.kind}`));
    }
    const service = envelope.service!;
    const method = envelope.method!;
    const route = this.#routes.get(service)?.get(method);
    const attributes = route?.attributes ?? { "rpc.service": service, "rpc.method": method };
    const started = performance.now();
    this.#telemetry.serverRequests.add(1, attributes);
    const parent = remoteParent(envelope);
    const { span, context } = route === undefined
      ? this.#telemetry.startServerSpan(service, method, envelope, this.#network)
      : this.#telemetry.startRpcSpan(route.span, parent);
    if (route === undefined) {
      return this.#failed(new RpcError(RpcStatus.UNIMPLEMENTED, `no handler for ${service}/${method} here`), correlationId, span, attributes, started);
    }
    let reply: Buffer[] | Promise<Buffer[]>;
    try {
      // Tracing off, the context is the active one already: no closure to run the call in it.
      reply = context === parent ? this.#call(route, envelope, correlationId, transport, span) : otelContext.with(context, () => this.#call(route, envelope, correlationId, transport, span));
    } catch (error) {
      return this.#failed(error, correlationId, span, attributes, started);
    }
    if (Array.isArray(reply)) return this.#succeeded(reply, span, attributes, started);
    return reply.then(
      (frames) => this.#succeeded(frames, span, attributes, started),
      (error: unknown) => this.#failed(error, correlationId, span, attributes, started),
    );
  }

  #succeeded(frames: Buffer[], span: Span, attributes: Attributes, started: number): Buffer[] {
    span.end();
    this.#telemetry.serverDuration.record(performance.now() - started, attributes);
    return frames;
  }

  #failed(error: unknown, correlationId: string, span: Span, attributes: Attributes, started: number): Buffer[] {
    const rpcError = toRpcError(error);
    endSpanWithError(span, rpcError);
    this.#telemetry.serverErrors.add(1, { ...attributes, "rpc.skein.status_code": rpcError.code, "error.type": rpcError.code });
    this.#telemetry.serverDuration.record(performance.now() - started, attributes);
    return errorReply(correlationId, rpcError);
  }

  /**
   * Runs one call. A unary handler is called at once; if it returns a
   * value the reply is encoded in the same turn (nothing can abort a
   * handler that has already returned). Only a handler that returns a
   * promise, or a streaming one, gets what ends it early: its deadline in
   * the sweep, cancels by id and by message, and the server's shutdown.
   */
  #call(route: Route, envelope: Envelope, correlationId: string, transport: TransportContext, span: Span): Buffer[] | Promise<Buffer[]> {
    const rpc = route.rpc;
    const now = Date.now();
    const timeout = rpc.timeout ?? this.#defaultTimeout;
    const deadline = envelope.deadline ?? (timeout === undefined ? undefined : now + timeout);
    if (deadline !== undefined && deadline <= now) {
      throw new RpcError(RpcStatus.DEADLINE_EXCEEDED, `deadline passed ${now - deadline} ms before the call was handled`);
    }
    const abort = new CallAbort();
    if (deadline !== undefined) abort.deadline = performance.now() + (deadline - now);
    this.#watch(transport.signal);
    if (transport.signal?.aborted) abort.abort(shuttingDown());
    if (!route.unary) return this.#runStream(rpc, envelope, correlationId, transport, span, abort, deadline);
    const context = new RpcCallContext(envelope, correlationId, deadline, abort, transport.userId);
    const result = rpc.handle(decodeRequest(rpc, envelope.payload[0]), context);
    if (!isPromiseLike(result)) return encodeReply(correlationId, encodeResponse(rpc, result));
    return this.#awaitUnary(rpc, correlationId, transport, abort, result);
  }

  /** A unary handler that returned a promise: its reply, unless its deadline, a cancel or the shutdown comes first. */
  async #awaitUnary(rpc: ExploredRpc, correlationId: string, transport: TransportContext, abort: CallAbort, result: PromiseLike<unknown>): Promise<Buffer[]> {
    this.#begin(correlationId, abort);
    try {
      transport.onMessage?.((frames) => onCallMessage(rpc, frames, abort, undefined, undefined));
      const value = await Promise.race([result, abort.aborted]);
      return encodeReply(correlationId, encodeResponse(rpc, value));
    } finally {
      this.#end(correlationId, abort);
    }
  }

  /** A call that streams requests, replies or both. */
  async #runStream(rpc: ExploredRpc, envelope: Envelope, correlationId: string, transport: TransportContext, span: Span, abort: CallAbort, deadline: number | undefined): Promise<Buffer[]> {
    this.#begin(correlationId, abort);
    // Only a reply stream has credit; a caller that grants none (an older client) reads freely.
    const credit = rpc.method.serverStreaming ? new StreamCredit(envelope.credit ?? Infinity) : undefined;
    let inbox: StreamInbox<unknown> | undefined;
    try {
      if (rpc.method.clientStreaming) inbox = this.#openInbox(rpc, correlationId, transport, abort);
      transport.onMessage?.((frames) => onCallMessage(rpc, frames, abort, credit, inbox));
      abort.aborted.catch((reason: unknown) => {
        credit?.fail(reason);
        inbox?.fail(reason);
      });
      const request = inbox ?? decodeRequest(rpc, envelope.payload[0]);
      const context = new RpcCallContext(envelope, correlationId, deadline, abort, transport.userId);
      const result = await Promise.race([rpc.handle(request, context), abort.aborted]);
      if (credit !== undefined) {
        return await Promise.race([encodeStream(rpc, correlationId, result, abort, credit, span, transport.sendPartial), abort.aborted]);
      }
      return encodeReply(correlationId, encodeResponse(rpc, result));
    } finally {
      this.#end(correlationId, abort);
      // The call is over: a request stream still being read ends, a writer waiting for credit stops.
      const over = new RpcError(RpcStatus.CANCELLED, "the call has ended");
      credit?.fail(over);
      inbox?.fail(over);
    }
  }

  /** A running call: its deadline is watched and a cancel by id finds it. */
  #begin(correlationId: string, abort: CallAbort): void {
    if (abort.deadline !== Infinity) this.#deadlines.add(abort);
    this.#calls.set(correlationId, abort);
  }

  #end(correlationId: string, abort: CallAbort): void {
    this.#deadlines.delete(abort);
    if (this.#calls.get(correlationId) === abort) this.#calls.delete(correlationId);
  }

  /** The request stream of a client-streaming call, with its first grant of credit sent. */
  #openInbox(rpc: ExploredRpc, correlationId: string, transport: TransportContext, abort: CallAbort): StreamInbox<unknown> {
    const { sendPartial, onMessage } = transport;
    if (sendPartial === undefined || onMessage === undefined) {
      throw new RpcError(RpcStatus.UNIMPLEMENTED, `${rpc.method.name} is client-streaming, which this server's transport cannot carry`);
    }
    // A grant that cannot be sent would stall the caller until its deadline: it fails the call instead.
    const grant = (n: number): void => {
      sendPartial(encodeEnvelope({ kind: "credit", correlationId, credit: n, payload: [] })).catch((error: unknown) => abort.abort(toRpcError(error)));
    };
    grant(this.#window);
    return new StreamInbox(this.#window, grant);
  }

  /** One listener per transport signal (the server's close deadline) aborts every call in flight. */
  #watch(signal: AbortSignal | undefined): void {
    if (signal === undefined || this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener("abort", () => {
      for (const call of this.#calls.values()) call.abort(shuttingDown());
    }, { once: true });
  }
}

/** The context of one handled call; a class so that `signal` is a prototype getter (cheap to create). */
class RpcCallContext implements ServiceCallContext {
  readonly kind = "rpc" as const;
  readonly service: string;
  readonly method: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  readonly #abort: CallAbort;

  constructor(
    envelope: Envelope,
    readonly correlationId: string,
    readonly deadline: number | undefined,
    abort: CallAbort,
    readonly userId: string | undefined,
  ) {
    this.service = envelope.service!;
    this.method = envelope.method!;
    this.metadata = envelope.metadata ?? NO_METADATA;
    this.traceparent = envelope.traceparent;
    this.tracestate = envelope.tracestate;
    this.#abort = abort;
  }

  /** Aborted when the caller cancels, the deadline passes or the server stops; created on first use. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

/**
 * A server-streaming reply: a `stream-item` envelope per item, then
 * `stream-end`. With `sendPartial` each item leaves as soon as the handler
 * yields it (a partial reply) and the final reply is the `stream-end`;
 * without it everything goes in one multipart reply
 * (`[item header, item, ..., end header]`). Clients read both forms.
 */
async function encodeStream(
  rpc: ExploredRpc,
  correlationId: string,
  result: unknown,
  abort: CallAbort,
  credit: StreamCredit,
  span: Span,
  sendPartial: ((frames: Buffer[]) => Promise<void>) | undefined,
): Promise<Buffer[]> {
  if (result === null || typeof result !== "object" || !(Symbol.asyncIterator in result || Symbol.iterator in result)) {
    throw new RpcError(RpcStatus.INTERNAL, `${rpc.method.name} is server-streaming: its handler must return an (async) iterable`);
  }
  const frames: Buffer[] = [];
  let count = 0;
  const honoured = Number.isFinite(credit.available) ? credit.available : undefined;
  // Credit first: a handler is not asked for an item the caller has no room for.
  const finished = await writeWithinCredit(result as AsyncIterable<unknown> | Iterable<unknown>, credit, async (item) => {
    if (abort.isAborted) return false;
    // The first item tells a caller that granted credit that this server honours it (see wire-format.md).
    const itemFrames = encodeEnvelope({
      kind: "stream-item",
      correlationId,
      ...(count === 0 && honoured !== undefined ? { credit: honoured } : {}),
      payload: [encodeResponse(rpc, item)],
    });
    if (sendPartial !== undefined) await sendPartial(itemFrames);
    else frames.push(...itemFrames);
    count++;
    return true;
  });
  if (!finished) return abort.aborted;
  span.setAttribute("rpc.skein.stream_items", count);
  frames.push(...encodeEnvelope({ kind: "stream-end", correlationId, payload: [] }));
  return frames;
}

/** Decodes the one request of a unary or server-streaming call. */
function decodeRequest(rpc: ExploredRpc, payload: Buffer | undefined): unknown {
  try {
    return rpc.method.requestCodec.decode(payload ?? Bytes.alloc(0));
  } catch (error) {
    throw new RpcError(RpcStatus.INVALID_ARGUMENT, `cannot decode ${rpc.method.requestType}: ${(error as Error).message}`, [], { cause: error });
  }
}

/**
 * A further message of a running call: a request-stream item or its end,
 * credit for the reply stream, or a cancel. One that does not decode, or
 * an item past the credit granted, fails this call alone.
 */
function onCallMessage(rpc: ExploredRpc, frames: Buffer[], abort: CallAbort, credit: StreamCredit | undefined, inbox: StreamInbox<unknown> | undefined): void {
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(frames);
    switch (envelope.kind) {
      case "cancel":
        abort.abort(new RpcError(RpcStatus.CANCELLED, "the caller cancelled the call"));
        return;
      case "credit":
        if (credit === undefined) break;
        credit.grant(envelope.credit ?? 0);
        return;
      case "stream-item":
        if (inbox === undefined) break;
        if (!inbox.push(rpc.method.requestCodec.decode(envelope.payload[0] ?? Bytes.alloc(0)))) {
          abort.abort(new RpcError(RpcStatus.RESOURCE_EXHAUSTED, `the caller sent more requests to ${rpc.method.name} than the credit it was granted`));
        }
        return;
      case "stream-end":
        if (inbox === undefined) break;
        inbox.end();
        return;
      default:
    }
    abort.abort(new RpcError(RpcStatus.INVALID_ARGUMENT, `a ${envelope.kind} message has no place in a call to ${rpc.method.name}`));
  } catch (error) {
    abort.abort(new RpcError(RpcStatus.INVALID_ARGUMENT, `a message of the call to ${rpc.method.name} does not decode: ${(error as Error).message}`, [], { cause: error }));
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

function encodeResponse(rpc: ExploredRpc, value: unknown): Buffer {
  try {
    return rpc.method.responseCodec.encode((value ?? {}) as never);
  } catch (error) {
    throw new RpcError(RpcStatus.INTERNAL, `the handler of ${rpc.method.name} returned an invalid ${rpc.method.responseType}: ${(error as Error).message}`, [], { cause: error });
  }
}

function shuttingDown(): RpcError {
  return new RpcError(RpcStatus.UNAVAILABLE, "the server is shutting down");
}

/** Maps anything thrown to the {@link RpcError} sent to the caller. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof CodecError) return new RpcError(RpcStatus.INVALID_ARGUMENT, error.message, [], { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new RpcError(RpcStatus.INTERNAL, message, [], { cause: error });
}

function errorReply(correlationId: string, error: RpcError): Buffer[] {
  return encodeEnvelope({
    kind: "error",
    correlationId,
    payload: [encodeErrorPayload({ code: error.code, message: error.message, details: error.details })],
  });
}
