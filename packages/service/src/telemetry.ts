/**
 * OpenTelemetry instrumentation through `@opentelemetry/api` only: the app
 * registers (or passes) whichever SDK it likes; without one every call here
 * is a no-op. Spans and attributes follow the OpenTelemetry semantic
 * conventions for RPC (`rpc.*`) and messaging (`messaging.*`).
 */
import {
  type Attributes,
  INVALID_SPAN_CONTEXT,
  type Context,
  context as otelContext,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Span,
  type SpanOptions,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent } from "./trace-context.js";
import { RpcError } from "./errors.js";

/** Name and version the tracer and meter are registered under. */
export const INSTRUMENTATION_SCOPE = "@skein/service";
const VERSION = "0.1.0";

/** `rpc.system` of skein calls (semantic conventions allow a custom value). */
export const RPC_SYSTEM = "skein";
/** `messaging.system` of skein events and work queues. */
export const MESSAGING_SYSTEM = "zeromq";

/** Where spans and metrics go: defaults to the globally registered providers. */
export interface TelemetryOptions {
  /** Where spans go (default: the global tracer provider). */
  tracerProvider?: TracerProvider;
  /** Where metrics go (default: the global meter provider). */
  meterProvider?: MeterProvider;
}

/** Trace fields of a codec header. */
export interface TraceHeader {
  /** W3C `traceparent` of the sender's span. */
  traceparent?: string;
  /** W3C `tracestate`. */
  tracestate?: string;
}

/** A span just started, and the context to run its work in. */
export interface SpanStart {
  /** The span; end it when the work is done. */
  span: Span;
  /** The active context with the span in it: run the work inside it. */
  context: Context;
}

/**
 * The span of one RPC method, named and optioned once and shared by every
 * call of it (see {@link Telemetry.rpcSpan}).
 */
export interface RpcSpanTemplate {
  /** `service/method`. */
  readonly name: string;
  /** Kind and `rpc.*` (and network) attributes. */
  readonly options: SpanOptions;
}

/** Instruments of one app or client, created once. */
export class Telemetry {
  /** The tracer of `@skein/service`'s spans. */
  readonly tracer: Tracer;
  /** The meter of its metrics. */
  readonly meter: Meter;
  /** `rpc.client.duration` (ms), per the RPC metrics conventions. */
  readonly clientDuration: Histogram;
  /** `rpc.server.duration` (ms). */
  readonly serverDuration: Histogram;
  /** `skein.rpc.client.requests` / `skein.rpc.server.requests`: calls made / handled. */
  readonly clientRequests: Counter;
  /** `skein.rpc.server.requests`: calls handled. */
  readonly serverRequests: Counter;
  /** `skein.rpc.client.errors` / `skein.rpc.server.errors`: calls that ended in an error, by `rpc.skein.status_code`. */
  readonly clientErrors: Counter;
  /** `skein.rpc.server.errors`: handled calls that ended in an error. */
  readonly serverErrors: Counter;
  /** `skein.rpc.client.cancel_errors`: `cancel` envelopes that could not be delivered (the server runs until the deadline). */
  readonly cancelErrors: Counter;
  /** `messaging.process.duration` (ms) of event and work handlers. */
  readonly processDuration: Histogram;
  /** `skein.messaging.messages`: events published, events and work items processed, by operation. */
  readonly messages: Counter;
  /** `skein.messaging.errors`: event and work handlers that threw. */
  readonly messageErrors: Counter;

  /** The provider the tracer came from: the global proxy records nothing while no SDK is registered on it. */
  readonly #tracerProvider: TracerProvider;

  constructor(options: TelemetryOptions = {}) {
    this.#tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
    this.tracer = this.#tracerProvider.getTracer(INSTRUMENTATION_SCOPE, VERSION);
    this.meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE, VERSION);
    const ms = { unit: "ms" };
    this.clientDuration = this.meter.createHistogram("rpc.client.duration", { ...ms, description: "Duration of outbound calls" });
    this.serverDuration = this.meter.createHistogram("rpc.server.duration", { ...ms, description: "Duration of handled calls" });
    this.clientRequests = this.meter.createCounter("skein.rpc.client.requests", { description: "Outbound calls" });
    this.serverRequests = this.meter.createCounter("skein.rpc.server.requests", { description: "Handled calls" });
    this.clientErrors = this.meter.createCounter("skein.rpc.client.errors", { description: "Outbound calls that failed" });
    this.serverErrors = this.meter.createCounter("skein.rpc.server.errors", { description: "Handled calls that failed" });
    this.cancelErrors = this.meter.createCounter("skein.rpc.client.cancel_errors", { description: "Cancel envelopes that could not be delivered" });
    this.processDuration = this.meter.createHistogram("messaging.process.duration", { ...ms, description: "Duration of event and work handlers" });
    this.messages = this.meter.createCounter("skein.messaging.messages", { description: "Events published, events and work items processed" });
    this.messageErrors = this.meter.createCounter("skein.messaging.errors", { description: "Event and work handlers that failed" });
  }

  /**
   * Reports `read()` as the gauge `skein.queue.depth` with `attributes` each
   * time metrics are collected (in-flight requests, work items being processed).
   */
  observeDepth(attributes: Attributes, read: () => number): void {
    this.depthSources.push({ attributes, read });
    if (this.depthGauge === undefined) {
      this.depthGauge = this.meter.createObservableGauge("skein.queue.depth", {
        description: "Messages accepted and not yet finished, per socket",
      });
      this.depthGauge.addCallback((result) => {
        for (const source of this.depthSources) result.observe(source.read(), source.attributes);
      });
    }
  }
  private depthSources: { attributes: Attributes; read: () => number }[] = [];
  private depthGauge: ReturnType<Meter["createObservableGauge"]> | undefined;

  /**
   * Starts the CLIENT span of a call as a child of the active context;
   * `network` holds the call's `networkAttributes()`.
   */
  startClientSpan(service: string, method: string, network: Attributes = NO_ATTRIBUTES): SpanStart {
    return this.startRpcSpan(this.rpcSpan(SpanKind.CLIENT, service, method, network), otelContext.active());
  }

  /**
   * Starts a span of `template` (from {@link rpcSpan}) under `parent`.
   * With tracing off (a no-op tracer and no span in `parent`) the context
   * is `parent` itself: nothing to propagate, no context to copy.
   */
  startRpcSpan(template: RpcSpanTemplate, parent: Context): SpanStart {
    if (this.tracesNothing(parent)) return { span: NO_SPAN, context: parent };
    const span = this.tracer.startSpan(template.name, template.options, parent);
    return { span, context: withSpan(parent, span) };
  }

  /**
   * A span started now under `parent` would be the API's no-op span with
   * nothing to propagate: no SDK is registered on the global provider (yet:
   * asked each time, since one may be registered later) and `parent` holds
   * no span (a no-op tracer passes a parent's span context on). The caller
   * may then skip the tracer and share one no-op span.
   */
  tracesNothing(parent: Context): boolean {
    const provider = this.#tracerProvider;
    return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER && trace.getSpan(parent) === undefined;
  }

  /**
   * The span name and options of `kind` calls of `service/method` over
   * `network` (its `networkAttributes()`), made once and shared by every
   * call (a tracer copies the attributes it keeps): a caller that keeps the
   * template per method makes no span options, and no key, per call.
   */
  rpcSpan(kind: SpanKind, service: string, method: string, network: Attributes = NO_ATTRIBUTES): RpcSpanTemplate {
    return { name: `${service}/${method}`, options: this.#rpcSpanOptions(kind, service, method, network) };
  }

  /**
   * The options of an RPC span, made once per kind, method and set of
   * network attributes and shared by every call (a tracer copies the
   * attributes it keeps), so a call allocates none of them.
   */
  #rpcSpanOptions(kind: SpanKind, service: string, method: string, network: Attributes): SpanOptions {
    let byMethod = this.#spanOptions.get(network);
    if (byMethod === undefined) this.#spanOptions.set(network, (byMethod = new Map()));
    const key = `${kind} ${service}/${method}`;
    let options = byMethod.get(key);
    if (options === undefined) {
      options = Object.freeze({
        kind,
        attributes: Object.freeze({ "rpc.system": RPC_SYSTEM, "rpc.service": service, "rpc.method": method, ...network }),
      });
      byMethod.set(key, options);
    }
    return options;
  }
  readonly #spanOptions = new WeakMap<Attributes, Map<string, SpanOptions>>();

  /**
   * Starts the SERVER span of a handled call, as a child of the caller's
   * span in `header`; `network` holds the server's `networkAttributes()`.
   */
  startServerSpan(service: string, method: string, header: TraceHeader, network: Attributes = NO_ATTRIBUTES): SpanStart {
    return this.startRpcSpan(this.rpcSpan(SpanKind.SERVER, service, method, network), remoteParent(header));
  }

  /** Starts a PRODUCER span (`publish <topic>` or `send <queue>`) as a child of the active context. */
  startProducerSpan(operation: "publish" | "send", destination: string, attributes: Attributes = {}): SpanStart {
    const parent = otelContext.active();
    const span = this.tracer.startSpan(`${operation} ${destination}`, {
      kind: SpanKind.PRODUCER,
      attributes: messagingAttributes(operation, destination, attributes),
    }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }

  /**
   * Starts the CONSUMER span `process <destination>` of one event or work
   * item, as a child of the producer's span in `header` (one message, one
   * parent: the conventions allow a parent here, not only a link).
   */
  startConsumerSpan(destination: string, header: TraceHeader, attributes: Attributes = {}): SpanStart {
    const parent = remoteParent(header);
    const span = this.tracer.startSpan(`process ${destination}`, {
      kind: SpanKind.CONSUMER,
      attributes: messagingAttributes("process", destination, attributes),
    }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }
}

/**
 * The network attributes of one ZeroMQ transport, per the OpenTelemetry
 * network conventions: `network.transport` is the OSI transport or
 * inter-process method (`tcp`; `unix` for `ipc://`, a Unix domain socket;
 * `inproc` for `inproc://`, which has no registered value: in-process queues,
 * no socket), and `ws://` is WebSocket over TCP (`network.transport` `tcp`,
 * `network.protocol.name` `websocket`).
 */
const TRANSPORT_ATTRIBUTES: Readonly<Record<string, Attributes>> = {
  tcp: { "network.transport": "tcp" },
  ipc: { "network.transport": "unix" },
  inproc: { "network.transport": "inproc" },
  ws: { "network.transport": "tcp", "network.protocol.name": "websocket" },
};

/**
 * The network attributes of calls over `endpoints` (see
 * {@link TRANSPORT_ATTRIBUTES}): those of their transport when they all
 * share one; none when they mix transports (which one carries a call is the
 * transport's choice) or are not known.
 */
export function networkAttributes(endpoints: readonly string[]): Attributes {
  let found: Attributes | undefined;
  for (const endpoint of endpoints) {
    const attributes = TRANSPORT_ATTRIBUTES[endpoint.slice(0, endpoint.indexOf("://"))] ?? {};
    if (found !== undefined && found !== attributes) return {};
    found = attributes;
  }
  return found ?? {};
}

/** The header fields that carry `context`'s span to the receiver. */
export function traceHeaderOf(context: Context): TraceHeader {
  const spanContext = trace.getSpanContext(context);
  if (spanContext === undefined) return NO_TRACE_HEADER;
  const traceparent = formatTraceparent(spanContext);
  if (traceparent === undefined) return {};
  const tracestate = spanContext.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** Marks `span` failed with `error` (status, `error.type`, an exception event) and ends it. */
export function endSpanWithError(span: Span, error: unknown): void {
  const code = error instanceof RpcError ? error.code : (error as { code?: unknown })?.code;
  span.setAttribute("error.type", typeof code === "string" ? code : error instanceof Error ? error.name : "Error");
  if (error instanceof RpcError) span.setAttribute("rpc.skein.status_code", error.code);
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});
/** What a proxy provider hands out while no SDK is registered on it. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The span of a call that traces nothing (see `#tracesNothing`): the API's no-op span, stateless, shared by every such call. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const NO_TRACE_HEADER: TraceHeader = Object.freeze({});

/**
 * `parent` with `span` as its active span. A span with no valid context
 * (tracing off: the no-op tracer's span under a parent without one) has
 * nothing to propagate or parent, so `parent` itself is returned instead of
 * a copy of its context map per call.
 */
function withSpan(parent: Context, span: Span): Context {
  const spanContext = span.spanContext();
  // The no-op tracer's span under a parent without one: one comparison, no trace-id checks.
  if (spanContext === INVALID_SPAN_CONTEXT) return parent;
  return trace.isSpanContextValid(spanContext) ? trace.setSpan(parent, span) : parent;
}

/** The active context, with the caller's span of `header` as the remote parent when it has one. */
export function remoteParent(header: TraceHeader): Context {
  const root = otelContext.active();
  if (header.traceparent === undefined) return root;
  const spanContext = parseTraceparent(header.traceparent, header.tracestate);
  return spanContext === undefined ? root : trace.setSpanContext(root, spanContext);
}

function messagingAttributes(operation: "publish" | "send" | "process", destination: string, extra: Attributes): Attributes {
  return {
    "messaging.system": MESSAGING_SYSTEM,
    "messaging.destination.name": destination,
    "messaging.operation.name": operation,
    "messaging.operation.type": operation === "process" ? "process" : "send",
    ...extra,
  };
}
