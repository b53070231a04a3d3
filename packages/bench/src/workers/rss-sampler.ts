/**
 * Samples the process RSS once a second together with a progress count, so
 * the soak case can show whether memory grows with the number of messages.
 */
export class RssSampler {
  /** Messages received so far; the worker updates it. */
  count = 0;
  /** [seconds since start, count, RSS in MB]. */
  readonly samples: Array<[number, number, number]> = [];
  readonly #start = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.#sample(), 1000);
    this.#timer.unref();
  }

  /** Takes a last sample and stops. */
  stop(): void {
    clearInterval(this.#timer);
    this.#sample();
  }

  #sample(): void {
    const seconds = (performance.now() - this.#start) / 1000;
    this.samples.push([Math.round(seconds * 10) / 10, this.count, Math.round(process.memoryUsage.rss() / 1048576)]);
  }
}
