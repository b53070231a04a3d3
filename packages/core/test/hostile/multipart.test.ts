/**
 * Multipart messages as an attack: a peer that sends parts with MORE set and
 * never the last one. No high-water mark sees a message that is not finished,
 * so skein bounds it by parts (`maxMessageParts`) and by octets
 * (`maxMessageSize` over all parts, or `maxIncompleteMessageSize` when that is
 * -1). The peer is dropped with EMSGSIZE, its partial message discarded, and
 * the good peer on the same socket loses nothing.
 */
import { describe, expect, it } from "vitest";
import { Pull, type Event } from "../../src/index.js";
import { nextEvent, socketScope, strings, within } from "../helpers.js";
import { describeFootprint, footprint, mb } from "./measure.js";
import { HOSTILE_TRANSPORTS, HostilePeer, MORE, bindHostile, block, fragment, handshaken, siege } from "./peers.js";

const open = socketScope();
/** What the adversary sent in the issue: 36 MB of empty MORE frames became 1.9 GB of heap. */
const FLOOD_BYTES = 36 * 1024 * 1024;

/** Connects a raw PUSH, completes the handshake, then floods `part` until skein drops it. */
async function floodParts(pull: Pull, address: string, transport: (typeof HOSTILE_TRANSPORTS)[number], part: (peer: HostilePeer) => Buffer) {
  const attacker = await handshaken(pull, address, transport);
  const dropped = nextEvent(pull, "disconnect", 20_000);
  const sent = await attacker.flood(block(part(attacker)), FLOOD_BYTES);
  const event: Event = await dropped;
  await within(attacker.closed, 10_000, "the attacker's connection to close");
  return { sent, event };
}

describe.each(HOSTILE_TRANSPORTS)("A PULL over %s, attacked with a message that never ends", (transport) => {
  it("drops a peer sending empty parts with MORE past maxMessageParts (default 65536), long before 36 MB", async () => {
    const pull = open(new Pull());
    expect(pull.maxMessageParts).toBe(65_536);
    await siege(`endless empty MORE frames over ${transport}`, pull, transport, async (address) => {
      const { sent, event } = await floodParts(pull, address, transport, (peer) => peer.frame(MORE, Buffer.alloc(0)));
      console.log(`endless MORE frames over ${transport}: dropped after ${mb(sent)} sent: ${event.error?.message}`);
      expect(event.error?.code).toBe("EMSGSIZE");
      expect(event.error?.detail ?? event.error?.message).toMatch(/maxMessageParts/);
      expect(sent).toBeLessThan(FLOOD_BYTES);
    });
  });

  it("drops a peer whose parts together pass maxMessageSize, though each part is small", async () => {
    const pull = open(new Pull({ maxMessageSize: 64 * 1024 }));
    await siege(`MORE parts past maxMessageSize over ${transport}`, pull, transport, async (address) => {
      const { event } = await floodParts(pull, address, transport, (peer) => peer.frame(MORE, Buffer.alloc(1000, 0x61)));
      expect(event.error?.code).toBe("EMSGSIZE");
      expect(event.error?.detail ?? event.error?.message).toMatch(/maxMessageSize/);
    });
  });

  it("drops a peer whose unfinished message passes maxIncompleteMessageSize when maxMessageSize is left at -1", async () => {
    const pull = open(new Pull({ maxIncompleteMessageSize: 1024 * 1024 }));
    expect(pull.maxMessageSize).toBe(-1);
    await siege(`MORE parts past maxIncompleteMessageSize over ${transport}`, pull, transport, async (address) => {
      const { event } = await floodParts(pull, address, transport, (peer) => peer.frame(MORE, Buffer.alloc(60_000, 0x61)));
      expect(event.error?.code).toBe("EMSGSIZE");
      expect(event.error?.detail ?? event.error?.message).toMatch(/maxIncompleteMessageSize/);
    });
  });
});

describe.each(HOSTILE_TRANSPORTS)("Message limits over %s", (transport) => {
  /** Sends `messages` (each a list of parts) from a raw PUSH after its handshake. */
  async function rawSend(pull: Pull, messages: Buffer[][]): Promise<HostilePeer> {
    const address = await bindHostile(pull, transport);
    const peer = await HostilePeer.connect(address, transport);
    const frames = messages.flatMap((parts) => parts.map((part, i) => peer.frame(i < parts.length - 1 ? MORE : 0, part)));
    await peer.write(Buffer.concat([peer.handshake(), ...frames]));
    return peer;
  }

  it("delivers a message of exactly maxMessageParts parts and drops the peer sending one part more", async () => {
    const pull = open(new Pull({ maxMessageParts: 3 }));
    const dropped = nextEvent(pull, "disconnect");
    const peer = await rawSend(pull, [
      ["a", "b", "c"].map((s) => Buffer.from(s)),
      ["d", "e", "f", "g"].map((s) => Buffer.from(s)),
    ]);
    expect(strings(await within(pull.receive()))).toEqual(["a", "b", "c"]);
    expect((await dropped).error?.code).toBe("EMSGSIZE");
    await within(peer.closed);
  });

  it("delivers a multipart message of exactly maxMessageSize octets and drops the peer sending one octet more", async () => {
    const pull = open(new Pull({ maxMessageSize: 300 }));
    const dropped = nextEvent(pull, "disconnect");
    const peer = await rawSend(pull, [
      [Buffer.alloc(100, 1), Buffer.alloc(100, 2), Buffer.alloc(100, 3)],
      [Buffer.alloc(100, 4), Buffer.alloc(100, 5), Buffer.alloc(101, 6)],
    ]);
    const first = await within(pull.receive());
    expect(first.map((part) => part.length)).toEqual([100, 100, 100]);
    expect((await dropped).error?.code).toBe("EMSGSIZE");
    await within(peer.closed);
  });

  it("does not deliver the partial message of a dropped peer, and delivers the peer's complete messages before it", async () => {
    const pull = open(new Pull({ maxMessageParts: 2 }));
    const dropped = nextEvent(pull, "disconnect");
    const peer = await rawSend(pull, [[Buffer.from("whole")], [Buffer.from("x"), Buffer.from("y"), Buffer.from("z")]]);
    await dropped;
    await within(peer.closed);
    expect(strings(await within(pull.receive()))).toEqual(["whole"]);
    // The connection is gone: whatever it delivered was delivered before the drop.
    expect(pull.readable).toBe(false);
  });
});

describe("A PULL over ws, attacked with a WebSocket message in endless fragments", () => {
  it("holds the fragments' octets in one buffer, not an object per fragment, and frees them when the peer leaves", async () => {
    const pull = open(new Pull());
    await siege("endless one-octet WebSocket fragments over ws", pull, "ws", async (address, before, attackOver) => {
      const attacker = await handshaken(pull, address, "ws");
      // RFC 6455 §5.4: a first frame without FIN, then continuation frames, never a final one.
      const continuation = fragment(false, false, 0x61);
      await attacker.write(fragment(true, false, 0));
      const fragments = 1_000_000;
      await attacker.flood(block(continuation), continuation.length * fragments);
      attackOver();
      const during = await footprint();
      console.log(`${fragments} one-octet WebSocket fragments over ws; while connected: ${describeFootprint(before, during)}`);
      expect(during.heap - before.heap).toBeLessThan(16 * 1024 * 1024);
      const gone = nextEvent(pull, "disconnect");
      attacker.destroy();
      await gone;
    });
  });
});
