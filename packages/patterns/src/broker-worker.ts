/**
 * BrokerWorker: serves one service behind a {@link Broker}, over DEALER.
 * It announces `concurrency` credits (READY), answers each REQUEST with a
 * REPLY (returning a credit), heart-beats every `heartbeatInterval` ms, and
 * when the broker is silent for `heartbeatLiveness` periods (dead or
 * restarted) drops its socket and registers again on a new one ("paranoid
 * pirate" worker, see {@link CreditWorker}). A broker that does not know it
 * (after a restart) answers DISCONNECT, which also makes it register again.
 */
import { CreditWorker, type CreditLink, type CreditWorkerOptions } from "./credit-worker.js";
import { PatternError } from "./errors.js";
import { FRAME, REQUEST } from "./broker-protocol.js";

/** Options of {@link BrokerWorker}. */
export interface BrokerWorkerOptions extends CreditWorkerOptions {
  /** Broker back-end endpoints. */
  connect: string[];
  /** The service name this worker serves. */
  service: string;
}

/** A service handler: the returned frames are the reply. */
export type ServiceHandler = (frames: Buffer[]) => Promise<Buffer[]> | Buffer[];

/**
 * A broker-connected service worker.
 *
 * ```ts
 * const worker = new BrokerWorker({ connect: ["tcp://broker:5556"], service: "echo" })
 * await worker.serve((frames) => frames)
 * ```
 */
export class BrokerWorker extends CreditWorker {
  protected readonly protocol = "broker";
  #handler: ServiceHandler | null = null;
  #served = 0;

  constructor(options: BrokerWorkerOptions) {
    if (options === null || typeof options !== "object" || typeof options.service !== "string" || options.service.length === 0) {
      throw new PatternError("EINVAL", "BrokerWorker needs options.service: a non-empty service name");
    }
    if (!Array.isArray(options.connect) || options.connect.length === 0) {
      throw new PatternError("EINVAL", "BrokerWorker needs options.connect: the broker's back-end endpoints");
    }
    super(options, options.service);
  }

  /**
   * Counters: requests served, reconnections after the broker went silent,
   * sends that failed, and messages of the broker that broke the protocol
   * (malformed, or a request beyond the credits: answered FAIL).
   */
  get stats(): {
    /** Requests answered. */
    served: number;
    /** Times the connection to the broker was made again. */
    reconnects: number;
    /** Sends that failed (reported to `onError`). */
    sendErrors: number;
    /** Messages of the broker that broke the protocol: dropped or answered FAIL. */
    protocolErrors: number;
  } {
    return { served: this.#served, reconnects: this.reconnects, sendErrors: this.sendErrors, protocolErrors: this.protocolErrors };
  }

  /** Connects, registers and starts serving; resolves once started. */
  async serve(handler: ServiceHandler): Promise<void> {
    if (typeof handler !== "function") throw new PatternError("EINVAL", "serve() needs a handler function");
    if (this.closed) throw new PatternError("ECLOSED", "BrokerWorker is closed");
    if (this.#handler !== null) throw new PatternError("EINVAL", "BrokerWorker is already serving");
    this.#handler = handler;
    await this.start();
  }

  /** Waits for running requests (up to `drainTimeout` ms, default 5000), says DISCONNECT and closes. */
  close(drainTimeout = 5000): Promise<void> {
    return this.leave(drainTimeout);
  }

  protected onCommand(command: number, message: Buffer[], link: CreditLink): boolean {
    if (command !== REQUEST) return false;
    if (message.length < 3) {
      this.protocolError("A REQUEST without a client and correlation id was dropped");
    } else if (this.saturated(link)) {
      this.protocolError("A REQUEST beyond the credits announced was refused (FAIL)");
      this.send(link, [FRAME.FAIL, message[1]!, message[2]!]);
    } else {
      void this.#handle(link, message[1]!, message[2]!, message.slice(3));
    }
    return true;
  }

  async #handle(link: CreditLink, client: Buffer, correlation: Buffer, frames: Buffer[]): Promise<void> {
    // The reply goes out inside the job, so a draining close() says DISCONNECT only after it.
    await this.run(link, async () => {
      let reply: Buffer[] | null = null;
      try {
        const answer = await this.#handler!(frames);
        if (!Array.isArray(answer) || !answer.every((f) => f instanceof Uint8Array)) {
          throw new PatternError("EINVAL", "A service handler must return an array of Buffers");
        }
        this.#served++;
        reply = answer;
      } catch (error) {
        this.options.onError?.(error);
      }
      this.send(link, reply === null ? [FRAME.FAIL, client, correlation] : [FRAME.REPLY, client, correlation, ...reply]);
    });
  }
}
