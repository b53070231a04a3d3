/**
 * SWAP under a slow consumer, at scale: about 1 GiB of messages through a
 * PUSH whose spill is bounded by `swapMaxBytes` (docs/swap.md). Long (about a
 * minute), so not part of `pnpm test`: `.ci/suites/swap.sh` runs it with
 * vitest.swap.config.ts (`--expose-gc`).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { freeAddress, socketScope, until } from "../helpers.js";
import { mb, settledExternal, settledHeap } from "../hostile/measure.js";

const open = socketScope();

/** Total payload sent (`SKEIN_SWAP_BYTES` to change it). */
const TOTAL_BYTES = Number(process.env.SKEIN_SWAP_BYTES ?? 1024 * 1024 * 1024);
/** The spill's bound: a quarter of what goes through, so the sender meets it and waits. */
const SWAP_MAX_BYTES = 256 * 1024 * 1024;
/** Messages of about 64 KiB, of varying lengths so records straddle the 1 MiB read and write buffers at odd offsets. */
const BASE_SIZE = 64 * 1024;
const HWM = 16;
/** Bounds on heap growth (after forced GC) and on Buffers outside the heap (pipes, socket and file buffers: about 21 MB at the peak measured), before, at the peak sampled and after: the 256 MiB spill held in memory would be far above either. */
const HEAP_BOUND = 16 * 1024 * 1024;
const EXTERNAL_BOUND = 48 * 1024 * 1024;
/** Record framing of one single-frame message on disk (swap-file.ts): length, CRC, frame count, frame length. */
const RECORD_OVERHEAD = 16;
const SEGMENT_MAGIC_BYTES = 8;

function sizeOf(i: number): number {
  return BASE_SIZE - 2048 + ((i * 7919) % 4096);
}

/** Message `i`: its number in octets 0-3, every other octet `i & 0xff`. */
function numbered(i: number): Buffer {
  const buf = Buffer.alloc(sizeOf(i), i & 0xff);
  buf.writeUInt32BE(i, 0);
  return buf;
}

/** Record bytes in the directory's segment files now (files deleted while looking are not counted). */
function diskRecordBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".skswap")) continue;
    const stat = statSync(join(dir, name), { throwIfNoEntry: false });
    if (stat === undefined) continue;
    files++;
    bytes += Math.max(0, stat.size - SEGMENT_MAGIC_BYTES);
  }
  return { bytes, files };
}

describe("SWAP at scale", () => {
  it(`a slow consumer gets all ${mb(TOTAL_BYTES)} in order while the spill stays within swapMaxBytes, the heap flat and no file left`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "skein-swap-gib-"));
    open.defer(() => rmSync(dir, { recursive: true, force: true }));
    const count = Math.ceil(TOTAL_BYTES / BASE_SIZE);
    const address = await freeAddress("tcp");
    const push = open(new Push({ sendHighWaterMark: HWM, swapDirectory: dir, swapMaxBytes: SWAP_MAX_BYTES }));
    push.connect(address);
    const heapBefore = await settledHeap();
    const externalBefore = await settledExternal();

    let sent = 0;
    const sending = (async () => {
      for (; sent < count; sent++) await push.send(numbered(sent));
    })();
    // The consumer comes late: the spill first fills to its bound, where send() waits.
    const fullAt = Math.floor(SWAP_MAX_BYTES / (BASE_SIZE + 2048 + RECORD_OVERHEAD));
    await until(() => push.swapLength >= fullAt, `the spill to reach swapMaxBytes (${fullAt} messages)`, 120_000);
    const lengthAtBound = push.swapLength;
    const sentAtBound = sent;

    const pull = open(new Pull({ receiveHighWaterMark: HWM }));
    await pull.bind(address);
    let maxDisk = 0;
    let maxFiles = 0;
    let heapPeak = heapBefore;
    let externalPeak = externalBefore;
    const sampleEvery = Math.ceil(count / 16);
    let wrong = 0;
    const fill = Buffer.alloc(BASE_SIZE + 2048);
    for (let i = 0; i < count; i++) {
      const [frame] = await pull.receive();
      // Each message's own number, length and every octet of its fill: a count alone would miss a swap or a repeat.
      fill.fill(i & 0xff);
      const length = frame!.length;
      if (frame!.readUInt32BE(0) !== i || length !== sizeOf(i) || frame!.compare(fill, 0, length - 4, 4, length) !== 0) {
        wrong++;
        expect({ at: i, number: frame!.readUInt32BE(0), length: frame!.length }).toEqual({ at: i, number: i, length: sizeOf(i) });
      }
      if (i % 64 === 0) {
        const disk = diskRecordBytes(dir);
        maxDisk = Math.max(maxDisk, disk.bytes);
        maxFiles = Math.max(maxFiles, disk.files);
      }
      if (i % sampleEvery === sampleEvery - 1) {
        heapPeak = Math.max(heapPeak, await settledHeap());
        externalPeak = Math.max(externalPeak, await settledExternal());
      }
    }
    await sending;
    const stats = push.swapStats!;
    // Every segment is deleted once its last record is sent.
    await until(() => diskRecordBytes(dir).files === 0, "segments deleted once sent");
    const heapAfter = await settledHeap();
    const externalAfter = await settledExternal();
    console.log(
      `swap at scale: ${count} msgs (${mb(TOTAL_BYTES)}), spilled ${stats.spilled} (${lengthAtBound} waiting when ${sentAtBound} were sent and the bound held), ` +
        `disk at most ${mb(maxDisk)} in ${maxFiles} file(s) (swapMaxBytes ${mb(SWAP_MAX_BYTES)}); ` +
        `heap ${mb(heapBefore)} before, ${mb(heapPeak)} peak, ${mb(heapAfter)} after; Buffers outside the heap ${mb(externalBefore)}, ${mb(externalPeak)}, ${mb(externalAfter)}`,
    );
    expect(wrong).toBe(0);
    // The sender met the bound and waited there: a quarter of the messages at most were on disk at once.
    expect(sentAtBound).toBeLessThan(count / 2);
    expect(stats.spilled).toBeGreaterThan(count / 2);
    expect(stats.drained).toBe(stats.spilled);
    expect(stats.discarded).toBe(0);
    expect(push.swapLength).toBe(0);
    // swapMaxBytes bounds what the files hold, records already sent but not yet deleted included.
    expect(maxDisk).toBeLessThanOrEqual(SWAP_MAX_BYTES);
    expect(maxDisk).toBeGreaterThan(SWAP_MAX_BYTES / 2);
    expect(heapPeak - heapBefore).toBeLessThan(HEAP_BOUND);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_BOUND);
    expect(externalPeak - externalBefore).toBeLessThan(EXTERNAL_BOUND);
    expect(externalAfter - externalBefore).toBeLessThan(EXTERNAL_BOUND);
    push.close();
    expect(readdirSync(dir)).toEqual([]);
  }, 300_000);
});
