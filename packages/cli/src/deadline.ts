/**
 * `--timeout`: one deadline for the whole command (connecting, sending,
 * waiting for a reply, and the linger of what is still queued at close).
 */
import { setTimeout as delay } from "node:timers/promises";
import { TimeoutError } from "./exit-code.js";

/** A command's deadline; `0` ms means none. */
export class Deadline {
  readonly #end: number;
  readonly #ms: number;
  readonly #signal: AbortSignal | undefined;

  /** @param ms - the `--timeout` value; 0 for no deadline */
  constructor(ms: number) {
    this.#ms = ms;
    this.#end = ms > 0 ? Date.now() + ms : Infinity;
    // AbortSignal.timeout's timer is unreferenced: it never keeps the process alive.
    this.#signal = ms > 0 ? AbortSignal.timeout(ms) : undefined;
  }

  /** Whether there is a deadline at all. */
  get bounded(): boolean {
    return this.#signal !== undefined;
  }

  /** Milliseconds left (0 once passed, `Infinity` without a deadline). */
  remaining(): number {
    return Math.max(0, this.#end - Date.now());
  }

  /**
   * `work`, or a {@link TimeoutError} naming `what` if the deadline passes
   * first. `work` is left running: the caller closes what it waits on.
   */
  race<T>(work: Promise<T>, what: string): Promise<T> {
    const signal = this.#signal;
    if (signal === undefined) return work;
    return new Promise<T>((resolve, reject) => {
      const expire = (): void => reject(this.#error(what));
      if (signal.aborted) {
        work.catch(() => {}); // Its outcome no longer matters: the command timed out already.
        expire();
        return;
      }
      signal.addEventListener("abort", expire, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener("abort", expire);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", expire);
          reject(error);
        },
      );
    });
  }

  /** Waits `ms`, or less if the deadline comes first (then a {@link TimeoutError}). */
  async sleep(ms: number, what: string): Promise<void> {
    try {
      await delay(ms, undefined, this.#signal === undefined ? {} : { signal: this.#signal });
    } catch (error) {
      if (this.#signal?.aborted) throw this.#error(what);
      throw error;
    }
  }

  #error(what: string): TimeoutError {
    return new TimeoutError(`timed out after ${this.#ms} ms (--timeout) ${what}`);
  }
}
