/**
 * BrokerWorker: serves one service behind a {@link Broker}, over DEALER.
 * It announces `concurrency` credits (READY), answers each REQUEST with a
 * REPLY (returning a credit), heart-beats every `heartbeatInterval` ms, and
 * when the broker is silent for `heartbeatLiveness` periods (dead or
 * restarted) drops its socket and registers again on a new one ("paranoid
 * pirate" worker). A broker that does not know it (after a restart) answers
 * DISCONNECT, which also makes it register again.
 */
import { Context, Dealer } from "@skein/core";
import { PatternError, checkNumber } from "./errors.js";
import { DISCONNECT, FRAME, HEARTBEAT, REQUEST } from "./broker-protocol.js";
import { encodeU32 } from "./util/codec.js";

/** Options of {@link BrokerWorker}. */
export interface BrokerWorkerOptions {
  /** Broker back-end endpoints. */
  connect: string[];
  /** The service name this worker serves. */
  service: string;
  /** Requests handled at once. Default 1. */
  concurrency?: number;
  context?: Context;
  /** Heartbeat period in ms (use the broker's). Default 1000. */
  heartbeatInterval?: number;
  /** Silent periods before the broker is assumed dead. Default 3. */
  heartbeatLiveness?: number;
  /** Called with a handler's error (no reply is sent for that request). */
  onError?: (error: unknown) => void;
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
export class BrokerWorker {
  readonly #options: BrokerWorkerOptions;
  readonly #concurrency: number;
  readonly #interval: number;
  readonly #liveness: number;
  #socket: Dealer | null = null;
  #handler: ServiceHandler | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #lastHeard = 0;
  #running = 0;
  #served = 0;
  #reconnects = 0;
  #closed = false;
  #idle: (() => void) | null = null;
  readonly #loops = new Set<Promise<void>>();

  constructor(options: BrokerWorkerOptions) {
    if (options === null || typeof options !== "object" || typeof options.service !== "string" || options.service.length === 0) {
      throw new PatternError("EINVAL", "BrokerWorker needs options.service: a non-empty service name");
    }
    if (!Array.isArray(options.connect) || options.connect.length === 0) {
      throw new PatternError("EINVAL", "BrokerWorker needs options.connect: the broker's back-end endpoints");
    }
    checkNumber("concurrency", options.concurrency, 1);
    checkNumber("heartbeatInterval", options.heartbeatInterval, 1);
    checkNumber("heartbeatLiveness", options.heartbeatLiveness, 1);
    this.#options = options;
    this.#concurrency = options.concurrency ?? 1;
    this.#interval = options.heartbeatInterval ?? 1000;
    this.#liveness = options.heartbeatLiveness ?? 3;
  }

  /** Counters: requests served, reconnections after the broker went silent. */
  get stats(): { served: number; reconnects: number } {
    return { served: this.#served, reconnects: this.#reconnects };
  }

  /** Connects, registers and starts serving; resolves once started. */
  async serve(handler: ServiceHandler): Promise<void> {
    if (typeof handler !== "function") throw new PatternError("EINVAL", "serve() needs a handler function");
    if (this.#closed) throw new PatternError("ECLOSED", "BrokerWorker is closed");
    if (this.#handler !== null) throw new PatternError("EINVAL", "BrokerWorker is already serving");
    this.#handler = handler;
    this.#open();
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /** Waits for running requests (up to `drainTimeout` ms, default 5000), says DISCONNECT and closes. */
  async close(drainTimeout = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#running > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        timer = setTimeout(resolve, drainTimeout);
      });
      clearTimeout(timer);
    }
    const socket = this.#socket;
    if (socket !== null) {
      socket.linger = 500;
      await socket.send([FRAME.DISCONNECT]).catch(() => undefined);
      socket.close();
    }
    await Promise.all(this.#loops);
  }

  #open(): void {
    const o = this.#options;
    const socket = new Dealer({ linger: 0, ...(o.context === undefined ? {} : { context: o.context }) });
    for (const address of o.connect) {
      try {
        socket.connect(address);
      } catch (error) {
        socket.close();
        throw new PatternError("EINVAL", `Cannot connect to ${address}: ${(error as Error).message}`, { cause: error });
      }
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
    void socket.send([FRAME.READY, Buffer.from(this.#options.service), encodeU32(free)]).catch(() => undefined);
  }

  #tick(): void {
    const socket = this.#socket;
    if (socket === null || this.#closed) return;
    if (Date.now() - this.#lastHeard > this.#interval * this.#liveness) {
      this.#reconnects++;
      socket.close();
      this.#socket = null;
      this.#open();
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
        return;
      }
      this.#lastHeard = Date.now();
      const command = message[0];
      if (command === undefined || command.length !== 1) continue;
      if (command[0] === REQUEST && message.length >= 3) void this.#handle(message[1]!, message[2]!, message.slice(3));
      else if (command[0] === DISCONNECT && !this.#closed) this.#ready(socket);
      else if (command[0] !== HEARTBEAT && command[0] !== DISCONNECT) {
        this.#options.onError?.(new PatternError("EPROTO", `Unknown broker command 0x${command[0]!.toString(16)}`));
      }
    }
  }

  async #handle(client: Buffer, correlation: Buffer, frames: Buffer[]): Promise<void> {
    this.#running++;
    let reply: Buffer[] | null = null;
    try {
      reply = await this.#handler!(frames);
      if (!Array.isArray(reply) || !reply.every((f) => Buffer.isBuffer(f))) {
        throw new PatternError("EINVAL", "A service handler must return an array of Buffers");
      }
      this.#served++;
    } catch (error) {
      reply = null;
      this.#options.onError?.(error);
    } finally {
      this.#running--;
    }
    const socket = this.#socket;
    if (socket !== null && !socket.closed) {
      const answer = reply === null ? [FRAME.FAIL, client, correlation] : [FRAME.REPLY, client, correlation, ...reply];
      void socket.send(answer).catch(() => undefined);
    }
    if (this.#running === 0) this.#idle?.();
  }
}
