/**
 * ActorBase: what an actor can do to itself (its key, timers, durable
 * reminders, deactivation), through the activation that runs it. Extending
 * it is optional: a plain `@Actor` class works too, without these helpers.
 */

/** What an activation lets its instance do; set by the runtime, never by user code. */
export interface ActorRuntime {
  readonly key: string;
  setTimer(name: string, callback: () => unknown, options: TimerOptions): void;
  clearTimer(name: string): void;
  setReminder(name: string, options: TimerOptions): Promise<void>;
  clearReminder(name: string): Promise<void>;
  deactivateOnIdle(): void;
}

/** When a timer or reminder fires. */
export interface TimerOptions {
  /** Ms from now to the first firing. */
  due: number;
  /** Ms between firings after the first; omit (or 0) to fire once. */
  period?: number;
}

/** Where the runtime attaches itself to an instance. */
export const ACTOR_RUNTIME = Symbol.for("skein:actor-runtime");
/** Marks ActorBase.prototype, whichever copy of the package it comes from: handler discovery stops there. */
export const ACTOR_BASE = Symbol.for("skein:actor-base");

/** Methods of an actor class that are not handlers. */
export const LIFECYCLE_METHODS: ReadonlySet<string> = new Set(["onActivate", "onDeactivate", "receiveReminder"]);

/**
 * Base class of actors with state `S`. Declare `state` with its initial
 * value; the runtime replaces it with the saved one on activation and saves
 * it after every turn that changed it (compared as JSON).
 *
 * @example
 * ```ts
 * @Actor()
 * class Account extends ActorBase<{ balance: number }> {
 *   state = { balance: 0 };
 *   async onActivate() { await this.setReminder("interest", { due: 86_400_000, period: 86_400_000 }); }
 *   deposit(amount: number) { this.state.balance += amount; return this.state.balance; }
 *   receiveReminder(name: string) { if (name === "interest") this.state.balance *= 1.0001; }
 * }
 * ```
 */
// `S` documents the state's type; `state` itself is declared by the subclass (no `override` needed).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export abstract class ActorBase<S = unknown> {
  declare [ACTOR_RUNTIME]: ActorRuntime;

  /** The key this activation serves. */
  protected get key(): string {
    return this[ACTOR_RUNTIME].key;
  }

  /**
   * Runs `callback` as a turn of this actor after `due` ms (and every
   * `period` ms if set), like any message: one at a time with the others.
   * Timers live in memory: they end with the activation (deactivation,
   * restart, the process exiting) and do not keep it from going idle. For
   * what must happen even after a restart, use {@link setReminder}. A timer
   * of the same name is replaced.
   */
  protected setTimer(name: string, callback: () => unknown, options: TimerOptions): void {
    this[ACTOR_RUNTIME].setTimer(name, callback, options);
  }

  /** Cancels the timer `name` (no-op when none). */
  protected clearTimer(name: string): void {
    this[ACTOR_RUNTIME].clearTimer(name);
  }

  /**
   * Stores a durable reminder: `receiveReminder(name)` runs as a turn of this
   * actor after `due` ms (and every `period` ms), activating it if needed,
   * on whichever member owns the key then, after process restarts too. A
   * reminder due while no member ran fires as soon as its owner starts.
   * A reminder of the same name is replaced.
   */
  protected setReminder(name: string, options: TimerOptions): Promise<void> {
    return this[ACTOR_RUNTIME].setReminder(name, options);
  }

  /** Removes the reminder `name` (no-op when none). */
  protected clearReminder(name: string): Promise<void> {
    return this[ACTOR_RUNTIME].clearReminder(name);
  }

  /** Deactivates this activation once the current turn ends and its mailbox is empty (its state is saved first). */
  protected deactivateOnIdle(): void {
    this[ACTOR_RUNTIME].deactivateOnIdle();
  }
}

/** Keys of {@link ActorBase} that a reference never exposes. */
type BaseKeys = keyof ActorBase | "state" | "onActivate" | "onDeactivate" | "receiveReminder";

/** Names of `T`'s handler methods. */
export type HandlerName<T> = {
  [K in keyof T]: K extends BaseKeys ? never : K extends `_${string}` ? never : T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/**
 * A typed reference to one actor: each handler of `T`, returning a promise
 * of its result. Calls go to whichever member owns the key.
 */
export type ActorRef<T> = {
  readonly [K in HandlerName<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

Object.defineProperty(ActorBase.prototype, ACTOR_BASE, { value: true });
