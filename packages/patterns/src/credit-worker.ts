/**
 * What a broker worker and a pipeline worker share: the "paranoid pirate"
 * worker (zguide ch. 4). A DEALER that announces how many jobs it can take
 * (READY name credits), heart-beats every `heartbeatInterval` ms, and when
 * its peer has been silent for `heartbeatLiveness` periods (dead, or
 * restarted) drops its socket and registers again on a new one. A peer that
 * does not know it (after a restart) answers DISCONNECT, which also makes it
 * register again. On close it drains running jobs before saying DISCONNECT.
 *
 * Both protocols (docs/patterns.md) use the same octets for READY, HEARTBEAT
 * and DISCONNECT; each subclass handles its own job commands.
 */
import { Bytes, Context, Dealer } from "@skein/core";
import { PatternError, checkNumber } from "./errors.js";
import { encodeU32 } from "./util/codec.js";
import { attachEndpoints } from "./util/endpoints.js";
import { PeerFaults } from "./util/peer-faults.js";

/** The command octets shared by the broker and pipeline protocols. */
const READY = 0x52; // "R"
const HEARTBEAT = 0x48; // "H"
const DISCONNECT = 0x44; // "D"
const FRAME_READY = Bytes.from([READY]);
const FRAME_HEARTBEAT = Bytes.from([HEARTBEAT]);
const FRAME_DISCONNECT = Bytes.from([DISCONNECT]);

/** Options every credit worker has. */
export interface CreditWorkerOptions {
  /** Endpoints to connect to. */
  connect?: string[];
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /** Jobs handled at once (the credits announced). Default 1. */
  concurrency?: number;
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Heartbeat period in ms (use the peer's). Default 1000. */
  heartbeatInterval?: number;
  /** Silent periods before the peer is assumed dead and the worker reconnects. Default 3. */
  heartbeatLiveness?: number;
  /**
   * Called with a handler's error, a send that failed (`sendErrors`) and a
   * peer's protocol error (`protocolErrors`: a malformed command, a job
   * beyond the credits announced).
   */
  onError?: (error: unknown) => void;
}

export abstract class CreditWorker {
  protected readonly options: CreditWorkerOptions;
  readonly #name: Buffer;
  readonly #concurrency: number;
  readonly #interval: number;
  readonly #liveness: number;
  #socket: Dealer | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #lastHeard = 0;
  #running = 0;
  #reconnects = 0;
  readonly #faults: PeerFaults;
  #stopping = false;
  #closed = false;
  #idle: (() => void) | null = null;
  readonly #loops = new Set<Promise<void>>();

  protected constructor(options: CreditWorkerOptions, name: string) {
    checkNumber("concurrency", options.concurrency, 1);
    checkNumber("heartbeatInterval", options.heartbeatInterval, 1);
    checkNumber("heartbeatLiveness", options.heartbeatLiveness, 1);
    this.options = options;
    this.#name = Bytes.from(name);
    this.#concurrency = options.concurrency ?? 1;
    this.#interval = options.heartbeatInterval ?? 1000;
    this.#liveness = options.heartbeatLiveness ?? 3;
    this.#faults = new PeerFaults(options.onError);
  }

  /** Jobs running now. */
  get inFlight(): number {
    return this.#running;
  }

  /** Times the peer went silent and the worker reconnected on a new socket. */
  protected get reconnects(): number {
    return this.#reconnects;
  }

  /** Sends that failed (reported to `onError`); the peer's heartbeat or redelivery recovers them. */
  protected get sendErrors(): number {
    return this.#faults.sendErrors;
  }

  /** Messages from the peer that broke the protocol: dropped, counted and reported. */
  protected get protocolErrors(): number {
    return this.#faults.protocolErrors;
  }

  /** True while every credit announced is in use: a further job breaks the protocol. */
  protected get saturated(): boolean {
    return this.#running >= this.#concurrency;
  }

  /** Counts and reports a protocol error of the peer. */
  protected protocolError(message: string): void {
    this.#faults.protocol(message);
  }

  /** True once close() has begun. */
  protected get stopping(): boolean {
    return this.#stopping;
  }

  protected get closed(): boolean {
    return this.#closed;
  }

  /** Handles a job command (anything but HEARTBEAT and DISCONNECT). Returns false if it is unknown. */
  protected abstract onCommand(command: number, message: Buffer[]): boolean;

  /** Name of the protocol, for error messages ("broker", "pipeline"). */
  protected abstract readonly protocol: string;

  /** Connects, announces READY and starts heart-beating. */
  protected async start(): Promise<void> {
    await this.#open();
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /**
   * Closes: `before` runs first with the current socket (a pipeline worker
   * says CLOSING there), then running jobs get up to `drainTimeout` ms, then
   * DISCONNECT and close.
   */
  protected async leave(drainTimeout: number, before?: (socket: Dealer) => void): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    const current = this.#socket;
    if (current !== null) before?.(current);
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
      await socket.send([FRAME_DISCONNECT]).catch(this.#faults.sendFailed);
      socket.close();
    }
    await Promise.all(this.#loops);
  }

  /** Runs one job, counted as running (a credit in use) until it settles. */
  protected async run<T>(job: () => Promise<T>): Promise<T> {
    this.#running++;
    try {
      return await job();
    } finally {
      this.#running--;
      if (this.#running === 0) this.#idle?.();
    }
  }

  /** Sends on the current socket (after a reconnect, the new one); dropped when there is none. */
  protected send(message: Buffer[]): void {
    const socket = this.#socket;
    if (socket === null || socket.closed) return; // the peer redelivers or retries: it never got it
    socket.send(message).catch(this.#faults.sendFailed);
  }

  async #open(): Promise<void> {
    const o = this.options;
    // READY, heartbeats and replies are sent without awaiting each other: let them queue.
    const socket = new Dealer({ linger: 0, maxPendingSends: 0, ...(o.context === undefined ? {} : { context: o.context }) });
    try {
      await attachEndpoints(socket, o.bind, o.connect);
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
    socket.send([FRAME_READY, this.#name, encodeU32(free)]).catch(this.#faults.sendFailed);
  }

  #tick(): void {
    const socket = this.#socket;
    if (socket === null || this.#stopping) return;
    if (Date.now() - this.#lastHeard > this.#interval * this.#liveness) {
      // The peer is silent: it died or restarted. A new socket drops whatever the old one queued.
      this.#reconnects++;
      socket.close();
      this.#socket = null;
      this.#open().catch((error: unknown) => this.options.onError?.(error));
      return;
    }
    socket.send([FRAME_HEARTBEAT]).catch(this.#faults.sendFailed);
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
      if (command === undefined || command.length !== 1) {
        this.protocolError(`A ${this.protocol} message without a one-octet command was dropped`);
        continue;
      }
      const code = command[0]!;
      if (code === HEARTBEAT) continue;
      if (code === DISCONNECT) {
        if (!this.#stopping) this.#ready(socket); // the peer does not know us (it restarted): register again
        continue;
      }
      if (!this.onCommand(code, message)) this.protocolError(`Unknown ${this.protocol} command 0x${code.toString(16)} was dropped`);
    }
  }
}
