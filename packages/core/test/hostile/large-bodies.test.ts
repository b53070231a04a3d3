/**
 * Large bodies as an attack on the direct read path (src/zmtp/direct-read.ts,
 * src/zmtp/frame-body.ts): over tcp and ipc a large body is read straight into
 * a buffer of its own, which is allocated before its octets come. What a
 * peer can make skein hold stays bounded by what it sent (at most the larger
 * of 1 MiB and twice the octets received), limits still apply per message,
 * and a peer that leaves mid-body is dropped alone with nothing left behind.
 */
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/index.js";
import { nextEvent, socketScope, until, within } from "../helpers.js";
import { describeFootprint, footprint, openFds } from "./measure.js";
import { MORE, bindHostile, block, handshaken, siege, type HostileTransport } from "./peers.js";

const open = socketScope();
const MiB = 1024 * 1024;
const DIRECT_TRANSPORTS: readonly HostileTransport[] = ["tcp", "ipc"];

/** A long frame header announcing `size` octets (RFC 23 §"Framing"). */
function header(flags: number, size: number): Buffer {
  const bytes = Buffer.alloc(9);
  bytes[0] = flags | 0x02;
  bytes.writeBigUInt64BE(BigInt(size), 1);
  return bytes;
}

/**
 * What a body may hold after `received` octets: its buffer (the larger of
 * 1 MiB and twice what came), plus the buffer it last outgrew (at most what
 * came), which the collector may not have returned yet. External memory
 * counts a Buffer twice (`external` includes `arrayBuffers`).
 */
function heldBound(received: number): number {
  return 2 * (Math.max(MiB, 2 * received) + received) + 2 * MiB;
}

describe.each(DIRECT_TRANSPORTS)("A PULL over %s, sent large bodies by a hostile peer", (transport) => {
  it("holds at most twice what arrived of a body announced at 100 MiB, as it arrives", async () => {
    const pull = open(new Pull());
    await siege(`100 MiB announced, sent in steps over ${transport}`, pull, transport, async (address, before, attackOver) => {
      const attacker = await handshaken(pull, address, transport);
      await attacker.write(header(0, 100 * MiB));
      const filler = block(Buffer.from("large body "), 256 * 1024);
      let sent = 0;
      for (const step of [64 * 1024, 3 * MiB, 9 * MiB]) {
        while (sent < step) {
          await attacker.write(filler.subarray(0, Math.min(filler.length, step - sent)));
          sent += Math.min(filler.length, step - sent);
        }
        // skein has read at most what was sent: the bound is on octets sent.
        await until(() => attacker.stream.writableLength === 0, "the attacker's octets to leave");
        const during = await footprint();
        console.log(`100 MiB announced over ${transport}, ${sent} octets sent: ${describeFootprint(before, during)}`);
        expect(during.external - before.external).toBeLessThan(heldBound(sent));
      }
      attackOver();
      const gone = nextEvent(pull, "disconnect");
      attacker.destroy();
      await gone;
    });
  });

  it("drops a peer that leaves mid-body alone: another peer's large message still arrives whole, and the body is freed", async () => {
    const pull = open(new Pull());
    const address = await bindHostile(pull, transport);
    const honest = await handshaken(pull, address, transport);
    const body = block(Buffer.from("honest body "), 2 * MiB + 5);
    const before = await footprint();
    const leaver = await handshaken(pull, address, transport);
    // The honest peer starts its message, then the leaver sends 3 MiB of an 8 MiB one and goes.
    await honest.write(Buffer.concat([header(0, body.length), body.subarray(0, 700_000)]));
    await leaver.write(Buffer.concat([header(0, 8 * MiB), block(Buffer.from("x"), 3 * MiB)]));
    await until(() => leaver.stream.writableLength === 0, "the leaver's octets to leave");
    const dropped = nextEvent(pull, "disconnect");
    leaver.destroy();
    // A peer closing with skein's output unread resets the connection over tcp.
    expect([undefined, "ECONNRESET"]).toContain((await dropped).error?.code);
    await honest.write(body.subarray(700_000));
    const [message] = await within(pull.receive(), 15_000, "the honest peer's message");
    expect(message!.equals(body)).toBe(true);
    await until(() => openFds() <= before.fds, "the leaver's fd to be released", 10_000);
    const after = await footprint();
    console.log(`peer leaving mid-body over ${transport}: ${describeFootprint(before, after)}`);
    // What is left is the honest message just received, no more.
    expect(after.external - before.external).toBeLessThan(2 * body.length + 2 * MiB);
    honest.destroy();
  });

  it("drops a peer whose parts pass maxMessageSize, the first read straight into its buffer", async () => {
    const pull = open(new Pull({ maxMessageSize: 2 * MiB }));
    await siege(`parts above maxMessageSize over ${transport}`, pull, transport, async (address) => {
      const attacker = await handshaken(pull, address, transport);
      const dropped = nextEvent(pull, "disconnect");
      const part = block(Buffer.from("part "), 1536 * 1024);
      await attacker.write(Buffer.concat([header(MORE, part.length), part, header(0, MiB)]));
      expect((await dropped).error?.code).toBe("EMSGSIZE");
      await within(attacker.closed);
    });
  });
});
