/**
 * A `Map` that keeps its hash table when its last entry leaves. V8 shrinks
 * a `Map` whose entries fall under half its buckets on `delete`, in a
 * runtime call that allocates a new table; one that goes 0 → 1 → 0 on every
 * call (the requests in flight of a client making one call at a time) pays
 * that call and that allocation on every call. This one holds an entry of
 * its own, never seen from outside, so it never drops to zero.
 */

/** The entry a {@link SteadyMap} holds for itself. */
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
