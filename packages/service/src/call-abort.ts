/**
 * The end of one handled call before its handler finished: deadline,
 * cancel or shutdown. Cheaper than an `AbortController` per call: the
 * handler's `AbortSignal` is only created if the handler asks for it (most
 * never do), while the dispatcher always races the handler against
 * {@link CallAbort.aborted}.
 */
export class CallAbort {
  /** When the call's deadline passes, on the `performance.now()` clock (`Infinity`: none): what the dispatcher's deadline sweep reads. */
  deadline = Infinity;
  /** Its place in the dispatcher's deadline sweep (the sweep's; -1 when not in it). */
  sweepSlot = -1;
  #controller: AbortController | undefined;
  #reason: unknown = undefined;
  #isAborted = false;
  #reject: ((reason: unknown) => void) | undefined;
  #aborted: Promise<never> | undefined;

  /** Whether the call was aborted. */
  get isAborted(): boolean {
    return this.#isAborted;
  }

  /** The signal handed to the handler, created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#isAborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Rejects with the abort reason once aborted; never resolves. Made on
   * first use and handed to a `Promise.race` at once, which observes the
   * rejection: there is never a rejection nobody listens to.
   */
  get aborted(): Promise<never> {
    if (this.#aborted === undefined) {
      this.#aborted = this.#isAborted
        ? Promise.reject(this.#reason)
        : new Promise<never>((_, reject) => (this.#reject = reject));
    }
    return this.#aborted;
  }

  /** Aborts the call with `reason` (the first reason wins). */
  abort(reason: unknown): void {
    if (this.#isAborted) return;
    this.#isAborted = true;
    this.#reason = reason;
    // The race settles first, so a handler that returns as soon as it sees the signal does not win it.
    if (this.#reject !== undefined) this.#reject(reason);
    this.#controller?.abort(reason);
  }
}
