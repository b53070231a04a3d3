/**
 * Heartbeats as an attack: a peer that floods PINGs (ZMTP PING commands, or
 * WebSocket pings on ws://) and never reads the PONGs. skein owes it one
 * PONG at a time (libzmq's single `_pong_msg`; RFC 6455 §5.5.3), so its
 * memory stays flat while the peer is connected, and returns once it is gone.
 */
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/index.js";
import { Opcode } from "../../src/transport/websocket-frame.js";
import { nextEvent, socketScope, until, within } from "../helpers.js";
import { describeFootprint, footprint, mb, openFds } from "./measure.js";
import { HOSTILE_TRANSPORTS, HostilePeer, bindHostile, block, goodPeer, inOrder, latencySummary } from "./peers.js";

const open = socketScope();
/**
 * Octets of PINGs each attack sends. 24 MB keeps the suite short (a ZMTP PING
 * is 25 octets: a million of them); `HOSTILE_PING_MB=200` is the run behind the
 * figures in docs/reliability.md.
 */
const PING_BYTES = Number(process.env.HOSTILE_PING_MB ?? 24) * 1024 * 1024;
/** What skein may hold more than before, heap or external, while the flooding peer is still connected. */
const WHILE_CONNECTED_BOUND = 24 * 1024 * 1024;
/** What skein may hold more than before once the peer is gone. */
const AFTER_BOUND = 8 * 1024 * 1024;

type Attack = { name: string; transports: readonly ("tcp" | "ipc" | "ws")[]; ping: (peer: HostilePeer) => Buffer };

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
  (_name, transport, attack) => {
    it("keep skein's memory flat while it floods, release everything once it leaves, and the good peer loses nothing", async () => {
      const pull = open(new Pull());
      const address = await bindHostile(pull, transport);
      const good = goodPeer(pull, address);
      await good.ready;
      const before = await footprint();

      const attacker = await HostilePeer.connect(address, transport, { read: false });
      const handshaken = nextEvent(pull, "handshake");
      await attacker.write(attacker.handshake());
      await handshaken;
      const started = performance.now();
      const sent = await attacker.flood(block(attack.ping(attacker)), PING_BYTES);
      const seconds = (performance.now() - started) / 1000;
      // The peer was never dropped: PINGs are allowed, only their PONGs must not pile up.
      expect(sent).toBeGreaterThanOrEqual(PING_BYTES);
      const during = await footprint();
      console.log(`${attack.name} over ${transport}: ${mb(sent)} of PINGs in ${seconds.toFixed(1)} s; while connected: ${describeFootprint(before, during)}`);
      expect(during.heap - before.heap).toBeLessThan(WHILE_CONNECTED_BOUND);
      expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);

      const gone = nextEvent(pull, "disconnect");
      attacker.destroy();
      await attacker.closed;
      await gone;
      const report = await good.stop();
      console.log(latencySummary(report.latencies));
      expect(report.received).toEqual(inOrder(report.received.length));
      await until(() => openFds() <= before.fds, "the attacker's fds to be released");
      const after = await footprint();
      console.log(`after: ${describeFootprint(before, after)}`);
      expect(after.heap - before.heap).toBeLessThan(AFTER_BOUND);
      expect(after.external - before.external).toBeLessThan(AFTER_BOUND);
      // The socket still takes new peers.
      const late = goodPeer(pull, address, 1);
      await within(late.ready);
      expect((await late.stop()).received.length).toBeGreaterThanOrEqual(1);
    }, 600_000);
  },
);
