/**
 * Proxy (`zmq_proxy_steerable`): forwards messages between a front-end and a
 * back-end socket, in both directions at once, each direction in order and
 * with back-pressure (a message is taken from one side only after the other
 * side has accepted the previous one). Shapes, as in the ZeroMQ guide:
 * - shared queue: ROUTER front-end, DEALER back-end (requests one way,
 *   replies the other);
 * - forwarder: XSUB front-end, XPUB back-end (data one way, subscriptions
 *   the other);
 * - streamer: PULL front-end, PUSH back-end (one way only: no receive loop
 *   is started on a socket that cannot receive).
 *
 * Steering: `pause()` stops forwarding (messages wait in the sockets),
 * `resume()` goes on, `terminate()` ends `run()` and closes both sockets
 * (as the `zeromq` package does). An optional capture socket gets a copy of
 * every message forwarded, in either direction (`zmq_proxy`'s capture).
 *
 * ```ts
 * const proxy = new Proxy(new Router(), new Dealer())
 * await proxy.frontEnd.bind("tcp://127.0.0.1:5559")
 * await proxy.backEnd.bind("tcp://127.0.0.1:5560")
 * setTimeout(() => proxy.terminate(), 5000)
 * await proxy.run()
 * ```
 */
import { ZEROMQ_MESSAGE, ZmqError } from "./errors.js";
import type { Msg } from "./pipe.js";
import { Publisher } from "./socket/publisher.js";
import { Push } from "./socket/push.js";
import { Socket } from "./socket/socket-base.js";
import { LoopHold } from "./util/loop-hold.js";
import { newOnly } from "./util/new-only.js";

/** Skein extras beyond the `zeromq` constructor. */
export interface ProxyOptions {
  /** Gets a copy of every message forwarded in either direction. */
  capture?: Socket;
}

/** Messages and bytes (all frames) received from one side and forwarded. */
export interface ProxyCounters {
  /** Messages forwarded. */
  messages: number;
  /** Octets forwarded, all frames. */
  bytes: number;
}

/** What the proxy has forwarded (`zmq_proxy_steerable` STATISTICS, inbound side). */
export interface ProxyStats {
  /** Received from the front-end and sent to the back-end. */
  frontEnd: ProxyCounters;
  /** Received from the back-end and sent to the front-end. */
  backEnd: ProxyCounters;
}

const enum State {
  Idle,
  Running,
  Terminated,
}

/**
 * `zmq_proxy_steerable`: forwards messages between a front-end and a
 * back-end socket in both directions (shared queue ROUTER/DEALER, forwarder
 * XSUB/XPUB, streamer PULL/PUSH), with pause, resume, terminate, statistics
 * and an optional capture socket. See docs/guide/proxies.md.
 */
export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  readonly #frontEnd: F;
  readonly #backEnd: B;
  readonly #capture: Socket | null;
  #state = State.Idle;
  #paused = false;
  #stats: ProxyStats = { frontEnd: { messages: 0, bytes: 0 }, backEnd: { messages: 0, bytes: 0 } };
  /** Loops waiting for a socket to become readable or for a steering command. */
  #waiting = new Set<() => void>();

  /**
   * @param frontEnd the front-end socket
   * @param backEnd the back-end socket
   * @param options `capture`: a socket that gets a copy of each forwarded message
   */
  constructor(frontEnd: F, backEnd: B, options?: ProxyOptions) {
    // zeromq's argument checks; a third argument is skein's options object, never a socket.
    if (arguments.length > 3 || options instanceof Socket) {
      throw new TypeError(`Expected 2 arguments but received ${arguments.length}`);
    }
    checkSocket(frontEnd, "Front-end");
    checkSocket(backEnd, "Back-end");
    this.#frontEnd = frontEnd;
    this.#backEnd = backEnd;
    this.#capture = options?.capture ?? null;
    if ((frontEnd as Socket) === backEnd) throw new ZmqError("EINVAL", "The front-end and back-end of a proxy must be different sockets");
  }

  /** The front-end socket. */
  get frontEnd(): F {
    return this.#frontEnd;
  }

  /** The back-end socket. */
  get backEnd(): B {
    return this.#backEnd;
  }

  /** The capture socket, if any. */
  get capture(): Socket | null {
    return this.#capture;
  }

  /** A snapshot of what was forwarded so far. */
  get stats(): ProxyStats {
    const { frontEnd, backEnd } = this.#stats;
    return { frontEnd: { ...frontEnd }, backEnd: { ...backEnd } };
  }

  /**
   * Forwards until {@link terminate}; then closes both sockets and resolves.
   * Rejects if a socket fails (a send error, or a socket closed under the
   * running proxy), after stopping the other direction.
   */
  async run(): Promise<void> {
    if (this.#state === State.Running) throw new ZmqError("EBUSY", "The proxy is already running");
    if (this.#state === State.Terminated) throw new ZmqError("EFSM", "The proxy was terminated; make a new one");
    // As zeromq: a closed socket, or one with no endpoint, cannot be proxied.
    if (this.#frontEnd.closed || !this.#frontEnd.hasEndpoints()) {
      throw new ZmqError("EINVAL", "bind() or connect() the front-end before run()", undefined, { message: ZEROMQ_MESSAGE.frontEndUnattached });
    }
    if (this.#backEnd.closed || !this.#backEnd.hasEndpoints()) {
      throw new ZmqError("EINVAL", "bind() or connect() the back-end before run()", undefined, { message: ZEROMQ_MESSAGE.backEndUnattached });
    }
    this.#state = State.Running;
    // A running proxy keeps the process alive, as zeromq's pending proxy call does: it waits on
    // readiness, not on a receive() that would hold the loop, and idle sockets hold nothing.
    const hold = new LoopHold();
    hold.hold();
    const loops: Promise<void>[] = [];
    const front = this.#frontEnd;
    const back = this.#backEnd;
    if (canReceive(front)) loops.push(this.#forward(front, back, this.#stats.frontEnd));
    if (canReceive(back)) loops.push(this.#forward(back, front, this.#stats.backEnd));
    const outcomes = await Promise.allSettled(loops);
    hold.release();
    this.#state = State.Terminated;
    this.#closeSockets();
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
  }

  /** Stops forwarding; messages wait in the sockets until {@link resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Forwards again after {@link pause}. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#wake();
  }

  /**
   * Ends {@link run} and closes the front-end and back-end sockets. As in
   * `zeromq`, throws `EBADF` ("Socket is closed") if the proxy is not running:
   * before `run()`, or once it has ended.
   */
  terminate(): void {
    if (this.#state !== State.Running) {
      const detail = this.#state === State.Idle ? "The proxy is not running: call run() first" : "The proxy has already ended";
      throw new ZmqError("EBADF", detail);
    }
    this.#state = State.Terminated;
    this.#wake();
  }

  #closeSockets(): void {
    this.#frontEnd.close();
    this.#backEnd.close();
  }

  #wake(): void {
    for (const check of [...this.#waiting]) check();
  }

  /** One direction: receive from `from`, send to `to` (and capture), in order. */
  async #forward(from: Socket, to: Socket, counters: ProxyCounters): Promise<void> {
    const capture = this.#capture;
    for (;;) {
      if (!this.#canTake(from, to)) await this.#waitUntilReady(from, to);
      if (this.#state === State.Terminated) return;
      if (from.closed || to.closed) {
        throw new ZmqError("ETERM", "A socket of the proxy was closed while it was running; call terminate() instead");
      }
      // Readable: receive() hands out the waiting message at once.
      const msg: Msg = await from.receive();
      counters.messages++;
      for (const frame of msg) counters.bytes += frame.length;
      await to.send(msg);
      if (capture !== null) await capture.send(msg);
    }
  }

  #canTake(from: Socket, to: Socket): boolean {
    return this.#state === State.Running && !this.#paused && from.readable && !to.closed;
  }

  #waitUntilReady(from: Socket, to: Socket): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        const stop = this.#state !== State.Running || from.closed || to.closed;
        if (!stop && !this.#canTake(from, to)) return;
        this.#waiting.delete(check);
        removeFrom();
        removeTo();
        resolve();
      };
      const removeFrom = from.onReadiness(check);
      const removeTo = to.onReadiness(check);
      this.#waiting.add(check);
    });
  }
}

// Called without `new`, fails with the TypeError of zeromq's native Proxy class (util/new-only.ts).
// @ts-expect-error TS2629: a class declaration's binding may be replaced; code inside the class still sees the class.
Proxy = newOnly(Proxy);

/** Push and Publisher sockets cannot receive: no loop reads from them. */
function canReceive(socket: Socket): boolean {
  return !(socket instanceof Push) && !(socket instanceof Publisher);
}

/** zeromq's checks: not an object is a TypeError, an object that is no socket EINVAL. */
function checkSocket(socket: unknown, role: string): void {
  if (typeof socket !== "object" || socket === null) throw new TypeError(`${role} must be a socket object`);
  if (!(socket instanceof Socket)) throw new ZmqError("EINVAL", `${role} is not a skein socket`);
}
