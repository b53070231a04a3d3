/**
 * Distribution of one message to many pipes (libzmq `dist_t`), for PUB and
 * XPUB. A pipe at its high-water mark misses the message (PUB drops), unless
 * the caller asked to wait (`noDrop`), in which case nothing is sent until
 * every target has room.
 */
import type { Msg, Pipe } from "../pipe.js";

export class Distributor {
  readonly pipes = new Set<Pipe>();

  attach(pipe: Pipe): void {
    this.pipes.add(pipe);
  }

  terminated(pipe: Pipe): void {
    this.pipes.delete(pipe);
  }

  /** Whether every one of `targets` can take a message now. */
  static allWritable(targets: Iterable<Pipe>): boolean {
    for (const pipe of targets) if (!pipe.canWrite()) return false;
    return true;
  }

  /** Writes to each target with room; returns how many were dropped. */
  static send(msg: Msg, targets: Iterable<Pipe>): number {
    let dropped = 0;
    for (const pipe of targets) {
      if (pipe.canWrite()) pipe.write(msg);
      else dropped++;
    }
    return dropped;
  }
}
