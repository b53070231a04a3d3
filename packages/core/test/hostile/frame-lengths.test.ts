/**
 * Frame headers as an attack: lengths a peer announces but never sends, or
 * that no process could hold. skein refuses what passes its limits as soon as
 * the header is read, and keeps the rest as the octets that arrived: a header
 * is never a reason to allocate.
 */
import { describe, expect, it } from "vitest";
import { Pull, type EventType } from "../../src/index.js";
import { nextEvent, socketScope, within } from "../helpers.js";
import { describeFootprint, footprint } from "./measure.js";
import { HOSTILE_TRANSPORTS, HostilePeer, handshaken, siege, type HostileTransport } from "./peers.js";

const open = socketScope();
/** Below the default maxIncompleteMessageSize (256 MiB), so skein waits for the body. */
const ANNOUNCED = 200 * 1024 * 1024;
const WHILE_CONNECTED_BOUND = 16 * 1024 * 1024;

/** A header announcing `size` octets, then `body`: a ZMTP long frame, or on ws the WebSocket frame carrying it. */
function announce(peer: HostilePeer, size: bigint, body: Buffer): Buffer {
  if (peer.transport === "ws") {
    // RFC 6455 §5.2: FIN + binary, MASK + 127, 64-bit length, masking key (zero: the body goes as is).
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(size, 2);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(9);
  header[0] = 0x02;
  header.writeBigUInt64BE(size, 1);
  return Buffer.concat([header, body]);
}

/** The error code of the drop: EMSGSIZE from the ZMTP decoder, a WebSocket protocol error on ws. */
function dropCode(transport: HostileTransport): string {
  return transport === "ws" ? "ERR_WS_PROTOCOL" : "EMSGSIZE";
}

const HUGE: [string, bigint][] = [
  ["2^63", 2n ** 63n],
  ["2^53 + 1 (above Number.MAX_SAFE_INTEGER)", 2n ** 53n + 1n],
  ["2^40", 2n ** 40n],
  ["2^32 + 1 (above the largest Buffer)", 2n ** 32n + 1n],
];

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, sent frame headers with huge lengths", (transport) => {
  it.each(HUGE)("drops a peer announcing a frame of %s octets as soon as the header is read", async (_name, size) => {
    const pull = open(new Pull());
    await siege(`frame of ${size} octets over ${transport}`, pull, transport, async (address) => {
      const attacker = await handshaken(pull, address, transport);
      const dropped = nextEvent(pull, "disconnect");
      await attacker.write(announce(attacker, size, Buffer.from("a few octets")));
      expect((await dropped).error?.code).toBe(dropCode(transport));
      await within(attacker.closed);
    });
  });

  it("drops a peer announcing a frame above the largest Buffer even with every limit lifted", async () => {
    const pull = open(new Pull({ maxIncompleteMessageSize: -1 }));
    await siege(`frame of 2^32 + 1 octets, no limits, over ${transport}`, pull, transport, async (address) => {
      const attacker = await handshaken(pull, address, transport);
      const dropped = nextEvent(pull, "disconnect");
      await attacker.write(announce(attacker, 2n ** 32n + 1n, Buffer.from("a few octets")));
      expect((await dropped).error?.code).toBe(dropCode(transport));
      await within(attacker.closed);
    });
  });

  it("holds only the octets received of a frame announced at 200 MB, and frees them when the peer leaves", async () => {
    const pull = open(new Pull());
    await siege(`200 MB announced over ${transport}`, pull, transport, async (address, before, attackOver) => {
      const attacker = await handshaken(pull, address, transport);
      await attacker.write(announce(attacker, BigInt(ANNOUNCED), Buffer.alloc(64 * 1024, 0x61)));
      attackOver();
      const during = await footprint();
      console.log(`200 MB announced over ${transport}, 64 KiB sent; while connected: ${describeFootprint(before, during)}`);
      expect(during.external - before.external).toBeLessThan(WHILE_CONNECTED_BOUND);
      const gone = nextEvent(pull, "disconnect");
      attacker.destroy();
      await gone;
    });
  });
});

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, sent huge lengths during the handshake", (transport) => {
  async function duringHandshake(bytes: (peer: HostilePeer) => Buffer, expected: EventType): Promise<string | undefined> {
    const pull = open(new Pull());
    let code: string | undefined;
    await siege(`handshake attack over ${transport}`, pull, transport, async (address) => {
      const attacker = await HostilePeer.connect(address, transport);
      const failed = nextEvent(pull, expected);
      await attacker.write(Buffer.concat([attacker.opening(), bytes(attacker)]));
      code = (await failed).error?.code;
      await within(attacker.closed);
    });
    return code;
  }

  it("drops a peer whose first command announces 2^40 octets", async () => {
    const code = await duringHandshake((peer) => announce(peer, 2n ** 40n, Buffer.alloc(0)), transport === "ws" ? "handshake:error:protocol" : "handshake:error:other");
    expect(code).toBe(dropCode(transport));
  });

  it("drops a peer whose READY declares a property value of 4 GiB - 1 octets", async () => {
    const code = await duringHandshake((peer) => {
      const property = Buffer.concat([Buffer.from([11]), Buffer.from("Socket-Type"), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from("PUSH")]);
      return peer.command("READY", property);
    }, "handshake:error:protocol");
    expect(code).toBe("ERR_ZMTP_INVALID_METADATA");
  });
});
