/**
 * A `Map` and a `Set` that keep their hash table when their last entry
 * leaves. V8 shrinks a `Map` or `Set` whose entries fall under half its
 * buckets on `delete`, in a runtime call that allocates a new table; one
 * that goes 0 → 1 → 0 on every call (the requests in flight of a client
 * making one call at a time, the deadlines being watched) pays that call and
 * that allocation on every call. These hold one entry of their own, never
 * seen from outside, so they never drop to zero.
 */

/** The entry a {@link SteadyMap} or {@link SteadySet} holds for itself. */
const HOLD: unique symbol = Symbol("steady-collections.hold");

/** A `Map` (the operations the patterns use) that never empties its table. */
export class SteadyMap<K, V> {
  readonly #map = new Map<K | typeof HOLD, V | null>([[HOLD, null]]);

  /** Entries held, as `Map.size`. */
  get size(): number {
    return this.#map.size - 1;
  }

  get(key: K): V | undefined {
    return this.#map.get(key) as V | undefined;
  }

  set(key: K, value: V): this {
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** The values in insertion order, as `Map.values()`. */
  *values(): IterableIterator<V> {
    for (const [key, value] of this.#map) if (key !== HOLD) yield value as V;
  }
}

/** A `Set` (the operations the patterns use) that never empties its table. */
export class SteadySet<T> {
  readonly #set = new Set<T | typeof HOLD>([HOLD]);

  /** Entries held, as `Set.size`. */
  get size(): number {
    return this.#set.size - 1;
  }

  has(value: T): boolean {
    return this.#set.has(value);
  }

  add(value: T): this {
    this.#set.add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.#set.delete(value);
  }

  /** Deletes every entry (the table's own stays). */
  clear(): void {
    this.#set.clear();
    this.#set.add(HOLD);
  }

  /** The entries in insertion order, as iterating a `Set`. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const value of this.#set) if (value !== HOLD) yield value as T;
  }
}
