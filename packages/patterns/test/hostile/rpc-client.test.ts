/**
 * RpcClient against a malicious server: replies to requests it was never
 * sent (guessing the sequential correlation ids), unknown and huge ids,
 * malformed frames, refusals and partial replies for nothing, and a flood of
 * all of it. The client's requests to its good server all get the good
 * server's replies; the rest is dropped and counted (`unmatchedReplies`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { Router } from "@skein/core";
import { RpcClient, RpcServer } from "../../src/index.js";
import { describeFootprint, footprint } from "../../../core/test/hostile/measure.js";
import { ANY_PORT, gate, until } from "../helpers.js";
import { u64 } from "./raw-peer.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HEAP_BOUND = 8 * 1024 * 1024;

describe("RpcClient against a malicious server", () => {
  it("takes a reply only from a server the request was sent to; forged, unknown and malformed replies are counted", async () => {
    // The good server answers only once the malicious one has sent its forgeries.
    const forged = gate();
    const good = new RpcServer({ bind: [ANY_PORT] });
    await good.serve(async (frames) => {
      await forged.promise;
      return [Buffer.from("good"), ...frames];
    });
    closers.push(() => good.close(0));
    const evil = new Router({ linger: 0 });
    await evil.bind(ANY_PORT);
    closers.push(() => evil.close());
    const sentToEvil = new Set<bigint>();
    const evilLoop = (async () => {
      for await (const [peer, correlation] of evil) {
        sentToEvil.add(correlation!.readBigUInt64BE(0));
        if (sentToEvil.size > 1) continue;
        // The first request tells it the client's routing id: now it answers every id it can guess.
        const messages: Buffer[][] = [];
        for (let id = 1; id <= 400; id++) {
          messages.push([peer!, u64(id), Buffer.from("forged")]);
          messages.push([peer!, Buffer.concat([u64(id), Buffer.from([0x01])]), Buffer.from("forged partial")]);
          messages.push([peer!, Buffer.concat([u64(id), Buffer.from([0x02])])]); // a forged refusal
        }
        messages.push([peer!, Buffer.alloc(8, 0xff), Buffer.from("beyond 2^53")]);
        messages.push([peer!, Buffer.alloc(3), Buffer.from("short id")]);
        messages.push([peer!, Buffer.concat([u64(1), Buffer.from([0x7f])])]);
        messages.push([peer!, Buffer.alloc(1024 * 1024)]);
        messages.push([peer!, Buffer.alloc(0)]);
        for (const message of messages) await evil.send(message);
        forged.open();
      }
    })();
    const client = new RpcClient({ endpoints: [evil.lastEndpoint!, ...good.endpoints], timeout: 60_000 });
    closers.push(() => client.close());
    const before = await footprint();
    // Request 1 goes to the malicious server (first endpoint); the rest alternate.
    const partials: string[] = [];
    const requests = Array.from({ length: 200 }, (_, i) =>
      client.request([Buffer.from(`r${i + 1}`)], { onPartial: ([frame]) => void partials.push(frame!.toString()) }).then(
        (reply) => reply.map((frame) => frame.toString()).join(" "),
        (error: { code: string }) => `rejected ${error.code}`,
      ));
    await forged.promise;
    // Ids 201 to 400 were never used (3 replies each) and 5 junk replies: at least 605 dropped.
    await until(() => client.unmatchedReplies >= 605, "the junk to be counted", 10_000);
    // Requests the malicious server has received but its loop has not read yet are its to answer too:
    // let it read them all before telling which went to the good server.
    const unread = (): number => (evil as unknown as { pendingInbound(): number }).pendingInbound();
    await until(() => unread() === 0, "the malicious server to read every request", 10_000);
    const toGood = Array.from({ length: 200 }, (_, i) => i + 1).filter((id) => !sentToEvil.has(BigInt(id)));
    const replies = await Promise.all(toGood.map((id) => requests[id - 1]!));
    expect(replies).toEqual(toGood.map((id) => `good r${id}`));
    expect(partials.filter((p) => p === "forged partial").length).toBeLessThanOrEqual(sentToEvil.size);
    await client.close();
    await Promise.all(requests);
    evil.close();
    await evilLoop;
    const after = await footprint();
    console.log(`RpcClient vs malicious server: ${describeFootprint(before, after)}, ${client.unmatchedReplies} replies dropped`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
  });
});
