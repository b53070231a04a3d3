/**
 * The options of the sockets that speak udp:// (RADIO, DISH, DGRAM): the
 * bounds on what a datagram peer can do (transport/udp.ts).
 */
import { MAX_UDP_MSG, type DatagramDrops } from "../transport/udp.js";

/** @internal Option specs shared by RADIO, DISH and DGRAM. */
export const DATAGRAM_OPTIONS = {
  maxDatagramSize: { kind: "int", default: MAX_UDP_MSG, min: -1, max: 65_507 },
  maxNewSendersPerSecond: { kind: "int", default: 1000, min: -1 },
} as const;

/** The udp:// options and counters, as properties. */
export interface DatagramOptions {
  /**
   * Largest udp:// datagram, in octets, sent or received (skein limit;
   * default 8192, libzmq's `MAX_UDP_MSG`, which is also the most a libzmq
   * peer reads; -1: UDP's own 65507). Larger ones are dropped and counted in
   * {@link datagramDrops}`.oversized`.
   */
  maxDatagramSize: number;
  /**
   * Datagrams a second accepted from senders not among the 4096 heard most
   * recently (skein limit; default 1000, -1: no limit). UDP has no handshake:
   * this keeps a flood from many (spoofed) sources from filling the receive
   * queue ahead of the senders already known. Drops are counted in
   * {@link datagramDrops}`.rateLimited`.
   */
  maxNewSendersPerSecond: number;
  /** What the udp:// endpoints of this socket dropped, by cause (read-only counters). */
  readonly datagramDrops: Readonly<DatagramDrops>;
}
