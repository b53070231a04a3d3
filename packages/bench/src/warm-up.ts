/**
 * The warm-up before a latency or calls/s case is timed: the same for every
 * implementation, at least {@link WARMUP_MIN_CALLS} calls and at least
 * {@link WARMUP_MIN_MS} of them, so what is timed is a process past its first
 * compilations (a service's steady state), not its first second, whatever
 * its speed.
 */

/** Calls made before timing, at least. */
export const WARMUP_MIN_CALLS = 200;
/** Milliseconds of calls made before timing, at least. */
export const WARMUP_MIN_MS = 500;

/** Runs `round` (which makes `perRound` calls) until both minimums are reached. */
export async function warmUp(round: () => Promise<unknown>, perRound = 1): Promise<void> {
  const until = performance.now() + WARMUP_MIN_MS;
  for (let calls = 0; calls < WARMUP_MIN_CALLS || performance.now() < until; calls += perRound) await round();
}
