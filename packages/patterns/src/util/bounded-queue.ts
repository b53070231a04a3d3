/**
 * A bounded FIFO that drops its oldest entry when full and counts the drops:
 * the per-subscriber buffer between a socket and a slow handler. Memory is
 * bounded by `capacity`; what was dropped is reported, never silent.
 */
export class BoundedQueue<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;
  /** Entries dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Appends; when full, drops the oldest entry first and returns it. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.#length === this.capacity) {
      dropped = this.shift();
      this.dropped++;
    }
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return dropped;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#length = 0;
  }
}
