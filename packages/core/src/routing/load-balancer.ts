/**
 * Round-robin of outbound messages across pipes (libzmq `lb_t`): each whole
 * message goes to the next pipe that has room; full pipes are skipped
 * until they report room again. Pipes with room are the active ones.
 */
import type { Msg, Pipe } from "../pipe.js";
import { ActivePipes } from "./active-pipes.js";

export class LoadBalancer extends ActivePipes {
  /** Sends to the next pipe with room; returns that pipe, or null if all are full. */
  send(msg: Msg): Pipe | null {
    const pipe = this.#next();
    pipe?.write(msg);
    return pipe;
  }

  /** {@link send} for a message of one frame, as the user passed it, after `envelope` if any (see Pipe.writeFrame). */
  sendFrame(frame: Buffer, envelope?: readonly Buffer[]): Pipe | null {
    const pipe = this.#next();
    pipe?.writeFrame(frame, envelope);
    return pipe;
  }

  /**
   * The next pipe with room, its turn taken before the write: a write can
   * serve a waiting sender at once (the connection takes the message and the
   * pipe reports room), whose message then goes to the pipe after it.
   */
  #next(): Pipe | null {
    while (this.active > 0) {
      if (this.current >= this.active) this.current = 0;
      const pipe = this.pipes[this.current]!;
      if (pipe.canWrite()) {
        this.current++;
        return pipe;
      }
      this.deactivateCurrent();
    }
    return null;
  }

  hasOut(): boolean {
    for (let i = 0; i < this.active; i++) if (this.pipes[i]!.canWrite()) return true;
    return false;
  }
}
