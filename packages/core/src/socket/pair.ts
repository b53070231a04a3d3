import type { Msg, Pipe } from "../pipe.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** PAIR (RFC 31): exactly one peer; further connections are refused while it is there. */
export class Pair extends Socket {
  #pipe: Pipe | null = null;

  constructor(options?: SocketOptions<Pair>, type: SocketType = SocketType.Pair) {
    super(type, options);
    this.sealIfExactly(Pair);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    if (this.#pipe !== null && !this.#pipe.terminated) {
      pipe.terminate();
      return false;
    }
    this.#pipe = pipe;
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }
  protected override xsend(msg: Msg): boolean {
    const pipe = this.#pipe;
    if (pipe === null || !pipe.canWrite()) return false;
    pipe.write(msg);
    return true;
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.#pipe;
  }
  protected override xrecv(): Msg | undefined {
    return this.#pipe?.read();
  }
  protected override xhasIn(): boolean {
    return this.#pipe?.hasIn() ?? false;
  }
  protected override xhasOut(): boolean {
    return this.#pipe?.canWrite() ?? false;
  }
}
