/**
 * Worker: the processing side of a {@link WorkQueue} pipeline, over DEALER.
 * It announces `concurrency` credits (READY), runs the handler for each
 * WORK item, and acknowledges it (ACK, with the handler's result frames) or
 * fails it (NACK, redelivered by the queue up to its `maxAttempts`).
 *
 * Heartbeats both ways: the worker sends HEARTBEAT every `heartbeatInterval`
 * ms; when it hears nothing from the queue for `heartbeatLiveness` periods
 * it assumes the queue died (or restarted), drops its socket and connects a
 * new one, announcing its free credits again ("paranoid pirate").
 */
import { Context, Dealer } from "@skein/core";
import { PatternError, checkNumber } from "./errors.js";
import { DISCONNECT, FRAME, HEARTBEAT, WORK } from "./pipeline-protocol.js";
import { encodeU32 } from "./util/codec.js";

/** A work item handler: resolving acknowledges (optionally with result frames), throwing fails it. */
export type WorkHandler = (frames: Buffer[]) => Promise<void | Buffer[]>;

/** Options of {@link Worker}. */
export interface WorkerOptions {
  connect?: string[];
  bind?: string[];
  /** Name of the queue this worker serves. */
  queue: string;
  /** Items processed at once (the credits announced). Default 1. */
  concurrency?: number;
  context?: Context;
  /** Heartbeat period in ms. Default 1000 (use the queue's value). */
  heartbeatInterval?: number;
  /** Silent periods before the queue is assumed dead and the worker reconnects. Default 3. */
  heartbeatLiveness?: number;
  /** Called with a handler's error (the item is NACKed either way). */
  onError?: (error: unknown) => void;
}

/**
 * A pipeline worker.
 *
 * ```ts
 * const worker = new Worker({ connect: [queueEndpoint], queue: "resize", concurrency: 4 })
 * await worker.process(async ([image]) => { await resize(image) })
 * ```
 */
export class Worker {
  readonly #options: WorkerOptions;
  readonly #concurrency: number;
  readonly #interval: number;
  readonly #liveness: number;
  #socket: Dealer | null = null;
  #handler: WorkHandler | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #lastHeard = 0;
  #running = 0;
  #processed = 0;
  #failed = 0;
  #reconnects = 0;
  #stopping = false;
  #closed = false;
  #idle: (() => void) | null = null;
  readonly #loops = new Set<Promise<void>>();

  constructor(options: WorkerOptions) {
    if (options === null || typeof options !== "object" || typeof options.queue !== "string" || options.queue.length === 0) {
      throw new PatternError("EINVAL", "Worker needs options.queue: a non-empty queue name");
    }
    checkNumber("concurrency", options.concurrency, 1);
    checkNumber("heartbeatInterval", options.heartbeatInterval, 1);
    checkNumber("heartbeatLiveness", options.heartbeatLiveness, 1);
    this.#options = options;
    this.#concurrency = options.concurrency ?? 1;
    this.#interval = options.heartbeatInterval ?? 1000;
    this.#liveness = options.heartbeatLiveness ?? 3;
  }

  /** Items being processed now. */
  get inFlight(): number {
    return this.#running;
  }

  /** Counters: items acknowledged, items failed, reconnections after the queue went silent. */
  get stats(): { processed: number; failed: number; reconnects: number } {
    return { processed: this.#processed, failed: this.#failed, reconnects: this.#reconnects };
  }

  /** Connects, announces READY and starts processing; resolves once started. */
  async process(handler: WorkHandler): Promise<void> {
    if (typeof handler !== "function") throw new PatternError("EINVAL", "process() needs a handler function");
    if (this.#closed) throw new PatternError("ECLOSED", "Worker is closed");
    if (this.#handler !== null) throw new PatternError("EINVAL", "Worker is already processing");
    this.#handler = handler;
    await this.#open();
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /**
   * Takes no more items (CLOSING), waits for running ones up to
   * `drainTimeout` ms (default 5000), then leaves (DISCONNECT) and closes.
   * Items still running at the deadline are redelivered by the queue.
   */
  async close(drainTimeout = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    const socket = this.#socket;
    if (socket !== null) {
      void socket.send([FRAME.CLOSING]).catch(() => undefined);
      if (this.#running > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.#idle = resolve;
          timer = setTimeout(resolve, drainTimeout);
        });
        clearTimeout(timer);
      }
      socket.linger = 500;
      await socket.send([FRAME.DISCONNECT]).catch(() => undefined);
      socket.close();
    }
    await Promise.all(this.#loops);
  }

  async #open(): Promise<void> {
    const o = this.#options;
    const socket = new Dealer({ linger: 0, ...(o.context === undefined ? {} : { context: o.context }) });
    try {
      for (const address of o.bind ?? []) await socket.bind(address);
      for (const address of o.connect ?? []) socket.connect(address);
    } catch (error) {
      socket.close();
      throw error;
    }
    this.#socket = socket;
    this.#lastHeard = Date.now();
    this.#ready(socket);
    const loop = this.#receiveLoop(socket);
    this.#loops.add(loop);
    void loop.then(() => this.#loops.delete(loop));
  }

  #ready(socket: Dealer): void {
    const free = Math.max(0, this.#concurrency - this.#running);
    void socket.send([FRAME.READY, Buffer.from(this.#options.queue), encodeU32(free)]).catch(() => undefined);
  }

  #tick(): void {
    const socket = this.#socket;
    if (socket === null || this.#stopping) return;
    if (Date.now() - this.#lastHeard > this.#interval * this.#liveness) {
      // The queue is silent: it died or restarted. A new socket drops whatever the old one queued.
      this.#reconnects++;
      socket.close();
      this.#socket = null;
      this.#open().catch((error: unknown) => this.#options.onError?.(error));
      return;
    }
    void socket.send([FRAME.HEARTBEAT]).catch(() => undefined);
  }

  async #receiveLoop(socket: Dealer): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      this.#lastHeard = Date.now();
      const command = message[0];
      if (command === undefined || command.length !== 1) continue;
      if (command[0] === WORK && message.length >= 3) {
        void this.#work(message[1]!, message.slice(3));
      } else if (command[0] === DISCONNECT && !this.#stopping) {
        this.#ready(socket); // the queue does not know us (it restarted): register again
      } else if (command[0] !== HEARTBEAT && command[0] !== DISCONNECT) {
        this.#options.onError?.(new PatternError("EPROTO", `Unknown pipeline command 0x${command[0]!.toString(16)}`));
      }
    }
  }

  async #work(itemId: Buffer, frames: Buffer[]): Promise<void> {
    if (this.#stopping) {
      this.#reply([FRAME.NACK, itemId, Buffer.from("worker is closing")]);
      return;
    }
    this.#running++;
    try {
      const result = await this.#handler!(frames);
      this.#processed++;
      this.#reply([FRAME.ACK, itemId, ...(Array.isArray(result) ? result : [])]);
    } catch (error) {
      this.#failed++;
      this.#options.onError?.(error);
      this.#reply([FRAME.NACK, itemId, Buffer.from(error instanceof Error ? error.message : String(error))]);
    } finally {
      this.#running--;
      if (this.#running === 0) this.#idle?.();
    }
  }

  /** Replies on the current socket (after a reconnect, the new one). */
  #reply(message: Buffer[]): void {
    const socket = this.#socket;
    if (socket === null || socket.closed) return; // the queue redelivers: it never got our ack
    void socket.send(message).catch(() => undefined);
  }
}
