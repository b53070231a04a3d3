/**
 * Poller: `zmq_poll` for this library. Waits until one of several sockets
 * can be read from or written to, without a busy loop: each socket tells the
 * poller when its pipes change (a message arrived, room came back, a peer
 * attached), and the poller re-checks the sockets' `readable`/`writable`
 * levels then.
 *
 * Level-triggered, as `zmq_poll`: a socket stays "ready" while it has a
 * message waiting, whether or not it was reported before.
 *
 * ```ts
 * const poller = new Poller()
 * poller.add(a, "readable")
 * poller.add(b, "readable")
 * for (const { socket } of await poller.poll(1000)) {
 *   const msg = await socket.receive() // resolves at once
 * }
 * ```
 */
import type { Socket } from "./socket/socket-base.js";
import { LoopHold } from "./util/loop-hold.js";

/** What to wait for on a socket. */
export type PollEvents = "readable" | "writable" | "both";

/** A socket that is ready, and for what. */
export interface PollResult {
  /** The socket that is ready. */
  socket: Socket;
  /** A message can be received without waiting. */
  readable: boolean;
  /** A message can be sent without waiting. */
  writable: boolean;
}

/**
 * `zmq_poll`: waits until one of several sockets can be read from or
 * written to. Level-triggered. See docs/guide/polling.md.
 */
export class Poller {
  #items = new Map<Socket, { readable: boolean; writable: boolean }>();

  /** Adds a socket (or changes what to wait for on one already added). */
  add(socket: Socket, events: PollEvents = "readable"): void {
    if (events !== "readable" && events !== "writable" && events !== "both") {
      throw new TypeError(`Poll events must be "readable", "writable" or "both", not ${String(events)}`);
    }
    this.#items.set(socket, { readable: events !== "writable", writable: events !== "readable" });
  }

  /** Stops watching a socket; false if it was not added. */
  remove(socket: Socket): boolean {
    return this.#items.delete(socket);
  }

  /** The number of sockets watched. */
  get size(): number {
    return this.#items.size;
  }

  /** The sockets ready now (no waiting). */
  ready(): PollResult[] {
    const results: PollResult[] = [];
    for (const [socket, wanted] of this.#items) {
      const readable = wanted.readable && socket.readable;
      const writable = wanted.writable && socket.writable;
      if (readable || writable) results.push({ socket, readable, writable });
    }
    return results;
  }

  /**
   * Resolves with the sockets that are ready: at once if any is, else as
   * soon as one becomes ready, else with `[]` after `timeoutMs`
   * (negative or omitted: wait without limit; 0: just check).
   */
  poll(timeoutMs = -1): Promise<PollResult[]> {
    const now = this.ready();
    if (now.length > 0 || timeoutMs === 0) return Promise.resolve(now);
    return new Promise<PollResult[]>((resolve) => {
      const removers: (() => void)[] = [];
      let timer: NodeJS.Timeout | null = null;
      let checkQueued = false;
      let done = false;
      const hold = new LoopHold();
      const finish = (results: PollResult[]): void => {
        if (done) return;
        done = true;
        hold.release();
        for (const remove of removers) remove();
        if (timer !== null) clearTimeout(timer);
        resolve(results);
      };
      // Notifications come from inside a socket's pipe handling: look at the
      // levels once that has finished, once per burst of notifications.
      const check = (): void => {
        checkQueued = false;
        const results = this.ready();
        if (results.length > 0) finish(results);
      };
      const onReadiness = (): void => {
        if (checkQueued) return;
        checkQueued = true;
        queueMicrotask(check);
      };
      for (const socket of this.#items.keys()) removers.push(socket.onReadiness(onReadiness));
      if (timeoutMs > 0) timer = setTimeout(() => finish([]), timeoutMs);
      // A poll that waits keeps the process alive, like a pending receive().
      hold.hold();
    });
  }
}
