/**
 * The engine writes the first message of an event-loop turn at once and
 * batches the ones after it into the next turn's write; REQ and REP encode a
 * one-frame message behind their envelope straight into the write buffer.
 * These tests check what users rely on across both paths: order, whole
 * messages (envelope included), back-pressure when the peer stops reading,
 * and close with linger delivering everything.
 */
import { describe, expect, it } from "vitest";
import { Dealer, Reply, Request, Router } from "../../src/index.js";
import {
  RAW_TRANSPORTS,
  STREAM_TRANSPORTS,
  bindFresh,
  loopTurns,
  nextEvent,
  rawGreeting,
  rawListen,
  rawReady,
  socketScope,
  strings,
  until,
  within,
  type RawPeer,
} from "../helpers.js";

const open = socketScope();

/** Whole messages (frames up to one without MORE) a raw peer received after the greeting; commands skipped. */
function rawMessages(peer: RawPeer): Buffer[][] {
  const bytes = peer.received();
  const messages: Buffer[][] = [];
  let parts: Buffer[] = [];
  let at = 64;
  while (at + 2 <= bytes.length) {
    const flags = bytes[at]!;
    const long = (flags & 0x02) !== 0;
    if (long && at + 9 > bytes.length) break;
    const size = long ? Number(bytes.readBigUInt64BE(at + 1)) : bytes[at + 1]!;
    const start = at + (long ? 9 : 2);
    if (start + size > bytes.length) break;
    at = start + size;
    if ((flags & 0x04) !== 0) continue;
    parts.push(bytes.subarray(start, start + size));
    if ((flags & 0x01) === 0) {
      messages.push(parts);
      parts = [];
    }
  }
  return messages;
}

/**
 * A REQ with `options`, connected (handshake done) to a raw REP peer that reads nothing until
 * `peer.stream.resume()`: requests sent from now on are candidates for the engine's shortcut.
 */
async function requestToStalledPeer(transport: "tcp" | "ipc", options: ConstructorParameters<typeof Request>[0]): Promise<{ req: Request; peer: RawPeer }> {
  const listener = await rawListen(transport);
  open.defer(() => listener.close());
  const accepted = listener.accepted().then((peer) => {
    peer.stream.pause();
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("REP")]));
    return peer;
  });
  const req = open(new Request(options));
  const handshake = nextEvent(req, "handshake");
  req.connect(listener.address);
  const peer = await accepted;
  // Connected first: requests sent before are queued in the pipe, not encoded at once.
  await handshake;
  return { req, peer };
}

describe.each(STREAM_TRANSPORTS)("Messages written at once and batched over %s", (transport) => {
  it("REQ requests of one frame and of several, sent within a turn and across turns, reach a ROUTER in order and whole", async () => {
    const router = open(new Router());
    const req = open(new Request({ relaxed: true }));
    req.connect(await bindFresh(router, transport));
    const total = 2000;
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        // One frame takes the envelope shortcut; an array of one Buffer too; several frames go through the pipe.
        if (i % 5 === 0) await req.send([Buffer.from(String(i)), Buffer.from("tail")]);
        else if (i % 5 === 1) await req.send([Buffer.from(String(i))]);
        else await req.send(Buffer.from(String(i)));
        // A new turn now and then: its first message is written at once, the rest batched.
        if (i % 7 === 0) await loopTurns(1);
      }
    })();
    for (let i = 0; i < total; i++) {
      const [, ...rest] = await within(router.receive(), 5000, `request ${i}`);
      expect(strings(rest)).toEqual(i % 5 === 0 ? ["", String(i), "tail"] : ["", String(i)]);
    }
    await within(sending, 10_000, "sends");
  });

  it("REP answers behind the request's whole envelope, a large routing frame included, whether it sends a Buffer or [Buffer]", async () => {
    const rep = open(new Reply());
    const dealer = open(new Dealer());
    dealer.connect(await bindFresh(rep, transport));
    const large = Buffer.alloc(20_000, 0x72);
    const serving = (async () => {
      let n = 0;
      for await (const [body] of rep) {
        const reply = Buffer.from(`re:${body!.toString()}`);
        await rep.send(n++ % 2 === 0 ? reply : [reply]);
      }
    })();
    for (let i = 0; i < 200; i++) {
      const envelope = i % 3 === 0 ? [large, Buffer.from(`hop${i}`)] : i % 3 === 1 ? [Buffer.from(`hop${i}`)] : [];
      await dealer.send([...envelope, Buffer.alloc(0), Buffer.from(String(i))]);
      const reply = await within(dealer.receive(), 5000, `reply ${i}`);
      expect(reply).toHaveLength(envelope.length + 2);
      for (let k = 0; k < envelope.length; k++) expect(reply[k]!.equals(envelope[k]!)).toBe(true);
      expect(strings(reply.slice(envelope.length))).toEqual(["", `re:${i}`]);
    }
    rep.close();
    await serving.catch((error: { code?: string }) => expect(error.code).toBe("EAGAIN"));
  });
});

describe.each(RAW_TRANSPORTS)("REQ's one-frame requests on the wire over %s", (transport) => {
  it("are the delimiter with MORE then the body, with correlate the request id first", async () => {
    for (const correlate of [false, true]) {
      const { req, peer } = await requestToStalledPeer(transport, { relaxed: true, correlate });
      peer.stream.resume();
      for (let i = 0; i < 50; i++) await req.send(Buffer.from(`r${i}`));
      await until(() => rawMessages(peer).length === 50, "50 requests");
      const messages = rawMessages(peer);
      const ids = new Set<number>();
      messages.forEach((msg, i) => {
        expect(msg).toHaveLength(correlate ? 3 : 2);
        if (correlate) ids.add(msg[0]!.readUInt32BE(0));
        expect(strings(msg.slice(-2))).toEqual(["", `r${i}`]);
      });
      if (correlate) expect(ids.size).toBe(50);
    }
  });

  it("wait at the high-water mark while the peer reads nothing, and all arrive in order, whole, once it reads", async () => {
    const { req, peer } = await requestToStalledPeer(transport, { relaxed: true, sendHighWaterMark: 50, sendTimeout: 200 });
    // Bodies under the engine's copy threshold, so each send is a candidate for the shortcut; over
    // send()'s (128 B), so a queued one is held, not copied: each is a fresh Buffer.
    const size = 4000;
    const cap = 20_000;
    let sent = 0;
    let error: { code?: string } | null = null;
    while (sent < cap) {
      const body = Buffer.alloc(size, 0x62);
      body.writeUInt32BE(sent, 0);
      try {
        await req.send(body);
      } catch (e) {
        error = e as { code?: string };
        break;
      }
      sent++;
    }
    // Kernel buffers hold some MB: 80 MB of requests are never all taken by a peer that reads nothing.
    expect(error?.code).toBe("EAGAIN");
    expect(sent).toBeLessThan(cap);
    peer.stream.resume();
    await until(() => rawMessages(peer).length >= sent, `${sent} requests`, 10_000);
    const messages = rawMessages(peer);
    expect(messages).toHaveLength(sent);
    messages.forEach((msg, i) => {
      expect(msg).toHaveLength(2);
      expect(msg[0]!.length).toBe(0);
      expect([msg[1]!.length, msg[1]!.readUInt32BE(0)]).toEqual([size, i]);
    });
  });

  it("close() with linger delivers every request, written at once, batched or queued, to a peer that reads only after", async () => {
    // Room in the pipe for every request: over ipc the kernel takes far less than the 6 MB sent.
    const { req, peer } = await requestToStalledPeer(transport, { relaxed: true, linger: 10_000, sendHighWaterMark: 5000 });
    const total = 2000;
    for (let i = 0; i < total; i++) {
      const body = Buffer.alloc(3000, 0x63);
      body.writeUInt32BE(i, 0);
      await req.send(i % 9 === 0 ? [Buffer.from("multi"), body] : body);
    }
    req.close();
    peer.stream.resume();
    await within(peer.closed, 10_000, "the linger flush");
    const messages = rawMessages(peer);
    expect(messages).toHaveLength(total);
    messages.forEach((msg, i) => {
      expect(msg).toHaveLength(i % 9 === 0 ? 3 : 2);
      expect(msg.at(-1)!.readUInt32BE(0)).toBe(i);
    });
  });
});
