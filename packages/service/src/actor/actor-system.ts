/**
 * ActorSystem: one member of a cluster of virtual actors. It runs the
 * activations of the keys it owns, serves calls from other members over
 * ZeroMQ (an RpcServer on `bind`), and sends calls for keys it does not own
 * to their owner. Ownership is a consistent-hash ring over the membership
 * view (`members`): every member with the same view computes the same owner,
 * so a key has at most one activation per view. `setMembers` changes the
 * view: activations this member no longer owns end (their state saved) and
 * their queued calls are answered `ACTOR_WRONG_OWNER`, which callers retry
 * at the new owner.
 */
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";
import { context as otelContext, type Context, SpanStatusCode, trace } from "@opentelemetry/api";
import type { CallContext, MessageCodec, MessageInit, ServiceDescriptor } from "@skein/codec";
import { EndpointSet, type ResolveOptions, RpcClient, RpcServer, type SecurityOptions } from "@skein/patterns";
import { ActorError, ActorErrorCode } from "./actor-error.js";
import type { ActorRef, TimerOptions } from "./actor-base.js";
import { type ActorClass, actorName, type ActorType, exploreActor } from "./actor-decorator.js";
import type { ActorStorage, ReminderRecord } from "./actor-storage.js";
import { Activation, type ActivationHost, type DeactivationReason, type Envelope, errorType } from "./activation.js";
import { ActorTelemetry } from "./actor-telemetry.js";
import {
  decodeProtobufReply,
  decodeReply,
  decodeRequest,
  encodeError,
  encodeProtobufRequest,
  encodeProtobufResult,
  encodeRequest,
  encodeResult,
} from "./actor-wire.js";
import { FileStorage } from "./file-storage.js";
import { ReminderScheduler } from "./reminder-scheduler.js";
import { DEFAULT_POINTS_PER_MEMBER, HashRing } from "./hash-ring.js";
import { endSpanWithError, type TelemetryOptions, traceHeaderOf } from "../telemetry.js";
import { parseTraceparent } from "../trace-context.js";

/** One member of the cluster: an id and, unless it is this member alone, the endpoint it serves calls on. */
export interface Member {
  /** Unique, stable while the member runs (default `host/pid/threadId`). */
  readonly id: string;
  /** Where other members reach it (`tcp://10.0.0.5:5800`). */
  readonly endpoint?: string;
}

/** Options of {@link ActorSystem}. */
export interface ActorSystemOptions {
  /** The `@Actor` classes this member hosts. None: a client that only calls actors hosted elsewhere. */
  actors?: ActorClass[];
  /** Where state and reminders live. Default `new FileStorage(".skein-actors")` (in the working folder). Every member must share it. */
  storage?: ActorStorage;
  /** This member's id. Default `<hostname>/<pid>/<threadId>`. */
  id?: string;
  /** Endpoint to serve other members' calls on (`tcp://0.0.0.0:5800`, `tcp://127.0.0.1:0` for a free port). None: calls only come from this process. */
  bind?: string;
  /** The endpoint other members use for this one, when not the bound one (a `0.0.0.0` bind, NAT). */
  advertise?: string;
  /**
   * The membership view. Default: this member alone when it hosts actors.
   * Include this member (its `id`) to own keys; a client lists the hosting members only.
   */
  members?: Member[];
  /**
   * Members found by DNS instead of a static list: `tcp+dns://actors.prod.svc:5800`
   * (every A/AAAA address, one port: the pods of a headless Service) or
   * `tcp+srv://_actors._tcp.prod.svc` (SRV targets and ports), as
   * `@skein/patterns` resolves them. Each resolved endpoint is a member whose
   * id is that endpoint; the view follows DNS as instances come and go
   * (`resolve.refreshInterval`, default 30 s). A hosting member's id is then
   * its `advertise` endpoint (default: the bound one): make it the address DNS
   * gives for it. Replaces `members`.
   */
  discover?: string[];
  /** How `discover` names are resolved and refreshed (DNS servers, intervals, `maxAddresses`). */
  resolve?: ResolveOptions;
  /** Ms a call to another member may take (its wait in the actor's mailbox included) before it fails with `ACTOR_UNREACHABLE`. Default 30,000. */
  callTimeout?: number;
  /** Times a call answered `ACTOR_WRONG_OWNER` is sent again (the views of caller and owner differ during a change). Default 5. */
  placementRetries?: number;
  /** Calls from other members handled at once by this member (they then wait in their actor's mailbox). Default 10,000. */
  serverConcurrency?: number;
  /**
   * Live activations on this member at most (default 100,000): a call that
   * would activate one more fails with `ACTOR_OVERLOADED` until idle ones
   * are deactivated (`idleTimeout`). Bounds the memory a caller can take by
   * calling many keys.
   */
  maxActivations?: number;
  /** Ms before a reminder whose turn failed fires again. Default 10,000. */
  reminderRetryDelay?: number;
  /** Points per member on the hash ring. Default 128. Every member must use the same. */
  pointsPerMember?: number;
  /** Security options of the member sockets (CURVE keys, PLAIN credentials), as `@skein/patterns` takes them. */
  security?: SecurityOptions;
  /** Where spans and metrics go (default: the global OpenTelemetry providers). */
  telemetry?: TelemetryOptions;
  /** Makes an actor instance (for dependency injection). Default `new actorClass()`. */
  create?: (actorClass: ActorClass) => object;
}

/** Events of an {@link ActorSystem}. */
export interface ActorSystemEvents {
  activated: [type: string, key: string];
  deactivated: [type: string, key: string, reason: DeactivationReason];
  restarted: [type: string, key: string, error: unknown];
  escalated: [type: string, key: string, error: unknown];
  reminder: [reminder: ReminderRecord, error: unknown];
  membership: [members: readonly Member[]];
  error: [error: unknown];
}

/**
 * A typed reference to an actor with a `.proto` contract: each unary method
 * of descriptor `D`, taking its request and resolving with its reply.
 */
export type ContractRef<D extends ServiceDescriptor> = {
  readonly [K in keyof D["methods"] as D["methods"][K] extends { readonly clientStreaming: false; readonly serverStreaming: false } ? K : never]:
    D["methods"][K] extends { readonly requestCodec: MessageCodec<infer Req>; readonly responseCodec: MessageCodec<infer Res> }
      ? (request: MessageInit<Req>) => Promise<Res>
      : never;
};

const NEVER_ABORTED = new AbortController().signal;


/**
 * A member of an actor cluster (see the file's note).
 *
 * @example
 * ```ts
 * const system = new ActorSystem({ actors: [CartActor], storage: new FileStorage("./state") });
 * await system.start();
 * const cart = system.ref(CartActor, "42");
 * await cart.addItem("apple", 2);
 * await system.close();
 * ```
 */
export class ActorSystem extends EventEmitter<ActorSystemEvents> implements ActivationHost {
  /** The system `ref()` uses: the first one started, until it closes. */
  static default: ActorSystem | undefined;

  #id: string;
  readonly storage: ActorStorage;
  readonly telemetry: ActorTelemetry;
  readonly #types = new Map<string, ActorType>();
  readonly #activations = new Map<string, Activation>();
  /** Activations ending: a new activation of the key waits for the old one's save. */
  readonly #ending = new Map<string, Promise<void>>();
  readonly #reminders: ReminderScheduler;
  readonly #clients = new Map<string, { client: RpcClient; endpoint: string }>();
  readonly #options: ActorSystemOptions;
  readonly #callTimeout: number;
  readonly #retries: number;
  readonly #maxActivations: number;
  #members: Member[] = [];
  #ring = new HashRing([]);
  #server: RpcServer | undefined;
  #endpoint: string | undefined;
  #state: "new" | "running" | "closing" | "closed" = "new";
  readonly #refs = new Map<string, object>();

  constructor(options: ActorSystemOptions = {}) {
    super();
    this.#options = options;
    this.#id = options.id ?? `${hostname()}/${process.pid}/${threadId}`;
    this.storage = options.storage ?? new FileStorage(".skein-actors");
    this.telemetry = new ActorTelemetry(options.telemetry);
    this.#callTimeout = options.callTimeout ?? 30_000;
    this.#retries = options.placementRetries ?? 5;
    this.#maxActivations = options.maxActivations ?? 100_000;
    this.#reminders = new ReminderScheduler({
      storage: this.storage,
      runsReminders: (type, key) => this.#state === "running" && this.#types.has(type) && this.#owns(type, key),
      deliverReminder: (record) => this.#dispatch(record.type, record.key, "receiveReminder", [record.name], undefined, true),
      reminderFired: (record, error) => {
        this.telemetry.reminders.add(1, { "skein.actor.type": record.type, outcome: error === undefined ? "ok" : "error" });
        this.emit("reminder", record, error);
      },
      reportError: (error) => this.#report(error),
    }, options.reminderRetryDelay ?? 10_000);
    for (const actorClass of options.actors ?? []) {
      const type = exploreActor(actorClass);
      this.#types.set(type.name, type);
    }
    this.telemetry.base.observeDepth({ "skein.actor.member": this.id }, () => {
      let depth = 0;
      for (const activation of this.#activations.values()) depth += activation.queued;
      return depth;
    });
  }

  /** This member's id: `options.id`, or its endpoint when members are discovered, or `<hostname>/<pid>/<threadId>`. */
  get id(): string {
    return this.#id;
  }

  /** The endpoint other members reach this one on, once started with `bind`. */
  get endpoint(): string | undefined {
    return this.#endpoint;
  }

  /** This member as a {@link Member} (id and endpoint), to put in the others' views. */
  get member(): Member {
    return this.#endpoint === undefined ? { id: this.id } : { id: this.id, endpoint: this.#endpoint };
  }

  /** The current membership view. */
  get members(): readonly Member[] {
    return this.#members;
  }

  /** Live activations on this member. */
  get activationCount(): number {
    return this.#activations.size;
  }

  /** Whether `type`/`key` has a live activation on this member. */
  isActive(actorClass: ActorClass | string, key: string): boolean {
    return this.#activations.has(activationId(typeof actorClass === "string" ? actorClass : actorName(actorClass), key));
  }

  /** The member id that owns `type`/`key` in this member's view. */
  ownerOf(actorClass: ActorClass | string, key: string): string | undefined {
    return this.#ring.owner(activationId(typeof actorClass === "string" ? actorClass : actorName(actorClass), key));
  }

  /**
   * Binds the member endpoint (if `bind` is set), sets the view and
   * schedules the stored reminders of the keys this member owns (those due
   * while no member ran fire at once).
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new ActorError(ActorErrorCode.CLOSED, `the actor system is ${this.#state}`);
    this.#state = "running";
    const options = this.#options;
    if (options.bind !== undefined) {
      const server = new RpcServer({
        bind: [options.bind],
        concurrency: options.serverConcurrency ?? 10_000,
        backlog: options.serverConcurrency ?? 10_000,
        ...(options.security === undefined ? {} : { security: options.security }),
        onError: (error) => this.#report(error),
      });
      await server.serve((frames) => this.#serve(frames));
      this.#server = server;
      this.#endpoint = options.advertise ?? server.endpoints[0];
    }
    ActorSystem.default ??= this;
    if (options.discover !== undefined) {
      if (options.id === undefined && this.#endpoint !== undefined) this.#id = this.#endpoint;
      const discovery = new EndpointSet(options.discover, {
        ...options.resolve,
        onChange: () => {
          this.#viewChain = this.#viewChain.then(() => this.#applyDiscovered()).catch((error: unknown) => this.#report(error));
        },
      });
      this.#discovery = discovery;
      await discovery.start();
      await this.#applyDiscovered();
      return;
    }
    const members = options.members ?? (this.#types.size > 0 ? [this.member] : []);
    await this.setMembers(members);
  }

  #discovery: EndpointSet | undefined;
  #viewChain: Promise<void> = Promise.resolve();

  /** The view from the discovered endpoints, each its own member. */
  async #applyDiscovered(): Promise<void> {
    if (this.#discovery === undefined || this.#state !== "running") return;
    const endpoints = this.#discovery.endpoints;
    const current = this.#members.map((member) => member.id);
    if (endpoints.length === current.length && endpoints.every((endpoint) => current.includes(endpoint))) return;
    await this.setMembers(endpoints.map((endpoint) => ({ id: endpoint, endpoint })));
  }

  /**
   * Changes the membership view. Activations of keys that now belong to
   * another member end (`deactivated` with reason `"membership"`): the
   * running turn finishes and is saved, queued calls are answered
   * `ACTOR_WRONG_OWNER` (their callers send them to the new owner).
   * Reminders are rescheduled on their new owners. Every member should get
   * the same view; while they differ, a call may be sent back and forth
   * (`placementRetries`) but never runs twice on one view.
   */
  async setMembers(members: readonly Member[]): Promise<void> {
    for (const member of members) {
      if (member.id !== this.id && member.endpoint === undefined) {
        throw new ActorError(ActorErrorCode.NO_MEMBERS, `member ${member.id} has no endpoint`);
      }
    }
    this.#members = [...members];
    this.#ring = new HashRing(members.map((member) => member.id), this.#options.pointsPerMember ?? DEFAULT_POINTS_PER_MEMBER);
    const gone: Promise<void>[] = [];
    for (const activation of [...this.#activations.values()]) {
      if (!this.#owns(activation.type.name, activation.key)) gone.push(activation.deactivate("membership", ActorErrorCode.WRONG_OWNER));
    }
    const endpoints = new Map(members.map((member) => [member.id, member.endpoint]));
    for (const [id, { client, endpoint }] of [...this.#clients]) {
      if (endpoints.get(id) !== endpoint) {
        // Its pending calls fail with ACTOR_UNREACHABLE: they may or may not have run.
        this.#clients.delete(id);
        await client.close();
      }
    }
    await Promise.all(gone);
    this.emit("membership", this.#members);
    if (this.#types.size > 0) await this.#reminders.load();
  }

  /**
   * A typed reference to the actor `actorClass` with `key`: each handler,
   * returning a promise. The class gives the type name (its `@Actor` name)
   * and the types; it need not be hosted by this member. With a `.proto`
   * service descriptor instead of a class, a reference to the actors whose
   * `@Actor({ contract })` is that service, typed from the `.proto`.
   */
  ref<T extends object>(actorClass: ActorClass<T>, key: string): ActorRef<T>;
  ref<D extends ServiceDescriptor>(contract: D, key: string): ContractRef<D>;
  ref(target: ActorClass | ServiceDescriptor, key: string): object {
    const contract = typeof target === "function" ? undefined : target;
    const type = contract === undefined ? actorName(target as ActorClass) : contract.name;
    const id = activationId(type, key);
    const cached = this.#refs.get(id);
    if (cached !== undefined) return cached;
    const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    const reference = new Proxy({}, {
      get: (_target, property) => {
        if (typeof property !== "string" || property === "then") return undefined;
        let method = methods.get(property);
        if (method === undefined) {
          method = contract === undefined
            ? (...args: unknown[]) => this.call(type, key, property, args)
            : (request: unknown) => this.#callContract(contract, key, property, request);
          methods.set(property, method);
        }
        return method;
      },
    });
    if (this.#refs.size < 10_000) this.#refs.set(id, reference);
    return reference;
  }

  /** A call to a contract actor: the request and reply are the `.proto` method's, encoded once. */
  async #callContract(contract: ServiceDescriptor, key: string, method: string, request: unknown): Promise<unknown> {
    const descriptor = contract.methods[method];
    if (descriptor === undefined || descriptor.clientStreaming || descriptor.serverStreaming) {
      throw new ActorError(ActorErrorCode.NO_HANDLER, `${contract.name} has no unary method ${method}`);
    }
    const encoded = descriptor.requestCodec.encode(request as MessageInit<unknown>);
    const reply = await this.#route(contract.name, key, method, [], encoded);
    return descriptor.responseCodec.decode(reply as Buffer);
  }

  /** Calls `method` of actor `type`/`key` with `args` (JSON data), wherever it lives. */
  call(type: string, key: string, method: string, args: unknown[]): Promise<unknown> {
    return this.#route(type, key, method, args, undefined);
  }

  /** Sends a call to the key's owner; `protobuf` set: a contract call, resolving with the encoded reply. */
  async #route(type: string, key: string, method: string, args: unknown[], protobuf: Buffer | undefined): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (this.#state !== "running") throw new ActorError(ActorErrorCode.CLOSED, `the actor system is ${this.#state}`);
      const owner = this.#ring.owner(activationId(type, key));
      if (owner === undefined) throw new ActorError(ActorErrorCode.NO_MEMBERS, "the membership view is empty");
      try {
        if (owner === this.id) return await this.#dispatchCall(type, key, method, args, protobuf, undefined);
        return await this.#callRemote(owner, type, key, method, args, protobuf);
      } catch (error) {
        if (!(error instanceof ActorError) || error.code !== ActorErrorCode.WRONG_OWNER || attempt >= this.#retries) throw error;
        this.telemetry.retries.add(1, { "skein.actor.type": type });
        // Views differ while a change spreads: give it a moment (25, 50, 100 ... ms).
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      }
    }
  }

  /** Runs a call here: JSON arguments as they are, or a contract's protobuf request decoded and its reply encoded. */
  async #dispatchCall(type: string, key: string, method: string, args: unknown[], protobuf: Buffer | undefined, parent: Context | undefined): Promise<unknown> {
    if (protobuf === undefined) return this.#dispatch(type, key, method, args, parent);
    const descriptor = this.#types.get(type)?.contract?.methods[method];
    if (descriptor === undefined || descriptor.clientStreaming || descriptor.serverStreaming) {
      throw new ActorError(this.#types.has(type) ? ActorErrorCode.NO_HANDLER : ActorErrorCode.NOT_REGISTERED, `member ${this.id} has no contract method ${type}.${method}`);
    }
    const request = descriptor.requestCodec.decode(protobuf);
    const context: CallContext = {
      service: type,
      method: descriptor.name,
      correlationId: "",
      deadline: undefined,
      metadata: {},
      traceparent: parent === undefined ? undefined : traceHeaderOf(parent).traceparent,
      tracestate: undefined,
      signal: NEVER_ABORTED,
    };
    const reply = await this.#dispatch(type, key, method, [request, context], parent);
    return descriptor.responseCodec.encode(reply as MessageInit<unknown>);
  }

  /**
   * Ends every activation (running turns finish and are saved, `onDeactivate`
   * runs), stops serving and closes the connections to other members. The
   * storage stays open: close it yourself if you made it.
   */
  async close(): Promise<void> {
    if (this.#state === "closing" || this.#state === "closed") return;
    const wasRunning = this.#state === "running";
    this.#state = "closing";
    if (ActorSystem.default === this) ActorSystem.default = undefined;
    this.#discovery?.close();
    await this.#viewChain;
    this.#reminders.close();
    if (wasRunning && this.#server !== undefined) await this.#server.close();
    await Promise.all([...this.#activations.values()].map((activation) => activation.deactivate("closed", ActorErrorCode.CLOSED)));
    await Promise.all([...this.#ending.values()]);
    await Promise.all([...this.#clients.values()].map(({ client }) => client.close()));
    this.#clients.clear();
    this.#state = "closed";
  }

  // ActivationHost

  /** @internal */
  create(type: ActorType): object {
    return this.#options.create?.(type.actorClass) ?? new type.actorClass();
  }

  /** @internal */
  setReminder(type: string, key: string, name: string, options: TimerOptions): Promise<void> {
    return this.#reminders.set(type, key, name, options);
  }

  /** @internal */
  clearReminder(type: string, key: string, name: string): Promise<void> {
    return this.#reminders.clear(type, key, name);
  }

  /** @internal */
  ending(activation: Activation): void {
    const id = activationId(activation.type.name, activation.key);
    if (this.#activations.get(id) === activation) this.#activations.delete(id);
    const ended: Promise<void> = activation.ended.then(() => {
      if (this.#ending.get(id) === ended) this.#ending.delete(id);
    });
    this.#ending.set(id, ended);
  }

  /** @internal */
  deactivated(activation: Activation, reason: DeactivationReason): void {
    this.emit("deactivated", activation.type.name, activation.key, reason);
  }

  /** @internal */
  restarted(activation: Activation, error: unknown): void {
    this.telemetry.restarts.add(1, { "skein.actor.type": activation.type.name, "error.type": errorType(error) });
    this.emit("restarted", activation.type.name, activation.key, error);
  }

  /** @internal */
  escalated(activation: Activation, error: unknown): void {
    this.telemetry.escalations.add(1, { "skein.actor.type": activation.type.name, "error.type": errorType(error) });
    // Escalation with no supervisor listening goes to the process, as an unhandled error does.
    if (this.listenerCount("escalated") > 0) this.emit("escalated", activation.type.name, activation.key, error);
    else this.emit("error", error);
  }

  // Placement and dispatch

  #owns(type: string, key: string): boolean {
    return this.#ring.owner(activationId(type, key)) === this.id;
  }

  /** Runs a call on this member's activation of the key, activating it if needed. */
  #dispatch(type: string, key: string, method: string, args: unknown[], parent: Context | undefined, lifecycle = false): Promise<unknown> {
    const actorType = this.#types.get(type);
    if (actorType === undefined) {
      return Promise.reject(new ActorError(ActorErrorCode.NOT_REGISTERED, `member ${this.id} hosts no actor type ${type}`));
    }
    if (!lifecycle && !actorType.handlers.has(method)) {
      return Promise.reject(new ActorError(ActorErrorCode.NO_HANDLER, `${type} has no handler ${method}`));
    }
    return new Promise((resolve, reject) => {
      const envelope: Envelope = { method, args, keepsAlive: true, parent, resolve, reject };
      const id = activationId(type, key);
      const activation = this.#activations.get(id);
      if (activation !== undefined) {
        activation.enqueue(envelope);
        return;
      }
      if (this.#activations.size >= this.#maxActivations) {
        reject(new ActorError(ActorErrorCode.OVERLOADED, `member ${this.id} has ${this.#activations.size} live activations (maxActivations)`));
        return;
      }
      const ending = this.#ending.get(id);
      if (ending === undefined) {
        this.#activate(actorType, key).enqueue(envelope);
        return;
      }
      void ending.then(() => {
        if (this.#state !== "running") reject(new ActorError(ActorErrorCode.CLOSED, `the actor system is ${this.#state}`));
        else if (!this.#owns(type, key)) reject(new ActorError(ActorErrorCode.WRONG_OWNER, `${type}/${key} moved to ${this.#ring.owner(id)}`));
        else (this.#activations.get(id) ?? this.#activate(actorType, key)).enqueue(envelope);
      });
    });
  }

  #activate(type: ActorType, key: string): Activation {
    const activation = new Activation(this, type, key);
    this.#activations.set(activationId(type.name, key), activation);
    this.emit("activated", type.name, key);
    return activation;
  }

  async #callRemote(owner: string, type: string, key: string, method: string, args: unknown[], protobuf: Buffer | undefined): Promise<unknown> {
    const client = this.#client(owner);
    const { span, context } = this.telemetry.startCall(type, key, method, owner);
    const header = traceHeaderOf(context);
    try {
      const frames = protobuf === undefined
        ? encodeRequest(type, key, method, args, header.traceparent, header.tracestate)
        : encodeProtobufRequest(type, key, method, protobuf, header.traceparent, header.tracestate);
      let reply: Buffer[];
      try {
        reply = await otelContext.with(context, () => client.request(frames, { timeout: this.#callTimeout, idempotent: false }));
      } catch (error) {
        throw new ActorError(ActorErrorCode.UNREACHABLE, `member ${owner} did not answer ${type}/${key}.${method}: ${(error as Error).message}`, { cause: error });
      }
      const result = protobuf === undefined ? decodeReply(reply) : decodeProtobufReply(reply);
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
      return result;
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  }

  #client(owner: string): RpcClient {
    const known = this.#clients.get(owner);
    if (known !== undefined) return known.client;
    const endpoint = this.#members.find((member) => member.id === owner)?.endpoint;
    if (endpoint === undefined) throw new ActorError(ActorErrorCode.NO_MEMBERS, `member ${owner} has no endpoint`);
    const client = new RpcClient({
      endpoints: [endpoint],
      timeout: this.#callTimeout,
      ...(this.#options.security === undefined ? {} : { security: this.#options.security }),
    });
    this.#clients.set(owner, { client, endpoint });
    return client;
  }

  /** Serves one call from another member. */
  async #serve(frames: Buffer[]): Promise<Buffer[]> {
    try {
      const request = decodeRequest(frames);
      if (this.#state !== "running") throw new ActorError(ActorErrorCode.CLOSED, `member ${this.id} is ${this.#state}`);
      if (!this.#owns(request.type, request.key)) {
        throw new ActorError(ActorErrorCode.WRONG_OWNER, `${request.type}/${request.key} belongs to ${this.#ring.owner(activationId(request.type, request.key)) ?? "nobody"} in ${this.id}'s view`);
      }
      const remote = parseTraceparent(request.traceparent, request.tracestate);
      const parent = remote === undefined ? undefined : trace.setSpanContext(otelContext.active(), remote);
      const result = await this.#dispatchCall(request.type, request.key, request.method, request.args, request.protobuf, parent);
      return request.protobuf === undefined ? encodeResult(result) : encodeProtobufResult(result as Buffer);
    } catch (error) {
      return encodeError(error);
    }
  }

  /**
   * An error with no caller to reject (a malformed message from a peer, a
   * reminder's storage failing): the `error` event when something listens,
   * else {@link errors} and a process warning, so that a bad peer cannot
   * crash the member.
   */
  #report(error: unknown): void {
    if (this.listenerCount("error") > 0) {
      this.emit("error", error);
      return;
    }
    this.errors++;
    this.telemetry.errors.add(1, { "error.type": errorType(error) });
    const message = error instanceof Error ? `${errorType(error)}: ${error.message}` : String(error);
    process.emitWarning(`actor system ${this.id}: ${message}`, { code: "SKEIN_ACTOR_ERROR" });
  }

  /** Errors reported while nothing listened to the `error` event (see {@link ActorSystemEvents}). */
  errors = 0;
}

function activationId(type: string, key: string): string {
  return `${type}/${key}`;
}

/**
 * A typed reference through {@link ActorSystem.default} (the first system
 * started in this thread).
 *
 * @example
 * ```ts
 * const total = await ref(CartActor, "42").addItem("apple", 2);
 * ```
 */
export function ref<T extends object>(actorClass: ActorClass<T>, key: string): ActorRef<T>;
export function ref<D extends ServiceDescriptor>(contract: D, key: string): ContractRef<D>;
export function ref(target: ActorClass | ServiceDescriptor, key: string): object {
  const system = ActorSystem.default;
  if (system === undefined) throw new ActorError(ActorErrorCode.CLOSED, "no actor system is running in this thread: start one, or call system.ref()");
  return typeof target === "function" ? system.ref(target, key) : system.ref(target, key);
}
