/**
 * What keeps the process alive, as the `zeromq` package does it: a socket
 * holds Node's event loop open only while a caller waits on it, that is a
 * `send()` blocked at the high-water mark (or with no peer), a pending
 * `receive()` or `for await`, a pending `socket.events` read, a
 * `Poller.poll()`, or a running `Proxy`. A socket with nothing pending does not stop the process
 * from exiting.
 *
 * One timer stands for every holder in the thread; holders only count, so
 * taking and letting go costs a counter. The timer is set when the first
 * holder comes and cleared a loop turn after the last one went, so an idle
 * process has no handle of ours at all.
 */
import { setImmediate } from "./platform.js";

let holders = 0;
let handle: NodeJS.Timeout | null = null;
let checkQueued = false;

/** Longest delay a Node timer takes; the timer never fires, it only keeps the loop alive. */
const FOREVER = 2 ** 31 - 1;

function noop(): void {}

function retain(): void {
  holders++;
  if (handle === null) handle = setInterval(noop, FOREVER);
}

/**
 * The last holder let go. The timer is cleared at the next turn of the loop,
 * not now: a socket that waits, is served and waits again within one turn
 * (a receive loop, a send loop at the high-water mark) then costs a counter,
 * not a timer per message.
 */
function unretain(): void {
  if (--holders > 0 || checkQueued) return;
  checkQueued = true;
  setImmediate(clearIfIdle);
}

function clearIfIdle(): void {
  checkQueued = false;
  if (holders > 0 || handle === null) return;
  clearInterval(handle);
  handle = null;
}

/** One holder's claim on the event loop: held while its owner has someone waiting. */
export class LoopHold {
  #held = false;

  /** Whether this holder keeps the loop alive now. */
  get held(): boolean {
    return this.#held;
  }

  /** Holds the loop open (idempotent). */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    retain();
  }

  /** Lets go of the loop (idempotent). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    unretain();
  }

  /** Holds while `busy`, lets go otherwise. */
  set(busy: boolean): void {
    if (busy) this.hold();
    else this.release();
  }
}

/** @internal How many holders keep the loop alive (tests). */
export function loopHolders(): number {
  return holders;
}
