/**
 * The app: resolves decorated services from an inversify container, opens
 * the sockets their decorators ask for (through `@skein/patterns`), and
 * stops gracefully: stop accepting, drain in-flight handlers up to a
 * deadline, then close with linger.
 */
import { Bytes } from "@skein/core";
import { context as otelContext, SpanStatusCode } from "@opentelemetry/api";
import { decodeEnvelope, type ServiceDescriptor } from "@skein/codec";
import type { Context } from "@skein/core";
import { RpcServer, TopicPublisher, TopicSubscriber, WorkQueue, Worker, type ResolveOptions, type SecurityOptions } from "@skein/patterns";
import { Container } from "inversify";
import type { ClientMethodOptions, ClientOf } from "./client.js";
import { type AppEndpoints, applyEnvironment, hasEndpoints, missingEndpoint, envName, readProbeEnvironment, readResolveEnvironment, type SocketConfig } from "./config.js";
import { connect, type ServiceConnection } from "./connection.js";
import { ServiceSetupError, ServiceSetupErrorCode } from "./errors.js";
import { EventPublisher } from "./event-publisher.js";
import { type BoundHandler, exploreService, type ExploredService, type ServiceClass } from "./explorer.js";
import { healthService } from "./health.js";
import type { Interceptor, ServiceCallContext } from "./interceptor.js";
import { MetadataKey, type ServiceMetadata } from "./metadata.js";
import { type ProbeHttpOptions, ProbeServer } from "./probe-server.js";
import { QueueProducer } from "./queue-producer.js";
import { RpcDispatcher } from "./rpc-dispatcher.js";
import { endSpanWithError, Telemetry, type TelemetryOptions } from "./telemetry.js";
import { APP, clientToken, PUBLISHER, queueToken, requestedClients, requestedQueues } from "./tokens.js";

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Name the app reports in health answers and spans (default `"skein-app"`). */
  name?: string;
  /** The container to resolve services and their dependencies from (default: a new one). */
  container?: Container;
  /** `@Service` classes this app runs. */
  services: readonly ServiceClass[];
  /** Sockets; see {@link AppEndpoints}. Environment variables override them (see config.ts). */
  endpoints?: AppEndpoints;
  /** Environment to read overrides from (default `process.env`; `false`: none). */
  env?: Readonly<Record<string, string | undefined>> | false;
  /** Prefix of the override variables (default `"SKEIN_"`). */
  envPrefix?: string;
  /** Interceptors around every handler of the app, outermost first. */
  interceptors?: readonly Interceptor[];
  /** `@Rpc` handlers running at once, at most (default 64); more requests wait (back-pressure). */
  concurrency?: number;
  /** Limit of a call when neither caller nor `@Rpc` set one, ms (default: none). */
  defaultTimeout?: number;
  /**
   * Items of credit the app's handlers grant to a caller's request stream
   * (client-streaming and bidirectional methods), default 64: requests
   * received and not yet read never exceed it.
   */
  streamWindow?: number;
  /**
   * How long {@link App.stop} waits for in-flight handlers, ms (default
   * 5000). Keep it (plus a second for closing) below the orchestrator's
   * grace period (Kubernetes' `terminationGracePeriodSeconds`, 30 s by
   * default), or the process is killed mid-drain.
   */
  drainTimeout?: number;
  /**
   * Signals on which the app stops itself (draining up to `drainTimeout`)
   * and the process exits: code 0 once `stop()` resolved, 1 if it failed or
   * took over `drainTimeout` + 2000 ms; a second signal exits at once
   * (code 1). Default: none (the process's own handling). For an
   * orchestrator: `["SIGTERM", "SIGINT"]`.
   */
  stopOnSignals?: readonly NodeJS.Signals[];
  /**
   * Readiness and liveness (see {@link App.status}): extra checks, and an
   * HTTP endpoint for probes (`GET /livez`, `GET /readyz`). The environment
   * variable `SKEIN_PROBE_PORT` sets `http.port`.
   */
  probes?: {
    /** Serve `/livez` and `/readyz` over HTTP (default: no HTTP endpoint; `skein health` and `skein.Health/Ping` answer anyway). */
    http?: ProbeHttpOptions;
    /** Also required for readiness, while running (a database connected, a cache warm). A throw counts as not ready and goes to `onError`. */
    ready?: () => boolean;
    /** Required for liveness: `false` reports `UNHEALTHY` (the orchestrator restarts the process). A throw counts as `false` and goes to `onError`. */
    live?: () => boolean;
  };
  /**
   * How `tcp+dns://name:port` and `tcp+srv://name` endpoints (every instance
   * DNS names) are resolved and kept current, for every client, subscriber
   * and worker of the app. `SKEIN_DNS_SERVERS` and
   * `SKEIN_DNS_REFRESH_INTERVAL` override `servers` and `refreshInterval`.
   */
  resolve?: ResolveOptions;
  /** Options of the `@InjectClient` clients, by service name. */
  clients?: Readonly<Record<string, {
    /** Default timeout of the client's calls, ms. */
    timeout?: number;
    /** Per-method options, by descriptor key or declared name. */
    methods?: Readonly<Record<string, ClientMethodOptions>>;
  }>>;
  /** Where spans and metrics go (default: the global providers). */
  telemetry?: TelemetryOptions;
  /** ZeroMQ context of every socket (default: core's shared context). */
  context?: Context;
  /**
   * Security (PLAIN or CURVE, with the context's ZAP handler deciding): `rpc`
   * for this app's RPC server socket, `clients` per service name for the
   * `@InjectClient` clients. The ZAP user id of a caller reaches handlers
   * (`@UserId()`, interceptors' `context.userId`).
   */
  security?: {
    /** Of the RPC server socket. */
    rpc?: SecurityOptions;
    /** Of each `@InjectClient` client, by service name. */
    clients?: Readonly<Record<string, SecurityOptions>>;
  };
  /** Errors that reach no caller: event handlers that threw, undecodable messages (default: `console.error`). */
  onError?: (error: unknown, where: string) => void;
}

/** What an app is doing. */
export type AppState = "created" | "starting" | "running" | "stopping" | "stopped";

/**
 * What the app's probes and `skein.Health/Ping` report: `SERVING` is ready
 * (running, `probes.ready` passing); `STARTING` (before `start()` resolved),
 * `NOT_SERVING` (running, `probes.ready` failing), `STOPPING` (from the
 * moment `stop()` begins draining) and `STOPPED` are live but not ready;
 * `UNHEALTHY` (`probes.live` failing) is neither.
 */
export type AppStatus = "STARTING" | "SERVING" | "NOT_SERVING" | "STOPPING" | "STOPPED" | "UNHEALTHY";

/** Endpoints an app listens on once started (with real ports). */
export interface AppListening {
  /** Where the RPC server listens. */
  rpc: string[];
  /** Where the event publisher listens. */
  events: string[];
  /** Where each work queue listens, by queue name. */
  queues: Record<string, string[]>;
}

/**
 * A running set of services. Create it with {@link createApp}.
 */
export class App {
  /** The app's name (`AppOptions.name`). */
  readonly name: string;
  /** The container its services are resolved from. */
  readonly container: Container;
  /** Its spans and metrics. */
  readonly telemetry: Telemetry;
  readonly #options: AppOptions;
  readonly #stop = new AbortController();
  #state: AppState = "created";
  #startedAt = 0;
  #services: ExploredService[] = [];
  #dispatcher: RpcDispatcher | undefined;
  #server: RpcServer | undefined;
  #publisher: TopicPublisher | undefined;
  #subscriber: TopicSubscriber | undefined;
  readonly #queues = new Map<string, WorkQueue>();
  readonly #workers: Worker[] = [];
  readonly #connections = new Map<string, ServiceConnection<ServiceDescriptor>>();
  readonly #bound: symbol[] = [];
  #handling = 0;
  #probes: ProbeServer | null = null;
  #signalled = false;
  readonly #onSignal = (signal: NodeJS.Signals): void => this.#stopOnSignal(signal);

  constructor(options: AppOptions) {
    this.#options = options;
    this.name = options.name ?? "skein-app";
    this.container = options.container ?? new Container();
    this.telemetry = new Telemetry(options.telemetry);
  }

  /** Where the app is in its life. */
  get state(): AppState {
    return this.#state;
  }

  /**
   * Readiness and liveness in one word (see {@link AppStatus}); what
   * `/readyz`, `/livez`, `skein.Health/Ping` and `skein health` report.
   */
  get status(): AppStatus {
    if (this.#options.probes?.live !== undefined && !this.#check(this.#options.probes.live, "probes.live")) return "UNHEALTHY";
    switch (this.#state) {
      case "created":
      case "starting":
        return "STARTING";
      case "running":
        return this.#options.probes?.ready === undefined || this.#check(this.#options.probes.ready, "probes.ready") ? "SERVING" : "NOT_SERVING";
      case "stopping":
        return "STOPPING";
      case "stopped":
        return "STOPPED";
    }
  }

  /** Ready for traffic: `start()` has resolved, `stop()` has not begun, `probes.ready` passes (`status` is `SERVING`). */
  get ready(): boolean {
    return this.status === "SERVING";
  }

  /** Live (an orchestrator should not restart it): `probes.live` passes (`status` is not `UNHEALTHY`). */
  get live(): boolean {
    return this.status !== "UNHEALTHY";
  }

  /** `http://host:port` of the probe endpoint (`probes.http`), once started; `undefined` without one. */
  get probeUrl(): string | undefined {
    return this.#probes?.url;
  }

  /** Services the app runs (after {@link start}). */
  get services(): readonly ExploredService[] {
    return this.#services;
  }

  /**
   * Resolves once the `@Subscribe` socket is connected to every publisher it
   * was given (its subscriptions are on their way): events published after
   * that reach this app. Resolves at once for an app with no subscriptions.
   */
  whenSubscribed(timeoutMs = 5000): Promise<void> {
    return this.#subscriber?.connected(timeoutMs) ?? Promise.resolve();
  }

  /** Bound endpoints with real ports (after {@link start}). */
  get endpoints(): AppListening {
    const queues: Record<string, string[]> = {};
    for (const [name, queue] of this.#queues) queues[name] = queue.endpoints;
    return { rpc: this.#server?.endpoints ?? [], events: this.#publisher?.endpoints ?? [], queues };
  }

  /** Requests, events and work items being handled now. */
  get inFlight(): number {
    return (this.#dispatcher?.inFlight ?? 0) + this.#handling;
  }

  /**
   * The typed client of `descriptor` the app injects (`@InjectClient`),
   * when `endpoints.clients` names its servers.
   */
  client<D extends ServiceDescriptor>(descriptor: D): ClientOf<D> {
    return this.container.get<ClientOf<D>>(clientToken(descriptor));
  }

  /**
   * Explores the services, binds what they inject, opens the sockets and
   * starts handling. Resolves once every socket is bound or connecting.
   * @throws {@link ServiceSetupError} on a decorator or configuration mistake (nothing is left open)
   */
  async start(): Promise<void> {
    if (this.#state !== "created") {
      throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_STATE, `start() on an app that is ${this.#state}: create a new app`);
    }
    this.#state = "starting";
    for (const signal of this.#options.stopOnSignals ?? []) process.on(signal, this.#onSignal);
    try {
      await this.#startProbes();
      await this.#start();
      this.#startedAt = Date.now();
      this.#state = "running";
    } catch (error) {
      await this.#close(0);
      await this.#closeProbes();
      this.#state = "stopped";
      throw error;
    }
  }

  /**
   * Stops gracefully: takes no new requests, events or work items, waits for
   * those being handled up to `drainTimeout` ms (then aborts their signal),
   * and closes every socket (replies and events queued are still sent within
   * the sockets' linger).
   */
  async stop(drainTimeout = this.#options.drainTimeout ?? 5_000): Promise<void> {
    if (this.#state === "stopped" || this.#state === "stopping") return;
    // Not ready from here on: probes see it before the first socket stops taking work.
    this.#state = "stopping";
    try {
      await this.#close(drainTimeout);
    } finally {
      await this.#closeProbes();
      this.#state = "stopped";
    }
  }

  async #startProbes(): Promise<void> {
    const env = this.#options.env === false ? {} : (this.#options.env ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {});
    const http = readProbeEnvironment(this.#options.probes?.http, env, this.#options.envPrefix);
    if (http === undefined) return;
    this.#probes = await ProbeServer.listen(http, { live: () => this.live, ready: () => this.ready, status: () => this.status });
  }

  async #closeProbes(): Promise<void> {
    for (const signal of this.#options.stopOnSignals ?? []) process.off(signal, this.#onSignal);
    const probes = this.#probes;
    this.#probes = null;
    await probes?.close();
  }

  /** `stopOnSignals`: drain and exit; a second signal, or a stop past its deadline, exits at once. */
  #stopOnSignal(signal: NodeJS.Signals): void {
    if (this.#signalled) {
      this.#report(new Error(`${signal} again while stopping: exiting now`), "stopOnSignals");
      process.exit(1);
    }
    this.#signalled = true;
    const deadline = (this.#options.drainTimeout ?? 5_000) + 2_000;
    const overdue = setTimeout(() => {
      this.#report(new Error(`stop() did not finish within ${deadline} ms of ${signal}: exiting`), "stopOnSignals");
      process.exit(1);
    }, deadline);
    overdue.unref();
    this.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        this.#report(error, "stopOnSignals");
        process.exit(1);
      },
    );
  }

  #check(check: () => boolean, what: string): boolean {
    try {
      return check() === true;
    } catch (error) {
      this.#report(error, what);
      return false;
    }
  }

  async #start(): Promise<void> {
    const options = this.#options;
    const interceptors = options.interceptors ?? [];
    const services = options.services.map((serviceClass) => {
      const metadata = Reflect.getOwnMetadata(MetadataKey.service, serviceClass) as ServiceMetadata | undefined;
      let singleton: object | undefined;
      const scope = metadata?.options.scope ?? "Singleton";
      const instanceOf = scope === "Singleton"
        ? () => (singleton ??= this.container.get<object>(serviceClass))
        : () => this.container.get<object>(serviceClass);
      return { serviceClass, scope, explored: exploreService(serviceClass, instanceOf, interceptors), instanceOf };
    });
    this.#services = services.map((service) => service.explored);
    const consumers = this.#services.flatMap((service) => service.consumers);
    // No process (a browser): no environment to read.
    const env = options.env === false ? {} : (options.env ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {});
    const endpoints = applyEnvironment(options.endpoints ?? {}, env, {
      queues: requestedQueues.keys(),
      workers: consumers.map((consumer) => consumer.queue.queue),
      clients: requestedClients.keys(),
    }, options.envPrefix);
    const prefix = options.envPrefix ?? "SKEIN_";
    const context = options.context ? { context: options.context } : {};
    const resolve = readResolveEnvironment(options.resolve, env, options.envPrefix);
    const resolving = resolve === undefined ? {} : { resolve };

    this.#bindConstant(APP, this);
    // What services inject, opened first so that handlers can use it from the first message.
    if (hasEndpoints(endpoints.events)) {
      this.#publisher = new TopicPublisher({ ...endpoints.events, ...context });
      await this.#publisher.start();
      this.#bindConstant(PUBLISHER, new EventPublisher(this.#publisher, this.telemetry));
    }
    for (const [name, descriptor] of requestedQueues) {
      const config = endpoints.queues?.[name];
      if (!hasEndpoints(config)) continue;
      const queue = new WorkQueue({ ...config, ...context });
      this.#queues.set(name, queue);
      await queue.start();
      this.#bindConstant(queueToken(name), new QueueProducer(queue, descriptor, this.telemetry));
    }
    for (const [name, descriptor] of requestedClients) {
      const servers = endpoints.clients?.[name];
      if (servers === undefined || servers.length === 0) continue;
      const clientOptions = options.clients?.[name];
      const connection = connect(descriptor, {
        endpoints: servers,
        telemetry: this.telemetry,
        ...(clientOptions?.timeout === undefined ? {} : { timeout: clientOptions.timeout }),
        ...(clientOptions?.methods ? { methods: clientOptions.methods } : {}),
        ...(options.security?.clients?.[name] ? { security: options.security.clients[name] } : {}),
        ...context,
        ...resolving,
      });
      this.#connections.set(name, connection);
      this.#bindConstant(clientToken(name), connection.client);
    }
    for (const { serviceClass, scope } of services) {
      if (this.container.isBound(serviceClass)) continue;
      const binding = this.container.bind(serviceClass as never).toSelf();
      if (scope === "Singleton") binding.inSingletonScope();
      else if (scope === "Request") binding.inRequestScope();
      else binding.inTransientScope();
    }
    // Resolve every service now: a missing dependency is a start-up error, not a first-request error.
    for (const { serviceClass, instanceOf } of services) {
      try {
        instanceOf();
      } catch (error) {
        throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_CONFIG, `cannot resolve ${serviceClass.name}: ${explainResolution(error, endpoints, prefix)}`);
      }
    }

    const rpcServices = this.#services.filter((service) => service.rpc.size > 0);
    if (rpcServices.length > 0 || hasEndpoints(endpoints.rpc)) {
      if (!hasEndpoints(endpoints.rpc)) missingEndpoint(`${rpcServices.map((s) => s.name).join(", ")} (@Rpc)`, "rpc.bind", `${prefix}RPC_BIND`);
      const health = healthService(() => ({
        app: this.name,
        status: this.status,
        startedAt: this.#startedAt,
        inFlight: this.inFlight,
        services: this.#services,
      }));
      const dispatcher = new RpcDispatcher([...this.#services, health], this.telemetry, {
        endpoints: [...(endpoints.rpc!.bind ?? []), ...(endpoints.rpc!.connect ?? [])],
        ...(options.defaultTimeout === undefined ? {} : { defaultTimeout: options.defaultTimeout }),
        ...(options.streamWindow === undefined ? {} : { streamWindow: options.streamWindow }),
      });
      this.#dispatcher = dispatcher;
      this.#server = new RpcServer({
        ...endpoints.rpc,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.security?.rpc ? { security: options.security.rpc } : {}),
        ...context,
        onError: (error) => this.#report(error, "rpc server"),
      });
      // The request's context is a TransportContext as it is (signal, the ZAP user id of a PLAIN/CURVE
      // caller, sendPartial, onMessage): no object per call; a synchronous handler is answered in its turn.
      await this.#server.serve((frames, request) => dispatcher.handle(frames, request));
      const server = this.#server;
      this.telemetry.observeDepth({ "skein.app": this.name, "skein.socket": "rpc" }, () => server.inFlight);
    }

    const subscriptions = this.#services.flatMap((service) => service.subscriptions.map((subscription) => ({ service, subscription })));
    if (subscriptions.length > 0) {
      if (!hasEndpoints(endpoints.subscribe)) missingEndpoint(`@Subscribe(${subscriptions.map((s) => s.subscription.event.topic).join(", ")})`, "subscribe.connect", `${prefix}SUBSCRIBE_CONNECT`);
      const subscriber = new TopicSubscriber({
        ...endpoints.subscribe,
        ...context,
        ...resolving,
        onError: (error, topic) => this.#report(error, `@Subscribe(${topic})`),
      });
      this.#subscriber = subscriber;
      for (const { service, subscription } of subscriptions) {
        const topic = subscription.event.topic;
        subscriber.subscribe(topic, (frames) => this.#handleMessage("event", service.name, topic, subscription.event.codec, subscription.handle, frames)
          .catch((error: unknown) => this.#report(error, `@Subscribe(${topic})`)));
      }
      await subscriber.start();
      this.telemetry.observeDepth({ "skein.app": this.name, "skein.socket": "subscribe" }, () => subscriber.queued);
    }

    for (const service of this.#services) {
      for (const consumer of service.consumers) {
        const name = consumer.queue.queue;
        const config: SocketConfig | undefined = endpoints.workers?.[name];
        if (!hasEndpoints(config)) missingEndpoint(`@Consume(${name})`, `workers["${name}"].connect`, `${prefix}WORKER_${envName(name)}_CONNECT`);
        const worker = new Worker({
          ...config,
          queue: name,
          concurrency: consumer.options.concurrency ?? 1,
          ...context,
          ...resolving,
          onError: (error) => this.#report(error, `@Consume(${name}), the item will be redelivered`),
        });
        this.#workers.push(worker);
        await worker.process(async (frames) => {
          await this.#handleMessage("work", service.name, name, consumer.queue.codec, consumer.handle, frames);
        });
        this.telemetry.observeDepth({ "skein.app": this.name, "skein.socket": `worker:${name}` }, () => worker.inFlight);
      }
    }
  }

  /** Decodes and handles one event or work item under a CONSUMER span; rejects if the handler threw. */
  async #handleMessage(
    kind: "event" | "work",
    service: string,
    destination: string,
    codec: { decode(bytes: Uint8Array): unknown },
    handle: BoundHandler,
    frames: Buffer[],
  ): Promise<void> {
    const envelope = decodeEnvelope(frames);
    const started = performance.now();
    const attributes = { "messaging.destination.name": destination, "messaging.operation.name": "process" };
    const { span, context } = this.telemetry.startConsumerSpan(destination, envelope, { "skein.service": service });
    this.#handling++;
    try {
      if (envelope.kind !== "event" || envelope.topic !== destination) {
        throw new ServiceSetupError(ServiceSetupErrorCode.INVALID_CONFIG, `expected an event on ${destination}, got a ${envelope.kind} on ${envelope.topic ?? "no topic"}`);
      }
      const message = codec.decode(envelope.payload[0] ?? Bytes.alloc(0));
      const callContext: ServiceCallContext = {
        kind,
        service,
        method: destination,
        correlationId: "",
        deadline: envelope.deadline,
        metadata: envelope.metadata ?? {},
        traceparent: envelope.traceparent,
        tracestate: envelope.tracestate,
        signal: this.#stop.signal,
        userId: undefined,
      };
      await otelContext.with(context, () => handle(message, callContext));
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
      this.telemetry.messages.add(1, attributes);
    } catch (error) {
      endSpanWithError(span, error);
      this.telemetry.messageErrors.add(1, attributes);
      throw error;
    } finally {
      this.#handling--;
      this.telemetry.processDuration.record(performance.now() - started, attributes);
    }
  }

  async #close(drainTimeout: number): Promise<void> {
    // 1. Stop accepting and drain what was accepted.
    const abortLater = setTimeout(() => this.#stop.abort(new Error("the app stopped before the handler finished")), drainTimeout);
    await Promise.all([
      this.#server?.close(drainTimeout),
      this.#subscriber?.close(),
      ...this.#workers.map((worker) => worker.close(drainTimeout)),
    ]);
    clearTimeout(abortLater);
    if (!this.#stop.signal.aborted) this.#stop.abort(new Error("the app stopped"));
    // 2. Close what handlers used to talk to others (with linger for queued messages).
    await Promise.all([
      this.#publisher?.close(),
      ...[...this.#queues.values()].map((queue) => queue.close()),
      ...[...this.#connections.values()].map((connection) => connection.close()),
    ]);
    for (const token of this.#bound.splice(0)) {
      if (this.container.isBound(token)) this.container.unbind(token);
    }
  }

  #bindConstant(token: symbol, value: unknown): void {
    if (this.container.isBound(token)) return; // the application bound its own
    this.container.bind(token).toConstantValue(value);
    this.#bound.push(token);
  }

  #report(error: unknown, where: string): void {
    if (this.#options.onError) this.#options.onError(error, where);
    else console.error(`[${this.name}] ${where}:`, error);
  }
}

/** Adds to an inversify resolution error which config key or variable would fix it. */
function explainResolution(error: unknown, endpoints: AppEndpoints, prefix: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const hints: string[] = [];
  for (const name of requestedClients.keys()) {
    if (message.includes(`skein:client:${name}`) && !endpoints.clients?.[name]?.length) {
      hints.push(`the client of ${name} has no endpoints: set endpoints.clients["${name}"] or ${prefix}CLIENT_${envName(name)}`);
    }
  }
  for (const name of requestedQueues.keys()) {
    if (message.includes(`skein:queue:${name}`)) hints.push(`queue ${name} has no endpoints: set endpoints.queues["${name}"] or ${prefix}QUEUE_${envName(name)}_BIND`);
  }
  if (message.includes("skein:publisher")) hints.push(`the event publisher has no endpoints: set endpoints.events or ${prefix}EVENTS_BIND`);
  return hints.length > 0 ? `${hints.join("; ")} (${message})` : message;
}

/**
 * Creates an app (not started yet: call `start()`).
 *
 * @example
 * ```ts
 * const app = createApp({
 *   name: "greeter",
 *   services: [Greeter],
 *   endpoints: { rpc: { bind: ["tcp://127.0.0.1:5555"] } },
 * });
 * await app.start();
 * process.once("SIGTERM", () => void app.stop());
 * ```
 *
 * On an orchestrator: every instance of the greeter behind one DNS name,
 * probes over HTTP, and a drain on SIGTERM:
 *
 * ```ts
 * const app = createApp({
 *   name: "orders",
 *   services: [Orders],
 *   endpoints: { rpc: { bind: ["tcp://0.0.0.0:5702"] }, clients: { "example.Greeter": ["tcp+dns://greeter:5701"] } },
 *   probes: { http: { port: 8080 } },
 *   stopOnSignals: ["SIGTERM", "SIGINT"],
 *   drainTimeout: 10_000,
 * });
 * ```
 */
export function createApp(options: AppOptions): App {
  return new App(options);
}
