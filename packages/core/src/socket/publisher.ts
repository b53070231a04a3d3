import { ZmqError } from "../errors.js";
import type { Msg } from "../pipe.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";
import { XPublisher } from "./xpublisher.js";

/**
 * PUB (RFC 29): sends each message to every subscriber whose subscription
 * is a prefix of its first frame; drops it for subscribers at their
 * high-water mark (unless `noDrop`). Cannot receive.
 */
export class Publisher extends XPublisher {
  constructor(options?: SocketOptions<Publisher>) {
    super(options, SocketType.Publisher);
    this.sealIfExactly(Publisher);
  }

  protected override get queuesSubscriptions(): boolean {
    return false;
  }

  protected override xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", "Publisher sockets cannot receive");
  }
}
