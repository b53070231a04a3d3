/**
 * Socket types: numbers as in the `zeromq` package, names as on the wire
 * (RFC 37 `Socket-Type`), and which types may talk to each other (RFC 28-31).
 */
export enum SocketType {
  Pair = 0,
  Publisher = 1,
  Subscriber = 2,
  Request = 3,
  Reply = 4,
  Dealer = 5,
  Router = 6,
  Pull = 7,
  Push = 8,
  XPublisher = 9,
  XSubscriber = 10,
  Stream = 11,
}

const NAMES: Record<SocketType, string> = {
  [SocketType.Pair]: "PAIR",
  [SocketType.Publisher]: "PUB",
  [SocketType.Subscriber]: "SUB",
  [SocketType.Request]: "REQ",
  [SocketType.Reply]: "REP",
  [SocketType.Dealer]: "DEALER",
  [SocketType.Router]: "ROUTER",
  [SocketType.Pull]: "PULL",
  [SocketType.Push]: "PUSH",
  [SocketType.XPublisher]: "XPUB",
  [SocketType.XSubscriber]: "XSUB",
  [SocketType.Stream]: "STREAM",
};

export function socketTypeName(type: SocketType): string {
  return NAMES[type];
}

/** RFC 37 §"Socket Types" compatibility table. */
const COMPATIBLE: Record<string, readonly string[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PUSH: ["PULL"],
  PULL: ["PUSH"],
  // STREAM talks raw bytes to non-ZMTP peers: no ZMTP handshake, so no ZMTP peer type fits.
  STREAM: [],
};

export function isCompatible(ours: string, theirs: string): boolean {
  return COMPATIBLE[ours]?.includes(theirs.toUpperCase()) ?? false;
}
