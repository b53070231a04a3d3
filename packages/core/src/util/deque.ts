/**
 * A growable ring-buffer FIFO: O(1) push and shift without the re-indexing
 * cost `Array.prototype.shift` has on long arrays.
 */
/**
 * A ring above this many slots (32 KiB of pointers) is dropped once it
 * drains, so a burst does not pin its memory. Rings up to it are kept: a
 * pipe's inbound queue fills to its high-water mark (1000 by default) plus
 * a turn's frames (1024) again and again under load, and regrowing it from
 * 16 slots each time it drains allocated about 4,000 slots per refill.
 */
export const SHRINK_ABOVE = 4096;

export class Deque<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.#items = new Array(size);
  }

  get length(): number {
    return this.#length;
  }

  /** @internal Slots of the ring now (16 at least; back to 16 once a ring above {@link SHRINK_ABOVE} drains). */
  get capacity(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    if (--this.#length === 0 && this.#items.length > SHRINK_ABOVE) {
      this.#items = new Array(16);
      this.#head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Item at position i from the head (0 = next out). */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#length ? undefined : this.#items[(this.#head + i) & (this.#items.length - 1)];
  }

  clear(): void {
    this.#items = new Array(16);
    this.#head = 0;
    this.#length = 0;
  }

  /** Removes items matching a predicate (used when a waiter times out). */
  remove(predicate: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.#length; i++) {
      const item = this.at(i)!;
      if (!predicate(item)) kept.push(item);
    }
    this.clear();
    for (const item of kept) this.push(item);
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
