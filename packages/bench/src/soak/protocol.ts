/**
 * What the soak driver and its peer processes say to each other over the
 * Node IPC channel, and the numbered header every soak message carries.
 */

/** The socket a soak peer opens, and which end of its pair it is. */
export type PeerRole =
  | "pair-bind" | "pair-connect"
  | "pub" | "sub"
  | "xpub" | "xsub"
  | "rep" | "req"
  | "router" | "dealer"
  | "pull" | "push"
  | "stream" | "raw-tcp";

/** Everything a peer process needs, passed as its JSON argument. */
export interface PeerConfig {
  role: PeerRole;
  /** Bind side: the address to bind; connect side: the endpoint to connect to. */
  endpoint: string;
  /** This incarnation's sender id: the first header field of every message it sends. */
  senderId: number;
  /** Messages per second this peer sends (0: it only answers). */
  rate: number;
  /** CURVE keys (Z85): a server's secret key, or a client's pair and the server's public key. */
  curve?: { serverSecretKey?: string; serverPublicKey?: string; publicKey?: string; secretKey?: string };
}

/** Per sender id, what one receiver saw. */
export interface ReceivedFrom {
  count: number;
  /** Highest sequence number seen (-1: none). */
  maxSeq: number;
  duplicates: number;
}

/** A peer's answer to `sample`: its footprint and counters so far. */
export interface PeerSample {
  type: "sample";
  rss: number;
  heap: number;
  fds: number;
  /** Messages this peer has sent (send resolved), under its own sender id. */
  sent: number;
  received: Record<string, ReceivedFrom>;
}

export type PeerReport = { type: "ready"; endpoint: string } | PeerSample | { type: "error"; message: string };

/** Driver to peer: answer with a sample; stop sending (and answer with a sample); close and exit. */
export type DriverCommand = { type: "sample" } | { type: "quiesce" } | { type: "stop" };

/** Header frame: sender id (u32) then sequence (u32), big-endian. */
export function header(senderId: number, seq: number): Buffer {
  const frame = Buffer.allocUnsafe(8);
  frame.writeUInt32BE(senderId, 0);
  frame.writeUInt32BE(seq >>> 0, 4);
  return frame;
}

/** Reads a header frame; null if it is not one. */
export function readHeader(frame: Buffer | undefined): { senderId: number; seq: number } | null {
  if (frame === undefined || frame.length !== 8) return null;
  return { senderId: frame.readUInt32BE(0), seq: frame.readUInt32BE(4) };
}
