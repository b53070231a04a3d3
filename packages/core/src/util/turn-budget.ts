/**
 * Fair turns for the event loop. A `send()` that a pipe can take at once, or
 * a `receive()` with a message already queued, completes as a microtask; a
 * tight `while (...) await socket.send(msg)` would then run on microtasks
 * alone and starve timers, `setImmediate` callbacks and I/O (including the
 * socket's own reads and writes). libzmq's calls cross a thread in the
 * `zeromq` package, so its event loop keeps turning.
 *
 * Operations that complete at once are counted, per thread. Every
 * {@link TURN_CHECK} of them, the clock says how long the loop has gone
 * without a turn: since the last turn a sentinel `setImmediate` saw (one is
 * queued at each check when none is pending). Past {@link TURN_BUDGET_MS},
 * the next operation waits for one `setImmediate` before it settles. A hot
 * loop so pays a clock read per 256 messages and a loop turn per
 * millisecond, and timers and I/O wait at most about a millisecond behind it.
 * (The first check of a burst after a pause may find the last turn it knows
 * of long past and wait one turn it did not need: once per burst.)
 */
import { setImmediate } from "./platform.js";

/** Operations completed at once between two looks at the clock. */
export const TURN_CHECK = 256;
/** How long operations completed at once may keep the event loop from turning, in ms. */
export const TURN_BUDGET_MS = 1;

let spent = 0;
/** A sentinel immediate is queued: it records the next turn of the loop. */
let sentinelQueued = false;
/** When a sentinel last saw the loop turn. */
let lastTurn = performance.now();

function turned(): void {
  sentinelQueued = false;
  lastTurn = performance.now();
}

/**
 * Counts one operation that could complete at once. True while the budget
 * lasts; false when the caller must wait for {@link nextTurn} first.
 */
export function spendTurn(): boolean {
  if (++spent < TURN_CHECK) return true;
  spent = 0;
  if (!sentinelQueued) {
    sentinelQueued = true;
    setImmediate(turned);
  }
  return performance.now() - lastTurn < TURN_BUDGET_MS;
}

/** Runs `resume` after the event loop has had a turn. */
export function nextTurn(resume: () => void): void {
  setImmediate(resume);
}
