/** Test helpers: loopback endpoints, promise gates, waiting on a condition driven by events. */
import { createHook } from "node:async_hooks";

/** A tcp endpoint on loopback with a port the OS picks at bind time. */
export const ANY_PORT = "tcp://127.0.0.1:0";

/** A promise with its resolve function, to release handlers from a test. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves after `n` calls of the returned function; the function also counts calls. */
export function countdown(n: number): { done: Promise<void>; tick: () => void; readonly count: number } {
  const g = gate();
  let count = 0;
  return {
    done: g.promise,
    tick: () => {
      count++;
      if (count === n) g.open();
    },
    get count() {
      return count;
    },
  };
}

/** Collects values and resolves `waitFor(n)` once `n` have arrived. */
export class Collector<T> {
  readonly items: T[] = [];
  #waiters: { n: number; open: () => void }[] = [];

  push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.items.length >= w.n) w.open();
      return this.items.length < w.n;
    });
  };

  waitFor(n: number): Promise<void> {
    if (this.items.length >= n) return Promise.resolve();
    return new Promise((open) => this.#waiters.push({ n, open }));
  }
}

/**
 * Polls `fn` every few ms until it returns true (for state that has no
 * event); rejects after `timeoutMs` saying what it waited for.
 */
export async function until(fn: () => boolean, what = "condition", timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => helperTimeout(resolve, 5));
  }
}

/** Resolves as `promise` does, or rejects after `ms` saying what it waited for. */
export function within<T>(promise: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = helperTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Lets the event loop turn `n` times, polling I/O each time: what is already
 * on the wire is read meanwhile. For checking that something did NOT happen
 * (a close that must still be draining, a handler that must not start) with
 * a bound in turns of the loop, not in milliseconds.
 */
export async function eventLoopTurns(n = 200): Promise<void> {
  for (let turn = 0; turn < n; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Set while a helper here makes its own timer, which {@link trackTimers} does not count. */
let helperTimer = false;

function helperTimeout(callback: () => void, ms: number): NodeJS.Timeout {
  helperTimer = true;
  try {
    return setTimeout(callback, ms);
  } finally {
    helperTimer = false;
  }
}

/**
 * Counts the timers made from now on that hold the event loop (neither fired
 * nor cleared, and not unref'd), through async_hooks, but those of `until` and
 * `within`. Unlike {@link timersHeld}, a timer of an earlier test that fires
 * meanwhile does not move the count.
 */
export function trackTimers(): { held(): number; stop(): void } {
  const live = new Map<number, { hasRef(): boolean }>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type === "Timeout" && !helperTimer) live.set(asyncId, resource as { hasRef(): boolean });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    held: () => [...live.values()].filter((timer) => timer.hasRef()).length,
    stop: () => void hook.disable(),
  };
}

/** Timers holding the event loop now (`process.getActiveResourcesInfo()`): a deadline that is still watched shows here. */
export function timersHeld(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}
