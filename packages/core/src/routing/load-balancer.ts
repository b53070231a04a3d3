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
    while (this.active > 0) {
      if (this.current >= this.active) this.current = 0;
      const pipe = this.pipes[this.current]!;
      if (pipe.canWrite()) {
        pipe.write(msg);
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
