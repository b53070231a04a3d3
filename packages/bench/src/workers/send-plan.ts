/**
 * When a sender stops and how it paces itself: as fast as it can for a
 * duration, or at a steady rate (soak). Checked once per batch so the clock
 * is not read per message.
 */
export class SendPlan {
  /** Messages sent between two checks of the clock. */
  readonly batch: number;
  readonly #deadline: number;
  readonly #maxCount: number;
  readonly #rate: number;
  readonly #start = performance.now();
  sent = 0;

  constructor(durationMs: number, maxCount: number, rate: number, size: number) {
    this.#deadline = this.#start + durationMs;
    this.#maxCount = maxCount;
    this.#rate = rate;
    // Small messages in big batches, big ones a few at a time.
    this.batch = Math.max(1, Math.min(256, Math.floor((256 * 1024) / Math.max(size, 1))));
  }

  /** Size of the next batch: 0 when the run is over. */
  next(): number {
    if (this.sent >= this.#maxCount) return 0;
    if (this.#rate === 0 && performance.now() >= this.#deadline) return 0;
    return Math.min(this.batch, this.#maxCount - this.sent);
  }

  /** For a paced run: milliseconds to wait before the next batch is due. */
  delayMs(): number {
    if (this.#rate === 0) return 0;
    const due = this.#start + (this.sent / this.#rate) * 1000;
    return Math.max(0, due - performance.now());
  }
}
