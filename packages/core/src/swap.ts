/**
 * SWAP: a socket's bounded spill to disk for messages beyond its send
 * high-water mark (libzmq 2.x's `ZMQ_SWAP`, gone since libzmq 3.0), opt-in
 * with the `swapDirectory` option. Messages that find every pipe full are
 * appended to segment files (format: swap-file.ts) instead of making
 * `send()` wait, and go out, in order, before any newer message as soon as a
 * pipe has room. `swapMaxBytes` bounds the disk; past it the socket's normal
 * high-water-mark behaviour applies. With `swapDurable` every spilled message
 * is fsynced before `send()` resolves and a new socket on the same directory
 * sends what an earlier run left, first.
 *
 * Disk I/O is synchronous and happens only while spilling or draining: a
 * socket whose peers keep up never touches the disk.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { ZmqError } from "./errors.js";
import type { Msg } from "./pipe.js";
import { RECORD_HEADER_BYTES, crc32, SEGMENT_MAGIC, decodeBody, encodeRecord, listSegments, recordBytes, recoverSegment, segmentPath } from "./swap-file.js";
import { registerSwap } from "./socket/socket-base.js";

/** What a swap is made with (the socket's `swap*` options). */
export interface SwapOptions {
  /** Directory of the segment files; one socket's alone. */
  directory: string;
  /** Most bytes of records on disk. */
  maxBytes: number;
  /** fsync each spill and keep the files across restarts. */
  durable: boolean;
  /** A new segment is started once the current one reaches this size. */
  segmentBytes?: number;
}

/** Counters of a socket's SWAP spill to disk (`socket.swapStats`), for tests and monitoring. */
export interface SwapStats {
  /** Messages written to disk. */
  spilled: number;
  /** Messages read back and sent. */
  drained: number;
  /** Messages found on disk from an earlier run (durable). */
  recovered: number;
  /** Bytes cut off torn or corrupt segment tails at recovery. */
  cutBytes: number;
  /** Spilled messages discarded because the spill could not be read back (see `lastError`). */
  discarded: number;
  /** The last error reading the spill back, if any. */
  lastError: Error | null;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Spills are gathered into a buffer this big before a write (not durable). */
const WRITE_BUFFER_BYTES = 1024 * 1024;
const READ_BUFFER_BYTES = 1024 * 1024;

interface Segment {
  seq: number;
  /** Bytes in the file, including the magic and what is still in the write buffer. */
  size: number;
}

export class SwapQueue {
  readonly stats: SwapStats = { spilled: 0, drained: 0, recovered: 0, cutBytes: 0, discarded: 0, lastError: null };
  readonly #directory: string;
  readonly #maxBytes: number;
  readonly #durable: boolean;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  /** Messages on disk not yet taken. */
  #count = 0;
  /**
   * Record bytes in the segment files (what `maxBytes` bounds): records already
   * taken count until their segment is deleted, since they are still on disk.
   */
  #bytes = 0;
  #writeFd = -1;
  #writeBuffer: Buffer;
  #writeUsed = 0;
  #readFd = -1;
  /** File offset of `#readBuffer[0]`. */
  #readBase = 0;
  #readBuffer: Buffer;
  #readStart = 0;
  #readEnd = 0;
  #head: Msg | undefined = undefined;
  #closed = false;

  constructor(options: SwapOptions) {
    this.#directory = options.directory;
    this.#maxBytes = options.maxBytes;
    this.#durable = options.durable;
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#writeBuffer = Buffer.allocUnsafe(this.#durable ? 0 : WRITE_BUFFER_BYTES);
    this.#readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    mkdirSync(this.#directory, { recursive: true });
    for (const seq of listSegments(this.#directory)) {
      const path = segmentPath(this.#directory, seq);
      if (!this.#durable) {
        // Not durable: what an earlier run left is not ours to send.
        unlinkSync(path);
        continue;
      }
      const found = recoverSegment(path, this.#maxBytes);
      this.stats.cutBytes += found.cutBytes;
      if (found.records === 0) {
        unlinkSync(path);
        continue;
      }
      this.#segments.push({ seq, size: found.validBytes });
      this.#count += found.records;
      this.#bytes += found.validBytes - SEGMENT_MAGIC.length;
      this.stats.recovered += found.records;
    }
  }

  /** Messages waiting on disk. */
  get length(): number {
    return this.#count;
  }

  /** Record bytes in the segment files, taken records of a segment not yet deleted included. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends `msg` unless that would pass `maxBytes` (then returns false and
   * the caller applies its high-water-mark behaviour). Throws on I/O errors.
   */
  tryAppend(msg: Msg): boolean {
    if (this.#closed) return false;
    const size = recordBytes(msg);
    if (this.#bytes + size > this.#maxBytes) return false;
    let segment = this.#segments.at(-1);
    if (segment === undefined || segment.size >= this.#segmentBytes || this.#writeFd === -1) {
      segment = this.#startSegment();
    }
    if (this.#durable || size > this.#writeBuffer.length) {
      this.#flushWrites();
      const record = Buffer.allocUnsafe(size);
      encodeRecord(msg, record, 0);
      this.#writeAll(record);
      if (this.#durable) fdatasyncSync(this.#writeFd);
    } else {
      if (this.#writeUsed + size > this.#writeBuffer.length) this.#flushWrites();
      this.#writeUsed = encodeRecord(msg, this.#writeBuffer, this.#writeUsed);
    }
    segment.size += size;
    this.#count++;
    this.#bytes += size;
    this.stats.spilled++;
    return true;
  }

  /** The oldest message on disk, without taking it. */
  peek(): Msg | undefined {
    if (this.#head === undefined && this.#count > 0) this.#readHead();
    return this.#head;
  }

  /** Takes the message {@link peek} returned. */
  shift(): void {
    if (this.peek() === undefined) return;
    this.#head = undefined;
    this.#count--;
    this.stats.drained++;
    const segment = this.#segments[0]!;
    const atEnd = this.#readBase + this.#readStart === segment.size;
    if (!atEnd) return;
    if (this.#segments.length > 1 || this.#count === 0) {
      // Every record of the oldest segment was taken: it goes.
      closeSync(this.#readFd);
      this.#readFd = -1;
      if (this.#segments.length === 1 && this.#writeFd !== -1) {
        closeSync(this.#writeFd);
        this.#writeFd = -1;
        this.#writeUsed = 0;
      }
      this.#segments.shift();
      unlinkSync(segmentPath(this.#directory, segment.seq));
      this.#bytes -= segment.size - SEGMENT_MAGIC.length;
    }
  }

  /**
   * The spill cannot be read back (`error`, from {@link peek}): what is left
   * of it is counted in `discarded`, its files deleted, and the swap starts
   * empty. The caller reports the error.
   */
  discard(error: Error): void {
    this.stats.lastError = error;
    this.stats.discarded += this.#count;
    this.#head = undefined;
    if (this.#writeFd !== -1) closeSync(this.#writeFd);
    if (this.#readFd !== -1) closeSync(this.#readFd);
    this.#writeFd = -1;
    this.#readFd = -1;
    this.#writeUsed = 0;
    for (const segment of this.#segments) unlinkSync(segmentPath(this.#directory, segment.seq));
    this.#segments.length = 0;
    this.#count = 0;
    this.#bytes = 0;
  }

  /**
   * Closes the files. Not durable: the segments are deleted (what they held is
   * dropped, as a closed socket drops its queues). Durable: they stay for the
   * next socket on this directory.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#writeFd !== -1) {
      this.#flushWrites();
      closeSync(this.#writeFd);
      this.#writeFd = -1;
    }
    if (this.#readFd !== -1) closeSync(this.#readFd);
    this.#readFd = -1;
    if (!this.#durable) for (const segment of this.#segments) unlinkSync(segmentPath(this.#directory, segment.seq));
    this.#segments.length = 0;
  }

  #startSegment(): Segment {
    this.#flushWrites();
    if (this.#writeFd !== -1) {
      if (this.#durable) fdatasyncSync(this.#writeFd);
      closeSync(this.#writeFd);
    }
    const last = this.#segments.at(-1);
    if (last !== undefined && last.size < this.#segmentBytes) {
      // A recovered segment with room: append to it.
      this.#writeFd = openSync(segmentPath(this.#directory, last.seq), "a");
      return last;
    }
    const seq = (last?.seq ?? listSegments(this.#directory).at(-1) ?? 0) + 1;
    this.#writeFd = openSync(segmentPath(this.#directory, seq), "wx");
    this.#writeAll(SEGMENT_MAGIC);
    const segment = { seq, size: SEGMENT_MAGIC.length };
    this.#segments.push(segment);
    return segment;
  }

  #flushWrites(): void {
    if (this.#writeUsed === 0) return;
    this.#writeAll(this.#writeBuffer.subarray(0, this.#writeUsed));
    this.#writeUsed = 0;
  }

  #writeAll(data: Buffer): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.#writeFd, data, done, data.length - done);
  }

  #readHead(): void {
    const segment = this.#segments[0]!;
    if (this.#readFd === -1) {
      this.#readFd = openSync(segmentPath(this.#directory, segment.seq), "r");
      this.#readBase = 0;
      this.#readStart = 0;
      this.#readEnd = 0;
      this.#ensure(SEGMENT_MAGIC.length, segment);
      if (!this.#readBuffer.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) throw this.#corrupt(segment, "bad magic");
      this.#readStart = SEGMENT_MAGIC.length;
    }
    this.#ensure(RECORD_HEADER_BYTES, segment);
    const length = this.#readBuffer.readUInt32BE(this.#readStart);
    const crc = this.#readBuffer.readUInt32BE(this.#readStart + 4);
    if (length > this.#maxBytes) throw this.#corrupt(segment, `record length ${length}`);
    this.#ensure(RECORD_HEADER_BYTES + length, segment);
    const body = this.#readBuffer.subarray(this.#readStart + RECORD_HEADER_BYTES, this.#readStart + RECORD_HEADER_BYTES + length);
    const msg = crc32(body) === crc ? decodeBody(body) : null;
    if (msg === null) throw this.#corrupt(segment, "bad record");
    this.#readStart += RECORD_HEADER_BYTES + length;
    this.#head = msg;
  }

  /** Makes `n` bytes from `#readStart` available in the read buffer. */
  #ensure(n: number, segment: Segment): void {
    if (this.#readEnd - this.#readStart >= n) return;
    if (this.#segments.length === 1) this.#flushWrites();
    const kept = this.#readEnd - this.#readStart;
    const target = n > this.#readBuffer.length ? Buffer.allocUnsafe(n) : this.#readBuffer;
    this.#readBuffer.copy(target, 0, this.#readStart, this.#readEnd);
    this.#readBase += this.#readStart;
    this.#readBuffer = target;
    this.#readStart = 0;
    this.#readEnd = kept;
    while (this.#readEnd < n) {
      const got = readSync(this.#readFd, target, this.#readEnd, target.length - this.#readEnd, this.#readBase + this.#readEnd);
      if (got === 0) throw this.#corrupt(segment, "file ends inside a record");
      this.#readEnd += got;
    }
  }

  #corrupt(segment: Segment, what: string): ZmqError {
    return new ZmqError("EIO", `Swap segment ${segmentPath(this.#directory, segment.seq)} is corrupt (${what}) at offset ${this.#readBase + this.#readStart}`);
  }
}

registerSwap((options) => new SwapQueue(options));
