/**
 * RpcClient against an RpcServer process that is SIGKILLed mid-stream and
 * restarted on the same endpoint, ROUNDS times (FAULT_ROUNDS=100 for the
 * long run).
 *
 * Promise under test (docs/patterns.md, request-reply): a request in flight
 * when its server dies is retried after its per-attempt `timeout` and the
 * backoff, and completes on the restarted server, or rejects with
 * ETIMEDOUT once `retries` are spent; a reply always belongs to its request;
 * a server may see a request twice (retries), which is counted. The client's
 * fds and memory stay flat.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PatternError, RpcClient } from "../../src/index.js";
import { freeAddress, until } from "../../../core/test/helpers.js";
import { expectFlat, fixture, killLoop, PeerProcess, ROUNDS, roundsTimeout, u32 } from "../../../core/test/faults/harness.js";

const PEER = fixture(import.meta.url, "peer.mjs");
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const MID_STREAM = 100;
const CONCURRENCY = 16;

describe("RpcClient with its RpcServer process killed mid-stream", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    it(
      `completes or times out every request through ${ROUNDS} SIGKILLs and restarts of the server on the same ${transport} endpoint, never with a wrong reply`,
      async () => {
        const endpoint = await freeAddress(transport);
        const client = new RpcClient({ endpoints: [endpoint], timeout: 500, retries: 8, backoff: { initial: 50, max: 200 } });
        let issued = 0;
        let replied = 0;
        let timedOut = 0;
        const wrong: string[] = [];
        let running = true;
        const loops = Array.from({ length: CONCURRENCY }, async () => {
          while (running) {
            const id = issued++;
            try {
              const [reply] = await client.request([u32(id)]);
              if (reply?.readUInt32BE(0) !== id) wrong.push(`request ${id} got reply ${reply?.readUInt32BE(0)}`);
              replied++;
            } catch (error) {
              if (error instanceof PatternError && error.code === "ETIMEDOUT") timedOut++;
              else wrong.push(`request ${id}: ${String(error)}`);
            }
          }
        });

        const seen = new Map<number, number>();
        let baseline: Awaited<ReturnType<typeof killLoop>>;
        try {
          baseline = await killLoop({
            start: () => {
              const peer = new PeerProcess(PEER, ["rpc-server", endpoint], DIST);
              peer.onReport((r) => {
                for (const id of (r.handled as number[] | undefined) ?? []) seen.set(id, (seen.get(id) ?? 0) + 1);
              });
              return peer;
            },
            progress: () => replied,
            midStream: MID_STREAM,
            what: "replies from server",
          });
        } finally {
          running = false;
          await Promise.all(loops);
        }
        const flat = await expectFlat(baseline, expect);
        await client.close();

        expect(wrong).toEqual([]);
        expect(replied + timedOut).toBe(issued);
        expect(client.inFlight).toBe(0);
        const duplicated = [...seen.values()].filter((n) => n > 1).length;
        console.log(
          `faults rpc ${transport} rounds=${ROUNDS}: requests ${issued}, replied ${replied}, timed out ${timedOut}, wrong replies 0, ` +
            `handled twice by servers ${duplicated}; ${flat}`,
        );
      },
      roundsTimeout(8000),
    );
  }
});
