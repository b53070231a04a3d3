/**
 * The pipeline against hostile peers: a "worker" that forges
 * acknowledgements and sends malformed commands to a WorkQueue, and a
 * "queue" that floods a Worker with more items than it has credits for.
 * Each time the bad input is dropped and counted, the good peers' items
 * all complete with their own results, and memory comes back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Router } from "@skein/core";
import { WorkQueue, Worker } from "../../src/index.js";
import { describeFootprint, footprint } from "../../../core/test/hostile/measure.js";
import { ANY_PORT, gate, until, within } from "../helpers.js";
import { u64 } from "./raw-peer.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HEAP_BOUND = 8 * 1024 * 1024;
const RELAXED = { heartbeatInterval: 1000, heartbeatLiveness: 5 };
const u32 = (value: number): Buffer => {
  const frame = Buffer.alloc(4);
  frame.writeUInt32BE(value);
  return frame;
};

describe("WorkQueue against a hostile worker", () => {
  it("drops forged acknowledgements and malformed commands; every item completes with the good worker's result", async () => {
    const queue = new WorkQueue({ bind: [ANY_PORT], ...RELAXED, onError: () => undefined });
    await queue.start();
    closers.push(() => queue.close());
    const endpoint = queue.endpoints[0]!;
    const release = gate();
    const good = new Worker({ connect: [endpoint], queue: "jobs", concurrency: 50, ...RELAXED });
    closers.push(() => good.close(0));
    await good.process(async ([frame]) => {
      await release.promise;
      return [Buffer.from(`good ${frame!.toString()}`)];
    });
    const before = await footprint();
    const results = Array.from({ length: 50 }, (_, i) => queue.submit("jobs", [Buffer.from(`item ${i}`)]));
    await until(() => queue.stats.unacked === 50, "the good worker to hold every item");
    // The hostile worker registers with no credit (it is sent nothing) and acknowledges what it can guess.
    const hostile = new Dealer({ linger: 0 });
    closers.push(() => hostile.close());
    hostile.connect(endpoint);
    await hostile.send([Buffer.from("R"), Buffer.from("jobs"), u32(0)]);
    for (let id = 1; id <= 50; id++) {
      await hostile.send([Buffer.from("A"), u64(id), Buffer.from("forged")]);
      await hostile.send([Buffer.from("N"), u64(id), Buffer.from("forged failure")]);
    }
    await hostile.send([Buffer.from("A"), Buffer.alloc(8, 0xff), Buffer.from("beyond 2^53")]);
    await hostile.send([Buffer.from("A"), Buffer.alloc(1024 * 1024), Buffer.from("a megabyte of id")]);
    await hostile.send([Buffer.from("AB")]);
    await hostile.send([Buffer.from("R"), Buffer.from("jobs")]);
    await hostile.send([Buffer.alloc(0)]);
    await until(() => queue.stats.protocolErrors >= 103, "the forgeries and malformed commands to be counted");
    expect(queue.stats).toMatchObject({ acked: 0, redelivered: 0, unacked: 50 });
    release.open();
    const replies = await within(Promise.all(results), 10_000, "every item's result");
    expect(replies.map(([frame]) => frame!.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `good item ${i}`));
    expect(queue.stats).toMatchObject({ acked: 50, redelivered: 0, protocolErrors: 103 });
    hostile.close();
    const after = await footprint();
    console.log(`WorkQueue vs hostile worker: ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });
});

describe("Worker against a hostile queue", () => {
  it("runs no more items than its credits, refuses the rest (NACK) and drops malformed commands", async () => {
    // mandatory: its sends wait at the high-water mark instead of being dropped, so every one arrives.
    const hostile = new Router({ linger: 0, mandatory: true });
    await hostile.bind(ANY_PORT);
    closers.push(() => hostile.close());
    const errors: unknown[] = [];
    const worker = new Worker({ connect: [hostile.lastEndpoint!], queue: "jobs", concurrency: 2, ...RELAXED, onError: (e) => errors.push(e) });
    closers.push(() => worker.close(0));
    const release = gate();
    let running = 0;
    let highest = 0;
    await worker.process(async () => {
      highest = Math.max(highest, ++running);
      await release.promise;
      running--;
      return [];
    });
    const [peer, command, , credit] = await hostile.receive();
    expect([command!.toString(), credit!.readUInt32BE(0)]).toEqual(["R", 2]);
    const before = await footprint();
    const answers = { A: 0, N: 0 };
    const reading = (async () => {
      for await (const [, reply] of hostile) {
        const kind = reply!.toString();
        if (kind === "A" || kind === "N") answers[kind]++;
      }
    })();
    const payload = Buffer.alloc(1024, 0x61);
    for (let id = 1; id <= 5000; id++) await hostile.send([peer!, Buffer.from("W"), u64(id), u32(1), payload]);
    await hostile.send([peer!, Buffer.from("W")]);
    await hostile.send([peer!, Buffer.from("WW")]);
    await hostile.send([peer!, Buffer.from("Z")]);
    await until(() => answers.N === 4998, "the items beyond the credits to be refused", 15_000);
    await until(() => worker.stats.protocolErrors === 5001, "the malformed commands to be counted");
    expect(highest).toBe(2);
    expect(worker.inFlight).toBe(2);
    release.open();
    await until(() => answers.A === 2, "the two items run to be acknowledged");
    expect(errors.every((e) => (e as { code?: string }).code === "EPROTO")).toBe(true);
    hostile.close();
    await reading;
    const after = await footprint();
    console.log(`Worker vs hostile queue: ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });
});
