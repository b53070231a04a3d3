/**
 * Socket monitor events (`zmq_socket_monitor`), exposed as in the `zeromq`
 * v6 package: `socket.events` is an {@link Observer} that is both an async
 * iterator of events and an emitter with `on(type, fn)` / `off(type, fn)`.
 */
import { Deque } from "./util/deque.js";
import { ZEROMQ_MESSAGE, ZmqError } from "./errors.js";
import { LoopHold } from "./util/loop-hold.js";
import { newOnly } from "./util/new-only.js";

/** Every event type, with the `zeromq` v6 names. */
export type EventType =
  | "accept"
  | "accept:error"
  | "bind"
  | "bind:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "close"
  | "close:error"
  | "disconnect"
  | "end"
  | "handshake"
  | "handshake:error:protocol"
  | "handshake:error:auth"
  | "handshake:error:other"
  | "unknown";

/** A monitor event. `address` names the endpoint; `error` is set on `*:error*` events. */
export interface Event {
  /** What happened. */
  type: EventType;
  /** The endpoint concerned (bound, connected or accepted). */
  address?: string;
  /** `connect:retry`: milliseconds until the next attempt. */
  interval?: number;
  /** Why: set on `*:error*` events, and on a `disconnect` when skein dropped a peer. */
  error?: ZmqError;
}

/** The event of a given type. */
export type EventOfType<E extends EventType = EventType> = Event & {
  /** The event type `E`. */
  type: E;
};

type Listener = (event: Event) => void;

/**
 * The monitor of one socket. Events are only queued for `receive()` /
 * `for await` once someone has asked for them (so an unobserved socket
 * keeps no event backlog); `on()` listeners are called synchronously.
 * While a `receive()` or `for await` waits for the next event, the observer
 * keeps the process alive, as in the `zeromq` package; closing the socket
 * ends the wait.
 *
 * Read events one way per observer, as `zeromq` requires: the first `on()` or
 * `off()` puts the observer in event emitter mode, after which `receive()`
 * and a new `for await` step throw `EBUSY` (with `zeromq`'s message).
 */
export class Observer {
  #listeners = new Map<EventType, Set<Listener>>();
  #queue = new Deque<Event>();
  #waiters = new Deque<{ resolve: (e: Event | null) => void }>();
  #queueing = false;
  #closed = false;
  /** Set by the first on()/off(): events are then for listeners only. */
  #emitterMode = false;
  #loopHold = new LoopHold();

  /**
   * `new Observer(socket)` (the `zeromq` v6 way) returns that socket's
   * observer, the same object as `socket.events`.
   */
  constructor(socket?: { readonly events: Observer }) {
    // eslint-disable-next-line no-constructor-return
    if (socket !== undefined && socket.events instanceof Observer) return socket.events;
  }

  /** Whether the observer was closed, by `close()` or with its socket. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Registers a listener for one event type. Puts the observer in event
   * emitter mode: `receive()` and `for await` throw from then on.
   */
  on<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this {
    this.#emitterMode = true;
    // As zeromq, whose emitter keeps reading events: a listener holds the process until the socket closes.
    if (!this.closed) this.#loopHold.hold();
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
    return this;
  }

  /** Removes a listener added with {@link on} (and, as `on()`, enters event emitter mode). */
  off<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this {
    this.#emitterMode = true;
    this.#listeners.get(type)?.delete(listener as Listener);
    return this;
  }

  /**
   * Resolves to the next event. After the socket closed, the `end` event is
   * still delivered (even if nobody read events before); then, as in
   * `zeromq`, `receive()` rejects with `EBADF` ("Socket is closed").
   * Throws `EBUSY` in event emitter mode (after {@link on}).
   */
  receive(): Promise<Event> {
    this.#refuseInEmitterMode();
    this.#queueing = true;
    const event = this.#queue.shift();
    if (event !== undefined) return Promise.resolve(event);
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "The observer is closed: its socket was closed"));
    return new Promise<Event>((resolve, reject) => {
      this.#wait({
        resolve: (e) => (e === null ? reject(new ZmqError("EAGAIN", "Observer is closed")) : resolve(e)),
      });
    });
  }

  /** Iterates events until the observer closes; a step throws `EBUSY` in event emitter mode. */
  async *[Symbol.asyncIterator](): AsyncIterator<Event, undefined> {
    this.#queueing = true;
    while (true) {
      this.#refuseInEmitterMode();
      const event = this.#queue.shift();
      if (event !== undefined) {
        yield event;
        continue;
      }
      if (this.#closed) return undefined;
      const next = await new Promise<Event | null>((resolve) => this.#wait({ resolve }));
      if (next === null) return undefined;
      yield next;
    }
  }

  /** Stops delivering events. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let waiter;
    while ((waiter = this.#waiters.shift()) !== undefined) waiter.resolve(null);
    this.#loopHold.release();
  }

  #refuseInEmitterMode(): void {
    if (this.#emitterMode) {
      throw new ZmqError("EBUSY", "events.on() or off() was called: this observer's events go to listeners", undefined, {
        message: ZEROMQ_MESSAGE.observerEmitterMode,
      });
    }
  }

  #wait(waiter: { resolve: (e: Event | null) => void }): void {
    this.#waiters.push(waiter);
    this.#loopHold.hold();
  }

  /** @internal Publishes an event to listeners and iterators. */
  emit(event: Event): void {
    if (this.#closed) return;
    const listeners = this.#listeners.get(event.type);
    if (listeners !== undefined) for (const listener of listeners) listener(event);
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      if (this.#waiters.length === 0) this.#loopHold.release();
      waiter.resolve(event);
    } else if (this.#queueing || event.type === "end") this.#queue.push(event);
  }

  /** @internal True if anyone listens for this type (skip building events otherwise). */
  wants(type: EventType): boolean {
    // "end" is always kept: it is the one event a reader may ask for after close (zeromq does).
    return this.#queueing || type === "end" || (this.#listeners.get(type)?.size ?? 0) > 0;
  }
}

// Called without `new`, fails with the TypeError of zeromq's native Observer class (util/new-only.ts).
// @ts-expect-error TS2629: a class declaration's binding may be replaced; code inside the class still sees the class.
Observer = newOnly(Observer);
