/**
 * Socket types: numbers as in the `zeromq` package, names as on the wire
 * (RFC 37 `Socket-Type`), and which types may talk to each other (RFC 28-31,
 * and the draft RFCs 41, 48, 49, 51 and 52).
 */
export enum SocketType {
  /** PAIR: one peer, both directions. */
  Pair = 0,
  /** PUB: sends to every matching subscriber. */
  Publisher = 1,
  /** SUB: receives the messages it subscribed to. */
  Subscriber = 2,
  /** REQ: sends a request, then receives its reply. */
  Request = 3,
  /** REP: receives a request, then sends its reply. */
  Reply = 4,
  /** DEALER: round-robin out, fair-queued in, no alternation. */
  Dealer = 5,
  /** ROUTER: addresses each peer by its routing id. */
  Router = 6,
  /** PULL: receives from all PUSH peers, fair-queued. */
  Pull = 7,
  /** PUSH: sends to the next PULL peer, round-robin. */
  Push = 8,
  /** XPUB: a publisher that receives the subscriptions. */
  XPublisher = 9,
  /** XSUB: a subscriber that sends its subscriptions as messages. */
  XSubscriber = 10,
  /** STREAM: raw TCP or ipc peers, no ZMTP. */
  Stream = 11,
  /** SERVER (draft, RFC 41): replies to each CLIENT by the routing id of its message. */
  Server = 12,
  /** CLIENT (draft, RFC 41): round-robin out, fair-queued in, single-part messages. */
  Client = 13,
  /** RADIO (draft, RFC 48): sends each message to the DISH peers that joined its group. */
  Radio = 14,
  /** DISH (draft, RFC 48): receives the messages of the groups it joined. */
  Dish = 15,
  /** GATHER (draft, RFC 49): receives from all SCATTER peers, fair-queued. */
  Gather = 16,
  /** SCATTER (draft, RFC 49): sends to the next GATHER peer, round-robin. */
  Scatter = 17,
  /** DGRAM (draft): UDP datagrams, each addressed by an `ip:port` frame. */
  Datagram = 18,
  /** PEER (draft, RFC 51): addresses each PEER it is connected to by routing id. */
  Peer = 19,
  /** CHANNEL (draft, RFC 52): one peer, both directions, single-part messages. */
  Channel = 20,
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
  [SocketType.Server]: "SERVER",
  [SocketType.Client]: "CLIENT",
  [SocketType.Radio]: "RADIO",
  [SocketType.Dish]: "DISH",
  [SocketType.Gather]: "GATHER",
  [SocketType.Scatter]: "SCATTER",
  [SocketType.Datagram]: "DGRAM",
  [SocketType.Peer]: "PEER",
  [SocketType.Channel]: "CHANNEL",
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
  // Draft types (libzmq's mechanism_t::check_socket_type).
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
  // DGRAM speaks udp:// only: no ZMTP peer.
  DGRAM: [],
};

export function isCompatible(ours: string, theirs: string): boolean {
  return COMPATIBLE[ours]?.includes(theirs.toUpperCase()) ?? false;
}

/**
 * The first peer type RFC 37 lets `ours` talk to ("REP" for "REQ"): what a
 * peer that names no type is taken to be (libzmq's bare ZWS2.0 over ws://).
 */
export function compatiblePeerType(ours: string): string {
  return COMPATIBLE[ours]?.[0] ?? ours;
}
