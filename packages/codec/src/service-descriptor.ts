/**
 * The shapes generated service code shares with the service layer: how a
 * client call is configured, what a handler receives, and the descriptor of
 * a service's methods.
 */
import type { MessageCodec } from "./message-codec.js";

/** Per-call options of a generated client method. */
export interface CallOptions {
  /** Absolute deadline, Unix epoch milliseconds. */
  deadline?: number;
  /** Relative timeout in milliseconds (the deadline is now + timeout). */
  timeout?: number;
  /** Metadata sent in the request header. */
  metadata?: Readonly<Record<string, string>>;
  /** Aborting it cancels the call (a `cancel` envelope is sent). */
  signal?: AbortSignal;
}

/** What a generated server handler receives beside the request. */
export interface CallContext {
  /** Fully-qualified service name, e.g. `"example.Greeter"`. */
  readonly service: string;
  /** Method name as declared, e.g. `"SayHello"`. */
  readonly method: string;
  /** The call's correlation id. */
  readonly correlationId: string;
  /** Absolute deadline (Unix epoch ms), if the caller set one. */
  readonly deadline: number | undefined;
  /** Metadata the caller sent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** W3C `traceparent` of the caller's span, if any. */
  readonly traceparent: string | undefined;
  /** W3C `tracestate`, if any. */
  readonly tracestate: string | undefined;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
}

/**
 * One method of a service.
 * @typeParam Req - the request message type
 * @typeParam Res - the response message type
 */
export interface MethodDescriptor<Req, Res> {
  /** Method name as declared in the `.proto`, e.g. `"SayHello"` (the header's `method`). */
  readonly name: string;
  /** Fully-qualified request type name. */
  readonly requestType: string;
  /** Fully-qualified response type name. */
  readonly responseType: string;
  /** Codec of the request messages. */
  readonly requestCodec: MessageCodec<Req>;
  /** Codec of the response messages. */
  readonly responseCodec: MessageCodec<Res>;
  /** Whether the client sends a stream of requests. */
  readonly clientStreaming: boolean;
  /** Whether the server answers with a stream of responses. */
  readonly serverStreaming: boolean;
}

/** A service: its fully-qualified name and its methods by (lowerCamel) TypeScript name. */
export interface ServiceDescriptor {
  /** Fully-qualified name, e.g. `"example.Greeter"` (the header's `service`). */
  readonly name: string;
  /**
   * Methods keyed by their TypeScript name (`sayHello`). `any` because each
   * method has its own request and response types.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly methods: Readonly<Record<string, MethodDescriptor<any, any>>>;
}
