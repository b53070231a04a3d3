/**
 * A list of pipes split into an active and an idle part, as libzmq's `fq_t`
 * and `lb_t` keep it: pipes `[0, active)` can be served (have messages, have
 * room); a pipe found unable is swapped out of the active range in O(1), and
 * swapped back in when it reports it can again. `current` walks the active
 * range round-robin.
 */
import type { Pipe } from "../pipe.js";

export class ActivePipes {
  readonly pipes: Pipe[] = [];
  protected active = 0;
  protected current = 0;

  /** Adds a pipe, active. */
  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
    this.swap(this.pipes.length - 1, this.active);
    this.active++;
  }

  /** The pipe can be served again. */
  activated(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index < 0 || index < this.active) return;
    this.swap(index, this.active);
    this.active++;
  }

  /** Removes a pipe. */
  terminated(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index < 0) return;
    if (index < this.active) {
      this.active--;
      this.swap(index, this.active);
      if (this.current === this.active) this.current = 0;
      this.swap(this.active, this.pipes.length - 1);
    } else {
      this.swap(index, this.pipes.length - 1);
    }
    this.pipes.pop();
  }

  /** Moves the pipe at `current` out of the active range. */
  protected deactivateCurrent(): void {
    this.active--;
    this.swap(this.current, this.active);
  }

  protected swap(a: number, b: number): void {
    if (a === b) return;
    const pipes = this.pipes;
    const t = pipes[a]!;
    pipes[a] = pipes[b]!;
    pipes[b] = t;
  }
}
