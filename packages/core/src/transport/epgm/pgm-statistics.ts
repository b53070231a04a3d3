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
  /** NAKs sent, as a receiver, for data packets found missing. */
  naksSent: number;
  /** NAKs received for this socket's own stream, as a sender (answered, for the sqns still in the send window, with an NCF and their RDATA, within the bounds counted below). */
  naksReceived: number;
  /**
   * Sqns NAKed, as a sender, whose RDATA went out less than 100 ms before
   * (`NAK_ELIMINATION_MS`): confirmed by the NCF, not repaired again (counted
   * per sqn: a NAK with an OPT_NAK_LIST asks for several).
   */
  naksEliminated: number;
  /**
   * Sqns NAKed, as a sender, that the `repairRate` budget could not cover:
   * neither confirmed nor repaired (the receiver NAKs them again). Counted per sqn.
   */
  naksRateLimited: number;
  /** RDATA (repair) packets sent, as a sender, in answer to NAKs. */
  repairsSent: number;
  /** RDATA (repair) packets received and used, as a receiver: within the receive window and not already held. */
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
    naksEliminated: 0,
    naksRateLimited: 0,
    repairsSent: 0,
    repairsReceived: 0,
    dataSent: 0,
    socketErrors: 0,
  };
}
