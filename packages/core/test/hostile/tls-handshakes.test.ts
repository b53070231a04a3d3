/**
 * TLS handshakes that never finish, as an attack on a wss:// endpoint: 600
 * connections that send nothing, a TLS record header promising a ClientHello
 * that never comes, or complete TLS and then never send the WebSocket
 * upgrade. One `handshakeInterval` deadline covers TLS, the upgrade and ZMTP,
 * so each is dropped with a `handshake:error:protocol` event; their fds and
 * TLS state are released, and a good wss:// peer is served meanwhile.
 *
 * And the other way: a server whose certificate the client does not trust,
 * met again and again by a client that keeps reconnecting.
 */
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { Pull, Push, TlsError } from "../../src/index.js";
import { eventCount, socketScope, strings, until, within } from "../helpers.js";
import { selfSigned } from "../transport/tls-certificates.js";
import { openFds } from "./measure.js";
import { HostilePeer, siege } from "./peers.js";

const open = socketScope();
const CONNECTIONS = 600;
const CONCURRENCY = 50;
const HANDSHAKE_INTERVAL = 2000;
/** A TLS handshake record header (RFC 8446 §5.1) announcing 512 octets that never follow. */
const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);

/** A stalled peer: its raw connection, or a TLS session it opened and then left idle. */
interface Stalled {
  closed: Promise<void>;
}

async function stalledTls(address: string, ca: string): Promise<Stalled> {
  const [, host, port] = /^wss:\/\/([^/:]+):(\d+)/.exec(address)!;
  const client = tls.connect({ host: host!, port: Number(port), ca });
  client.on("error", () => {});
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  await within(new Promise((resolve) => client.once("secureConnect", resolve)), 10_000, "a TLS session to open");
  return { closed };
}

describe("A PULL over wss with handshakeInterval set", () => {
  it(`drops ${CONNECTIONS} connections that stall in or right after the TLS handshake, releases their fds, and serves a good peer meanwhile`, async () => {
    const certificate = selfSigned();
    const pull = open(new Pull({ handshakeInterval: HANDSHAKE_INTERVAL, wssCertPem: certificate.certPem, wssKeyPem: certificate.keyPem }));
    await siege(`${CONNECTIONS} stalled TLS handshakes over wss`, pull, "wss", async (address, before) => {
      const dropped = eventCount(pull, "handshake:error:protocol", CONNECTIONS, 60_000);
      const peers: Stalled[] = [];
      let peak = 0;
      for (let i = 0; i < CONNECTIONS; i += CONCURRENCY) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(CONCURRENCY, CONNECTIONS - i) }, async (_, j): Promise<Stalled> => {
            const kind = (i + j) % 3;
            if (kind === 2) return stalledTls(address, certificate.certPem);
            const peer = await HostilePeer.connect(address, "wss");
            if (kind === 1) peer.stream.write(PARTIAL_CLIENT_HELLO);
            return peer;
          }),
        );
        peers.push(...batch);
        peak = Math.max(peak, openFds() - before.fds);
      }
      const events = await dropped;
      expect(events.every((event) => /not completed within/.test(event.error?.detail ?? ""))).toBe(true);
      await Promise.all(peers.map((peer) => peer.closed));
      console.log(`${CONNECTIONS} stalled TLS handshakes over wss: at most ${peak} more fds open at once, all dropped`);
    });
  }, 120_000);
});

describe("A PUSH connecting over wss to a server it does not trust", () => {
  it("fails each of 100 attempts with a TlsError, releases each connection, and still serves a trusted endpoint", async () => {
    const untrusted = selfSigned();
    const trusted = selfSigned();
    const impostor = open(new Pull({ wssCertPem: untrusted.certPem, wssKeyPem: untrusted.keyPem }));
    await impostor.bind("wss://127.0.0.1:0/impostor");
    const good = open(new Pull({ wssCertPem: trusted.certPem, wssKeyPem: trusted.keyPem }));
    await good.bind("wss://127.0.0.1:0/good");
    const push = open(new Push({ wssTrustPem: trusted.certPem, reconnectInterval: 5 }));
    push.connect(good.lastEndpoint!);
    await push.send("before");
    expect(strings(await within(good.receive()))).toEqual(["before"]);
    const before = openFds();
    const failures = eventCount(push, "handshake:error:protocol", 100, 60_000);
    push.connect(impostor.lastEndpoint!);
    const events = await failures;
    expect(events.every((event) => event.error instanceof TlsError && event.error.code === "ERR_TLS_CERT_UNTRUSTED")).toBe(true);
    push.disconnect(impostor.lastEndpoint!);
    await until(() => openFds() <= before, "the failed connections' fds to be released", 10_000);
    console.log(`100 failed TLS verifications: fds ${before} before, ${openFds()} after`);
    await push.send("after");
    expect(strings(await within(good.receive()))).toEqual(["after"]);
  }, 90_000);
});
