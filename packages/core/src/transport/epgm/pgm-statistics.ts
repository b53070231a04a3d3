/** What the epgm:// endpoints of a socket did and dropped (never silently: read them here). */
export interface PgmStatistics {
  /** Datagrams refused by the decoder: too short, bad options, bad NLA, unknown type. */
  malformed: number;
  /** Datagrams whose checksum did not match. */
  badChecksum: number;
  /** Packets carrying OPT_FRAGMENT (libzmq never fragments; skein refuses them). */
  fragmented: number;
  /** Data from new sources beyond `multicastMaxSources`. */
  sourcesRefused: number;
  /** Data packets further ahead of the next expected one than the receive window holds. */
  outsideWindow: number;
  /** Data packets not repaired in time (the stream skipped past them). */
  lost: number;
  /** TSDUs that broke libzmq's framing (the decoder resynchronised). */
  badFraming: number;
  /** Messages dropped because the receive queue was at `receiveHighWaterMark`. */
  queueFull: number;
  /** NAKs sent (receiver) and received (sender). */
  naksSent: number;
  naksReceived: number;
  /** RDATA sent (sender) and received and used (receiver). */
  repairsSent: number;
  repairsReceived: number;
  /** ODATA packets sent. */
  dataSent: number;
  /** Socket errors (also a `close:error` event). */
  socketErrors: number;
}

/** A fresh set of counters. */
export function pgmStatistics(): PgmStatistics {
  return {
    malformed: 0,
    badChecksum: 0,
    fragmented: 0,
    sourcesRefused: 0,
    outsideWindow: 0,
    lost: 0,
    badFraming: 0,
    queueFull: 0,
    naksSent: 0,
    naksReceived: 0,
    repairsSent: 0,
    repairsReceived: 0,
    dataSent: 0,
    socketErrors: 0,
  };
}
