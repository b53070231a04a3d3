/**
 * How an epgm:// source answers NAKs without letting a receiver turn a small
 * unicast NAK into unbounded multicast (RFC 3208 §5.2, §5.3; OpenPGM's
 * source does the same two things):
 *
 * - NAK elimination: a sqn whose RDATA went out less than
 *   {@link NAK_ELIMINATION_MS} ago is confirmed by the NCF (receivers waiting
 *   for it keep waiting, as RFC 3208 asks) but not repaired again. OpenPGM
 *   drops a request for a sqn already in its retransmit queue; the interval
 *   stands for that queue here, where RDATA goes out at once.
 * - Repair rate: NCFs and RDATA spend a bucket of their own, filled at
 *   `repairRate` (OpenPGM's RDATA_MAX_RTE), besides the `rate` one they
 *   share with ODATA. A NAK whose NCF the bucket cannot cover is dropped
 *   whole; a sqn whose RDATA it cannot cover is left out of the NCF, so the
 *   receiver NAKs it again later. Either is counted, never silent.
 *
 * Pure: time comes in as `now`, sizes through callbacks, so the rules are
 * tested without sockets (packages/core/test/epgm/repair-policy.test.ts).
 */
import { TokenBucket } from "./token-bucket.js";

/** A NAK for a sqn repaired less than this long ago gets an NCF, not another RDATA (ms). */
export const NAK_ELIMINATION_MS = 100;

/** What to send for one NAK, and what was refused. */
export interface RepairAnswer {
  /** Sqns to send RDATA for, in the order asked. */
  repair: number[];
  /** Sqns the NCF confirms (those repaired now and those eliminated); empty: no NCF. */
  confirm: number[];
  /** Sqns asked for whose RDATA went out less than {@link NAK_ELIMINATION_MS} ago. */
  eliminated: number;
  /** Sqns asked for that the repair bucket could not cover (neither confirmed nor repaired). */
  rateLimited: number;
}

/** The size of a packet on the wire, IP and UDP headers included. */
export interface RepairSizes {
  /** RDATA for `sqn`, or undefined if the sqn is no longer (or not yet) in the send window. */
  rdata(sqn: number): number | undefined;
  /** An NCF confirming `count` sqns (0: none is sent). */
  ncf(count: number): number;
}

/** The NAK-answering rules of one source: the repair bucket and when each sqn was last repaired. */
export class RepairPolicy {
  readonly #bucket: TokenBucket;
  /** Sqn -> when its RDATA last went, oldest first (a repair moves its sqn to the end). */
  readonly #repairedAt = new Map<number, number>();

  constructor(now: number) {
    // A source starts with a full bucket: the burst is part of the bound.
    this.#bucket = new TokenBucket(Number.POSITIVE_INFINITY, now);
  }

  /** Sqns repaired within the last {@link NAK_ELIMINATION_MS} (what the elimination remembers). */
  get remembered(): number {
    return this.#repairedAt.size;
  }

  /**
   * Decides the answer to a NAK asking for `sqns` (its own sqn, then its
   * OPT_NAK_LIST), with the repair bucket filled at `perMs` octets a ms up to
   * `burst`. A sqn outside the window is skipped, one named twice counts once.
   */
  answer(sqns: readonly number[], sizes: RepairSizes, now: number, perMs: number, burst: number): RepairAnswer {
    const result: RepairAnswer = { repair: [], confirm: [], eliminated: 0, rateLimited: 0 };
    this.#bucket.refill(now, perMs, burst);
    this.#forget(now);
    const wanted = [...new Set(sqns)].filter((sqn) => sizes.rdata(sqn) !== undefined);
    if (wanted.length === 0) return result;
    // RFC 3208 §5.2: the NCF goes first; reserve it for every sqn, give back what it does not name.
    const reserved = sizes.ncf(wanted.length);
    if (!this.#bucket.take(reserved)) {
      result.rateLimited = wanted.length;
      return result;
    }
    for (const sqn of wanted) {
      const last = this.#repairedAt.get(sqn);
      if (last !== undefined && now - last < NAK_ELIMINATION_MS) {
        result.eliminated++;
        result.confirm.push(sqn);
      } else if (this.#bucket.take(sizes.rdata(sqn)!)) {
        this.#repairedAt.delete(sqn);
        this.#repairedAt.set(sqn, now);
        result.repair.push(sqn);
        result.confirm.push(sqn);
      } else {
        result.rateLimited++;
      }
    }
    this.#bucket.give(reserved - sizes.ncf(result.confirm.length));
    return result;
  }

  /** Drops what was repaired long enough ago to be repaired again (oldest first, so this stops early). */
  #forget(now: number): void {
    for (const [sqn, at] of this.#repairedAt) {
      if (now - at < NAK_ELIMINATION_MS) break;
      this.#repairedAt.delete(sqn);
    }
  }
}
