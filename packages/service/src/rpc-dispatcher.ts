/**
 * The server side of request-reply, without sockets: decodes a request
 * envelope, finds its handler, runs it under the call's deadline,
 * cancellation and span, and encodes the reply or a typed error reply. The
 * app feeds it the frames `RpcServer` (from `@skein/patterns`) receives.
 */
import { type Attributes, context as otelContext, type Span } from "@opentelemetry/api";
import {
  CodecError,
  decodeEnvelope,
  encodeEnvelope,
  encodeErrorPayload,
  type Envelope,
} from "@skein/codec";
import { CallAbort } from "./call-abort.js";
import { RpcError, RpcStatus } from "./errors.js";
import type { ExploredRpc, ExploredService } from "./explorer.js";
import type { ServiceCallContext } from "./interceptor.js";
import { endSpanWithError, networkAttributes, type Telemetry } from "./telemetry.js";

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
}

/** Options of {@link RpcDispatcher}. */
export interface RpcDispatcherOptions {
  /** Milliseconds a call may run when neither the caller nor `@Rpc` set a limit (default: none). */
  defaultTimeout?: number;
  /** Endpoints the server binds or connects: they give SERVER spans their `network.transport` (see `networkAttributes`). */
  endpoints?: readonly string[];
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});
const UNKNOWN_CORRELATION = "unknown";

/** Dispatches request envelopes to `@Rpc` handlers. */
export class RpcDispatcher {
  readonly #handlers = new Map<string, ExploredRpc>();
  readonly #services: readonly ExploredService[];
  readonly #telemetry: Telemetry;
  readonly #defaultTimeout: number | undefined;
  readonly #network: Attributes;
  readonly #calls = new Map<string, CallAbort>();
  readonly #watched = new WeakSet<AbortSignal>();

  constructor(services: readonly ExploredService[], telemetry: Telemetry, options: RpcDispatcherOptions = {}) {
    this.#services = services;
    this.#telemetry = telemetry;
    this.#defaultTimeout = options.defaultTimeout;
    this.#network = networkAttributes(options.endpoints ?? []);
    for (const service of services) {
      for (const [name, rpc] of service.rpc) this.#handlers.set(`${service.name}/${name}`, rpc);
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
  async dispatch(frames: Buffer[], transport: TransportContext = {}): Promise<Buffer[]> {
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
    const rpc = this.#handlers.get(`${service}/${method}`);
    const attributes = { "rpc.service": service, "rpc.method": method };
    const started = performance.now();
    this.#telemetry.serverRequests.add(1, attributes);
    const { span, context } = this.#telemetry.startServerSpan(service, method, envelope, this.#network);
    const reply = rpc === undefined
      ? Promise.reject(new RpcError(RpcStatus.UNIMPLEMENTED, `no handler for ${service}/${method} here`))
      : otelContext.with(context, () => this.#run(rpc, envelope, correlationId, transport, span));
    return reply.then(
      (frames) => {
        span.end();
        this.#telemetry.serverDuration.record(performance.now() - started, attributes);
        return frames;
      },
      (error: unknown) => {
        const rpcError = toRpcError(error);
        endSpanWithError(span, rpcError);
        this.#telemetry.serverErrors.add(1, { ...attributes, "rpc.skein.status_code": rpcError.code, "error.type": rpcError.code });
        this.#telemetry.serverDuration.record(performance.now() - started, attributes);
        return errorReply(correlationId, rpcError);
      },
    );
  }

  async #run(rpc: ExploredRpc, envelope: Envelope, correlationId: string, transport: TransportContext, span: Span): Promise<Buffer[]> {
    const now = Date.now();
    const timeout = rpc.timeout ?? this.#defaultTimeout;
    const deadline = envelope.deadline ?? (timeout === undefined ? undefined : now + timeout);
    if (deadline !== undefined && deadline <= now) {
      throw new RpcError(RpcStatus.DEADLINE_EXCEEDED, `deadline passed ${now - deadline} ms before the call was handled`);
    }
    let request: unknown;
    try {
      request = rpc.method.requestCodec.decode(envelope.payload[0] ?? Buffer.alloc(0));
    } catch (error) {
      throw new RpcError(RpcStatus.INVALID_ARGUMENT, `cannot decode ${rpc.method.requestType}: ${(error as Error).message}`, [], { cause: error });
    }
    const abort = new CallAbort();
    const timer = deadline === undefined ? undefined : setTimeout(() => {
      abort.abort(new RpcError(RpcStatus.DEADLINE_EXCEEDED, "the handler did not finish before the deadline"));
    }, deadline - now);
    this.#watch(transport.signal);
    if (transport.signal?.aborted) abort.abort(shuttingDown());
    this.#calls.set(correlationId, abort);
    const context = new RpcCallContext(envelope, correlationId, deadline, abort, transport.userId);
    try {
      const result = await Promise.race([rpc.handle(request, context), abort.aborted]);
      if (rpc.method.serverStreaming) {
        return await Promise.race([encodeStream(rpc, correlationId, result, abort, span, transport.sendPartial), abort.aborted]);
      }
      return encodeEnvelope({ kind: "reply", correlationId, payload: [encodeResponse(rpc, result)] });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.#calls.delete(correlationId);
      // A handler that lost the race already saw its signal abort; one that won is done. Nothing to abort here.
    }
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
  span: Span,
  sendPartial: ((frames: Buffer[]) => Promise<void>) | undefined,
): Promise<Buffer[]> {
  if (result === null || typeof result !== "object" || !(Symbol.asyncIterator in result || Symbol.iterator in result)) {
    throw new RpcError(RpcStatus.INTERNAL, `${rpc.method.name} is server-streaming: its handler must return an (async) iterable`);
  }
  const frames: Buffer[] = [];
  let count = 0;
  for await (const item of result as AsyncIterable<unknown>) {
    if (abort.isAborted) return abort.aborted;
    const itemFrames = encodeEnvelope({ kind: "stream-item", correlationId, payload: [encodeResponse(rpc, item)] });
    if (sendPartial !== undefined) await sendPartial(itemFrames);
    else frames.push(...itemFrames);
    count++;
  }
  span.setAttribute("rpc.skein.stream_items", count);
  frames.push(...encodeEnvelope({ kind: "stream-end", correlationId, payload: [] }));
  return frames;
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
