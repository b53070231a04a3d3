/**
 * A ZMTP/1.0 peer (RFC 13) announces a 200 MiB frame to a socket with no
 * `maxMessageSize` (under the 256 MiB `maxIncompleteMessageSize` that then
 * applies, so it is not refused at the header), then trickles a few
 * megabytes of it. The decoder grows
 * its buffer with what arrives (doubling from 64 KiB), so the process holds
 * about what the peer sent, not what it announced; when the peer leaves,
 * the memory and its fd come back, and a good peer of the same socket lost
 * nothing.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { bindFresh, nextEvent, rawConnect, socketScope, until, within } from "../helpers.js";
import { describeFootprint, footprint, mb, settledExternal } from "./measure.js";

const open = socketScope();
const ANNOUNCED = 200 * 1024 * 1024;
const SENT = 4 * 1024 * 1024;
const GOOD_MESSAGES = 200;

describe.each(["tcp", "ipc"] as const)("a ZMTP/1.0 frame announced far larger than it is (%s)", (transport) => {
  it("costs what the peer sent, not what it announced, and all of it comes back", async () => {
    const pull = open(new Pull({ linger: 0 }));
    const address = await bindFresh(pull, transport);
    const good = open(new Push({ linger: 0 }));
    good.connect(address);
    await good.send("warm-up");
    await within(pull.receive());

    const before = await footprint();
    const peer = await rawConnect(address);
    // RFC 13: anonymous identity (length 1, final), then %xFF, 8-octet length counting the flags, flags.
    const header = Buffer.alloc(12);
    header.set([0x01, 0x00, 0xff], 0);
    header.writeBigUInt64BE(BigInt(ANNOUNCED + 1), 3);
    header[11] = 0x00;
    peer.stream.write(header);
    const piece = Buffer.alloc(64 * 1024, 0x41);
    for (let sent = 0; sent < SENT; sent += piece.length) peer.stream.write(piece);

    // The good peer keeps being served while the frame is half-way.
    const received: string[] = [];
    const receiving = (async () => {
      while (received.length < GOOD_MESSAGES) received.push((await pull.receive())[0]!.toString());
    })();
    for (let i = 0; i < GOOD_MESSAGES; i++) await good.send(String(i));
    await within(receiving, 10_000, "the good peer's messages");
    expect(received).toEqual(Array.from({ length: GOOD_MESSAGES }, (_, i) => String(i)));

    // Wait until most of what was sent is held by the decoder, then bound it.
    let during = 0;
    await until(
      () => {
        const usage = process.memoryUsage();
        during = usage.external + usage.arrayBuffers - before.external;
        return during >= SENT / 2;
      },
      "the trickled bytes to be buffered",
      10_000,
    );
    const held = (await settledExternal()) - before.external;
    expect(held).toBeLessThan(4 * SENT);

    const gone = nextEvent(pull, "disconnect");
    peer.stream.destroy();
    await gone;
    const after = await footprint();
    console.log(
      `legacy frame ${transport}: 1 GiB announced, ${mb(SENT)} sent: held ${mb(held)} while open; ${describeFootprint(before, after)}`,
    );
    expect(after.external - before.external).toBeLessThan(2 * 1024 * 1024);
    expect(after.heap - before.heap).toBeLessThan(4 * 1024 * 1024);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
    await good.send("after");
    expect((await within(pull.receive()))[0]!.toString()).toBe("after");
  });
});
