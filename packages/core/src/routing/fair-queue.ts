/**
 * Fair-queueing of inbound messages across pipes (libzmq `fq_t`): each
 * readable pipe gets a turn, one whole message at a time, so one busy peer
 * cannot starve the others.
 *
 * Pipes `[0, active)` have messages; the rest are idle. A pipe found empty
 * is swapped out of the active range in O(1).
 */
import type { Msg, Pipe } from "../pipe.js";

export class FairQueue {
  readonly pipes: Pipe[] = [];
  #active = 0;
  #current = 0;
  /** The pipe the last message came from. */
  lastPipe: Pipe | null = null;

  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
    this.#swap(this.pipes.length - 1, this.#active);
    this.#active++;
  }

  activated(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index < 0 || index < this.#active) return;
    this.#swap(index, this.#active);
    this.#active++;
  }

  terminated(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index < 0) return;
    if (index < this.#active) {
      this.#active--;
      this.#swap(index, this.#active);
      if (this.#current === this.#active) this.#current = 0;
      this.#swap(this.#active, this.pipes.length - 1);
    } else {
      this.#swap(index, this.pipes.length - 1);
    }
    this.pipes.pop();
    if (this.lastPipe === pipe) this.lastPipe = null;
  }

  /** The next message in fair order, or undefined when none is waiting. */
  recv(): Msg | undefined {
    while (this.#active > 0) {
      if (this.#current >= this.#active) this.#current = 0;
      const pipe = this.pipes[this.#current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastPipe = pipe;
        // Pipes are still attached while they read out their last messages.
        if (this.pipes[this.#current] === pipe) this.#current++;
        return msg;
      }
      this.#active--;
      this.#swap(this.#current, this.#active);
    }
    return undefined;
  }

  hasIn(): boolean {
    for (let i = 0; i < this.#active; i++) if (this.pipes[i]!.hasIn()) return true;
    return false;
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    const pipes = this.pipes;
    const t = pipes[a]!;
    pipes[a] = pipes[b]!;
    pipes[b] = t;
  }
}
