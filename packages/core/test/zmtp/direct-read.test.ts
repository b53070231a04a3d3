/**
 * Large frame bodies read straight into their own buffers (src/zmtp/direct-read.ts,
 * src/zmtp/frame-body.ts): what arrives is exactly what was sent, however the
 * octets were cut on the way, on both sides of a connection (accepted and
 * connecting), from a raw peer and from libzmq.
 */
import { once } from "node:events";
import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { FrameBody, FIRST_CAPACITY } from "../../src/zmtp/frame-body.js";
import { RAW_TRANSPORTS, bindFresh, rawConnect, rawFrame, rawListen, rawReady, rawGreeting, socketScope, within, type RawPeer } from "../helpers.js";

const open = socketScope();
const KiB = 1024;
const MiB = 1024 * 1024;
const MORE = 0x01;

/** A body whose every octet depends on its size and position, so a misplaced piece shows. */
function patterned(size: number, seed: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + seed * 7 + (i >>> 16)) & 0xff;
  return body;
}

/** Messages around every edge of the direct path: below and above 64 KiB, 1 MiB, a body that outgrows its first buffer, parts. */
function messages(): Buffer[][] {
  return [
    [patterned(64 * KiB - 1, 1)],
    [patterned(64 * KiB + 1, 2)],
    [patterned(MiB, 3)],
    [patterned(MiB + 13, 4)],
    [patterned(3 * MiB + 7, 5)],
    [patterned(300 * KiB, 6), Buffer.alloc(0), patterned(2 * MiB + 1, 7), Buffer.from("tail")],
    [Buffer.from("small after large")],
  ];
}

/** The wire bytes of `msgs` as ZMTP frames. */
function wire(msgs: Buffer[][]): Buffer {
  const frames: Buffer[] = [];
  for (const msg of msgs) msg.forEach((part, i) => frames.push(rawFrame(i < msg.length - 1 ? MORE : 0, part)));
  return Buffer.concat(frames);
}

/** Odd write sizes, cycled: single octets, a split header, just under and over the 64 KiB read, a prime near 1 MB. */
const PIECES = [1, 7, 8, 2, 4093, 65_521, 65_537, 131_071, 999_983, 3, 262_139];

/** Writes `bytes` in {@link PIECES}, yielding to the event loop between pieces so they tend to arrive as separate reads. */
async function writeInPieces(stream: import("node:net").Socket, bytes: Buffer): Promise<void> {
  stream.setNoDelay(true);
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const piece = bytes.subarray(at, at + PIECES[i % PIECES.length]!);
    at += piece.length;
    if (!stream.write(piece)) await once(stream, "drain");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function receiveAll(pull: Pull, count: number): Promise<Buffer[][]> {
  const received: Buffer[][] = [];
  for (let i = 0; i < count; i++) received.push(await within(pull.receive(), 15_000, `message ${i}`));
  return received;
}

/** Compares messages part by part without printing megabytes on failure. */
function expectSame(received: Buffer[][], sent: Buffer[][]): void {
  expect(received.map((msg) => msg.map((part) => part.length))).toEqual(sent.map((msg) => msg.map((part) => part.length)));
  received.forEach((msg, m) => msg.forEach((part, p) => expect(part.equals(sent[m]![p]!), `message ${m} part ${p}`).toBe(true)));
}

describe.each(RAW_TRANSPORTS)("Large bodies over %s", (transport) => {
  it("arrive intact at a bound PULL when a raw peer writes them in odd-sized pieces", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const peer = await rawConnect(address);
    const sent = messages();
    await writeInPieces(peer.stream, Buffer.concat([rawGreeting(), rawReady("PUSH"), wire(sent)]));
    expectSame(await receiveAll(pull, sent.length), sent);
    peer.stream.destroy();
  });

  it("arrive intact at a connecting PULL when a raw listener writes them in odd-sized pieces", async () => {
    const listener = await rawListen(transport);
    open.defer(() => listener.close());
    const pull = open(new Pull());
    pull.connect(listener.address);
    const peer: RawPeer = await within(listener.accepted(), 5000, "the PULL to connect");
    const sent = messages();
    await writeInPieces(peer.stream, Buffer.concat([rawGreeting(), rawReady("PUSH"), wire(sent)]));
    expectSame(await receiveAll(pull, sent.length), sent);
  });

  it("arrive intact from a libzmq PUSH, and a skein PUSH's arrive intact at a libzmq PULL", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const zpush = new zmq.Push({ linger: 0 });
    const zpull = new zmq.Pull({ linger: 0 });
    open.defer(() => {
      zpush.close();
      zpull.close();
    });
    zpush.connect(address);
    const sent = messages();
    for (const msg of sent) await zpush.send(msg);
    expectSame(await receiveAll(pull, sent.length), sent);

    await zpull.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : address.replace(/\.ipc$|$/, ".z.ipc"));
    const push = open(new Push());
    push.connect(zpull.lastEndpoint!);
    for (const msg of sent) await push.send(msg);
    const back: Buffer[][] = [];
    for (let i = 0; i < sent.length; i++) back.push(await within(zpull.receive(), 15_000, `message ${i} at libzmq`));
    expectSame(back, sent);
  });
});

describe("FrameBody", () => {
  it("holds at most the larger of 1 MiB and twice the octets received, whatever the size announced", () => {
    const announced = 200 * MiB;
    const body = new FrameBody(0, announced);
    expect(body.capacity).toBe(FIRST_CAPACITY);
    const piece = Buffer.alloc(100 * KiB, 1);
    while (body.filled < 5 * MiB) {
      body.fill(piece, 0);
      expect(body.capacity).toBeLessThanOrEqual(Math.max(FIRST_CAPACITY, 2 * body.filled));
    }
    // Reads straight into the body follow the same bound.
    for (let i = 0; i < 40; i++) {
      const target = body.readTarget()!;
      body.received(Math.min(target.length, 77_777));
      expect(body.capacity).toBeLessThanOrEqual(Math.max(FIRST_CAPACITY, 2 * body.filled));
    }
  });

  it("starts at the announced size when that is below 1 MiB, and offers no direct read for the last 64 KiB", () => {
    const body = new FrameBody(0, 100 * KiB);
    expect(body.capacity).toBe(100 * KiB);
    expect(body.readTarget()!.length).toBe(100 * KiB);
    body.received(40 * KiB);
    expect(body.readTarget()).toBeNull();
    body.fill(Buffer.alloc(60 * KiB, 2), 0);
    expect(body.complete).toBe(true);
  });
});
