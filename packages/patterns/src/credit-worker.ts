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
 *
 * One DEALER a peer ("link"): DEALER round-robins what it sends, so one
 * socket connected to two queues would announce READY to one and ACK the
 * other's items to either. Each `connect` endpoint (each address of a
 * `tcp+dns://` or `tcp+srv://` name, followed as DNS changes) gets its own
 * link with its own credits, heartbeat and reconnection; the `bind`
 * endpoints share one. A link whose address left DNS takes no new job,
 * finishes those it runs (up to `resolve.retireTimeout`), says DISCONNECT
 * and closes.
 */
import { Bytes, Context, Dealer } from "@skein/core";
import { EndpointSet, type EndpointChange, type ResolveOptions } from "./discovery/endpoint-set.js";
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
  /**
   * Endpoints to connect to: each gets its own connection and its own
   * `concurrency` credits. `tcp+dns://name:port` or `tcp+srv://name`
   * connects to every instance DNS names and follows them (see `resolve`).
   */
  connect?: string[];
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port); they share one socket and its credits. */
  bind?: string[];
  /** How `+dns`/`+srv` endpoints are resolved and kept current. */
  resolve?: ResolveOptions;
  /** Jobs handled at once per peer (queue or broker instance): the credits announced to each. Default 1. */
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

/** One peer of a credit worker: its socket (replaced when the peer goes silent), its credits in use. */
export interface CreditLink {
  /** The endpoint it connects to (`null`: the bound socket). */
  readonly endpoint: string | null;
  /** @internal */
  socket: Dealer | null;
  /** @internal */
  lastHeard: number;
  /** Jobs of this peer running now. */
  running: number;
  /** The peer left DNS (or the worker is closing): it takes no new job. */
  stopping: boolean;
  /** @internal resolves the drain of a stopping link */
  idle: (() => void) | null;
  /** @internal its receive loops */
  readonly loops: Set<Promise<void>>;
}

export abstract class CreditWorker {
  protected readonly options: CreditWorkerOptions;
  readonly #name: Buffer;
  readonly #concurrency: number;
  readonly #interval: number;
  readonly #liveness: number;
  readonly #links = new Map<string | null, CreditLink>();
  #set: EndpointSet | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #running = 0;
  #reconnects = 0;
  readonly #faults: PeerFaults;
  #stopping = false;
  #closed = false;
  readonly #retiring = new Set<Promise<void>>();
  /** Links opened during start(): their failure (a malformed endpoint) rejects start(). */
  #starting: Promise<void>[] | null = null;

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

  /** Jobs running now (over every peer). */
  get inFlight(): number {
    return this.#running;
  }

  /** The endpoints connected now, `+dns`/`+srv` names as the addresses they resolve to (not those finishing their jobs after leaving DNS). */
  get endpoints(): string[] {
    return [...this.#links.values()].filter((link) => link.endpoint !== null && !link.stopping).map((link) => link.endpoint!);
  }

  /** Times a peer went silent and the worker reconnected to it on a new socket. */
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

  /** True while every credit announced to `link` is in use: a further job breaks the protocol. */
  protected saturated(link: CreditLink): boolean {
    return link.running >= this.#concurrency;
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

  /** Handles a job command (anything but HEARTBEAT and DISCONNECT) from `link`. Returns false if it is unknown. */
  protected abstract onCommand(command: number, message: Buffer[], link: CreditLink): boolean;

  /** Name of the protocol, for error messages ("broker", "pipeline"). */
  protected abstract readonly protocol: string;

  /** Said to a peer before its running jobs drain (a pipeline worker says CLOSING); nothing by default. */
  protected beforeLeaving(_link: CreditLink): void {}

  /** Binds, connects (resolving names once before resolving), announces READY and starts heart-beating. */
  protected async start(): Promise<void> {
    const o = this.options;
    if ((o.bind ?? []).length > 0) await this.#open(this.#link(null));
    const set = new EndpointSet(o.connect ?? [], { ...o.resolve, onChange: (change) => this.#change(change) });
    this.#set = set;
    this.#starting = [];
    try {
      await set.start();
      await Promise.all(this.#starting);
      this.#starting = null;
    } catch (error) {
      this.#starting = null;
      set.close();
      for (const link of this.#links.values()) link.socket?.close();
      throw error;
    }
    this.#heartbeat = setInterval(() => this.#tick(), this.#interval);
  }

  /**
   * Closes: each peer is told it is being left ({@link beforeLeaving}), then
   * running jobs get up to `drainTimeout` ms, then DISCONNECT and close.
   */
  protected async leave(drainTimeout: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping = true;
    this.#set?.close();
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    await Promise.all([...this.#links.values()].filter((link) => !link.stopping).map((link) => this.#leaveLink(link, drainTimeout)));
    await Promise.all(this.#retiring);
  }

  /** Runs one job of `link`, counted as running (a credit in use) until it settles. */
  protected async run<T>(link: CreditLink, job: () => Promise<T>): Promise<T> {
    this.#running++;
    link.running++;
    try {
      return await job();
    } finally {
      this.#running--;
      link.running--;
      if (link.running === 0) link.idle?.();
    }
  }

  /** Sends to `link`'s current socket (after a reconnect, the new one); dropped when there is none. */
  protected send(link: CreditLink, message: Buffer[]): void {
    const socket = link.socket;
    if (socket === null || socket.closed) return; // the peer redelivers or retries: it never got it
    socket.send(message).catch(this.#faults.sendFailed);
  }

  #link(endpoint: string | null): CreditLink {
    const link: CreditLink = { endpoint, socket: null, lastHeard: 0, running: 0, stopping: false, idle: null, loops: new Set() };
    this.#links.set(endpoint, link);
    return link;
  }

  #change({ added, removed }: EndpointChange): void {
    for (const endpoint of removed) {
      const link = this.#links.get(endpoint);
      if (link === undefined || link.stopping) continue;
      const retiring = this.#leaveLink(link, this.options.resolve?.retireTimeout ?? 30_000);
      this.#retiring.add(retiring);
      void retiring.then(() => this.#retiring.delete(retiring));
    }
    for (const endpoint of added) {
      // A link still leaving under the same address finishes leaving; the new one starts afresh.
      const opened = this.#open(this.#link(endpoint));
      if (this.#starting !== null) this.#starting.push(opened);
      else opened.catch((error: unknown) => this.options.onError?.(error));
    }
  }

  /** Stops taking jobs from `link`, drains them (up to `drainTimeout` ms), says DISCONNECT and closes it. */
  async #leaveLink(link: CreditLink, drainTimeout: number): Promise<void> {
    link.stopping = true;
    if (this.#links.get(link.endpoint) === link) this.#links.delete(link.endpoint);
    if (link.socket !== null) this.beforeLeaving(link);
    if (link.running > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        link.idle = resolve;
        timer = setTimeout(resolve, drainTimeout);
      });
      clearTimeout(timer);
    }
    const socket = link.socket;
    link.socket = null;
    if (socket !== null) {
      socket.linger = 500;
      await socket.send([FRAME_DISCONNECT]).catch(this.#faults.sendFailed);
      socket.close();
    }
    await Promise.all(link.loops);
  }

  async #open(link: CreditLink): Promise<void> {
    const o = this.options;
    // READY, heartbeats and replies are sent without awaiting each other: let them queue.
    const socket = new Dealer({ linger: 0, maxPendingSends: 0, ...(o.context === undefined ? {} : { context: o.context }) });
    try {
      await attachEndpoints(socket, link.endpoint === null ? o.bind : [], link.endpoint === null ? [] : [link.endpoint]);
    } catch (error) {
      socket.close();
      throw error;
    }
    if (link.stopping) {
      socket.close();
      return;
    }
    if (link.endpoint !== null) {
      // The instance may have moved or gone: ask DNS again (rate-limited by the set).
      socket.events.on("connect:retry", () => this.#set?.refresh()).on("disconnect", () => this.#set?.refresh());
    }
    link.socket = socket;
    link.lastHeard = Date.now();
    this.#ready(link, socket);
    const loop = this.#receiveLoop(link, socket);
    link.loops.add(loop);
    void loop.then(() => link.loops.delete(loop));
  }

  #ready(link: CreditLink, socket: Dealer): void {
    const free = Math.max(0, this.#concurrency - link.running);
    socket.send([FRAME_READY, this.#name, encodeU32(free)]).catch(this.#faults.sendFailed);
  }

  #tick(): void {
    if (this.#stopping) return;
    for (const link of this.#links.values()) {
      const socket = link.socket;
      if (socket === null || link.stopping) continue;
      if (Date.now() - link.lastHeard > this.#interval * this.#liveness) {
        // The peer is silent: it died or restarted. A new socket drops whatever the old one queued.
        this.#reconnects++;
        socket.close();
        link.socket = null;
        this.#open(link).catch((error: unknown) => this.options.onError?.(error));
        continue;
      }
      socket.send([FRAME_HEARTBEAT]).catch(this.#faults.sendFailed);
    }
  }

  async #receiveLoop(link: CreditLink, socket: Dealer): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      link.lastHeard = Date.now();
      const command = message[0];
      if (command === undefined || command.length !== 1) {
        this.protocolError(`A ${this.protocol} message without a one-octet command was dropped`);
        continue;
      }
      const code = command[0]!;
      if (code === HEARTBEAT) continue;
      if (code === DISCONNECT) {
        if (!link.stopping) this.#ready(link, socket); // the peer does not know us (it restarted): register again
        continue;
      }
      if (!this.onCommand(code, message, link)) this.protocolError(`Unknown ${this.protocol} command 0x${code.toString(16)} was dropped`);
    }
  }
}
