import type { Msg, Pipe } from "../pipe.js";
import { Pull } from "./pull.js";
import { receiveSinglePart } from "./single-part.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * GATHER (draft, RFC 49): the PULL of the thread-safe family: fair-queued
 * from SCATTER peers, single-part messages (a peer sending a multipart one
 * is dropped with a `disconnect` event). `conflate` as PULL.
 */
export class Gather extends Pull {
  readonly #read = (): Msg | undefined => super.xrecv();
  readonly #from = (): Pipe | null => this.lastReceivedPipe();

  constructor(options?: SocketOptions<Gather>) {
    super(options, SocketType.Gather);
    this.sealIfExactly(Gather);
  }

  protected override xrecv(): Msg | undefined {
    return receiveSinglePart(this.#read, this.#from, this, this.socketTypeName);
  }
}
