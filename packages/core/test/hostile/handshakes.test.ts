/**
 * Handshakes that never finish, as an attack: 2,000 connections to one bound
 * socket that send nothing, half of what opens a connection (half a greeting,
 * half an HTTP upgrade request), or the opening alone and never READY.
 * `handshakeInterval` (zeromq's option, default 30 s) drops each of them on
 * every transport, the HTTP upgrade phase of ws:// included, and their fds
 * are released; a good peer on the same socket is served meanwhile.
 */
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/index.js";
import { eventCount, socketScope, tick } from "../helpers.js";
import { openFds } from "./measure.js";
import { HOSTILE_TRANSPORTS, HostilePeer, siege } from "./peers.js";

const open = socketScope();
const CONNECTIONS = 2000;
/** Connections opened at a time (the listen backlog is 100 by default). */
const CONCURRENCY = 50;
/** Long enough for most of the 2,000 to be open at once, short enough for a test. */
const HANDSHAKE_INTERVAL = 2000;

/** What each stalled peer sends: nothing, half its opening, or its opening and no READY. */
const STALLS: ((peer: HostilePeer) => Buffer)[] = [
  () => Buffer.alloc(0),
  (peer) => peer.opening().subarray(0, Math.floor(peer.opening().length / 2)),
  (peer) => peer.opening(),
];

/** Connects, trying again while a full Unix socket backlog answers EAGAIN (as an attacker would). */
async function connect(address: string, transport: (typeof HOSTILE_TRANSPORTS)[number]): Promise<HostilePeer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await HostilePeer.connect(address, transport);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || attempt > 100) throw error;
      await tick(10);
    }
  }
}

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s with handshakeInterval set", (transport) => {
  it(`drops ${CONNECTIONS} connections that never finish their handshake, releases their fds, and serves a good peer meanwhile`, async () => {
    const pull = open(new Pull({ handshakeInterval: HANDSHAKE_INTERVAL }));
    await siege(`${CONNECTIONS} stalled handshakes over ${transport}`, pull, transport, async (address, before) => {
      const dropped = eventCount(pull, "handshake:error:protocol", CONNECTIONS, 60_000);
      const peers: HostilePeer[] = [];
      let peak = 0;
      for (let i = 0; i < CONNECTIONS; i += CONCURRENCY) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(CONCURRENCY, CONNECTIONS - i) }, () => connect(address, transport)),
        );
        batch.forEach((peer, j) => {
          const bytes = STALLS[(i + j) % STALLS.length]!(peer);
          if (bytes.length > 0) peer.stream.write(bytes);
        });
        peers.push(...batch);
        peak = Math.max(peak, openFds() - before.fds);
      }
      const events = await dropped;
      expect(events.every((event) => /not completed within/.test(event.error?.detail ?? ""))).toBe(true);
      // skein closed every one of them: each attacker saw its connection end.
      await Promise.all(peers.map((peer) => peer.closed));
      console.log(`${CONNECTIONS} stalled handshakes over ${transport}: at most ${peak} more fds open at once, all dropped`);
    });
  }, 120_000);
});
