/**
 * Where an app's sockets bind or connect, and how the environment
 * overrides it (so one build runs unchanged on a laptop, in a container or
 * behind a load balancer).
 */
import type { ResolveOptions } from "@skein/patterns";
import { ServiceSetupError, ServiceSetupErrorCode } from "./errors.js";
import type { ProbeHttpOptions } from "./probe-server.js";

/** Endpoints of one socket: addresses to bind and/or to connect to. */
export interface SocketConfig {
  /** Addresses to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /**
   * Addresses to connect to. For subscribers, workers and clients,
   * `tcp+dns://name:port` (every A/AAAA address of the name) and
   * `tcp+srv://name` (every SRV target, on its record's port) stand for
   * every instance DNS names, followed as they come and go.
   */
  connect?: string[];
}

/**
 * The sockets of an app. Each is optional: an app opens only what its
 * services use.
 */
export interface AppEndpoints {
  /** ROUTER serving this app's `@Rpc` handlers and the built-in `skein.Health` (`RpcServer`). */
  rpc?: SocketConfig;
  /** PUB of the app's `EventPublisher` (`TopicPublisher`). */
  events?: SocketConfig;
  /** SUB feeding the `@Subscribe` handlers (`TopicSubscriber`), usually `connect` to publishers. */
  subscribe?: SocketConfig;
  /** Per queue name: the ventilator behind `@InjectQueue` (`WorkQueue`), usually `bind`. */
  queues?: Readonly<Record<string, SocketConfig>>;
  /** Per queue name: the worker behind `@Consume` (`Worker`), usually `connect` to the queue. */
  workers?: Readonly<Record<string, SocketConfig>>;
  /** Per service name (`example.Greeter`): servers the `@InjectClient` client calls, load-balanced. */
  clients?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Applies environment overrides to `endpoints`. Every value is a
 * comma-separated list of endpoints and replaces the configured list:
 *
 * | variable                                  | overrides                         |
 * | ----------------------------------------- | --------------------------------- |
 * | `SKEIN_RPC_BIND`, `SKEIN_RPC_CONNECT`     | `rpc.bind`, `rpc.connect`         |
 * | `SKEIN_EVENTS_BIND`, `SKEIN_EVENTS_CONNECT` | `events.*`                      |
 * | `SKEIN_SUBSCRIBE_BIND`, `SKEIN_SUBSCRIBE_CONNECT` | `subscribe.*`             |
 * | `SKEIN_QUEUE_<NAME>_BIND` / `_CONNECT`    | `queues[name].*`                  |
 * | `SKEIN_WORKER_<NAME>_BIND` / `_CONNECT`   | `workers[name].*`                 |
 * | `SKEIN_CLIENT_<SERVICE>`                  | `clients[service]`                |
 *
 * `<NAME>` and `<SERVICE>` are the names upper-cased with every other
 * character than A-Z and 0-9 replaced by `_` (`orders.process` →
 * `ORDERS_PROCESS`, `example.Greeter` → `EXAMPLE_GREETER`). Queue, worker
 * and client entries named only in the environment need their name known
 * to the app (a `@Consume`, `@InjectQueue` or `@InjectClient` of it).
 */
export function applyEnvironment(
  endpoints: AppEndpoints,
  env: Readonly<Record<string, string | undefined>>,
  names: { queues: Iterable<string>; workers: Iterable<string>; clients: Iterable<string> },
  prefix = "SKEIN_",
): AppEndpoints {
  const read = (name: string): string[] | undefined => {
    const value = env[prefix + name];
    if (value === undefined || value.trim() === "") return undefined;
    return value.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
  };
  const socket = (config: SocketConfig | undefined, name: string): SocketConfig | undefined => {
    const bind = read(`${name}_BIND`);
    const connect = read(`${name}_CONNECT`);
    if (bind === undefined && connect === undefined) return config;
    return { ...config, ...(bind ? { bind } : {}), ...(connect ? { connect } : {}) };
  };
  const perName = (configs: Readonly<Record<string, SocketConfig>> | undefined, known: Iterable<string>, kind: string) => {
    const result: Record<string, SocketConfig> = { ...configs };
    for (const name of new Set([...Object.keys(result), ...known])) {
      const config = socket(result[name], `${kind}_${envName(name)}`);
      if (config !== undefined) result[name] = config;
    }
    return result;
  };
  const clients: Record<string, readonly string[]> = { ...endpoints.clients };
  for (const name of new Set([...Object.keys(clients), ...names.clients])) {
    const list = read(`CLIENT_${envName(name)}`);
    if (list !== undefined) clients[name] = list;
  }
  const result: AppEndpoints = {
    queues: perName(endpoints.queues, names.queues, "QUEUE"),
    workers: perName(endpoints.workers, names.workers, "WORKER"),
    clients,
  };
  const rpc = socket(endpoints.rpc, "RPC");
  const events = socket(endpoints.events, "EVENTS");
  const subscribe = socket(endpoints.subscribe, "SUBSCRIBE");
  return { ...result, ...(rpc ? { rpc } : {}), ...(events ? { events } : {}), ...(subscribe ? { subscribe } : {}) };
}

/**
 * `SKEIN_DNS_SERVERS` (comma-separated, `host[:port]`) and
 * `SKEIN_DNS_REFRESH_INTERVAL` (ms) over `resolve.servers` and
 * `resolve.refreshInterval`.
 */
export function readResolveEnvironment(
  resolve: ResolveOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
  prefix = "SKEIN_",
): ResolveOptions | undefined {
  const servers = env[`${prefix}DNS_SERVERS`]?.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
  const interval = env[`${prefix}DNS_REFRESH_INTERVAL`];
  if ((servers === undefined || servers.length === 0) && (interval === undefined || interval.trim() === "")) return resolve;
  return {
    ...resolve,
    ...(servers !== undefined && servers.length > 0 ? { servers } : {}),
    ...(interval !== undefined && interval.trim() !== "" ? { refreshInterval: integer(`${prefix}DNS_REFRESH_INTERVAL`, interval, 1) } : {}),
  };
}

/** `SKEIN_PROBE_PORT` (a port, `0` for a free one) over `probes.http.port`. */
export function readProbeEnvironment(
  http: ProbeHttpOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
  prefix = "SKEIN_",
): ProbeHttpOptions | undefined {
  const port = env[`${prefix}PROBE_PORT`];
  if (port === undefined || port.trim() === "") return http;
  return { ...http, port: integer(`${prefix}PROBE_PORT`, port, 0, 65_535) };
}

function integer(variable: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_CONFIG, `${variable} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** `orders.process` → `ORDERS_PROCESS`. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Whether `config` names at least one endpoint. */
export function hasEndpoints(config: SocketConfig | undefined): config is SocketConfig {
  return (config?.bind?.length ?? 0) + (config?.connect?.length ?? 0) > 0;
}

/** Throws a setup error naming the config key and environment variable to set. */
export function missingEndpoint(what: string, key: string, variable: string): never {
  throw new ServiceSetupError(
    ServiceSetupErrorCode.INVALID_CONFIG,
    `${what} needs endpoints: set endpoints.${key} in createApp() or the environment variable ${variable}`,
  );
}
