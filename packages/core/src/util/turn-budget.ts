/**
 * Fair turns for the event loop. A `send()` that a pipe can take at once, or
 * a `receive()` with a message already queued, completes as a microtask; a
 * tight `while (...) await socket.send(msg)` would then run on microtasks
 * alone and starve timers, `setImmediate` callbacks and I/O (including the
 * socket's own writes). libzmq's calls cross a thread in the `zeromq`
 * package, so its event loop keeps turning.
 *
 * Operations that complete at once share one budget per thread. When it is
 * spent, the next one waits like a blocked call and is served after one
 * `setImmediate`, so the loop gets a turn (timers, I/O, immediates) every
 * {@link TURN_BUDGET} operations while a hot loop costs one macrotask per
 * budget, not one per message.
 */

/** Operations completed at once between two turns of the event loop. */
export const TURN_BUDGET = 256;

let spent = 0;

/**
 * Counts one operation that could complete at once. True while the budget
 * lasts; false when the caller must wait for {@link nextTurn} first.
 */
export function spendTurn(): boolean {
  return ++spent <= TURN_BUDGET;
}

/** Runs `resume` after the event loop has had a turn, with a fresh budget. */
export function nextTurn(resume: () => void): void {
  setImmediate(() => {
    spent = 0;
    resume();
  });
}
