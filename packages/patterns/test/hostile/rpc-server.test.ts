/**
 * RpcServer against hostile clients: malformed requests, huge correlation
 * frames, and a client that floods requests without reading its replies.
 * Each time: the process lives, the bad input is dropped and counted, a
 * good client on the same server gets every reply, and memory comes back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RpcClient, RpcServer } from "../../src/index.js";
import { describeFootprint, footprint } from "../../../core/test/hostile/measure.js";
import { uniqueIpcPath } from "../../../core/test/helpers.js";
import { until, within } from "../helpers.js";
import { hostilePeer, u64 } from "./raw-peer.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const ADDRESSES = { tcp: () => "tcp://127.0.0.1:0", ipc: () => `ipc://${uniqueIpcPath()}` };
/** Heap growth allowed once a hostile peer is gone. */
const HEAP_BOUND = 8 * 1024 * 1024;

async function echoServer(bind: string, options: Partial<ConstructorParameters<typeof RpcServer>[0]> = {}): Promise<RpcServer> {
  const server = new RpcServer({ bind: [bind], onError: () => undefined, ...options });
  await server.serve((frames) => frames);
  closers.push(() => server.close(0));
  return server;
}

async function goodCalls(endpoint: string, n: number): Promise<string[]> {
  const client = new RpcClient({ endpoints: [endpoint], timeout: 10_000 });
  try {
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => client.request([Buffer.from(`good ${i}`)])));
    return replies.map(([frame]) => frame!.toString());
  } finally {
    await client.close();
  }
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `good ${i}`);

describe.each(Object.entries(ADDRESSES))("RpcServer over %s, against a hostile client", (_, address) => {
  it("drops and counts requests with a missing, short, long or huge correlation frame; a good client gets every reply", async () => {
    const server = await echoServer(address());
    const endpoint = server.endpoints[0]!;
    expect(await goodCalls(endpoint, 5)).toEqual(expected(5));
    const before = await footprint();
    const peer = await hostilePeer(endpoint, "DEALER");
    const bad: Buffer[][] = [];
    for (let i = 0; i < 500; i++) {
      bad.push([Buffer.from("no correlation")]); // one frame: the correlation would be the payload
      bad.push([Buffer.alloc(7), Buffer.from("short")]);
      bad.push([Buffer.alloc(9, 0xff), Buffer.from("flagged")]);
    }
    bad.push([Buffer.alloc(1024 * 1024, 0xee), Buffer.from("a megabyte of id")]);
    peer.sendMany(bad);
    await until(() => server.errors >= bad.length, "every malformed request to be counted", 10_000);
    expect(await goodCalls(endpoint, 100)).toEqual(expected(100));
    expect(server.errors).toBe(bad.length);
    await peer.destroy();
    const after = await footprint();
    console.log(`RpcServer malformed requests: ${describeFootprint(before, after)}`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
  });

  it("serves a good client while another floods requests and never reads a reply", async () => {
    const server = await echoServer(address(), { concurrency: 8, sendTimeout: 20 });
    const endpoint = server.endpoints[0]!;
    expect(await goodCalls(endpoint, 5)).toEqual(expected(5));
    const before = await footprint();
    const peer = await hostilePeer(endpoint, "DEALER");
    peer.stopReading();
    // 20 MB of replies: more than the client's queue and the TCP buffers hold, so replies to it must wait.
    const payload = Buffer.alloc(4096, 0x61);
    const flood = Array.from({ length: 5_000 }, (_, i) => [u64(i + 1), payload]);
    peer.sendMany(flood);
    // The flood is read (fair-queued with the good client) and its replies time out: slots are freed.
    await until(() => server.errors > 0, "a reply to the flooder to be given up", 10_000);
    expect(await within(goodCalls(endpoint, 100), 15_000, "the good client's calls")).toEqual(expected(100));
    await peer.destroy();
    await until(() => server.inFlight === 0, "the flood's handlers to end", 15_000);
    const after = await footprint();
    console.log(`RpcServer flood without reading: ${describeFootprint(before, after)}, ${server.errors} replies given up`);
    expect(after.heap - before.heap).toBeLessThan(HEAP_BOUND);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
  });
});
