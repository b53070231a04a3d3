/**
 * How many unknown senders a udp:// socket lets in (skein's own bound). UDP
 * has no handshake: anyone can send a datagram, from any address, and each
 * one costs a slot of the receive queue. The gate remembers the most recent
 * {@link KNOWN_SENDERS} sender addresses; a datagram from any other address
 * is admitted while a token bucket of `ratePerSecond` (the socket's
 * `maxNewSendersPerSecond`) allows, so a flood from many (spoofed) sources
 * cannot crowd out the senders already talking to the socket.
 */

/** Sender addresses remembered as known, the least recently heard forgotten first. */
export const KNOWN_SENDERS = 4096;

export class SenderGate {
  readonly #known = new Map<string, true>();
  readonly #rate: number;
  #tokens: number;
  #refilled = performance.now();

  /** `ratePerSecond` -1: every sender is admitted. */
  constructor(ratePerSecond: number) {
    this.#rate = ratePerSecond;
    this.#tokens = ratePerSecond;
  }

  /** Whether a datagram from `sender` (`ip:port`) may be queued. */
  admit(sender: string): boolean {
    if (this.#rate < 0) return true;
    const known = this.#known;
    if (known.has(sender)) {
      // Refresh: the Map's order is the eviction order.
      known.delete(sender);
      known.set(sender, true);
      return true;
    }
    const now = performance.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#refilled) * this.#rate) / 1000);
    this.#refilled = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    known.set(sender, true);
    if (known.size > KNOWN_SENDERS) known.delete(known.keys().next().value!);
    return true;
  }
}
