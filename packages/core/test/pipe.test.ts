/**
 * The pipe on its own (libzmq's pipe_t): high-water marks counted in
 * messages, back-pressure signalled to the owner once, ordering, and how a
 * pipe ends. Real pipes with a recording owner; stream pipes with a
 * recording transport in place of a ZMTP engine.
 */
import { describe, expect, it } from "vitest";
import { Pipe, type Msg, type PipeOwner, type PipeTransport } from "../src/pipe.js";

class Owner implements PipeOwner {
  readable = 0;
  writable = 0;
  terminated = 0;
  pipeReadable(): void {
    this.readable++;
  }
  pipeWritable(): void {
    this.writable++;
  }
  pipeTerminated(): void {
    this.terminated++;
  }
  pipeHiccuped(): void {}
}

class Transport implements PipeTransport {
  closed = false;
  flushes = 0;
  resumed = 0;
  shutdownLinger: number | null = null;
  /** flushNow() takes this many messages (a connection that is backed up takes none). */
  takes = 0;
  constructor(readonly pipe: () => Pipe) {}
  flush(): void {
    this.flushes++;
  }
  flushNow(): void {
    for (let i = 0; i < this.takes && this.pipe().takeOutbound() !== undefined; i++);
  }
  resumeReading(): void {
    this.resumed++;
  }
  shutdown(lingerMs: number): void {
    this.shutdownLinger = lingerMs;
  }
  close(): void {
    this.closed = true;
  }
}

const m = (s: string): Msg => [Buffer.from(s)];
const text = (msg: Msg | undefined): string | undefined => msg?.map(String).join("|");

function inprocPair(writerHwm: number, readerHwm: number): { a: Pipe; b: Pipe; writer: Owner; reader: Owner } {
  const writer = new Owner();
  const reader = new Owner();
  const a = new Pipe(writer, writerHwm, 1000, true);
  const b = new Pipe(reader, 1000, readerHwm, false);
  Pipe.pair(a, b);
  return { a, b, writer, reader };
}

describe("inproc pipe pair", () => {
  it("takes sendHighWaterMark + receiveHighWaterMark messages, then refuses", () => {
    const { a } = inprocPair(3, 2);
    let written = 0;
    while (a.canWrite() && written < 100) {
      a.write(m(String(written)));
      written++;
    }
    expect(written).toBe(5);
  });

  it("takes any number of messages when either mark is 0", () => {
    const { a } = inprocPair(0, 2);
    for (let i = 0; i < 10_000; i++) {
      expect(a.canWrite()).toBe(true);
      a.write(m("x"));
    }
  });

  it("delivers in order and tells the reader once, when the queue goes from empty to non-empty", () => {
    const { a, b, reader } = inprocPair(10, 10);
    for (const s of ["1", "2", "3"]) a.write(m(s));
    expect(reader.readable).toBe(1);
    expect([text(b.read()), text(b.read()), text(b.read()), text(b.read())]).toEqual(["1", "2", "3", undefined]);
    a.write(m("4"));
    expect(reader.readable).toBe(2);
  });

  it("wakes the writer once when the reader makes room below the mark", () => {
    const { a, b, writer } = inprocPair(1, 1);
    a.write(m("1"));
    a.write(m("2"));
    expect(a.canWrite()).toBe(false);
    b.read();
    expect(writer.writable).toBe(1);
    expect(a.canWrite()).toBe(true);
    b.read();
    expect(writer.writable).toBe(1);
  });

  it("recounts room under new marks set while attached, and wakes a writer they let go on", () => {
    const { a, b, writer } = inprocPair(1, 1);
    a.write(m("1"));
    a.write(m("2"));
    expect(a.canWrite()).toBe(false);
    a.setHighWaterMarks(3, 1000);
    expect(writer.writable).toBe(1);
    let written = 2;
    while (a.canWrite() && written < 100) {
      a.write(m(String(written)));
      written++;
    }
    expect(written).toBe(4);
    // The reader's side: its receive mark counts as well, 0 lifts the limit.
    b.setHighWaterMarks(1000, 0);
    expect(writer.writable).toBe(2);
    expect(a.canWrite()).toBe(true);
  });

  it("keeps what the peer delivered readable after the peer goes, then ends", () => {
    const { a, b, writer, reader } = inprocPair(10, 10);
    a.write(m("last"));
    a.terminate();
    expect(writer.terminated).toBe(1);
    expect(b.peerGone).toBe(true);
    expect(b.terminated).toBe(false);
    expect(a.canWrite()).toBe(false);
    expect(text(b.read())).toBe("last");
    expect(b.terminated).toBe(true);
    expect(reader.terminated).toBe(1);
  });

  it("a terminated pipe drops what arrives and tells its owner only once", () => {
    const { a, b, reader } = inprocPair(10, 10);
    b.terminate();
    b.terminate();
    b.deliver(m("late"));
    expect(b.hasIn()).toBe(false);
    expect(reader.terminated).toBe(1);
    expect(a.terminated).toBe(true);
  });
});

describe("stream pipe", () => {
  function streamPipe(sendHwm: number, recvHwm: number): { pipe: Pipe; owner: Owner; transport: Transport } {
    const owner = new Owner();
    const pipe = new Pipe(owner, sendHwm, recvHwm, true);
    const transport = new Transport(() => pipe);
    pipe.transport = transport;
    return { pipe, owner, transport };
  }

  it("queues sendHighWaterMark messages for a connection that is backed up, then refuses", () => {
    const { pipe, transport } = streamPipe(4, 10);
    transport.takes = 0;
    let written = 0;
    while (pipe.canWrite() && written < 100) {
      pipe.write(m(String(written)));
      written++;
    }
    expect(written).toBe(4);
    expect(pipe.outbound.length).toBe(4);
  });

  it("when full, hands its queue to the connection at once instead of refusing", () => {
    const { pipe, owner, transport } = streamPipe(2, 10);
    pipe.write(m("1"));
    pipe.write(m("2"));
    transport.takes = 2;
    expect(pipe.canWrite()).toBe(true);
    expect(pipe.outbound.length).toBe(0);
    // The writer is already writing: no wake-up for room made during its own canWrite().
    expect(owner.writable).toBe(0);
  });

  it("asks the connection to flush once per burst and hands messages out in order", () => {
    const { pipe, transport } = streamPipe(10, 10);
    for (const s of ["a", "b", "c"]) pipe.write(m(s));
    expect(transport.flushes).toBe(1);
    expect([text(pipe.takeOutbound()), text(pipe.takeOutbound()), text(pipe.takeOutbound())]).toEqual(["a", "b", "c"]);
  });

  it("wakes the writer when the engine takes a message from a full queue", () => {
    const { pipe, owner } = streamPipe(2, 10);
    pipe.write(m("1"));
    pipe.write(m("2"));
    pipe.takeOutbound();
    expect(owner.writable).toBe(1);
  });

  it("stops the engine reading at receiveHighWaterMark and resumes it below", () => {
    const { pipe, transport } = streamPipe(10, 3);
    for (const s of ["1", "2", "3"]) pipe.deliver(m(s));
    expect(pipe.inboundFull).toBe(true);
    pipe.read();
    expect(pipe.inboundFull).toBe(false);
    expect(transport.resumed).toBe(1);
  });

  it("takes new marks set while connected: a full queue gets room, a stopped engine reads again", () => {
    const { pipe, owner, transport } = streamPipe(2, 3);
    pipe.write(m("1"));
    pipe.write(m("2"));
    for (const s of ["a", "b", "c"]) pipe.deliver(m(s));
    expect(pipe.canWrite()).toBe(false);
    expect(pipe.inboundFull).toBe(true);
    pipe.setHighWaterMarks(3, 5);
    expect(owner.writable).toBe(1);
    expect(pipe.canWrite()).toBe(true);
    expect(transport.resumed).toBe(1);
    expect(pipe.inboundFull).toBe(false);
    // Lowered under what is queued: full again, no wake-up.
    pipe.setHighWaterMarks(1, 1);
    expect(pipe.canWrite()).toBe(false);
    expect(pipe.inboundFull).toBe(true);
    expect([owner.writable, transport.resumed]).toEqual([1, 1]);
  });

  it("keeps only the newest message each way when conflating", () => {
    const { pipe } = streamPipe(10, 10);
    pipe.conflate = true;
    for (const s of ["1", "2", "3"]) pipe.write(m(s));
    for (const s of ["4", "5"]) pipe.deliver(m(s));
    expect(pipe.outbound.length).toBe(1);
    expect(text(pipe.takeOutbound())).toBe("3");
    expect(text(pipe.read())).toBe("5");
  });

  it("terminate shuts the connection down with the linger given and drops unread messages", () => {
    const { pipe, owner, transport } = streamPipe(10, 10);
    pipe.deliver(m("unread"));
    pipe.terminate(250);
    expect(transport.shutdownLinger).toBe(250);
    expect(pipe.hasIn()).toBe(false);
    expect(pipe.transport).toBeNull();
    expect(owner.terminated).toBe(1);
  });

  it("when the connection goes, drops what was not sent and ends once the inbound is read", () => {
    const { pipe, owner } = streamPipe(10, 10);
    pipe.write(m("unsent"));
    pipe.deliver(m("received"));
    pipe.peerLeft();
    expect(pipe.outbound.length).toBe(0);
    expect(owner.terminated).toBe(0);
    expect(text(pipe.read())).toBe("received");
    expect(owner.terminated).toBe(1);
  });
});
