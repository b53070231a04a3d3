/**
 * A pool of actor threads that spreads calls over the cores: each call goes
 * to an idle actor (one call at a time per actor, so a long call never holds
 * up others while another core is free), calls beyond that wait in a bounded
 * queue. An actor whose thread fails is replaced; the call it was running
 * rejects with the failure.
 */
import { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import type { Pair } from "@skein/core";
import { ActorThread, type ActorThreadOptions } from "./actor-thread.js";
import { checkNumber, PatternError } from "./errors.js";

/** What a pool runs for each call: the call's frames in, the reply's frames (or one frame, or nothing) out. */
export type PoolHandler<A = unknown> = (frames: Buffer[], args: A) => unknown;

/** Options of {@link ActorPool.start}. */
export interface ActorPoolOptions<A = unknown> extends Omit<ActorThreadOptions<A>, "export"> {
  /** Actor threads in the pool. Default: `os.availableParallelism()`. */
  size?: number;
  /** For a module handler: the export to run (default: `default`, then `handler`). */
  export?: string;
  /** Calls that may wait for an idle actor; one more rejects with `EAGAIN`. Default 10000. */
  maxQueued?: number;
}

/** What a pool's threads are told: the handler and its arguments. */
interface PoolConfig {
  module: string | null;
  export: string | null;
  source: string | null;
  args: unknown;
}

/** Frames a call may carry (as `send()` takes them). */
export type PoolFrame = Buffer | string;

interface Job {
  frames: PoolFrame[];
  resolve(reply: Buffer[]): void;
  reject(error: Error): void;
}

interface Slot {
  actor: ActorThread;
  /** Resolves with the exit code once the actor's thread has ended. */
  exit: Promise<number>;
  busy: boolean;
}

const DEFAULT_MAX_QUEUED = 10_000;

/**
 * The actor each thread of a pool runs. It is started from its source text
 * in the pool's threads, so it uses nothing from this module's scope.
 */
async function poolActor(pipe: Pair, config: PoolConfig): Promise<void> {
  let handler: (frames: Buffer[], args: unknown) => unknown;
  if (config.source !== null) {
    handler = (0, eval)(`(${config.source})`);
  } else {
    // Through eval, so that a bundler or test transform of this function's text leaves the import alone.
    const load = (0, eval)("(url) => import(url)") as (url: string) => Promise<Record<string, unknown>>;
    const mod = await load(config.module!);
    handler = (config.export !== null ? mod[config.export] : (mod.default ?? mod.handler)) as typeof handler;
    if (typeof handler !== "function") throw new TypeError(`the pool handler ${config.module} exports no function`);
  }
  for await (const msg of pipe) {
    if (msg.length === 1 && msg[0]!.toString() === "$TERM") return;
    let reply: unknown[];
    try {
      const result = await handler(msg, config.args);
      reply = ["ok", ...(Array.isArray(result) ? result : result === undefined ? [] : [result])];
    } catch (error) {
      reply = ["err", error instanceof Error ? error.message : String(error)];
    }
    await pipe.send(reply as Buffer[]);
  }
}

/**
 * Actor threads sharing calls: `run()` hands a call to an idle actor.
 *
 * ```ts
 * const pool = await ActorPool.start((frames) => fib(Number(frames[0])), { size: 4 })
 * const [result] = await pool.run("35")
 * await pool.close()
 * ```
 *
 * A handler that throws rejects its call with `EACTOR` (the actor goes on);
 * an actor whose thread fails is replaced (`restart` event with the error,
 * counted in {@link restarts}) and its call rejects with the failure.
 */
export class ActorPool extends EventEmitter {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #maxQueued: number;
  readonly #threadOptions: ActorThreadOptions<PoolConfig>;
  #restarts = 0;
  #closed = false;

  private constructor(threadOptions: ActorThreadOptions<PoolConfig>, maxQueued: number) {
    super();
    this.#threadOptions = threadOptions;
    this.#maxQueued = maxQueued;
  }

  /**
   * Starts `size` actor threads running `handler`: a function (run from its
   * source text: it must not use variables of its enclosing scope) or a
   * module (URL or path) whose default export (or `options.export`) is the
   * handler. Resolves once every thread is ready.
   */
  static async start<A>(handler: PoolHandler<A> | URL | string, options: ActorPoolOptions<A> = {}): Promise<ActorPool> {
    checkNumber("size", options.size, 1);
    checkNumber("maxQueued", options.maxQueued, 0);
    const isFunction = typeof handler === "function";
    const config: PoolConfig = {
      source: isFunction ? handler.toString() : null,
      module: isFunction ? null : handler instanceof URL ? handler.href : /^[a-z][a-z0-9+.-]*:/i.test(handler) ? handler : pathToFileURL(handler).href,
      export: options.export ?? null,
      args: options.args,
    };
    const { size = availableParallelism(), maxQueued = DEFAULT_MAX_QUEUED, export: _export, args: _args, ...threadOptions } = options;
    void _export;
    void _args;
    const pool = new ActorPool({ ...threadOptions, args: config }, maxQueued);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.#startSlot()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  async #startSlot(): Promise<Slot> {
    const actor = await ActorThread.start(poolActor, this.#threadOptions);
    const slot: Slot = { actor, exit: new Promise((resolve) => actor.once("exit", resolve)), busy: false };
    // The failure reaches the call it interrupts (or the `restart` event): the slot listens for it.
    actor.on("error", (error: PatternError) => this.#failed(slot, error));
    this.#slots.push(slot);
    // Closed while it started: close() did not see it.
    if (this.#closed) await actor.terminate();
    else this.#next(slot);
    return slot;
  }

  /** Actor threads in the pool. */
  get size(): number {
    return this.#slots.length;
  }

  /** Calls waiting for an idle actor. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Actors replaced after their thread failed. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Runs one call on an idle actor; resolves with the frames the handler
   * returned. Rejects with `EACTOR` if the handler threw or its thread
   * failed, `EAGAIN` if `maxQueued` calls wait already, `ECLOSED` after
   * {@link close}.
   */
  run(...frames: PoolFrame[]): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(new PatternError("ECLOSED", "ActorPool is closed"));
    return new Promise<Buffer[]>((resolve, reject) => {
      const job: Job = { frames, resolve, reject };
      const slot = this.#slots.find((s) => !s.busy);
      if (slot !== undefined) {
        void this.#dispatch(slot, job);
        return;
      }
      if (this.#queue.length >= this.#maxQueued) {
        reject(new PatternError("EAGAIN", `ActorPool has ${this.#queue.length} calls waiting (maxQueued)`));
        return;
      }
      this.#queue.push(job);
    });
  }

  async #dispatch(slot: Slot, job: Job): Promise<void> {
    slot.busy = true;
    const { actor } = slot;
    try {
      await actor.pipe.send(job.frames);
      const reply = await Promise.race([actor.pipe.receive(), slot.exit.then(() => null)]);
      if (reply === null) {
        job.reject(actor.error ?? new PatternError("EACTOR", `actor thread exited (code ${actor.exitCode}) during a call`));
        return;
      }
      const [status, ...rest] = reply;
      if (status?.toString() === "ok") job.resolve(rest);
      else job.reject(new PatternError("EACTOR", rest[0]?.toString() ?? "handler failed"));
    } catch (error) {
      job.reject(error as Error);
    } finally {
      slot.busy = false;
      if (actor.exitCode === null && this.#slots.includes(slot)) this.#next(slot);
    }
  }

  #next(slot: Slot): void {
    const job = this.#queue.shift();
    if (job !== undefined) void this.#dispatch(slot, job);
  }

  /** An actor's thread failed: replace it (its call, if any, rejects in #dispatch). */
  #failed(slot: Slot, error: PatternError): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    if (this.#closed) return;
    this.#restarts++;
    this.emit("restart", error);
    void slot.exit.then(() => {
      slot.actor.pipe.close();
      return this.#closed ? undefined : this.#startSlot();
    }).then(undefined, (startError: unknown) => this.emit("restart", startError));
  }

  /** Ends every actor ($TERM, then each thread's `terminateTimeout`); waiting calls reject with `ECLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new PatternError("ECLOSED", "ActorPool closed"));
    const stopped = await Promise.allSettled(this.#slots.map((slot) => slot.actor.terminate()));
    const failed = stopped.find((result) => result.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }
}
