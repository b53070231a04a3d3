/**
 * The size of what a peer sends before its handshake completes. It has not
 * authenticated yet and may send only handshake commands (READY, HELLO,
 * INITIATE...), the largest of which is a CURVE INITIATE with 1 MiB of
 * metadata; yet one frame could grow up to the message cap (256 MiB by
 * default) until `handshakeInterval` (30 s) fired, four connections holding
 * 1 GiB. Now one frame, or over ws:// one WebSocket message, is held to
 * `MAX_HANDSHAKE_FRAME_SIZE` (1.5 MiB) until the handshake completes, then
 * to the message limits again; and the HTTP upgrade request of ws:// to
 * `MAX_HEAD_SIZE` (8 KiB).
 */
import { describe, expect, it } from "vitest";
import { Dealer, Pull, Router, curveKeyPair, type Event, type EventType, type SocketOptions } from "../../src/index.js";
import { MAX_HEAD_SIZE } from "../../src/transport/ws/websocket-handshake.js";
import { MAX_HANDSHAKE_FRAME_SIZE } from "../../src/zmtp/message-limits.js";
import type { Metadata } from "../../src/zmtp/metadata.js";
import { nextEvent, recordEvents, socketScope, until, within } from "../helpers.js";
import { describeFootprint, footprint, mb, settledHeap } from "./measure.js";
import { COMMAND, HOSTILE_TRANSPORTS, HostilePeer, bindHostile, block, siege, type HostileTransport } from "./peers.js";

const open = socketScope();

/** Octets of all Buffers alive after full collections (`external` counts them too: this one is not doubled). */
async function settledBuffers(): Promise<number> {
  await settledHeap();
  return process.memoryUsage().arrayBuffers;
}
/** What a command announces: far below the default maxIncompleteMessageSize (256 MiB), far above a handshake's. */
const ANNOUNCED = 200 * 1000 * 1000;
/** What the attacker sends of it (or less, once skein drops it). */
const FED = 16 * 1024 * 1024;
/** External memory a refused attacker may leave grown while it is still connected. */
const WHILE_CONNECTED_BOUND = 4 * 1024 * 1024;
/** A message above the handshake limit, for after the handshake. */
const AFTER_HANDSHAKE = 2 * 1024 * 1024;

/**
 * The header of a command frame of `size` octets and the start of its body (`\x05READY`): a ZMTP long
 * command frame, or on ws the masked WebSocket frame of a ZWS command message (its flags octet counted).
 */
function announceCommand(peer: HostilePeer, size: number): Buffer {
  const name = Buffer.from("\x05READY", "latin1");
  if (peer.transport === "ws") {
    // RFC 6455 §5.2: FIN + binary, MASK + 127, 64-bit length, masking key zero (octets go as they are).
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(size + 1), 2);
    return Buffer.concat([header, Buffer.from([0x02]), name]);
  }
  const header = Buffer.alloc(9);
  header[0] = COMMAND | 0x02;
  header.writeBigUInt64BE(BigInt(size), 1);
  return Buffer.concat([header, name]);
}

/** The event and error code of a drop during the handshake: EMSGSIZE from the ZMTP decoder, a WebSocket protocol error on ws. */
function handshakeDrop(transport: HostileTransport): { event: EventType; code: string } {
  return transport === "ws"
    ? { event: "handshake:error:protocol", code: "ERR_WS_PROTOCOL" }
    : { event: "handshake:error:other", code: "EMSGSIZE" };
}

/** `count` octets of metadata: one `X-Big` property (RFC 37 §"The Metadata") after Socket-Type. */
function bigReady(peer: HostilePeer, socketType: string, count: number): Buffer {
  const socket = Buffer.concat([Buffer.from([11]), Buffer.from("Socket-Type"), Buffer.alloc(4), Buffer.from(socketType)]);
  socket.writeUInt32BE(socketType.length, 12);
  const value = count - socket.length - (1 + 5 + 4);
  const big = Buffer.concat([Buffer.from([5]), Buffer.from("X-Big"), Buffer.alloc(4), Buffer.alloc(value, 0x62)]);
  big.writeUInt32BE(value, 6);
  return peer.command("READY", Buffer.concat([socket, big]));
}

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, sent an oversized command before the handshake completes", (transport) => {
  it("drops a peer announcing a 200 MB command at its header, naming the handshake limit; a good peer is served", async () => {
    const pull = open(new Pull());
    await siege(`200 MB command announced before the handshake over ${transport}`, pull, transport, async (address, before, attackOver) => {
      const { event, code } = handshakeDrop(transport);
      const dropped = nextEvent(pull, event, 20_000);
      const attacker = await HostilePeer.connect(address, transport);
      await attacker.write(Buffer.concat([attacker.opening(), announceCommand(attacker, ANNOUNCED)]));
      const sent = await attacker.flood(block(Buffer.from("b"), 64 * 1024), FED);
      attackOver();
      // Measured before the drop is awaited: without the bound the attacker is still connected, its octets held.
      const during = await footprint();
      console.log(`200 MB command announced before the handshake over ${transport}, ${mb(sent)} fed: ${describeFootprint(before, during)}`);
      expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);
      const { error } = await dropped;
      expect(error?.code).toBe(code);
      expect(error?.detail ?? error?.message).toContain(`${MAX_HANDSHAKE_FRAME_SIZE} octets the handshake limit`);
      await within(attacker.closed, 10_000, "the attacker to be closed");
    });
  });

  it("holds no more than the handshake limit for each of four peers feeding a command just under it", async () => {
    const pull = open(new Pull());
    const address = await bindHostile(pull, transport);
    // Every octet of the command but the last: it stays incomplete, the handshake open. One buffer for
    // the four attackers, allocated before the baseline, so that only what skein holds is measured.
    const body = Buffer.alloc(MAX_HANDSHAKE_FRAME_SIZE - 7, 0x62);
    const attackers = await Promise.all([1, 2, 3, 4].map(() => HostilePeer.connect(address, transport)));
    const before = await settledBuffers();
    for (const attacker of attackers) {
      await attacker.write(Buffer.concat([attacker.opening(), announceCommand(attacker, MAX_HANDSHAKE_FRAME_SIZE)]));
      await attacker.write(body);
    }
    await until(() => process.memoryUsage().arrayBuffers - before >= 0.9 * 4 * body.length, "skein to receive the four commands", 10_000);
    const during = await settledBuffers();
    console.log(`4 commands of ${mb(MAX_HANDSHAKE_FRAME_SIZE)} less one octet over ${transport}, connected: Buffers ${mb(before)} -> ${mb(during)}`);
    expect(during - before).toBeLessThan(4 * MAX_HANDSHAKE_FRAME_SIZE + WHILE_CONNECTED_BOUND);
    const closed = Promise.all(attackers.map((attacker) => attacker.closed));
    for (const attacker of attackers) attacker.destroy();
    await within(closed);
  });

  it("refuses a command above a smaller maxMessageSize, naming that option", async () => {
    const pull = open(new Pull({ maxMessageSize: 64 * 1024 }));
    const address = await bindHostile(pull, transport);
    const { event, code } = handshakeDrop(transport);
    const dropped = nextEvent(pull, event);
    const attacker = await HostilePeer.connect(address, transport);
    await attacker.write(Buffer.concat([attacker.opening(), announceCommand(attacker, 100 * 1024)]));
    const { error } = await dropped;
    expect(error?.code).toBe(code);
    expect(error?.detail ?? error?.message).toContain("65536 octets maxMessageSize");
    await within(attacker.closed);
  });

  it.each<[string, SocketOptions<Pull>]>([
    ["by default", {}],
    ["with every limit lifted", { maxMessageSize: -1, maxIncompleteMessageSize: -1 }],
    ["with maxMessageSize 4 MiB", { maxMessageSize: 4 * 1024 * 1024 }],
  ])(
    "completes a handshake whose READY carries 1 MiB of metadata, then takes a 2 MiB message from the same write %s",
    async (_name, options) => {
      const pull = open(new Pull(options));
      const address = await bindHostile(pull, transport);
      const failures: Event[] = [];
      for (const type of ["handshake:error:protocol", "handshake:error:other", "disconnect"] as const) {
        pull.events.on(type, (event) => failures.push(event));
      }
      const peer = await HostilePeer.connect(address, transport);
      const message = Buffer.alloc(AFTER_HANDSHAKE, 0x6d);
      // One write: READY and the message after it reach skein in the same reads.
      await peer.write(Buffer.concat([peer.opening(), bigReady(peer, "PUSH", 1024 * 1024), peer.frame(0, message)]));
      const received = await within(pull.receive(), 10_000, "the 2 MiB message");
      expect(failures.map((event) => event.error?.detail ?? event.error?.message)).toEqual([]);
      expect(received).toHaveLength(1);
      expect(received[0]!.equals(message)).toBe(true);
      peer.destroy();
    },
  );
});

/**
 * The opening of a peer older than ZMTP 3.0 whose identity frame (its whole handshake) announces `size`
 * octets: ZMTP/2.0 (RFC 15: signature, revision 1, socket type PUSH, then a long frame: flags, 8-octet
 * length), or unversioned ZMTP/1.0 (RFC 13: the identity frame is the first thing sent: %xFF, 8-octet
 * length counting the flags octet, flags).
 */
function legacyIdentity(version: "ZMTP/1.0" | "ZMTP/2.0", size: number): Buffer {
  if (version === "ZMTP/2.0") {
    const header = Buffer.alloc(9);
    header[0] = 0x02;
    header.writeBigUInt64BE(BigInt(size), 1);
    return Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 8]), header]);
  }
  const header = Buffer.alloc(10);
  header[0] = 0xff;
  header.writeBigUInt64BE(BigInt(size + 1), 1);
  return header;
}

describe.each(["tcp", "ipc"] as const)("A PULL over %s, sent an oversized identity frame by a pre-ZMTP 3.0 peer", (transport) => {
  it.each(["ZMTP/1.0", "ZMTP/2.0"] as const)("drops a %s peer whose identity frame announces 200 MB at its header", async (version) => {
    const pull = open(new Pull());
    await siege(`200 MB ${version} identity over ${transport}`, pull, transport, async (address, before, attackOver) => {
      const dropped = nextEvent(pull, "handshake:error:other", 20_000);
      const attacker = await HostilePeer.connect(address, transport);
      await attacker.write(legacyIdentity(version, ANNOUNCED));
      const sent = await attacker.flood(block(Buffer.from("i"), 64 * 1024), FED);
      attackOver();
      const during = await footprint();
      console.log(`200 MB ${version} identity over ${transport}, ${mb(sent)} fed: ${describeFootprint(before, during)}`);
      expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);
      const { error } = await dropped;
      expect(error?.code).toBe("EMSGSIZE");
      expect(error?.detail ?? error?.message).toContain(`${MAX_HANDSHAKE_FRAME_SIZE} octets the handshake limit`);
      await within(attacker.closed, 10_000, "the attacker to be closed");
    });
  });
});

/** A DEALER that announces `metadataBytes` octets of metadata in its handshake (CURVE: in its INITIATE). */
class DealerWithMetadata extends Dealer {
  metadataBytes = 0;

  override localMetadata(): Metadata {
    const metadata = super.localMetadata();
    let used = 0;
    for (const [name, value] of metadata) used += 1 + name.length + 4 + value.length;
    metadata.set("X-Big", Buffer.alloc(this.metadataBytes - used - (1 + 5 + 4), 0x62));
    return metadata;
  }
}

describe.each(HOSTILE_TRANSPORTS)("A CURVE ROUTER over %s", (transport) => {
  it("completes the handshake of a client whose INITIATE carries the largest metadata CURVE allows (1 MiB)", async () => {
    const serverKeys = curveKeyPair();
    const clientKeys = curveKeyPair();
    const server = open(new Router({ curveServer: true, curveSecretKey: serverKeys.secretKey, linger: 0 }));
    const address = await bindHostile(server, transport);
    const failures = recordEvents(server, "handshake:error:protocol", "handshake:error:other");
    const client = open(
      new DealerWithMetadata({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey, linger: 0 }),
    );
    client.metadataBytes = 1024 * 1024;
    client.connect(address);
    await client.send("hello");
    const [, payload] = await within(server.receive(), 20_000, "the client's message");
    expect(failures.map((event) => event.error?.detail ?? event.error?.message)).toEqual([]);
    expect(payload!.toString()).toBe("hello");
  });
});

describe("A PULL over ws, sent an HTTP upgrade request whose head never ends", () => {
  it(`drops the peer once the head passes ${MAX_HEAD_SIZE} octets; a good peer is served`, async () => {
    const pull = open(new Pull());
    await siege("endless HTTP upgrade head over ws", pull, "ws", async (address, before, attackOver) => {
      const dropped = nextEvent(pull, "handshake:error:protocol", 20_000);
      const attacker = await HostilePeer.connect(address, "ws");
      await attacker.write(Buffer.from("GET /hostile HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ", "latin1"));
      const sent = await attacker.flood(block(Buffer.from("h"), 1024), FED);
      attackOver();
      const during = await footprint();
      console.log(`endless HTTP upgrade head over ws, ${mb(sent)} fed: ${describeFootprint(before, during)}`);
      expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);
      const { error } = await dropped;
      expect(error?.code).toBe("ERR_WS_HANDSHAKE");
      expect(error?.detail ?? error?.message).toMatch(/head too large/);
      await within(attacker.closed, 10_000, "the attacker to be closed");
    });
  });
});
