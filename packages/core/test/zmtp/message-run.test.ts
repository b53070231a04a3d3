/**
 * One-frame messages queued as runs of the read chunk they came in
 * (src/zmtp/message-run.ts, FrameDecoder's `runs`, Pipe.deliverBatch): what a
 * PULL hands out is what was sent, stays so whatever is read after it, keeps
 * multipart messages whole, stops the connection at the high-water mark, and a
 * bad frame after good ones drops only its peer, after the good ones.
 */
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/index.js";
import { FrameDecoder, type MessageRunSink } from "../../src/zmtp/frame-decoder.js";
import { MessageRun } from "../../src/zmtp/message-run.js";
import {
  RAW_TRANSPORTS,
  bindFresh,
  nextEvent,
  rawCommand,
  rawConnect,
  rawFrame,
  rawGreeting,
  rawReady,
  socketScope,
  streamInboundBound,
  loopTurns,
  until,
  within,
} from "../helpers.js";

const open = socketScope();
const MORE = 0x01;

/** A body whose octets depend on its index, so a message cut from the wrong place shows. */
function numbered(i: number, size = 16): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let k = 0; k < size; k++) body[k] = (i * 7 + k * 13) & 0xff;
  body.writeUInt32BE(i >>> 0, 0);
  return body.subarray(0, size);
}

/** The wire bytes of `msgs`: each part a frame, MORE on all but the last. */
function wire(msgs: Buffer[][]): Buffer {
  const frames: Buffer[] = [];
  for (const msg of msgs) msg.forEach((part, i) => frames.push(rawFrame(i < msg.length - 1 ? MORE : 0, part)));
  return Buffer.concat(frames);
}

async function receiveAll(pull: Pull, count: number): Promise<Buffer[][]> {
  const received: Buffer[][] = [];
  for (let i = 0; i < count; i++) received.push(await within(pull.receive(), 10_000, `message ${i}`));
  return received;
}

function expectSame(received: Buffer[][], sent: Buffer[][]): void {
  expect(received.map((msg) => msg.map((part) => part.length))).toEqual(sent.map((msg) => msg.map((part) => part.length)));
  received.forEach((msg, m) => msg.forEach((part, p) => expect(part.equals(sent[m]![p]!), `message ${m} part ${p}`).toBe(true)));
}

/** Runs as the decoder reports them: [start, end, count]. */
function runRecorder(): MessageRunSink & { runs: [number, number, number][] } {
  const runs: [number, number, number][] = [];
  return { runs, onMessages: (_chunk, start, end, count) => void runs.push([start, end, count]) };
}

describe("FrameDecoder runs", () => {
  it("hands whole one-frame messages over as runs, and the frames of a multipart message one by one, in order", () => {
    const frames: string[] = [];
    const decoder = new FrameDecoder({ onFrame: (flags, body) => void frames.push(`${flags}:${body.toString()}`) });
    const recorder = runRecorder();
    decoder.runs = recorder;
    // a, b: a run; [c1, c2]: multipart, c2 (flags 0) is its last part, not a message of its own; d, e: a run;
    // a PING command; f: a run; 300 octets: a LONG one-frame message, in f's run.
    const long = Buffer.alloc(300, 0x6c);
    const chunk = Buffer.concat([
      wire([[Buffer.from("a")], [Buffer.from("b")], [Buffer.from("c1"), Buffer.from("c2")], [Buffer.from("d")], [Buffer.from("e")]]),
      rawCommand("PING", Buffer.from([0, 0])),
      wire([[Buffer.from("f")], [long]]),
    ]);
    expect(decoder.write(chunk)).toBe(chunk.length);
    expect(frames).toEqual(["1:c1", "0:c2", "4:\x04PING\0\0"]);
    expect(recorder.runs.map(([, , count]) => count)).toEqual([2, 2, 2]);
    const taken: string[] = [];
    for (const [start, , count] of recorder.runs) {
      const run = new MessageRun(chunk, start, count);
      while (run.remaining > 0) {
        const msg = run.take();
        expect(msg).toHaveLength(1);
        taken.push(msg[0]!.length > 8 ? `${msg[0]!.length} octets` : msg[0]!.toString());
      }
    }
    expect(taken).toEqual(["a", "b", "d", "e", "f", "300 octets"]);
  });

  it("leaves a frame above maxFrameSize out of the run before it, which is delivered first", () => {
    const decoder = new FrameDecoder({ onFrame: () => undefined }, 10);
    const recorder = runRecorder();
    decoder.runs = recorder;
    const chunk = wire([[Buffer.from("ok1")], [Buffer.from("ok2")], [Buffer.alloc(11)]]);
    expect(() => decoder.write(chunk)).toThrow(expect.objectContaining({ code: "EMSGSIZE" }));
    expect(recorder.runs).toEqual([[0, 10, 2]]);
  });

  it("counts run frames against the turn budget", () => {
    const decoder = new FrameDecoder({ onFrame: () => undefined });
    const recorder = runRecorder();
    decoder.runs = recorder;
    decoder.budget = 3;
    const chunk = wire([0, 1, 2, 3, 4].map((i) => [numbered(i)]));
    expect(decoder.write(chunk)).toBe(3 * 18);
    expect(recorder.runs).toEqual([[0, 54, 3]]);
  });
});

describe.each(RAW_TRANSPORTS)("One-frame messages queued as runs over %s", (transport) => {
  it("are byte-identical to what was sent, and stay so after later reads", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const peer = await rawConnect(address);
    // Short, empty, LONG and multipart messages mixed, about 5 reads of 64 KiB each.
    const sent: Buffer[][] = [];
    for (let i = 0; i < 12_000; i++) {
      if (i % 997 === 0) sent.push([numbered(i, 4), Buffer.alloc(0), numbered(i + 1, 300)]);
      else if (i % 101 === 0) sent.push([numbered(i, 1000)]);
      else if (i % 89 === 0) sent.push([Buffer.alloc(0)]);
      else sent.push([numbered(i)]);
    }
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH"), wire(sent)]));
    const first = await receiveAll(pull, sent.length);
    expectSame(first, sent);
    // More reads after them: into fresh slab space and fresh chunks, never over what was handed out.
    const later = Array.from({ length: 12_000 }, (_, i) => [numbered(~i)]);
    peer.stream.write(wire(later));
    expectSame(await receiveAll(pull, later.length), later);
    expectSame(first, sent);
    // Each message is a Buffer of its own: writing into one changes no other.
    first[1]![0]!.fill(0);
    expect(first[2]![0]!.equals(sent[2]![0]!)).toBe(true);
    expect(Buffer.isBuffer(first[2]![0])).toBe(true);
    peer.stream.destroy();
  });

  it("stop the connection at receiveHighWaterMark while nothing reads, and it reads again once they are taken", async () => {
    const hwm = 50;
    const pull = open(new Pull({ receiveHighWaterMark: hwm }));
    const address = await bindFresh(pull, transport);
    const peer = await rawConnect(address);
    const total = 40_000;
    const body = numbered(7);
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH"), wire(Array.from({ length: total }, () => [body]))]));
    // Nothing reads: the engine fills the queue to the mark (a read's worth past it at most) and stops there.
    await until(() => pull.pendingInbound() >= hwm, "the queue to fill");
    await loopTurns(20);
    expect(pull.pendingInbound()).toBeLessThanOrEqual(streamInboundBound(hwm, [body]));
    const pipes = (pull as unknown as { pipes: Set<{ transport: { stream: Socket } | null }> }).pipes;
    expect([...pipes].map((pipe) => pipe.transport?.stream.isPaused())).toEqual([true]);
    let received = 0;
    for await (const [message] of pull) {
      expect(message!.equals(body)).toBe(true);
      expect(pull.pendingInbound()).toBeLessThanOrEqual(streamInboundBound(hwm, [body]));
      if (++received === total) break;
    }
    peer.stream.destroy();
  });

  it("after a malformed frame in the same read, the messages before it are delivered and only that peer is dropped", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const good = await rawConnect(address);
    const goodReady = nextEvent(pull, "handshake");
    good.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH")]));
    await goodReady;
    const bad = await rawConnect(address);
    const handshaken = nextEvent(pull, "handshake");
    bad.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH")]));
    await handshaken;
    const before = Array.from({ length: 50 }, (_, i) => [numbered(i)]);
    const dropped = nextEvent(pull, "disconnect");
    // Reserved flag bits set (RFC 23 §3): a protocol error, after 50 good messages, followed by more; one write.
    bad.stream.write(Buffer.concat([wire(before), Buffer.from([0x80, 1, 0x61]), wire([[numbered(99)]])]));
    expectSame(await receiveAll(pull, before.length), before);
    expect((await dropped).error?.code).toBe("ERR_ZMTP_UNSPECIFIED");
    await within(bad.closed);
    const after = [[Buffer.from("the other peer goes on")]];
    good.stream.write(wire(after));
    expectSame(await receiveAll(pull, 1), after);
    good.stream.destroy();
  });
});
