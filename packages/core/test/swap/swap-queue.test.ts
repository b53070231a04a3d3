/**
 * SwapQueue (src/swap.ts) with small segments, so that order across segment
 * files, the roll from one file to the next while the write buffer holds
 * records, recovery of several segments and the disk bound are exercised in
 * the plain suite (a socket's segments are 64 MiB, which only the 1 GiB test
 * in swap-gib.long.test.ts crosses).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SwapQueue, type SwapOptions } from "../../src/swap.js";

const dirs: string[] = [];
const queues: SwapQueue[] = [];
afterEach(() => {
  for (const queue of queues.splice(0)) queue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "skein-swapq-"));
  dirs.push(dir);
  return dir;
}

function queue(options: Partial<SwapOptions> & { directory: string }): SwapQueue {
  const made = new SwapQueue({ maxBytes: 1 << 30, durable: false, segmentBytes: 4096, ...options });
  queues.push(made);
  return made;
}

/** Message `i`: two frames, the first its number, the second of a length that varies with it. */
function numbered(i: number): Buffer[] {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(i, 0);
  return [head, Buffer.alloc((i * 37) % 700, i & 0xff)];
}

function numberOf(msg: Buffer[] | undefined): number {
  expect(msg).toBeDefined();
  return msg![0]!.readUInt32BE(0);
}

/** Takes every message left, returning their numbers in the order read. */
function drainAll(swap: SwapQueue): number[] {
  const got: number[] = [];
  for (let msg = swap.peek(); msg !== undefined; msg = swap.peek()) {
    got.push(numberOf(msg));
    expect(msg[1]).toEqual(numbered(got.at(-1)!)[1]);
    swap.shift();
  }
  return got;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith(".skswap")).sort();
}

describe("SwapQueue", () => {
  it("reads many segments oldest first, records appended between takes behind the rest", () => {
    const dir = tempDir();
    const swap = queue({ directory: dir });
    let next = 0;
    for (; next < 200; next++) expect(swap.tryAppend(numbered(next))).toBe(true);
    expect(segmentFiles(dir).length).toBeGreaterThan(3);
    // Take some, append some: the reader is in the oldest file while the writer rolls to new ones.
    const got: number[] = [];
    for (let round = 0; round < 300; round++) {
      got.push(numberOf(swap.peek()));
      swap.shift();
      if (round % 3 !== 0) expect(swap.tryAppend(numbered(next++))).toBe(true);
    }
    got.push(...drainAll(swap));
    expect(got).toEqual([...Array(next).keys()]);
    expect(swap.length).toBe(0);
    expect(segmentFiles(dir)).toEqual([]);
  });

  it("durable: a swap opened on an earlier run's segments sends them all, oldest segment first, then its own", () => {
    const dir = tempDir();
    const first = new SwapQueue({ directory: dir, maxBytes: 1 << 30, durable: true, segmentBytes: 2048 });
    for (let i = 0; i < 60; i++) expect(first.tryAppend(numbered(i))).toBe(true);
    first.close();
    expect(segmentFiles(dir).length).toBeGreaterThan(3);
    const second = queue({ directory: dir, durable: true, segmentBytes: 2048 });
    expect(second.stats.recovered).toBe(60);
    for (let i = 60; i < 80; i++) expect(second.tryAppend(numbered(i))).toBe(true);
    expect(drainAll(second)).toEqual([...Array(80).keys()]);
  });

  it("bounds the bytes in its files by maxBytes, records taken from a segment not yet deleted included", () => {
    const dir = tempDir();
    const maxBytes = 16 * 1024;
    const swap = queue({ directory: dir, maxBytes });
    const fileBytes = (): number => segmentFiles(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size - 8, 0);
    let next = 0;
    let taken = 0;
    let maxSeen = 0;
    for (let round = 0; round < 2000; round++) {
      // Append until refused, then take a few: the oldest file keeps what was taken until it is deleted.
      while (swap.tryAppend(numbered(next))) next++;
      for (let i = 0; i < 3 && swap.peek() !== undefined; i++) {
        expect(numberOf(swap.peek())).toBe(taken++);
        swap.shift();
      }
      // The write buffer is not on disk yet: count what the queue says is in its files too.
      maxSeen = Math.max(maxSeen, fileBytes(), swap.bytes);
    }
    expect(maxSeen).toBeLessThanOrEqual(maxBytes);
    expect(maxSeen).toBeGreaterThan(maxBytes / 2);
  });
});
