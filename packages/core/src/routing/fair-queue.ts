/**
 * Fair-queueing of inbound messages across pipes (libzmq `fq_t`): each
 * readable pipe gets a turn, one whole message at a time, so one busy peer
 * cannot starve the others. Pipes with messages are the active ones.
 */
import type { Msg, Pipe } from "../pipe.js";
import { ActivePipes } from "./active-pipes.js";

export class FairQueue extends ActivePipes {
  /** The pipe the last message came from. */
  lastPipe: Pipe | null = null;

  override terminated(pipe: Pipe): void {
    super.terminated(pipe);
    if (this.lastPipe === pipe) this.lastPipe = null;
  }

  /** The next message in fair order, or undefined when none is waiting. */
  recv(): Msg | undefined {
    while (this.active > 0) {
      if (this.current >= this.active) this.current = 0;
      const pipe = this.pipes[this.current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastPipe = pipe;
        // Reading a peer's last message may have removed its pipe already.
        if (this.pipes[this.current] === pipe) this.current++;
        return msg;
      }
      this.deactivateCurrent();
    }
    return undefined;
  }

  hasIn(): boolean {
    for (let i = 0; i < this.active; i++) if (this.pipes[i]!.hasIn()) return true;
    return false;
  }
}
