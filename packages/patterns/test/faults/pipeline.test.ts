/**
 * WorkQueue with its Worker process SIGKILLed mid-stream and restarted,
 * ROUNDS times (FAULT_ROUNDS=100 for the long run).
 *
 * Promise under test (docs/patterns.md, pipeline): delivery is at least
 * once: an item the killed worker held unacknowledged is redelivered (its
 * worker became unreachable or missed heartbeats) and every submitted item
 * is acknowledged with its own result; items processed twice are counted.
 * The queue's fds and memory stay flat.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/index.js";
import { bindAddress, until } from "../../../core/test/helpers.js";
import { describeFootprint, footprint, mb } from "../../../core/test/hostile/measure.js";
import { fixture, PeerProcess, ROUNDS, roundsTimeout, rss } from "../../../core/test/faults/harness.js";

const PEER = fixture(import.meta.url, "peer.mjs");
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const MID_STREAM = 100;
const PRODUCERS = 16;
const FDS_BOUND = 2;
const MEMORY_BOUND = 8 * 1024 * 1024;
const RSS_BOUND = 64 * 1024 * 1024;

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

describe("WorkQueue with its Worker process killed mid-stream", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    it(
      `acknowledges every item at least once, with its own result, through ${ROUNDS} SIGKILLs of the worker over ${transport}`,
      async () => {
        const deadLetters: string[] = [];
        const queue = new WorkQueue({
          bind: [bindAddress(transport)],
          heartbeatInterval: 100,
          heartbeatLiveness: 5,
          // Each kill costs the items it held one attempt; a generous limit keeps "at least once" the rule under test.
          maxAttempts: 1000,
          onDeadLetter: (_queue, frames, reason) => deadLetters.push(`${frames[0]?.readUInt32BE(0)}: ${reason}`),
        });
        await queue.start();
        const endpoint = queue.endpoints[0]!;
        let submitted = 0;
        let acked = 0;
        const wrong: string[] = [];
        let running = true;
        const producers = Array.from({ length: PRODUCERS }, async () => {
          while (running) {
            const id = submitted++;
            try {
              const [result] = await queue.submit("jobs", [u32(id)]);
              if (result?.readUInt32BE(0) !== id) wrong.push(`item ${id} got result ${result?.readUInt32BE(0)}`);
              acked++;
            } catch (error) {
              wrong.push(`item ${id}: ${String(error)}`);
            }
          }
        });

        const processed = new Map<number, number>();
        let before = null as Awaited<ReturnType<typeof footprint>> | null;
        let rssBefore = 0;
        try {
          for (let round = 0; round <= ROUNDS; round++) {
            const worker = new PeerProcess(PEER, ["worker", endpoint], DIST);
            worker.onReport((r) => {
              for (const id of (r.handled as number[] | undefined) ?? []) processed.set(id, (processed.get(id) ?? 0) + 1);
            });
            await worker.next("ready");
            const base = acked;
            await until(() => acked >= base + MID_STREAM, `acks through worker ${round}`, 20_000);
            if (round === 1) {
              before = await footprint();
              rssBefore = rss();
            }
            if (round < ROUNDS) await worker.kill();
          }
        } finally {
          running = false;
          await Promise.all(producers);
        }
        await queue.drain();
        const after = await footprint();
        const rssAfter = rss();
        await queue.close();

        expect(wrong).toEqual([]);
        expect(deadLetters).toEqual([]);
        expect(acked).toBe(submitted);
        expect(after.fds - before!.fds).toBeLessThanOrEqual(FDS_BOUND);
        expect(after.heap + after.external - before!.heap - before!.external).toBeLessThanOrEqual(MEMORY_BOUND);
        expect(rssAfter - rssBefore).toBeLessThanOrEqual(RSS_BOUND);
        const twice = [...processed.values()].filter((n) => n > 1).length;
        console.log(
          `faults pipeline ${transport} rounds=${ROUNDS}: items ${submitted}, acknowledged ${acked}, lost 0, processed more than once ${twice} (reported before the kill); ` +
            `${describeFootprint(before!, after)}, rss ${mb(rssBefore)} -> ${mb(rssAfter)}`,
        );
      },
      roundsTimeout(8000),
    );
  }
});
