/** Socket types by the names the command line takes (`push`, `sub`, ...). */
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
export function createSocket(name: string, options: Record<string, unknown>): Socket {
  const Type = SOCKET_TYPES[name.toLowerCase()];
  if (Type === undefined) {
    throw new UsageError(`unknown socket type "${name}" (one of ${Object.keys(SOCKET_TYPES).join(", ")})`);
  }
  return new Type(options);
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
