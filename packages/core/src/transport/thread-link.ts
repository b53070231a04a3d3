/**
 * One inproc:// connection between sockets of two threads, as its pipe sees
 * it: the transport of a pipe (like a ZMTP engine over a stream), with a
 * {@link RingWriter} towards the peer thread and a {@link RingReader} from it.
 *
 * Back-pressure is the stream transports': the socket queues up to its
 * `sendHighWaterMark` in the pipe, the ring holds what it holds, and the
 * reader stops taking from the ring once `receiveHighWaterMark` messages wait
 * unread, so a slow reader thread stops the writer (or makes it drop, per the
 * socket type) with bounded memory on both sides.
 */
import type { Msg, Pipe, PipeTransport } from "../pipe.js";
import type { ZmqError } from "../errors.js";
import { RingReader, RingWriter, type RingMemory } from "./thread-ring.js";

/** What a link tells the socket that owns its pipe. */
export interface ThreadLinkHost {
  emitEvent(type: "disconnect", address: string, extra?: { error?: ZmqError }): void;
  /** The socket's options (`linger`). */
  option<T>(name: string): T;
}

export class ThreadLink implements PipeTransport {
  readonly #writer: RingWriter;
  readonly #reader: RingReader;
  readonly #host: ThreadLinkHost;
  readonly #address: string;
  readonly #onClosed: (link: ThreadLink) => void;
  #pipe: Pipe | null = null;
  #closed = false;
  #reading = false;
  #waitingData = false;
  #waitingRoom = false;
  /** The reader found the ring empty once and looks again before it sleeps. */
  #yielded = false;
  /** Set by shutdown(): end once what is queued is in the ring (or at the deadline). */
  #lingerTimer: NodeJS.Timeout | null = null;
  #ending = false;

  /** The thread at the other end (its `threadId`). */
  readonly peerThread: number;

  constructor(
    host: ThreadLinkHost,
    address: string,
    outgoing: RingMemory,
    incoming: RingMemory,
    peerThread: number,
    onClosed: (link: ThreadLink) => void,
  ) {
    this.#host = host;
    this.#address = address;
    this.#writer = new RingWriter(outgoing);
    this.#reader = new RingReader(incoming);
    this.peerThread = peerThread;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts carrying the pipe's messages. */
  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.transport = this;
    this.flush();
    this.#pump();
  }

  flush(): void {
    if (this.#closed || this.#waitingRoom) return;
    const state = this.#write();
    if (state === "full") this.#waitForRoom();
    else if (state === "gone") this.#peerStoppedReading();
    else if (this.#ending) this.#finish();
  }

  /**
   * The peer reads no more (its socket closed, or its thread left): what
   * waits for it is dropped, but what it wrote before is still read (its
   * thread may have sent, closed and ended before this side even attached),
   * and the link ends once the ring is empty and the peer writes no more.
   */
  #peerStoppedReading(): void {
    this.#pipe?.outbound.clear();
    if (this.#ending) this.#finish();
    else this.#pump();
  }

  /** Writes queued messages into the ring as far as it takes them. */
  #write(): "done" | "full" | "gone" {
    const pipe = this.#pipe;
    if (pipe === null) return "done";
    const writer = this.#writer;
    if (writer.readerDone) return "gone";
    if (writer.busy && !writer.resume()) return "full";
    while (pipe.outbound.length > 0) {
      if (!writer.canStart()) return "full";
      if (!writer.start(pipe.takeOutbound() as Msg)) return "full";
    }
    return "done";
  }

  /**
   * The thread is ending (a worker's `exit`): messages that send() took but
   * the ring had no room for yet are written now, blocking the ending thread
   * while the reader makes room, up to the socket's `linger` (-1: until the
   * peer has read them or left). Messages in the ring outlive the thread.
   */
  flushAtExit(): void {
    if (this.#closed || this.#pipe === null) return;
    const linger = this.#host.option<number>("linger");
    const deadline = linger < 0 ? Number.POSITIVE_INFINITY : performance.now() + linger;
    for (;;) {
      if (this.#write() !== "full") return;
      const left = deadline - performance.now();
      if (left <= 0) return;
      this.#writer.waitForRoomSync(Math.min(left, 1000));
    }
  }

  flushNow(): void {
    this.flush();
  }

  #waitForRoom(): void {
    const wait = this.#writer.waitForRoom();
    if (wait === null) {
      queueMicrotask(() => this.flush());
      return;
    }
    this.#waitingRoom = true;
    void wait.then(() => {
      this.#waitingRoom = false;
      this.#writer.woke();
      this.flush();
    });
  }

  resumeReading(): void {
    this.#pump();
  }

  /** Moves whole messages from the ring into the pipe, up to its high-water mark. */
  #pump(): void {
    if (this.#reading || this.#closed || this.#waitingData) return;
    const pipe = this.#pipe;
    if (pipe === null) return;
    this.#reading = true;
    const reader = this.#reader;
    try {
      while (!pipe.inboundFull && !this.#closed) {
        const msg = reader.read();
        if (msg === undefined) {
          if (reader.writerDone && !reader.hasData) {
            this.close(null);
            return;
          }
          if (!this.#yielded) {
            // Empty now, but the writer is likely mid-burst: look again after this turn before sleeping
            // (the writer sees no sleeper meanwhile and does not notify).
            this.#yielded = true;
            this.#waitingData = true;
            setImmediate(() => {
              this.#waitingData = false;
              this.#pump();
            });
            return;
          }
          this.#yielded = false;
          const wait = reader.waitForData();
          if (wait === null) continue;
          this.#waitingData = true;
          void wait.then(() => {
            this.#waitingData = false;
            reader.woke();
            this.#pump();
          });
          return;
        }
        this.#yielded = false;
        pipe.deliver(msg);
      }
    } finally {
      this.#reading = false;
    }
  }

  /**
   * The peer thread exited: what it wrote before is still read, then the
   * pipe ends as after a disconnect.
   */
  peerExited(): void {
    if (this.#closed) return;
    this.#reader.markWriterDone();
    this.#writer.markReaderDone();
    this.#pump();
  }

  /** The socket is done with the pipe: queued messages go into the ring within `lingerMs`, then the link ends. */
  shutdown(lingerMs: number): void {
    if (this.#closed) return;
    this.#ending = true;
    this.#reader.end();
    const pipe = this.#pipe;
    if (lingerMs === 0 || pipe === null || (pipe.outbound.length === 0 && !this.#writer.busy)) {
      this.#finish();
      return;
    }
    if (lingerMs > 0) this.#lingerTimer = setTimeout(() => this.#finish(), lingerMs);
    this.flush();
  }

  #finish(): void {
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    this.#end();
  }

  /** Ends the link now; the socket sees a disconnect. */
  close(error: ZmqError | null): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    this.#end();
    if (pipe !== null && !this.#ending) {
      pipe.peerLeft();
      this.#host.emitEvent("disconnect", this.#address, error === null ? undefined : { error });
    }
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.end();
    this.#reader.end();
    const pipe = this.#pipe;
    if (pipe !== null && pipe.transport === this) pipe.transport = null;
    this.#onClosed(this);
  }
}
