/**
 * Actor threads, as CZMQ's `zactor`: a function (or a module's export) run
 * in its own worker thread, joined to its caller by a PAIR pipe over
 * `inproc://` (which crosses threads: see @skein/core's README). The caller
 * talks to the actor through {@link ActorThread.pipe}; the actor gets the
 * other end.
 *
 * Handshake, as zactor's: the actor's thread says it is ready on the pipe
 * before {@link ActorThread.start} resolves; {@link ActorThread.terminate}
 * sends `$TERM`, and the actor is expected to return when it reads it; then
 * the thread ends. An actor that does not end within `terminateTimeout` is
 * stopped (`Worker.terminate()`).
 */
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { threadId, Worker, type WorkerOptions as NodeWorkerOptions } from "node:worker_threads";
import { Pair } from "@skein/core";
import { checkNumber, PatternError } from "./errors.js";

/** The message that asks an actor to end (CZMQ's `$TERM`). */
export const ACTOR_TERM = "$TERM";
/** The message an actor's thread sends once the actor is loaded (CZMQ's `zsock_signal`). */
export const ACTOR_READY = "$READY";

/** What an actor is: a function of its pipe, its arguments and the @skein/core module. */
export type ActorFunction<A = unknown> = (pipe: Pair, args: A, zmq: typeof import("@skein/core")) => unknown;

/** Options of {@link ActorThread.start}. */
export interface ActorThreadOptions<A = unknown> {
  /** Handed to the actor as its second argument (structured-cloned into its thread). */
  args?: A;
  /** For a module entry: the export to run (default: `default`, then `actor`). */
  export?: string;
  /** Milliseconds {@link ActorThread.start} waits for the actor's thread to be ready. Default 30000. */
  startTimeout?: number;
  /** Milliseconds {@link ActorThread.terminate} waits for the actor to end after `$TERM` before stopping its thread. Default 5000. */
  terminateTimeout?: number;
  /** Passed to `new Worker` (`resourceLimits`, `env`, `execArgv`, ...). */
  worker?: Omit<NodeWorkerOptions, "workerData" | "eval">;
}

const DEFAULT_START_TIMEOUT = 30_000;
const DEFAULT_TERMINATE_TIMEOUT = 5_000;

/**
 * The actor's thread runs this (a module from a data: URL, so the same text
 * works from the built package and from its sources). It loads @skein/core
 * from the caller's copy, connects the pipe, loads the entry, signals ready,
 * runs the actor and closes the pipe when the actor returns. An error thrown
 * by the actor ends the thread with it: the caller's Worker sees `error`.
 */
const BOOTSTRAP = `
import { workerData } from "node:worker_threads";
const zmq = await import(workerData.core);
const pipe = new zmq.Pair({ linger: -1 });
// Linked before anything is sent: what the actor sends then is in the ring between the threads,
// which outlives this thread (a connect across threads is linked after one round trip).
const hold = setInterval(() => {}, 1 << 30);
await new Promise((resolve) => {
  pipe.events.on("connect", resolve);
  pipe.connect(workerData.address);
});
clearInterval(hold);
let actor;
if (workerData.source !== null) {
  actor = (0, eval)("(" + workerData.source + ")");
} else {
  const mod = await import(workerData.module);
  actor = workerData.export !== null ? mod[workerData.export] : (mod.default ?? mod.actor);
}
if (typeof actor !== "function") throw new TypeError("the actor entry " + (workerData.module ?? "") + " exports no function" + (workerData.export ? " named " + workerData.export : " (default or actor)"));
await pipe.send(${JSON.stringify(ACTOR_READY)});
try {
  await actor(pipe, workerData.args, zmq);
} finally {
  pipe.close();
}
`;
const BOOTSTRAP_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`);

let actors = 0;

/** Where the actor's thread loads @skein/core from: the copy this module uses. */
function coreUrl(): string {
  const cjs = createRequire(import.meta.url).resolve("@skein/core");
  return new URL("./index.js", pathToFileURL(cjs)).href;
}

/**
 * An actor running in a worker thread, joined to this thread by a PAIR pipe.
 *
 * ```ts
 * const echo = await ActorThread.start(async (pipe) => {
 *   for await (const msg of pipe) {
 *     if (msg[0]?.toString() === "$TERM") return
 *     await pipe.send(msg)
 *   }
 * })
 * await echo.pipe.send("hello")
 * const [reply] = await echo.pipe.receive()
 * await echo.terminate()
 * ```
 *
 * Events: `error` (the actor threw, or its thread failed: a {@link PatternError}
 * with code `EACTOR` and the actor's error as `cause`; if nobody listens and
 * nobody awaits {@link exited} or {@link terminate}, it is thrown, as a
 * Worker's `error` is) and `exit` (the thread ended, with its exit code).
 */
export class ActorThread extends EventEmitter {
  /** This end of the pipe: send to the actor, receive what it sends. */
  readonly pipe: Pair;
  /** The actor's thread. */
  readonly worker: Worker;
  /** The pipe's inproc:// address. */
  readonly address: string;
  readonly #terminateTimeout: number;
  #error: PatternError | null = null;
  #exitCode: number | null = null;
  readonly #exit: Promise<number>;
  #watched = false;
  #terminating: Promise<void> | null = null;

  private constructor(pipe: Pair, worker: Worker, address: string, terminateTimeout: number) {
    super();
    this.pipe = pipe;
    this.worker = worker;
    this.address = address;
    this.#terminateTimeout = terminateTimeout;
    this.#exit = new Promise<number>((resolve) => {
      worker.once("exit", (code) => {
        this.#exitCode = code;
        if (code !== 0 && this.#error === null && this.#terminating === null) {
          this.#fail(new PatternError("EACTOR", `actor thread exited with code ${code}`));
        }
        resolve(code);
        this.emit("exit", code);
      });
    });
    worker.on("error", (error) => this.#fail(new PatternError("EACTOR", `actor failed: ${error.message}`, { cause: error })));
  }

  /**
   * Starts an actor in a new worker thread: `entry` is a function (it runs
   * from its source text, so it must not use variables of its enclosing
   * scope: it gets the pipe, `options.args` and the @skein/core module), or
   * a module (a URL, or a path/URL string) whose default export (or
   * `options.export`) is the actor. Resolves once the actor's thread is
   * ready; rejects with `EACTOR` if it fails first, `ETIMEDOUT` after
   * `startTimeout`.
   */
  static async start<A>(entry: ActorFunction<A> | URL | string, options: ActorThreadOptions<A> = {}): Promise<ActorThread> {
    checkNumber("startTimeout", options.startTimeout, 0);
    checkNumber("terminateTimeout", options.terminateTimeout, 0);
    const address = `inproc://skein-actor-${threadId}-${++actors}-${randomBytes(4).toString("hex")}`;
    const pipe = new Pair({ linger: 0 });
    await pipe.bind(address);
    const isFunction = typeof entry === "function";
    const module = isFunction ? null : entry instanceof URL ? entry.href : /^[a-z][a-z0-9+.-]*:/i.test(entry) ? entry : pathToFileURL(entry).href;
    let worker: Worker;
    try {
      worker = new Worker(BOOTSTRAP_URL, {
        ...options.worker,
        workerData: {
          core: coreUrl(),
          address,
          source: isFunction ? entry.toString() : null,
          module,
          export: options.export ?? null,
          args: options.args,
        },
      });
    } catch (error) {
      pipe.close();
      throw error;
    }
    const actor = new ActorThread(pipe, worker, address, options.terminateTimeout ?? DEFAULT_TERMINATE_TIMEOUT);
    const startTimeout = options.startTimeout ?? DEFAULT_START_TIMEOUT;
    try {
      await actor.#ready(startTimeout);
    } catch (error) {
      await actor.worker.terminate();
      pipe.close();
      throw error;
    }
    return actor;
  }

  /**
   * Waits for the ready signal, or the thread's failure, or the deadline. A
   * thread that ended cleanly may have sent its signal (and more) first: what
   * it sent is still in the pipe between the threads, so only a pipe that
   * ends with nothing to read means it ended before it was ready.
   */
  async #ready(timeoutMs: number): Promise<void> {
    this.#watched = true;
    let timer: NodeJS.Timeout | undefined;
    let disconnected = false;
    let onEnded: (() => void) | null = null;
    const onDisconnect = (): void => {
      disconnected = true;
      onEnded?.();
    };
    this.pipe.events.on("disconnect", onDisconnect);
    try {
      // Promise.race handles the losers' later rejections (the receive when the pipe closes).
      const [signal] = await Promise.race([
        this.pipe.receive(),
        this.#exit.then(async (): Promise<never> => {
          if (this.#error !== null) throw this.#error;
          if (!disconnected) await new Promise<void>((resolve) => (onEnded = resolve));
          // One more turn: a message the pipe delivered as it ended settles receive() first.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (!this.pipe.readable) throw new PatternError("EACTOR", "actor thread ended before it was ready");
          // The signal is there to read: receive() has it.
          return new Promise<never>(() => undefined);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new PatternError("ETIMEDOUT", `actor thread not ready within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (signal?.toString() !== ACTOR_READY) throw new PatternError("EPROTO", "actor thread sent something before its ready signal");
    } finally {
      clearTimeout(timer);
      this.pipe.events.off("disconnect", onDisconnect);
      this.#watched = false;
    }
  }

  #fail(error: PatternError): void {
    if (this.#error !== null) return;
    this.#error = error;
    if (this.listenerCount("error") > 0 || !this.#watched) this.emit("error", error);
  }

  /** The exit code once the thread has ended, else null. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** The actor's failure, if it failed. */
  get error(): PatternError | null {
    return this.#error;
  }

  /** Resolves when the actor's thread has ended cleanly; rejects with `EACTOR` if the actor failed. */
  async exited(): Promise<void> {
    this.#watched = true;
    await this.#exit;
    if (this.#error !== null) throw this.#error;
  }

  /**
   * Ends the actor: sends `$TERM`, waits up to `terminateTimeout` for it to
   * return and its thread to end, stops the thread otherwise, and closes
   * the pipe. Rejects with `EACTOR` if the actor had failed. Idempotent.
   */
  terminate(): Promise<void> {
    this.#terminating ??= this.#terminate();
    return this.#terminating;
  }

  async #terminate(): Promise<void> {
    this.#watched = true;
    if (this.#exitCode === null && !this.pipe.closed) {
      this.pipe.sendTimeout = 0;
      // A pipe that is full or whose peer is gone takes no $TERM: the timeout below decides.
      await this.pipe.send(ACTOR_TERM).then(undefined, (error: unknown) => this.emit("warning", error));
    }
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.#exit.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.#terminateTimeout))),
    ]);
    clearTimeout(timer);
    if (!stopped) await this.worker.terminate();
    await this.#exit;
    this.pipe.close();
    if (this.#error !== null) throw this.#error;
  }
}
