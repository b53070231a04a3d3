/**
 * Worker: the processing side of a {@link WorkQueue} pipeline, over DEALER.
 * It announces `concurrency` credits (READY), runs the handler for each
 * WORK item, and acknowledges it (ACK, with the handler's result frames) or
 * fails it (NACK, redelivered by the queue up to its `maxAttempts`).
 *
 * Heartbeats both ways: the worker sends HEARTBEAT every `heartbeatInterval`
 * ms; when it hears nothing from the queue for `heartbeatLiveness` periods
 * it assumes the queue died (or restarted), drops its socket and connects a
 * new one, announcing its free credits again ("paranoid pirate", see
 * {@link CreditWorker}).
 */
import { Bytes } from "@skein/core";
import { CreditWorker, type CreditLink, type CreditWorkerOptions } from "./credit-worker.js";
import { PatternError } from "./errors.js";
import { FRAME, WORK } from "./pipeline-protocol.js";

/** A work item handler: resolving acknowledges (optionally with result frames), throwing fails it. */
export type WorkHandler = (frames: Buffer[]) => Promise<void | Buffer[]>;

/** Options of {@link Worker}. */
export interface WorkerOptions extends CreditWorkerOptions {
  /** Name of the queue this worker serves. */
  queue: string;
}

/**
 * A pipeline worker.
 *
 * ```ts
 * const worker = new Worker({ connect: [queueEndpoint], queue: "resize", concurrency: 4 })
 * await worker.process(async ([image]) => { await resize(image) })
 * ```
 */
export class Worker extends CreditWorker {
  protected readonly protocol = "pipeline";
  #handler: WorkHandler | null = null;
  #processed = 0;
  #failed = 0;

  constructor(options: WorkerOptions) {
    if (options === null || typeof options !== "object" || typeof options.queue !== "string" || options.queue.length === 0) {
      throw new PatternError("EINVAL", "Worker needs options.queue: a non-empty queue name");
    }
    super(options, options.queue);
  }

  /**
   * Counters: items acknowledged, items failed, reconnections after the
   * queue went silent, sends that failed, and messages of the queue that
   * broke the protocol (malformed, or an item beyond the credits: NACKed).
   */
  get stats(): {
    /** Items whose handler resolved (ACKed). */
    processed: number;
    /** Items whose handler threw (NACKed). */
    failed: number;
    /** Times the connection to the queue was made again. */
    reconnects: number;
    /** Sends that failed (reported to `onError`). */
    sendErrors: number;
    /** Messages of the queue that broke the protocol: dropped. */
    protocolErrors: number;
  } {
    return { processed: this.#processed, failed: this.#failed, reconnects: this.reconnects, sendErrors: this.sendErrors, protocolErrors: this.protocolErrors };
  }

  /** Connects, announces READY and starts processing; resolves once started. */
  async process(handler: WorkHandler): Promise<void> {
    if (typeof handler !== "function") throw new PatternError("EINVAL", "process() needs a handler function");
    if (this.closed) throw new PatternError("ECLOSED", "Worker is closed");
    if (this.#handler !== null) throw new PatternError("EINVAL", "Worker is already processing");
    this.#handler = handler;
    await this.start();
  }

  /**
   * Takes no more items (CLOSING), waits for running ones up to
   * `drainTimeout` ms (default 5000), then leaves (DISCONNECT) and closes.
   * Items still running at the deadline are redelivered by the queue.
   */
  close(drainTimeout = 5000): Promise<void> {
    return this.leave(drainTimeout);
  }

  /** CLOSING: the queue sends no more items here and redelivers what it queued for us. */
  protected override beforeLeaving(link: CreditLink): void {
    this.send(link, [FRAME.CLOSING]);
  }

  protected onCommand(command: number, message: Buffer[], link: CreditLink): boolean {
    if (command !== WORK) return false;
    if (message.length < 3) {
      this.protocolError("A WORK message without an item id and attempt was dropped");
    } else if (this.saturated(link) && !link.stopping) {
      // More items than credits announced: refuse instead of running without bound.
      this.protocolError("A WORK item beyond the credits announced was refused (NACK)");
      this.send(link, [FRAME.NACK, message[1]!, Bytes.from("worker has no credit left")]);
    } else {
      void this.#work(link, message[1]!, message.slice(3));
    }
    return true;
  }

  async #work(link: CreditLink, itemId: Buffer, frames: Buffer[]): Promise<void> {
    if (link.stopping) {
      this.send(link, [FRAME.NACK, itemId, Bytes.from("worker is closing")]);
      return;
    }
    await this.run(link, async () => {
      try {
        const result = await this.#handler!(frames);
        this.#processed++;
        this.send(link, [FRAME.ACK, itemId, ...(Array.isArray(result) ? result : [])]);
      } catch (error) {
        this.#failed++;
        this.options.onError?.(error);
        this.send(link, [FRAME.NACK, itemId, Bytes.from(error instanceof Error ? error.message : String(error))]);
      }
    });
  }
}
