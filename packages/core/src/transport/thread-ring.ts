/**
 * A single-producer, single-consumer ring of messages in a SharedArrayBuffer:
 * one direction of an inproc:// connection between two worker threads.
 *
 * The ring is a byte stream of frames (an 8-byte header, length then a
 * `more` flag, and the body), so a message of any size passes through a ring
 * of any size: the writer fills what is free, the reader empties what is
 * there, and a message larger than the ring crosses in pieces. Each side
 * waits for the other with `Atomics.waitAsync` (no thread ever blocks), and
 * wakes it with `Atomics.notify` only when the other side said it sleeps.
 *
 * Bounds: `byteLength` bytes of frames and at most `maxMessages` whole
 * messages written and not yet read, whichever comes first. Messages are
 * copied in and copied out: a Buffer of Node's pool cannot be transferred
 * without taking its neighbours along (docs/threads.md has the figures).
 */
import type { Msg } from "../pipe.js";

// Header slots (Int32Array over the first 64 bytes). Byte counters wrap at 2^32; differences use >>> 0.
const WRITTEN = 0;
const READ = 1;
const MESSAGES_WRITTEN = 2;
const MESSAGES_READ = 3;
const READER_SLEEPS = 4;
const WRITER_SLEEPS = 5;
/** The writer will write no more (closed its end, or its thread left). */
const WRITER_DONE = 6;
/** The reader will read no more. */
const READER_DONE = 7;
const HEADER_BYTES = 64;

/** `Atomics.waitAsync` (ES2024, in Node 20), typed here as the project's lib predates it. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;
const FRAME_HEADER = 8;

/** The ring's capacity in bytes by default (per direction of a connection). */
export const DEFAULT_RING_BYTES = 256 * 1024;
/** Whole messages the ring holds at most by default (per direction). */
export const DEFAULT_RING_MESSAGES = 1000;

/** The shared memory of one ring, as it crosses threads. */
export interface RingMemory {
  readonly buffer: SharedArrayBuffer;
  readonly maxMessages: number;
}

/** Allocates a ring of `byteLength` bytes (rounded up to a power of two, 64 at least). */
export function createRingMemory(byteLength = DEFAULT_RING_BYTES, maxMessages = DEFAULT_RING_MESSAGES): RingMemory {
  let size = 64;
  while (size < byteLength) size *= 2;
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + size), maxMessages: Math.max(1, maxMessages) };
}

class RingBase {
  protected readonly header: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly mask: number;
  protected readonly capacity: number;
  readonly maxMessages: number;

  constructor(memory: RingMemory) {
    this.header = new Int32Array(memory.buffer, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(memory.buffer, HEADER_BYTES);
    this.capacity = this.data.length;
    this.mask = this.capacity - 1;
    this.maxMessages = memory.maxMessages;
  }

  get writerDone(): boolean {
    return Atomics.load(this.header, WRITER_DONE) !== 0;
  }

  get readerDone(): boolean {
    return Atomics.load(this.header, READER_DONE) !== 0;
  }

  /** Bytes written and not yet read. */
  protected used(): number {
    return (Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) >>> 0;
  }
}

/** The writing end of a ring. */
export class RingWriter extends RingBase {
  /** The message being written, when it did not fit at once. */
  #msg: Msg | null = null;
  #frame = 0;
  /** Bytes of the current frame written, its header included. */
  #offset = 0;
  readonly #frameHeader = Buffer.allocUnsafe(FRAME_HEADER);

  /** Whether a message (or the rest of one) waits for room. */
  get busy(): boolean {
    return this.#msg !== null;
  }

  /** Whether a new message may start now (no partial one, under `maxMessages`). */
  canStart(): boolean {
    if (this.#msg !== null) return false;
    const h = this.header;
    return Atomics.load(h, MESSAGES_WRITTEN) - Atomics.load(h, MESSAGES_READ) < this.maxMessages && this.used() < this.capacity;
  }

  /** Starts writing a message (check {@link canStart}); returns true when all of it is in the ring. */
  start(msg: Msg): boolean {
    this.#msg = msg;
    this.#frame = 0;
    this.#offset = 0;
    return this.resume();
  }

  /** Writes more of the current message; true once it is all in the ring. */
  resume(): boolean {
    const msg = this.#msg;
    if (msg === null) return true;
    const h = this.header;
    let written = Atomics.load(h, WRITTEN);
    let free = this.capacity - ((written - Atomics.load(h, READ)) >>> 0);
    const last = msg.length - 1;
    while (this.#frame <= last && free > 0) {
      const body = msg[this.#frame]!;
      if (this.#offset < FRAME_HEADER) {
        // The header goes in whole, so the reader never sees half of one.
        if (free < FRAME_HEADER) break;
        const header = this.#frameHeader;
        header.writeUInt32LE(body.length, 0);
        header.writeUInt32LE(this.#frame < last ? 1 : 0, 4);
        this.#copyIn(header, 0, FRAME_HEADER, written);
        written = (written + FRAME_HEADER) | 0;
        free -= FRAME_HEADER;
        this.#offset = FRAME_HEADER;
      }
      const done = this.#offset - FRAME_HEADER;
      const n = Math.min(body.length - done, free);
      if (n > 0) {
        this.#copyIn(body, done, n, written);
        written = (written + n) | 0;
        free -= n;
        this.#offset += n;
      }
      if (this.#offset - FRAME_HEADER === body.length) {
        this.#frame++;
        this.#offset = 0;
      }
    }
    Atomics.store(h, WRITTEN, written);
    const complete = this.#frame > last;
    if (complete) {
      this.#msg = null;
      Atomics.add(h, MESSAGES_WRITTEN, 1);
    }
    if (Atomics.load(h, READER_SLEEPS) !== 0) Atomics.notify(h, WRITTEN);
    return complete;
  }

  #copyIn(src: Uint8Array, from: number, n: number, at: number): void {
    const pos = at & this.mask;
    const first = Math.min(n, this.capacity - pos);
    this.data.set(src.subarray(from, from + first), pos);
    if (first < n) this.data.set(src.subarray(from + first, from + n), 0);
  }

  /**
   * Resolves when the reader has made room (or left). Returns null when
   * there is room already.
   */
  waitForRoom(): Promise<unknown> | null {
    const h = this.header;
    Atomics.store(h, WRITER_SLEEPS, 1);
    const read = Atomics.load(h, READ);
    if (this.#msg === null ? this.canStart() : this.used() < this.capacity) {
      Atomics.store(h, WRITER_SLEEPS, 0);
      return null;
    }
    if (this.readerDone) {
      Atomics.store(h, WRITER_SLEEPS, 0);
      return null;
    }
    const wait = waitAsync(h, READ, read);
    if (!wait.async) {
      Atomics.store(h, WRITER_SLEEPS, 0);
      return null;
    }
    return wait.value;
  }

  /**
   * Blocks the thread until the reader has made room, left, or `timeoutMs`
   * passed (a worker's last act before it ends; never on the main thread).
   */
  waitForRoomSync(timeoutMs: number): void {
    const h = this.header;
    Atomics.store(h, WRITER_SLEEPS, 1);
    const read = Atomics.load(h, READ);
    if (!(this.#msg === null ? this.canStart() : this.used() < this.capacity) && !this.readerDone) {
      Atomics.wait(h, READ, read, timeoutMs);
    }
    Atomics.store(h, WRITER_SLEEPS, 0);
  }

  /** Wakes after a wait: the writer no longer sleeps. */
  woke(): void {
    Atomics.store(this.header, WRITER_SLEEPS, 0);
  }

  /** The reader's thread is gone: nothing written will be read. */
  markReaderDone(): void {
    Atomics.store(this.header, READER_DONE, 1);
    Atomics.notify(this.header, READ);
  }

  /** Writes no more: the reader sees the end once it has read what is there. */
  end(): void {
    Atomics.store(this.header, WRITER_DONE, 1);
    Atomics.notify(this.header, WRITTEN);
  }
}

/** The reading end of a ring. */
export class RingReader extends RingBase {
  #frames: Buffer[] = [];
  #body: Buffer | null = null;
  #filled = 0;
  #more = false;

  /** The next whole message, or undefined when none is complete yet. */
  read(): Msg | undefined {
    const h = this.header;
    let read = Atomics.load(h, READ);
    let available = (Atomics.load(h, WRITTEN) - read) >>> 0;
    let msg: Msg | undefined;
    while (available > 0) {
      let body = this.#body;
      if (body === null) {
        if (available < FRAME_HEADER) break;
        const pos = read & this.mask;
        const length = this.#u32(pos);
        this.#more = this.#u32((pos + 4) & this.mask) !== 0;
        read = (read + FRAME_HEADER) | 0;
        available -= FRAME_HEADER;
        body = this.#body = Buffer.allocUnsafe(length);
        this.#filled = 0;
      }
      const n = Math.min(body.length - this.#filled, available);
      if (n > 0) {
        this.#copyOut(body, this.#filled, n, read);
        read = (read + n) | 0;
        available -= n;
        this.#filled += n;
      }
      if (this.#filled < body.length) break;
      this.#frames.push(body);
      this.#body = null;
      if (!this.#more) {
        msg = this.#frames;
        this.#frames = [];
        break;
      }
    }
    // The count first: a writer that wakes on READ must find the message gone from it too.
    if (msg !== undefined) Atomics.add(h, MESSAGES_READ, 1);
    Atomics.store(h, READ, read);
    if (Atomics.load(h, WRITER_SLEEPS) !== 0) Atomics.notify(h, READ);
    return msg;
  }

  #u32(pos: number): number {
    const d = this.data;
    const m = this.mask;
    return (d[pos]! | (d[(pos + 1) & m]! << 8) | (d[(pos + 2) & m]! << 16) | (d[(pos + 3) & m]! << 24)) >>> 0;
  }

  #copyOut(dst: Buffer, at: number, n: number, from: number): void {
    const pos = from & this.mask;
    const first = Math.min(n, this.capacity - pos);
    dst.set(this.data.subarray(pos, pos + first), at);
    if (first < n) dst.set(this.data.subarray(0, n - first), at + first);
  }

  /** Whether bytes wait in the ring. */
  get hasData(): boolean {
    return this.used() > 0;
  }

  /**
   * Resolves when the writer has written more (or ended). Returns null when
   * there is something to read already.
   */
  waitForData(): Promise<unknown> | null {
    const h = this.header;
    Atomics.store(h, READER_SLEEPS, 1);
    const written = Atomics.load(h, WRITTEN);
    if (written !== Atomics.load(h, READ) || this.writerDone) {
      Atomics.store(h, READER_SLEEPS, 0);
      return null;
    }
    const wait = waitAsync(h, WRITTEN, written);
    if (!wait.async) {
      Atomics.store(h, READER_SLEEPS, 0);
      return null;
    }
    return wait.value;
  }

  /** Wakes after a wait: the reader no longer sleeps. */
  woke(): void {
    Atomics.store(this.header, READER_SLEEPS, 0);
  }

  /** The writer's thread is gone: what it wrote is all there will be. */
  markWriterDone(): void {
    Atomics.store(this.header, WRITER_DONE, 1);
    Atomics.notify(this.header, WRITTEN);
  }

  /** Reads no more: a writer waiting for room wakes and gives up. */
  end(): void {
    Atomics.store(this.header, READER_DONE, 1);
    Atomics.notify(this.header, READ);
  }
}
