/**
 * Round-robin of outbound messages across pipes (libzmq `lb_t`): each whole
 * message goes to the next pipe that has room; full pipes are skipped
 * until they report room again.
 */
import type { Msg, Pipe } from "../pipe.js";

export class LoadBalancer {
  readonly pipes: Pipe[] = [];
  #active = 0;
  #current = 0;

  attach(pipe: Pipe): void {
    this.pipes.push(pipe);
    this.activated(pipe);
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
  }

  /** Sends to the next pipe with room; returns that pipe, or null if all are full. */
  send(msg: Msg): Pipe | null {
    while (this.#active > 0) {
      if (this.#current >= this.#active) this.#current = 0;
      const pipe = this.pipes[this.#current]!;
      if (pipe.canWrite()) {
        pipe.write(msg);
        this.#current++;
        return pipe;
      }
      this.#active--;
      this.#swap(this.#current, this.#active);
    }
    return null;
  }

  hasOut(): boolean {
    for (let i = 0; i < this.#active; i++) if (this.pipes[i]!.canWrite()) return true;
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
