/** Socket types by the names the command line takes (`push`, `sub`, ...), and opening one on an endpoint. */
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  XPublisher,
  XSubscriber,
  type Socket,
} from "@skein/core";
import type { Deadline } from "./deadline.js";
import { UsageError } from "./exit-code.js";
import type { Output } from "./output.js";

type SocketClass = new (options?: Record<string, unknown>) => Socket;

export const SOCKET_TYPES: Readonly<Record<string, SocketClass>> = {
  pair: Pair as unknown as SocketClass,
  pub: Publisher as unknown as SocketClass,
  sub: Subscriber as unknown as SocketClass,
  xpub: XPublisher as unknown as SocketClass,
  xsub: XSubscriber as unknown as SocketClass,
  req: Request as unknown as SocketClass,
  rep: Reply as unknown as SocketClass,
  dealer: Dealer as unknown as SocketClass,
  router: Router as unknown as SocketClass,
  push: Push as unknown as SocketClass,
  pull: Pull as unknown as SocketClass,
};

/** Creates a socket by command-line name; throws a usage error for an unknown one. */
export function createSocket(name: string, options: Record<string, unknown> = {}): Socket {
  const Type = SOCKET_TYPES[name.toLowerCase()];
  if (Type === undefined) {
    throw new UsageError(`unknown socket type "${name}" (one of ${Object.keys(SOCKET_TYPES).join(", ")})`);
  }
  return new Type(options);
}

/**
 * Binds `socket` to `endpoint` (printing `<label> <real endpoint>` on stderr,
 * so a port 0 can be read back) or connects it.
 */
export async function attach(socket: Socket, endpoint: string, bind: boolean, deadline: Deadline, io: Output, label = "bound"): Promise<void> {
  if (bind) {
    await deadline.race(socket.bind(endpoint), `binding ${endpoint}`);
    io.err(`${label} ${socket.lastEndpoint}`);
  } else {
    socket.connect(endpoint);
  }
}

/** The peers of a socket that have completed the ZMTP handshake, followed through its monitor events. */
export class HandshakenPeers {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Starts following `socket`; call it before connecting so that no handshake is missed. */
  constructor(socket: Socket) {
    socket.events.on("handshake", () => {
      this.#count++;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.events.on("disconnect", () => {
      this.#count = Math.max(0, this.#count - 1);
    });
  }

  /** Peers connected now. */
  get count(): number {
    return this.#count;
  }

  /** Resolves once a peer is connected (at once if one is). */
  connected(): Promise<void> {
    if (this.#count > 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * Closes `socket` with a linger bounded by what is left of `deadline`
 * (unbounded without one: queued messages wait for their peer).
 */
export function closeWithin(socket: Socket, deadline: Deadline): void {
  if (deadline.bounded) (socket as unknown as { linger: number }).linger = deadline.remaining();
  socket.close();
}
