/**
 * The built-in `skein.Health` service every app with an RPC endpoint
 * answers: `Ping` (liveness, app name, uptime) and `Describe` (its services,
 * methods, subscriptions and queues, and the schemas of the methods' message
 * types: see reflection.ts).
 */
import { TypeRegistry, type MessageCodec, type ServiceDescriptor } from "@skein/codec";
import type { ExploredService } from "./explorer.js";
import { describeSchemas } from "./reflection.js";

const HEALTH_PROTO = `
syntax = "proto3";
package skein;
message PingRequest {}
message PingReply { string app = 1; string status = 2; uint64 uptime_ms = 3; uint32 in_flight = 4; }
message DescribeRequest {}
message MethodInfo { string name = 1; string request_type = 2; string response_type = 3; bool server_streaming = 4; }
message ServiceInfo { string name = 1; repeated MethodInfo methods = 2; repeated string topics = 3; repeated string queues = 4; }
message DescribeReply { string app = 1; repeated ServiceInfo services = 2; repeated string schemas = 3; }
`;

// uptime_ms is a uint64 read as a number: exact for 285,000 years of uptime, and `uptimeMs + 1` adds.
const registry = new TypeRegistry({ longs: "number" }).registerProto(HEALTH_PROTO);

/** `skein.PingRequest`: empty. */
export type PingRequest = Record<string, never>;
/** `skein.PingReply`. */
export interface PingReply {
  /** The app's name. */
  app: string;
  /**
   * The app's `AppStatus`: `"SERVING"` when ready; `"STARTING"`,
   * `"NOT_SERVING"`, `"STOPPING"` (draining) or `"STOPPED"` when live but not
   * ready; `"UNHEALTHY"` when not live. Apps before readiness existed said
   * `"SERVING"` or `"STOPPING"`.
   */
  status: string;
  /** Milliseconds since the app started (`uint64`, decoded as a number: see the registry's `longs`). */
  uptimeMs: number;
  /** Calls being handled now. */
  inFlight: number;
}
/** `skein.DescribeRequest`: empty. */
export type DescribeRequest = Record<string, never>;
/** One method in a {@link DescribeReply}. */
export interface MethodInfo {
  /** Declared method name (`SayHello`). */
  name: string;
  /** Full protobuf name of the request type. */
  requestType: string;
  /** Full protobuf name of the reply type. */
  responseType: string;
  /** Whether the method streams its replies. */
  serverStreaming: boolean;
}
/** One service in a {@link DescribeReply}. */
export interface ServiceInfo {
  /** The service name. */
  name: string;
  /** Its `@Rpc` methods. */
  methods: MethodInfo[];
  /** Topics it subscribes to. */
  topics: string[];
  /** Queues it consumes. */
  queues: string[];
}
/** `skein.DescribeReply`. */
export interface DescribeReply {
  /** The app's name. */
  app: string;
  /** The services it runs. */
  services: ServiceInfo[];
  /**
   * protobufjs JSON descriptors (JSON text, for `Root.fromJSON`) that define
   * every request and response type named in `services` (field 3: an app
   * older than it sends none, and an older caller ignores it).
   */
  schemas: string[];
}

const codec = <T>(name: string): MessageCodec<T> => registry.codec<T>(name);

/** Descriptor of `skein.Health`: make a client with `createClient(HealthService, rpc)`. */
export const HealthService = {
  name: "skein.Health",
  methods: {
    ping: {
      name: "Ping", requestType: "skein.PingRequest", responseType: "skein.PingReply",
      requestCodec: codec<PingRequest>("skein.PingRequest"), responseCodec: codec<PingReply>("skein.PingReply"),
      clientStreaming: false, serverStreaming: false,
    },
    describe: {
      name: "Describe", requestType: "skein.DescribeRequest", responseType: "skein.DescribeReply",
      requestCodec: codec<DescribeRequest>("skein.DescribeRequest"), responseCodec: codec<DescribeReply>("skein.DescribeReply"),
      clientStreaming: false, serverStreaming: false,
    },
  },
} as const satisfies ServiceDescriptor;

/** The `Describe` answer for `services`, with `schemas` from {@link describeSchemas}. */
export function describeServices(app: string, services: readonly ExploredService[], schemas: string[]): DescribeReply {
  return {
    app,
    services: services.map((service) => ({
      name: service.name,
      methods: [...service.rpc.values()].map(({ method }) => ({
        name: method.name,
        requestType: method.requestType,
        responseType: method.responseType,
        serverStreaming: method.serverStreaming,
      })),
      topics: service.subscriptions.map((subscription) => subscription.event.topic),
      queues: service.consumers.map((consumer) => consumer.queue.queue),
    })),
    schemas,
  };
}

/**
 * The explored form of `skein.Health` for the dispatcher, answering from
 * `state()` (no decorators: it is built in).
 */
export function healthService(state: () => { app: string; status: string; startedAt: number; inFlight: number; services: readonly ExploredService[] }): ExploredService {
  const { ping, describe } = HealthService.methods;
  // The services are fixed once the app has started: serialise their schemas on the first Describe only.
  let schemas: string[] | undefined;
  const self: ExploredService = {
    name: HealthService.name,
    descriptor: HealthService,
    rpc: new Map([
      [ping.name, {
        method: ping, timeout: undefined,
        handle: async () => {
          const { app, status, startedAt, inFlight } = state();
          return { app, status, uptimeMs: Date.now() - startedAt, inFlight };
        },
      }],
      [describe.name, {
        method: describe, timeout: undefined,
        handle: async () => {
          const { app, services } = state();
          const all = [...services, self];
          schemas ??= describeSchemas(all.flatMap((service) => [...service.rpc.values()].map(({ method }) => method)));
          return describeServices(app, all, schemas);
        },
      }],
    ]),
    subscriptions: [],
    consumers: [],
  } as ExploredService;
  return self;
}
