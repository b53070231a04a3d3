/**
 * Heartbeats as an attack: a peer that floods PINGs (ZMTP PING commands, or
 * WebSocket pings on ws://) and never reads the PONGs. skein owes it one
 * PONG at a time (libzmq's single `_pong_msg`; RFC 6455 §5.5.3), so its
 * memory stays flat while the peer is connected, and returns once it is gone.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { Opcode } from "../../src/transport/ws/websocket-frame.js";
import { nextEvent, socketScope, until } from "../helpers.js";
import { describeFootprint, footprint, mb, openFds } from "./measure.js";
import { COMMAND, HOSTILE_TRANSPORTS, HostilePeer, MORE, bindHostile, block, handshaken, siege, type HostileTransport } from "./peers.js";

const open = socketScope();
/**
 * Octets of PINGs each attack sends. 24 MB keeps the suite short (a ZMTP PING
 * is 25 octets: a million of them); `HOSTILE_PING_MB=200` is the run behind the
 * figures in docs/reliability.md.
 */
const PING_BYTES = Number(process.env.HOSTILE_PING_MB ?? 24) * 1024 * 1024;
/** What skein may hold more than before, heap or external, while the flooding peer is still connected. */
const WHILE_CONNECTED_BOUND = 16 * 1024 * 1024;

type Attack = { name: string; transports: readonly HostileTransport[]; ping: (peer: HostilePeer) => Buffer };

const ATTACKS: Attack[] = [
  {
    name: "ZMTP PING commands",
    transports: HOSTILE_TRANSPORTS,
    // TTL 0, and the longest context RFC 37 allows (16 octets): the most PONG per PING.
    ping: (peer) => peer.command("PING", Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(16, 0x70)])),
  },
  {
    name: "WebSocket pings",
    transports: ["ws"],
    // RFC 6455 §5.5: a control payload holds up to 125 octets, all echoed in the pong.
    ping: (peer) => peer.control(Opcode.Ping, Buffer.alloc(125, 0x70)),
  },
];

describe.each(ATTACKS.flatMap((attack) => attack.transports.map((transport) => [attack.name, transport, attack] as const)))(
  "%s over %s from a peer that never reads",
  (name, transport, attack) => {
    it("keep skein's memory flat while it floods, release everything once it leaves, and the good peer loses nothing", async () => {
      const pull = open(new Pull());
      await siege(`${name} over ${transport}`, pull, transport, async (address, before, attackOver) => {
        const attacker = await handshaken(pull, address, transport, { read: false });
        const started = performance.now();
        const sent = await attacker.flood(block(attack.ping(attacker)), PING_BYTES);
        const seconds = (performance.now() - started) / 1000;
        attackOver();
        // Never dropped: PINGs are allowed, only their PONGs must not pile up.
        expect(sent).toBeGreaterThanOrEqual(PING_BYTES);
        const during = await footprint();
        console.log(`${name} over ${transport}: ${mb(sent)} of PINGs in ${seconds.toFixed(1)} s; while connected: ${describeFootprint(before, during)}`);
        expect(during.heap - before.heap).toBeLessThan(WHILE_CONNECTED_BOUND);
        expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);
        const gone = nextEvent(pull, "disconnect");
        attacker.destroy();
        await gone;
      });
    }, 600_000);
  },
);

describe.each(HOSTILE_TRANSPORTS)("A peer over %s that never reads, dropped for a protocol error", (transport) => {
  it("has its connection closed at once, not after the output it will never read", async () => {
    // A PUSH fills its connection to the peer: the kernel's buffers, then Node's.
    const push = open(new Push({ sendHighWaterMark: 4 }));
    const address = await bindHostile(push, transport);
    const before = openFds();
    const attacker = await handshaken(push, address, transport, { read: false, socketType: "PULL" });
    const payload = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 4096 && push.writable; i++) await push.send(payload);
    expect(push.writable).toBe(false);
    const dropped = nextEvent(push, "disconnect");
    // A command frame with MORE set: a protocol error.
    await attacker.write(attacker.frame(MORE | COMMAND, Buffer.from("\x04PING\0\0")));
    await dropped;
    // skein's end of the connection is gone while the attacker still holds its own.
    await until(() => openFds() <= before + 1, "skein to release its end of the connection", 10_000);
    expect(attacker.stream.destroyed).toBe(false);
    attacker.destroy();
    await attacker.closed;
  });
});
