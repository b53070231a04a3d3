/**
 * A token bucket in octets: what an epgm:// sender may still send now. It
 * fills at a rate (octets per ms) up to a burst, and is spent as packets go.
 * One paces ODATA and RDATA to `rate` (RFC 3208 §5.1's TXW_MAX_RTE); a second
 * bounds repairs alone to `repairRate` (OpenPGM's RDATA_MAX_RTE).
 */
export class TokenBucket {
  #tokens: number;
  #refilled: number;

  /** `tokens` to start with (Infinity: full at the first refill). */
  constructor(tokens: number, now: number) {
    this.#tokens = tokens;
    this.#refilled = now;
  }

  /** Octets that may go now (negative: a debt the refill pays first). */
  get tokens(): number {
    return this.#tokens;
  }

  /** Adds what `perMs` earned since the last refill, up to `burst`; returns the tokens. */
  refill(now: number, perMs: number, burst: number): number {
    const earned = Math.max(0, now - this.#refilled) * perMs;
    this.#tokens = Math.min(burst, this.#tokens + earned);
    this.#refilled = now;
    return this.#tokens;
  }

  /** Spends `bytes` whether or not they are there (the bucket may go into debt). */
  spend(bytes: number): void {
    this.#tokens -= bytes;
  }

  /** Spends `bytes` if the bucket holds them; false (and nothing spent) if not. */
  take(bytes: number): boolean {
    if (this.#tokens < bytes) return false;
    this.#tokens -= bytes;
    return true;
  }

  /** Returns `bytes` spent on something that did not go. */
  give(bytes: number): void {
    this.#tokens += bytes;
  }
}

/** Octets per ms of a rate in kbit/s. */
export function octetsPerMs(kbitPerSecond: number): number {
  return (kbitPerSecond * 1000) / 8 / 1000;
}

/** How much a bucket holds at most: 100 ms of its rate, and never less than two packets (none at rate 0). */
export function burstOf(perMs: number, maxPacket: number): number {
  return perMs > 0 ? Math.max(perMs * 100, maxPacket * 2) : 0;
}
