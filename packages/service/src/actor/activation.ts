/**
 * Activation: one live instance of one actor key on this member, with its
 * mailbox. Turns run one at a time (unless the type is reentrant); after
 * each turn the state is saved if it changed, before the caller's promise
 * settles, so a reply means the state is stored. A handler that throws
 * discards the turn's changes and applies the type's supervision strategy.
 */
import type { Context } from "@opentelemetry/api";
import { ActorError, ActorErrorCode } from "./actor-error.js";
import { ACTOR_RUNTIME, type ActorRuntime, type TimerOptions } from "./actor-base.js";
import type { ActorType } from "./actor-decorator.js";
import type { ActorStorage } from "./actor-storage.js";
import type { ActorTelemetry } from "./actor-telemetry.js";

/** One message for an activation. */
export interface Envelope {
  /** The handler's name, or a lifecycle method for a reminder. */
  readonly method: string;
  readonly args: unknown[];
  /** A timer's callback, run instead of a handler. */
  readonly callback?: () => unknown;
  /** A call or reminder (keeps the activation from going idle); timers do not. */
  readonly keepsAlive: boolean;
  /** The trace context of the caller. */
  readonly parent: Context | undefined;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Why an activation ended. */
export type DeactivationReason = "idle" | "requested" | "stopped" | "membership" | "conflict" | "closed";

/** What an activation needs from its system. */
export interface ActivationHost {
  readonly storage: ActorStorage;
  readonly telemetry: ActorTelemetry;
  create(type: ActorType): object;
  setReminder(type: string, key: string, name: string, options: TimerOptions): Promise<void>;
  clearReminder(type: string, key: string, name: string): Promise<void>;
  /** The activation starts ending: new messages of its key go to a new activation, which waits for {@link Activation.ended}. */
  ending(activation: Activation): void;
  /** The activation has ended (state saved). */
  deactivated(activation: Activation, reason: DeactivationReason): void;
  restarted(activation: Activation, error: unknown): void;
  escalated(activation: Activation, error: unknown): void;
}

type Lifecycle = { onActivate?(): unknown; onDeactivate?(): unknown; state?: unknown };

/** The live instance of one actor key (see the file's note). */
export class Activation {
  readonly type: ActorType;
  readonly key: string;
  readonly #host: ActivationHost;
  readonly #mailbox: Envelope[] = [];
  #head = 0;
  #instance: (object & Lifecycle) | undefined;
  /** Stored version the instance's state came from, and its JSON. */
  #version = -1;
  #savedJson = "";
  #running = 0;
  #pumping = false;
  #ended = false;
  #deactivateWhenIdle = false;
  #lastCall = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #restarts: number[] = [];
  /** Resolves once the activation has ended and its state is saved. */
  readonly ended: Promise<void>;
  #markEnded!: () => void;
  #writeChain: Promise<unknown> = Promise.resolve();

  constructor(host: ActivationHost, type: ActorType, key: string) {
    this.#host = host;
    this.type = type;
    this.key = key;
    this.ended = new Promise((resolve) => (this.#markEnded = resolve));
  }

  /** Messages waiting for their turn. */
  get queued(): number {
    return this.#mailbox.length - this.#head;
  }

  /** Queues a message; its promise settles with the handler's result once the turn (and its save) is done. */
  enqueue(envelope: Envelope): void {
    if (this.#ended) {
      envelope.reject(new ActorError(ActorErrorCode.STOPPED, `${this.type.name}/${this.key} was deactivated`));
      return;
    }
    if (this.queued >= this.type.mailboxCapacity) {
      envelope.reject(new ActorError(ActorErrorCode.MAILBOX_FULL, `${this.type.name}/${this.key} has ${this.queued} messages queued (mailboxCapacity)`));
      return;
    }
    if (envelope.keepsAlive) this.#lastCall = Date.now();
    this.#mailbox.push(envelope);
    this.#pump();
  }

  /**
   * Ends the activation once the running turn is done: queued messages are
   * rejected with `code` (not run), `onDeactivate` runs as a last turn and
   * its state change is saved, timers are cleared.
   */
  deactivate(reason: DeactivationReason, code: ActorError["code"] = ActorErrorCode.STOPPED): Promise<void> {
    if (this.#ended) return this.ended;
    this.#ended = true;
    this.#host.ending(this);
    this.#rejectQueued(code, reason);
    void this.#finish(reason);
    return this.ended;
  }

  #pump(): void {
    if (this.type.reentrant) {
      while (this.queued > 0) void this.#turn(this.#next());
      return;
    }
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.queued > 0 && !this.#ended) await this.#turn(this.#next());
    this.#pumping = false;
    this.#afterTurns();
  }

  #next(): Envelope {
    const envelope = this.#mailbox[this.#head]!;
    this.#mailbox[this.#head++] = undefined as unknown as Envelope;
    if (this.#head > 1024 && this.#head * 2 > this.#mailbox.length) {
      this.#mailbox.splice(0, this.#head);
      this.#head = 0;
    }
    return envelope;
  }

  async #turn(envelope: Envelope): Promise<void> {
    this.#running++;
    const telemetry = this.#host.telemetry;
    const turn = telemetry.startTurn(this.type.name, this.key, envelope.method, envelope.parent);
    try {
      const instance = this.#instance ?? (await this.#activate());
      let result: unknown;
      try {
        result = envelope.callback !== undefined
          ? await envelope.callback.call(instance)
          : await (instance as Record<string, (...args: unknown[]) => unknown>)[envelope.method]!(...envelope.args);
      } catch (error) {
        turn.end(error);
        envelope.reject(error);
        this.#supervise(error);
        return;
      }
      await this.#save(instance);
      turn.end(undefined);
      envelope.resolve(result);
    } catch (error) {
      // Activation or save failed: not the handler's fault, no supervision; a conflict ends the activation.
      turn.end(error);
      envelope.reject(error);
      if (error instanceof ActorError && error.code === ActorErrorCode.CONFLICT) void this.deactivate("conflict", ActorErrorCode.WRONG_OWNER);
      else this.#instance = undefined; // read the stored state again next turn
    } finally {
      this.#running--;
      if (this.type.reentrant) this.#afterTurns();
    }
  }

  async #activate(): Promise<object & Lifecycle> {
    const host = this.#host;
    if (this.#version < 0) {
      const stored = await host.storage.readState(this.type.name, this.key);
      this.#version = stored.version;
      this.#savedJson = stored.json;
    }
    const instance = host.create(this.type) as object & Lifecycle;
    const runtime: ActorRuntime = {
      key: this.key,
      setTimer: (name, callback, options) => this.#setTimer(name, callback, options),
      clearTimer: (name) => this.#clearTimer(name),
      setReminder: (name, options) => host.setReminder(this.type.name, this.key, name, options),
      clearReminder: (name) => host.clearReminder(this.type.name, this.key, name),
      deactivateOnIdle: () => {
        this.#deactivateWhenIdle = true;
      },
    };
    Object.defineProperty(instance, ACTOR_RUNTIME, { value: runtime, enumerable: false });
    if (this.#savedJson !== "") instance.state = JSON.parse(this.#savedJson);
    // Nothing stored yet: the class's initial state counts as saved (no write until a turn changes it).
    else if (this.#version === 0) this.#savedJson = JSON.stringify(instance.state) ?? "";
    this.#instance = instance;
    if (typeof instance.onActivate === "function") {
      try {
        await instance.onActivate();
        await this.#save(instance);
      } catch (error) {
        this.#instance = undefined;
        this.#clearTimers();
        throw error;
      }
    }
    host.telemetry.activations.add(1, { "skein.actor.type": this.type.name });
    return instance;
  }

  /** Saves the state if its JSON changed since the last save; writes of one activation never overlap. */
  #save(instance: Lifecycle): Promise<void> {
    const write = this.#writeChain.then(async () => {
      let json: string | undefined;
      try {
        json = JSON.stringify(instance.state);
      } catch (error) {
        throw new ActorError(ActorErrorCode.SERIALIZATION, `state of ${this.type.name}/${this.key} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      if (json === undefined || json === this.#savedJson) return;
      this.#version = await this.#host.storage.writeState(this.type.name, this.key, json, this.#version);
      this.#savedJson = json;
    });
    // The chain only orders writes; a failed write's error reaches its turn through `write`.
    this.#writeChain = write.then(undefined, () => undefined);
    return write;
  }

  #supervise(error: unknown): void {
    const type = this.type;
    const now = Date.now();
    while (this.#restarts.length > 0 && now - this.#restarts[0]! > type.restartWindow) this.#restarts.shift();
    const tooMany = this.#restarts.length >= type.maxRestarts;
    if (type.strategy === "restart" && !tooMany) {
      this.#restarts.push(now);
      // The next turn makes a fresh instance from the last saved state.
      this.#instance = undefined;
      this.#clearTimers();
      this.#host.restarted(this, error);
      return;
    }
    if (type.strategy === "escalate" || tooMany) this.#host.escalated(this, error);
    this.#instance = undefined; // the failed turn's changes are not saved by onDeactivate
    void this.deactivate("stopped");
  }

  #afterTurns(): void {
    if (this.#ended || this.#running > 0 || this.queued > 0) return;
    if (this.#deactivateWhenIdle) {
      void this.deactivate("requested");
      return;
    }
    this.#armIdle();
  }

  #armIdle(): void {
    const timeout = this.type.idleTimeout;
    if (timeout === 0) return;
    const remaining = Math.max(0, this.#lastCall + timeout - Date.now());
    if (this.#idleTimer === undefined) {
      this.#idleTimer = setTimeout(() => this.#checkIdle(), remaining);
      this.#idleTimer.unref();
    } else {
      this.#idleTimer.refresh();
    }
  }

  #checkIdle(): void {
    this.#idleTimer = undefined;
    if (this.#ended || this.#running > 0 || this.queued > 0) return;
    if (Date.now() - this.#lastCall >= this.type.idleTimeout) void this.deactivate("idle");
    else this.#armIdle();
  }

  #setTimer(name: string, callback: () => unknown, options: TimerOptions): void {
    this.#clearTimer(name);
    const period = options.period ?? 0;
    const fire = (): void => this.enqueue({
      method: `timer:${name}`,
      args: [],
      callback,
      keepsAlive: false,
      parent: undefined,
      resolve: () => undefined,
      // The error also went through supervision (#turn): this counts it per timer.
      reject: (error) => this.#host.telemetry.timerErrors.add(1, { "skein.actor.type": this.type.name, "error.type": errorType(error) }),
    });
    const first = setTimeout(() => {
      if (period > 0) {
        const interval = setInterval(fire, period);
        interval.unref();
        this.#timers.set(name, interval);
      } else {
        this.#timers.delete(name);
      }
      fire();
    }, options.due);
    first.unref();
    this.#timers.set(name, first);
  }

  #clearTimer(name: string): void {
    const timer = this.#timers.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    clearInterval(timer);
    this.#timers.delete(name);
  }

  #clearTimers(): void {
    for (const name of [...this.#timers.keys()]) this.#clearTimer(name);
  }

  #rejectQueued(code: ActorError["code"], reason: DeactivationReason): void {
    while (this.queued > 0) {
      this.#next().reject(new ActorError(code, `${this.type.name}/${this.key} was deactivated (${reason}) before this message's turn`));
    }
  }

  async #finish(reason: DeactivationReason): Promise<void> {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#clearTimers();
    // Let the running turn (and its save) end first.
    while (this.#running > 0 || this.#pumping) await new Promise<void>((resolve) => setImmediate(resolve));
    const instance = this.#instance;
    this.#instance = undefined;
    try {
      if (instance !== undefined && typeof instance.onDeactivate === "function") {
        await instance.onDeactivate();
        await this.#save(instance);
      }
    } catch (error) {
      this.#host.telemetry.deactivationErrors.add(1, { "skein.actor.type": this.type.name, "error.type": errorType(error) });
    } finally {
      if (instance !== undefined) this.#host.telemetry.activations.add(-1, { "skein.actor.type": this.type.name });
      this.#host.deactivated(this, reason);
      this.#markEnded();
    }
  }
}

/** `error.type` of an error: its `code`, or its class name. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "Error";
}
