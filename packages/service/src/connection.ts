/**
 * A typed client with its own sockets, for code outside an app (a script,
 * a test, the demo's client). Inside an app, inject clients with
 * `@InjectClient` instead.
 */
import type { ServiceDescriptor } from "@skein/codec";
import type { Context } from "@skein/core";
import { RpcClient, type ResolveOptions, type SecurityOptions } from "@skein/patterns";
import { type ClientMethodOptions, type ClientOf, createClient } from "./client.js";
import { Telemetry, type TelemetryOptions } from "./telemetry.js";

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * Servers of the service; calls are load-balanced over them (round-robin,
   * skipping failed ones). `tcp+dns://name:port` (every A/AAAA address) or
   * `tcp+srv://name` (every SRV target) stands for every instance DNS names.
   */
  endpoints: readonly string[];
  /** How `+dns`/`+srv` endpoints are resolved and kept current (servers, intervals, `maxAddresses`). */
  resolve?: ResolveOptions;
  /** Default timeout of a call in ms (default 5000). */
  timeout?: number;
  /** Per-method options (`idempotent`, `retries`, `timeout`) by descriptor key or declared name. */
  methods?: Readonly<Record<string, ClientMethodOptions>>;
  /** Where spans and metrics go (default: the global providers). */
  telemetry?: TelemetryOptions | Telemetry;
  /** ZeroMQ context of the sockets. */
  context?: Context;
  /** Security of the client sockets: `curveServerKey` + `curvePublicKey` + `curveSecretKey`, or `plainUsername` + `plainPassword`. */
  security?: SecurityOptions;
  /**
   * Items of credit granted to each reply stream (default 64): replies
   * received and not yet read never exceed it; a server whose stream is not
   * read stops producing. Calls are opened on the one server that holds
   * them, so a cancel, credit and request-stream items reach it alone.
   */
  streamWindow?: number;
}

/** A typed client and the sockets it owns. */
export class ServiceConnection<D extends ServiceDescriptor> {
  /** The typed client: one method per method of the descriptor. */
  readonly client: ClientOf<D>;
  readonly #rpc: RpcClient;

  constructor(descriptor: D, options: ConnectOptions) {
    const transport = {
      endpoints: [...options.endpoints],
      ...(options.context ? { context: options.context } : {}),
      ...(options.security ? { security: options.security } : {}),
      ...(options.resolve ? { resolve: options.resolve } : {}),
    };
    this.#rpc = new RpcClient(transport);
    const telemetry = options.telemetry instanceof Telemetry ? options.telemetry : new Telemetry(options.telemetry);
    this.client = createClient(descriptor, this.#rpc, {
      telemetry,
      endpoints: options.endpoints,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.methods ? { methods: options.methods } : {}),
      ...(options.streamWindow === undefined ? {} : { streamWindow: options.streamWindow }),
    });
  }

  /**
   * Whether a connection to at least one server is up now. ZeroMQ connects
   * in the background: a call made while this is `false` waits for a
   * connection, then fails `UNAVAILABLE` at its deadline if none came.
   */
  get connected(): boolean {
    return this.#rpc.connected;
  }

  /** The servers calls go to now (`+dns`/`+srv` names as the addresses they resolve to). */
  get endpoints(): string[] {
    return this.#rpc.endpoints;
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.#rpc.inFlight;
  }

  /** Rejects calls still waiting (`UNAVAILABLE`) and closes the sockets. */
  async close(): Promise<void> {
    await this.#rpc.close();
  }
}

/**
 * Connects a typed client to a service's servers.
 *
 * @example
 * ```ts
 * const greeter = connect(GreeterService, { endpoints: ["tcp://127.0.0.1:5555"] });
 * const reply = await greeter.client.sayHello({ name: "Ada" });
 * await greeter.close();
 * ```
 */
export function connect<D extends ServiceDescriptor>(descriptor: D, options: ConnectOptions): ServiceConnection<D> {
  return new ServiceConnection(descriptor, options);
}
