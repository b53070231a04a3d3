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
import { expectFlat, fixture, killLoop, PeerProcess, ROUNDS, roundsTimeout, u32 } from "../../../core/test/faults/harness.js";

const PEER = fixture(import.meta.url, "peer.mjs");
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const MID_STREAM = 100;
const PRODUCERS = 16;

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
        let baseline: Awaited<ReturnType<typeof killLoop>>;
        try {
          baseline = await killLoop({
            start: () => {
              const peer = new PeerProcess(PEER, ["worker", endpoint], DIST);
              peer.onReport((r) => {
                for (const id of (r.handled as number[] | undefined) ?? []) processed.set(id, (processed.get(id) ?? 0) + 1);
              });
              return peer;
            },
            progress: () => acked,
            midStream: MID_STREAM,
            what: "acks through worker",
          });
        } finally {
          running = false;
          await Promise.all(producers);
        }
        await queue.drain();
        const flat = await expectFlat(baseline, expect);
        await queue.close();

        expect(wrong).toEqual([]);
        expect(deadLetters).toEqual([]);
        expect(acked).toBe(submitted);
        const twice = [...processed.values()].filter((n) => n > 1).length;
        console.log(
          `faults pipeline ${transport} rounds=${ROUNDS}: items ${submitted}, acknowledged ${acked}, lost 0, processed more than once ${twice} (reported before the kill); ` +
            `${flat}`,
        );
      },
      roundsTimeout(8000),
    );
  }
});
