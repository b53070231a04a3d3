/**
 * Credit-based flow control of one stream of a call, both halves: the
 * reader's {@link StreamInbox} (items received, credit granted back as it
 * reads) and the writer's {@link StreamCredit} (items it may still send).
 * The reader grants `window` items at the start and more as its consumer
 * takes items, so a consumer that stops reading bounds the writer to
 * `window` items in flight; a writer past its credit is a protocol error.
 */
import { RpcError, RpcStatus } from "./errors.js";

/** Items of credit a stream's reader grants, by default (`streamWindow`). */
export const DEFAULT_STREAM_WINDOW = 64;

/** The most credit a writer holds (an envelope's `credit` is a uint32); a reader without flow control grants `Infinity`. */
export const MAX_STREAM_CREDIT = 0xffffffff;

/** The writer's side: how many items it may still send; `take()` waits for credit. */
export class StreamCredit {
  #credit: number;
  #wake: (() => void) | null = null;
  #failure: unknown = null;

  /** `Infinity` for a reader without flow control (a peer that grants none). */
  constructor(initial: number) {
    this.#credit = initial;
  }

  /** The call ended ({@link fail} was called): the writer stops. */
  get ended(): boolean {
    return this.#failure !== null;
  }

  /** Items the writer may send now. */
  get available(): number {
    return this.#credit;
  }

  /**
   * The reader granted `n` more items. Credit adds up to at most
   * {@link MAX_STREAM_CREDIT}: a peer that grants 2^32 - 1 again and again
   * cannot push it past what an envelope can carry.
   */
  grant(n: number): void {
    this.#credit = Math.min(this.#credit + n, Math.max(this.#credit, MAX_STREAM_CREDIT));
    this.#wake?.();
  }

  /** Ends every wait with `reason` (the call ended). */
  fail(reason: unknown): void {
    this.#failure ??= reason;
    this.#wake?.();
  }

  /** Waits until one item of credit is available and uses it; rejects once failed. */
  async take(): Promise<void> {
    while (this.#credit <= 0) {
      if (this.#failure !== null) throw this.#failure;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
    if (this.#failure !== null) throw this.#failure;
    this.#credit--;
  }
}

/**
 * The reader's side: a queue of received items, never more than the credit
 * it granted, read as an async iterator; `grant` is called with more credit
 * each time the consumer has taken half a window.
 */
export class StreamInbox<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  readonly #window: number;
  readonly #grant: (n: number) => void;
  /** Items the writer may still send before it needs more credit. */
  #outstanding: number;
  #taken = 0;
  #strict: boolean;
  #ended = false;
  #failure: unknown = null;
  #wake: (() => void) | null = null;

  /**
   * `window` items are granted at the start (the caller sends that grant);
   * `grant` sends later ones. Not `strict`: items past the credit are kept
   * until {@link enforce} (a writer that may predate flow control).
   */
  constructor(window: number, grant: (n: number) => void, strict = true) {
    this.#window = window;
    this.#strict = strict;
    this.#outstanding = window;
    this.#grant = grant;
  }

  /** Items received and not yet read: at most the window. */
  get queued(): number {
    return this.#items.length;
  }

  /**
   * An item arrived. One past the credit granted is refused (`false`): the
   * stream fails with `RESOURCE_EXHAUSTED` and the caller ends the call.
   */
  push(item: T): boolean {
    if (this.#ended || this.#failure !== null) return true;
    if (this.#outstanding <= 0 && this.#strict) {
      this.fail(new RpcError(RpcStatus.RESOURCE_EXHAUSTED, `the stream's writer sent more than the ${this.#window} items of credit it was granted`));
      return false;
    }
    this.#outstanding--;
    this.#items.push(item);
    this.#wake?.();
    return true;
  }

  /** The writer said it honours the credit: from now on an item past it fails the stream. */
  enforce(): void {
    this.#strict = true;
  }

  /** The writer ended the stream. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** Ends the stream with `reason`: the reader's next read rejects (items already queued are dropped). */
  fail(reason: unknown): void {
    if (this.#failure !== null || this.#ended) return;
    this.#failure = reason;
    this.#items.length = 0;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure;
      const item = this.#items.shift();
      if (item !== undefined) {
        this.#read();
        yield item;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  /** Grants credit back once the consumer has taken half a window since the last grant. */
  #read(): void {
    if (++this.#taken < Math.max(1, this.#window >> 1)) return;
    const n = this.#taken;
    this.#taken = 0;
    this.#outstanding += n;
    this.#grant(n);
  }
}

/**
 * Writes a stream's items from `source` within `credit`: an item is asked of
 * the producer only once credit for it is held. `write` sends one item and
 * returns `false` to stop. Stopped early (a failed wait or write), the
 * producer is closed (`return()`), so a generator's `finally` runs.
 */
export async function writeWithinCredit(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  credit: StreamCredit,
  write: (item: unknown) => Promise<boolean> | boolean,
): Promise<boolean> {
  const iterator: AsyncIterator<unknown> | Iterator<unknown> = Symbol.asyncIterator in source
    ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (source as Iterable<unknown>)[Symbol.iterator]();
  let done = false;
  try {
    for (;;) {
      await credit.take();
      const next = await iterator.next();
      if (next.done === true) break;
      if (!(await write(next.value))) return false;
    }
    done = true;
    return true;
  } finally {
    // Ends the caller's request iterable (its `finally` blocks run); an error it throws then reaches the caller.
    if (!done) await iterator.return?.();
  }
}
