/**
 * Throughput of the patterns next to the raw core sockets they run on, all
 * in one process over tcp loopback. Reports only; never fails on timing.
 * Run: `npx vitest bench --run packages/patterns/bench` from the repository
 * root (`pnpm bench` runs it with the other micro-benchmarks).
 *
 * - round trip, 1 in flight: raw REQ/REP, raw DEALER/ROUTER, RpcClient/RpcServer
 * - 100 requests in flight: raw DEALER/ROUTER, RpcClient/RpcServer
 * - 100 work items: raw PUSH/PULL, WorkQueue/Worker (credits + acks), both to the last item
 */
import { afterAll, bench, describe } from "vitest";
import { Dealer, Pull, Push, Reply, Request, Router } from "@skein/core";
import { RpcClient, RpcServer, WorkQueue, Worker } from "../src/index.js";

const ANY = "tcp://127.0.0.1:0";
const payload = Buffer.alloc(64, 1);
const BATCH = 100;

// ---- raw REQ/REP ----
const rep = new Reply({ linger: 0 });
await rep.bind(ANY);
void (async () => {
  for await (const msg of rep) await rep.send(msg);
})().catch(() => undefined);
const req = new Request({ linger: 0 });
req.connect(rep.lastEndpoint!);

// ---- raw DEALER/ROUTER echo ----
const router = new Router({ linger: 0 });
await router.bind(ANY);
void (async () => {
  for await (const msg of router) await router.send(msg);
})().catch(() => undefined);
const dealer = new Dealer({ linger: 0 });
dealer.connect(router.lastEndpoint!);

// ---- RpcClient / RpcServer ----
const server = new RpcServer({ bind: [ANY], concurrency: 256 });
await server.serve((frames) => frames);
const client = new RpcClient({ endpoints: server.endpoints });

// ---- raw PUSH/PULL ----
const pull = new Pull({ linger: 0 });
await pull.bind(ANY);
const push = new Push({ linger: 0 });
push.connect(pull.lastEndpoint!);

// ---- WorkQueue / Worker ----
const queue = new WorkQueue({ bind: [ANY] });
await queue.start();
const worker = new Worker({ connect: queue.endpoints, queue: "bench", concurrency: 32 });
await worker.process(async () => undefined);

afterAll(async () => {
  await client.close();
  await server.close(0);
  await worker.close(0);
  await queue.close();
  for (const s of [rep, req, router, dealer, pull, push]) s.close();
});

describe("request-reply round trip, 1 in flight (64 B)", () => {
  bench("raw REQ/REP", async () => {
    await req.send(payload);
    await req.receive();
  });
  bench("raw DEALER/ROUTER", async () => {
    await dealer.send(payload);
    await dealer.receive();
  });
  bench("RpcClient/RpcServer", async () => {
    await client.request([payload]);
  });
});

describe(`request-reply, ${BATCH} in flight (64 B)`, () => {
  bench("raw DEALER/ROUTER", async () => {
    for (let i = 0; i < BATCH; i++) void dealer.send(payload);
    for (let i = 0; i < BATCH; i++) await dealer.receive();
  });
  bench("RpcClient/RpcServer", async () => {
    const replies: Promise<Buffer[]>[] = [];
    for (let i = 0; i < BATCH; i++) replies.push(client.request([payload]));
    await Promise.all(replies);
  });
});

describe(`pipeline, ${BATCH} items to the last one processed (64 B)`, () => {
  bench("raw PUSH/PULL (no ack)", async () => {
    for (let i = 0; i < BATCH; i++) void push.send(payload);
    for (let i = 0; i < BATCH; i++) await pull.receive();
  });
  bench("WorkQueue/Worker (credits, ack)", async () => {
    for (let i = 0; i < BATCH; i++) void queue.push("bench", [payload]);
    await queue.drain();
  });
});

// ---- session 6: RpcClient / RpcServer over inproc (no kernel: the patterns' and core's own JS) ----
const inprocServer = new RpcServer({ bind: ["inproc://patterns-bench-rpc"], concurrency: 256 });
await inprocServer.serve((frames) => frames);
const inprocClient = new RpcClient({ endpoints: ["inproc://patterns-bench-rpc"] });
afterAll(async () => {
  await inprocClient.close();
  await inprocServer.close(0);
});

describe("session 6: RpcClient/RpcServer over inproc, a handler answering at once (64 B)", () => {
  bench("1 in flight, 64 calls one after another", async () => {
    for (let i = 0; i < 64; i++) await inprocClient.request([payload]);
  });
  bench(`${BATCH} in flight`, async () => {
    await Promise.all(Array.from({ length: BATCH }, () => inprocClient.request([payload])));
  });
});
