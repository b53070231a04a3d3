/**
 * Forwarder: the many-to-many pub-sub proxy (XSUB front, XPUB back).
 * Publishers connect to (or are connected from) the front, subscribers to
 * the back; updates flow front → back, subscriptions back → front, so
 * publishers still filter at the source (RFC 29).
 */
import { Context, XPublisher, XSubscriber } from "@skein/core";
import { PatternError } from "./errors.js";

/** Where one side of the forwarder binds and connects. */
export interface ForwarderSide {
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /** Endpoints to connect to. */
  connect?: string[];
}

/** Options of {@link Forwarder}. */
export interface ForwarderOptions {
  /** Publisher side (XSUB). */
  frontend: ForwarderSide;
  /** Subscriber side (XPUB). */
  backend: ForwarderSide;
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Messages queued per subscriber before XPUB drops for it. Default 1000. */
  sendHighWaterMark?: number;
}

/**
 * An XSUB/XPUB proxy.
 *
 * ```ts
 * const forwarder = new Forwarder({ frontend: { bind: ["tcp://*:6000"] }, backend: { bind: ["tcp://*:6001"] } })
 * await forwarder.start()
 * ```
 */
export class Forwarder {
  readonly #options: ForwarderOptions;
  #front: XSubscriber | null = null;
  #back: XPublisher | null = null;
  #frontendEndpoints: string[] = [];
  #backendEndpoints: string[] = [];
  #loops: Promise<void>[] = [];
  #forwarded = 0;
  #closed = false;

  constructor(options: ForwarderOptions) {
    if (options === null || typeof options !== "object" || typeof options.frontend !== "object" || typeof options.backend !== "object") {
      throw new PatternError("EINVAL", "Forwarder needs options.frontend and options.backend");
    }
    this.#options = options;
  }

  /** Publisher-side endpoints bound (real ports). */
  get frontendEndpoints(): string[] {
    return [...this.#frontendEndpoints];
  }

  /** Subscriber-side endpoints bound (real ports). */
  get backendEndpoints(): string[] {
    return [...this.#backendEndpoints];
  }

  /** Messages forwarded to subscribers. */
  get forwarded(): number {
    return this.#forwarded;
  }

  /** Binds and connects both sides and starts forwarding; resolves once both listen. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "Forwarder is closed");
    if (this.#front !== null) return;
    const o = this.#options;
    const context = o.context === undefined ? {} : { context: o.context };
    const front = new XSubscriber({ linger: 0, ...context });
    const back = new XPublisher({ linger: 0, sendHighWaterMark: o.sendHighWaterMark ?? 1000, ...context });
    this.#front = front;
    this.#back = back;
    try {
      for (const address of o.frontend.bind ?? []) {
        await front.bind(address);
        this.#frontendEndpoints.push(front.lastEndpoint ?? address);
      }
      for (const address of o.backend.bind ?? []) {
        await back.bind(address);
        this.#backendEndpoints.push(back.lastEndpoint ?? address);
      }
      for (const address of o.frontend.connect ?? []) front.connect(address);
      for (const address of o.backend.connect ?? []) back.connect(address);
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#loops = [this.#pipe(front, back, true), this.#pipe(back, front, false)];
  }

  /** Stops forwarding and closes both sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#front?.close();
    this.#back?.close();
    await Promise.all(this.#loops);
  }

  async #pipe(from: XSubscriber | XPublisher, to: XSubscriber | XPublisher, count: boolean): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await from.receive();
        await to.send(message);
      } catch {
        return; // closed
      }
      if (count) this.#forwarded++;
    }
  }
}
