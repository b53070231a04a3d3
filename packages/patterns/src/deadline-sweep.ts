/**
 * DeadlineSweep: the deadlines of many calls kept by one timer, instead of
 * a `setTimeout` (and a `clearTimeout`) per call. The timer is armed for
 * the earliest deadline; when it fires, every entry whose deadline has
 * passed expires and the timer is armed again for the earliest left. A
 * call that ends in time only leaves a `Set`.
 *
 * Deadlines are on the `performance.now()` clock (monotonic, as timers
 * are): a wall-clock step neither fires nor holds them. The timer keeps
 * the process alive only while an entry waits, as a timer per call did.
 */
import { SteadySet } from "./util/steady-collections.js";

/** What a sweep holds: anything with a deadline. */
export interface Expiring {
  /** When it expires, in `performance.now()` milliseconds. */
  deadline: number;
}

/**
 * One timer for the deadlines of many entries.
 *
 * ```ts
 * const sweep = new DeadlineSweep<Call>((call) => call.fail("ETIMEDOUT"))
 * call.deadline = performance.now() + 5000
 * sweep.add(call)      // when it starts
 * sweep.delete(call)   // when it ends in time
 * ```
 */
export class DeadlineSweep<T extends Expiring> {
  /** Steady: with one call at a time it fills and empties on every call. */
  readonly #entries = new SteadySet<T>();
  readonly #expire: (entry: T) => void;
  readonly #sweepBound = (): void => this.#sweep();
  #timer: NodeJS.Timeout | null = null;
  /** The deadline the timer is armed for; Infinity when not armed. */
  #armedFor = Infinity;
  #closed = false;

  /** @param expire - called once for each entry whose deadline passed (the entry is already removed) */
  constructor(expire: (entry: T) => void) {
    this.#expire = expire;
  }

  /** Entries waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Watches `entry` until its `deadline` (set it first). Adding an entry
   * already held takes its new deadline into account.
   */
  add(entry: T): void {
    if (this.#closed) return;
    const entries = this.#entries;
    const before = entries.size;
    entries.add(entry);
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
    // The timer armed while entries waited was let go when the last one left.
    else if (before === 0) holdTimer(this.#timer, true);
  }

  /** Stops watching `entry` (it ended in time). */
  delete(entry: T): void {
    if (this.#entries.delete(entry) && this.#entries.size === 0) holdTimer(this.#timer, false);
  }

  /** Drops every entry and the timer; nothing expires after this. */
  close(): void {
    this.#closed = true;
    this.#entries.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  #arm(deadline: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#sweepBound, Math.max(0, deadline - performance.now()));
  }

  #sweep(): void {
    this.#timer = null;
    this.#armedFor = Infinity;
    const now = performance.now();
    let due: T[] | null = null;
    let next = Infinity;
    for (const entry of this.#entries) {
      if (entry.deadline <= now) {
        this.#entries.delete(entry);
        (due ??= []).push(entry);
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    if (next !== Infinity) this.#arm(next);
    // After re-arming: an expiry may add or delete entries.
    if (due !== null) for (const entry of due) this.#expire(entry);
  }
}

/** Lets Node's timer hold the process or not; a browser's timer (a number) has no such switch. */
function holdTimer(timer: unknown, held: boolean): void {
  const handle = timer as { ref?: () => void; unref?: () => void } | null;
  if (held) handle?.ref?.();
  else handle?.unref?.();
}
