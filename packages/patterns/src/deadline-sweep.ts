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
 *
 * The entries are an array, each entry knowing its index (`sweepSlot`):
 * adding and deleting are a push and a swap with the last, with no hash of
 * the entry. (A `Set` of entries made per call hashed each new entry, a
 * runtime call to make its identity hash, and reallocated its table as it
 * emptied and filled with one call at a time.)
 */
/** What a sweep holds: anything with a deadline. */
export interface Expiring {
  /** When it expires, in `performance.now()` milliseconds. */
  deadline: number;
  /**
   * Where a sweep holds it; written by the sweep only. Declare it (as
   * `-1`) in an entry's constructor or literal so that its shape never
   * changes; an entry is held by one sweep at a time.
   */
  sweepSlot?: number;
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
  /** The entries held, in no order; each one's `sweepSlot` is its index here. */
  readonly #entries: T[] = [];
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
    return this.#entries.length;
  }

  /**
   * Watches `entry` until its `deadline` (set it first). Adding an entry
   * already held takes its new deadline into account.
   */
  add(entry: T): void {
    if (this.#closed) return;
    const entries = this.#entries;
    const before = entries.length;
    if (this.#indexOf(entry) < 0) {
      entry.sweepSlot = entries.length;
      entries.push(entry);
    }
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
    // The timer armed while entries waited was let go when the last one left.
    else if (before === 0) holdTimer(this.#timer, true);
  }

  /** Stops watching `entry` (it ended in time). */
  delete(entry: T): void {
    const index = this.#indexOf(entry);
    if (index < 0) return;
    this.#removeAt(index);
    if (this.#entries.length === 0) holdTimer(this.#timer, false);
  }

  /** Drops every entry and the timer; nothing expires after this. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries) entry.sweepSlot = -1;
    this.#entries.length = 0;
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
    const entries = this.#entries;
    // Backwards: the entry swapped into a removed one's place has been looked at already.
    for (let index = entries.length - 1; index >= 0; index--) {
      const entry = entries[index]!;
      if (entry.deadline <= now) {
        this.#removeAt(index);
        (due ??= []).push(entry);
      } else if (entry.deadline < next) {
        next = entry.deadline;
      }
    }
    if (next !== Infinity) this.#arm(next);
    // After re-arming: an expiry may add or delete entries. Earliest deadline first.
    if (due !== null) {
      if (due.length > 1) due.sort((a, b) => a.deadline - b.deadline);
      for (const entry of due) this.#expire(entry);
    }
  }

  /** Where `entry` is held here, or -1. Its slot is checked; a slot that does not match is not trusted (the entry is then looked for). */
  #indexOf(entry: T): number {
    const slot = entry.sweepSlot;
    if (slot === undefined || slot < 0) return -1;
    if (this.#entries[slot] === entry) return slot;
    return this.#entries.indexOf(entry);
  }

  /** Removes the entry at `index`: the last one takes its place. */
  #removeAt(index: number): void {
    const entries = this.#entries;
    const removed = entries[index]!;
    const last = entries.pop()!;
    if (last !== removed) {
      entries[index] = last;
      last.sweepSlot = index;
    }
    removed.sweepSlot = -1;
  }
}

/** Lets Node's timer hold the process or not; a browser's timer (a number) has no such switch. */
function holdTimer(timer: unknown, held: boolean): void {
  const handle = timer as { ref?: () => void; unref?: () => void } | null;
  if (held) handle?.ref?.();
  else handle?.unref?.();
}
