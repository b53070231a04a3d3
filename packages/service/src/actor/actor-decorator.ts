/**
 * `@Actor`: declares a virtual actor class, and the explorer that reads the
 * declaration once, when a system registers the class (never per message).
 */
import type { ServiceDescriptor } from "@skein/codec";
import { ActorError, ActorErrorCode } from "./actor-error.js";
import { ACTOR_BASE, LIFECYCLE_METHODS } from "./actor-base.js";

/** What a failing handler does to its activation (see {@link SupervisionOptions}). */
export type SupervisionStrategy = "restart" | "stop" | "escalate";

/**
 * Supervision of an actor type: what happens to an activation whose handler
 * throws. In every case the failed turn's state changes are discarded (the
 * state is the one the last successful turn saved) and the caller's call is
 * rejected with the handler's error.
 */
export interface SupervisionOptions {
  /**
   * - `"restart"` (default): a fresh instance is made from the last saved
   *   state (timers cleared, `onActivate` run again) and the queued messages
   *   go on.
   * - `"stop"`: the activation is deactivated and its queued messages are
   *   rejected with `ACTOR_STOPPED`; the next message activates it anew.
   * - `"escalate"`: as `"stop"`, and the error goes to the system's
   *   `"escalated"` event (or its `"error"` event when nothing listens).
   */
  strategy?: SupervisionStrategy;
  /** Restarts allowed within `within` ms before a further failure stops and escalates instead. Default 10. */
  maxRestarts?: number;
  /** The window of `maxRestarts`, in ms. Default 60,000. */
  within?: number;
}

/** Options of `@Actor`. */
export interface ActorOptions {
  /**
   * The type name actors are addressed by on every member (default: the
   * contract's name, else the class name). Keep it stable: it keys the stored state.
   */
  name?: string;
  /**
   * A `.proto` service as the actor's contract (the descriptor `skein-codegen`
   * generates, e.g. `CartService`): its unary methods are the handlers (the
   * class implements the generated `CartServer` interface: `(request, context)`),
   * requests and replies travel as protobuf, and `ref(CartService, key)` is
   * typed from the `.proto`. Streaming methods are not actor handlers.
   */
  contract?: ServiceDescriptor;
  /** Ms without a call or reminder after which an activation is deactivated (its memory freed). Default 600,000 (10 min); 0 keeps activations until the system closes. */
  idleTimeout?: number;
  /** Let a message's turn start while another one of the same actor awaits (interleaving at `await`s). Default `false`: one turn at a time per key. */
  reentrant?: boolean;
  /** Messages queued for one activation at most; further calls are rejected with `ACTOR_MAILBOX_FULL`. Default 10,000. */
  mailboxCapacity?: number;
  /** What a handler that throws does to its activation. Default `{ strategy: "restart", maxRestarts: 10, within: 60_000 }`. */
  supervision?: SupervisionOptions;
}

/** A class decorated with `@Actor`. */
export type ActorClass<T extends object = object> = new () => T;

/** An actor type as a system runs it: options resolved, handlers found. */
export interface ActorType {
  readonly name: string;
  readonly actorClass: ActorClass;
  /** The `.proto` contract, if declared. */
  readonly contract: ServiceDescriptor | undefined;
  readonly idleTimeout: number;
  readonly reentrant: boolean;
  readonly mailboxCapacity: number;
  readonly strategy: SupervisionStrategy;
  readonly maxRestarts: number;
  readonly restartWindow: number;
  /** Handler names: the class's methods but the lifecycle ones and those starting with `_`. */
  readonly handlers: ReadonlySet<string>;
}

/** Default of {@link ActorOptions.idleTimeout}. */
export const DEFAULT_IDLE_TIMEOUT = 600_000;
/** Default of {@link ActorOptions.mailboxCapacity}. */
export const DEFAULT_MAILBOX_CAPACITY = 10_000;

// Symbol.for: the ES and CommonJS builds (or two copies of the package) read each other's declarations.
const ACTOR_METADATA = Symbol.for("skein:actor");

/**
 * Declares a virtual actor: instances are addressed by the class and a key
 * (`ref(CartActor, "42")`), activated on their first message, and run one
 * message at a time. Every method is a handler (callable through a
 * reference) except `onActivate`, `onDeactivate`, `receiveReminder` and
 * names starting with `_`. The `state` property is saved after each turn
 * that changed it and read back on activation.
 *
 * @example
 * ```ts
 * @Actor({ idleTimeout: 60_000 })
 * class CartActor extends ActorBase<{ items: Record<string, number> }> {
 *   state = { items: {} };
 *   addItem(sku: string, quantity: number) {
 *     this.state.items[sku] = (this.state.items[sku] ?? 0) + quantity;
 *     return this.state.items;
 *   }
 * }
 * ```
 */
export function Actor(options: ActorOptions = {}): ClassDecorator {
  return (target) => {
    Object.defineProperty(target, ACTOR_METADATA, { value: options, enumerable: false });
  };
}

/** The type name `ref()` and the wire use for `actorClass`. */
export function actorName(actorClass: ActorClass): string {
  const options = declaredOptions(actorClass);
  return options.name ?? options.contract?.name ?? actorClass.name;
}

/** Reads what `@Actor` wrote on `actorClass` and finds its handlers. */
export function exploreActor(actorClass: ActorClass): ActorType {
  const options = declaredOptions(actorClass);
  const supervision = options.supervision ?? {};
  const handlers = new Set<string>();
  const contract = options.contract;
  if (contract !== undefined) {
    for (const [key, method] of Object.entries(contract.methods)) {
      if (method.clientStreaming || method.serverStreaming) continue;
      if (typeof (actorClass.prototype as Record<string, unknown>)[key] !== "function") {
        throw new ActorError(ActorErrorCode.NO_HANDLER, `${actorClass.name} does not implement ${contract.name}.${method.name} (method ${key})`);
      }
      handlers.add(key);
    }
  }
  for (let proto = actorClass.prototype as object | null; proto !== null && proto !== Object.prototype && !Object.hasOwn(proto, ACTOR_BASE); proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (contract !== undefined || name === "constructor" || name.startsWith("_") || LIFECYCLE_METHODS.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value === "function") handlers.add(name);
    }
  }
  return {
    name: options.name ?? contract?.name ?? actorClass.name,
    actorClass,
    contract,
    idleTimeout: nonNegative("idleTimeout", options.idleTimeout, DEFAULT_IDLE_TIMEOUT),
    reentrant: options.reentrant ?? false,
    mailboxCapacity: nonNegative("mailboxCapacity", options.mailboxCapacity, DEFAULT_MAILBOX_CAPACITY),
    strategy: supervision.strategy ?? "restart",
    maxRestarts: nonNegative("supervision.maxRestarts", supervision.maxRestarts, 10),
    restartWindow: nonNegative("supervision.within", supervision.within, 60_000),
    handlers,
  };
}

function declaredOptions(actorClass: ActorClass): ActorOptions {
  const options = (actorClass as unknown as Record<symbol, ActorOptions | undefined>)[ACTOR_METADATA];
  if (options === undefined) {
    throw new ActorError(ActorErrorCode.NOT_REGISTERED, `${actorClass?.name ?? String(actorClass)} is not decorated with @Actor()`);
  }
  return options;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`@Actor ${name} must be a finite number >= 0, got ${value}`);
  return value;
}
