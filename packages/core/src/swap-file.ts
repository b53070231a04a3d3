/**
 * The on-disk format of a socket's swap (see swap.ts and docs/swap.md).
 *
 * A swap directory holds segment files named `<16-digit sequence>.skswap`,
 * read and deleted in sequence order. A segment is the 8-byte magic
 * `SKSWAP01` followed by records:
 *
 *     u32be bodyLength | u32be crc32(body) | body
 *     body = u32be frameCount, then per frame: u32be length | bytes
 *
 * The file is input: on recovery a record that is short (torn by a crash),
 * fails its CRC, or whose frames do not add up to its length ends the valid
 * part; the segment is cut there and nothing after it is parsed.
 */
import { closeSync, openSync, readSync, readdirSync, ftruncateSync, fstatSync } from "node:fs";
import { join } from "node:path";
import { lazyRequire } from "./util/lazy-require.js";
import type { Msg } from "./pipe.js";

const zlib = lazyRequire<typeof import("node:zlib")>("node:zlib");

/**
 * CRC-32 of `data` (node:zlib's, the checksum of a record). node:zlib is required on
 * the first record, not when the package loads: a program that never spills pays
 * nothing for it.
 */
export function crc32(data: Uint8Array): number {
  return zlib().crc32(data);
}

/** First bytes of every segment file. */
export const SEGMENT_MAGIC = Buffer.from("SKSWAP01", "latin1");
/** A record's header: body length and CRC-32 of the body. */
export const RECORD_HEADER_BYTES = 8;
/** File name suffix of segment files. */
export const SEGMENT_SUFFIX = ".skswap";

/** The file name of segment `seq`. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(16, "0")}${SEGMENT_SUFFIX}`;
}

/** The sequence numbers of the segments in `directory`, in order. Other files are left alone. */
export function listSegments(directory: string): number[] {
  const seqs: number[] = [];
  for (const name of readdirSync(directory)) {
    const match = /^(\d{16})\.skswap$/.exec(name);
    if (match !== null) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

/** Bytes a message takes as a record. */
export function recordBytes(msg: Msg): number {
  let n = RECORD_HEADER_BYTES + 4;
  for (const frame of msg) n += 4 + frame.length;
  return n;
}

/** Writes `msg` as one record into `out` at `offset`; returns the offset after it. */
export function encodeRecord(msg: Msg, out: Buffer, offset: number): number {
  const start = offset;
  let at = offset + RECORD_HEADER_BYTES;
  at = out.writeUInt32BE(msg.length, at);
  for (const frame of msg) {
    at = out.writeUInt32BE(frame.length, at);
    at += frame.copy(out, at);
  }
  const bodyLength = at - start - RECORD_HEADER_BYTES;
  out.writeUInt32BE(bodyLength, start);
  out.writeUInt32BE(crc32(out.subarray(start + RECORD_HEADER_BYTES, at)), start + 4);
  return at;
}

/**
 * Parses a record body (CRC already checked). Returns null when the frames do
 * not fill the body exactly. Frames are copies: `body` may be reused.
 */
export function decodeBody(body: Buffer): Msg | null {
  if (body.length < 4) return null;
  const count = body.readUInt32BE(0);
  // Each frame needs at least its 4-byte length: a count beyond that is corrupt, not an allocation.
  if (count > (body.length - 4) / 4) return null;
  const msg: Msg = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) return null;
    const length = body.readUInt32BE(at);
    at += 4;
    if (length > body.length - at) return null;
    const frame = Buffer.allocUnsafe(length);
    body.copy(frame, 0, at, at + length);
    msg.push(frame);
    at += length;
  }
  return at === body.length ? msg : null;
}

/** What recovery found in one segment. */
export interface RecoveredSegment {
  /** Valid records. */
  records: number;
  /** Size of the file after the cut (magic plus valid records). */
  validBytes: number;
  /** Bytes cut off the end (torn or corrupt), 0 when the segment was whole. */
  cutBytes: number;
}

/**
 * Scans a segment left by an earlier run, counts its valid records and cuts
 * the file after the last one (a torn or corrupt tail), so appends and reads
 * never see it. `maxRecordBytes` bounds what a length field may claim.
 */
export function recoverSegment(path: string, maxRecordBytes: number): RecoveredSegment {
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const magic = Buffer.alloc(SEGMENT_MAGIC.length);
    const got = readSync(fd, magic, 0, magic.length, 0);
    if (got < magic.length || !magic.equals(SEGMENT_MAGIC)) {
      // Not even a whole header: nothing in it can be trusted.
      ftruncateSync(fd, 0);
      return { records: 0, validBytes: 0, cutBytes: size };
    }
    let position = SEGMENT_MAGIC.length;
    let records = 0;
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    while (position < size) {
      if (readSync(fd, header, 0, RECORD_HEADER_BYTES, position) < RECORD_HEADER_BYTES) break;
      const length = header.readUInt32BE(0);
      if (length > maxRecordBytes || length > size - position - RECORD_HEADER_BYTES) break;
      const body = Buffer.allocUnsafe(length);
      if (readSync(fd, body, 0, length, position + RECORD_HEADER_BYTES) < length) break;
      if (crc32(body) !== header.readUInt32BE(4) || decodeBody(body) === null) break;
      position += RECORD_HEADER_BYTES + length;
      records++;
    }
    if (position < size) ftruncateSync(fd, position);
    return { records, validBytes: position, cutBytes: size - position };
  } finally {
    closeSync(fd);
  }
}

/** Path of segment `seq` in `directory`. */
export function segmentPath(directory: string, seq: number): string {
  return join(directory, segmentName(seq));
}
