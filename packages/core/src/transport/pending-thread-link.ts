/**
 * The transport of a pipe whose connect waits for another thread's answer
 * (inproc:// across threads): the connecter's side until the `accept` note
 * arrives. Messages sent meanwhile wait in the pipe, as for a tcp connect
 * not made yet, and hold the thread open, as libzmq's blocking close does
 * (`linger`): a worker that connects, sends and ends does not lose them to
 * the round trip the rendezvous takes. Closing the socket with `linger` 0
 * drops them; a positive `linger` bounds the wait.
 */
import type { Pipe, PipeTransport } from "../pipe.js";
import { LoopHold } from "../util/loop-hold.js";

export class PendingThreadLink implements PipeTransport {
  readonly #pipe: Pipe;
  readonly #onGiveUp: () => void;
  readonly #hold = new LoopHold();
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  /** When the socket closed with messages queued: until when they may wait (performance.now(); Infinity: no bound). */
  lingerDeadline: number | null = null;

  constructor(pipe: Pipe, onGiveUp: () => void) {
    this.#pipe = pipe;
    this.#onGiveUp = onGiveUp;
    pipe.transport = this;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages were queued: they wait for the link, and the thread waits with them. */
  flush(): void {
    if (!this.#closed) this.#hold.hold();
  }

  flushNow(): void {}

  resumeReading(): void {}

  /** The socket is done with the pipe: its messages wait for the link within `lingerMs`. */
  shutdown(lingerMs: number): void {
    if (this.#closed) return;
    if (lingerMs === 0 || this.#pipe.outbound.length === 0) {
      this.close(null);
      return;
    }
    this.lingerDeadline = lingerMs < 0 ? Number.POSITIVE_INFINITY : performance.now() + lingerMs;
    if (lingerMs > 0) this.#timer = setTimeout(() => this.close(null), lingerMs);
  }

  /** Gives up waiting: the queued messages are dropped with the pipe. */
  close(error: unknown): void {
    void error;
    if (this.#closed) return;
    this.release();
    this.#onGiveUp();
  }

  /** The link is made (or the pipe paired within the thread): stop holding, hand the pipe over. */
  release(): void {
    this.#closed = true;
    this.#hold.release();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pipe.transport === this) this.#pipe.transport = null;
  }

  /** Milliseconds of linger left for a closed socket's messages (-1: no bound). */
  remainingLinger(): number {
    const deadline = this.lingerDeadline!;
    return deadline === Number.POSITIVE_INFINITY ? -1 : Math.max(1, Math.round(deadline - performance.now()));
  }
}
