/**
 * Request-reply through the full service stack (typed client, envelope,
 * trace header, RpcClient/RpcServer, dispatcher, decorated handler) next to
 * the layers below it, over tcp loopback in one process:
 *
 * - raw `@skein/core` REQ/REP, one call at a time (the floor);
 * - `@skein/patterns` RpcClient/RpcServer with opaque frames;
 * - `@skein/service` typed calls, one at a time and 64 in flight.
 *
 * Reports only; never fails on timing. Run from the repository root after
 * `pnpm build`: `npx vitest bench --run packages/service/bench`.
 */
import "reflect-metadata";
import { GreeterService, type HelloRequest } from "../test/generated/index.js";
import { Reply, Request } from "@skein/core";
import { RpcClient, RpcServer } from "@skein/patterns";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { type App, connect, createApp, Rpc, Service, type ServiceConnection } from "../src/index.js";

@Service(GreeterService)
class Greeter {
  @Rpc()
  sayHello(request: HelloRequest) {
    return { message: `Hello, ${request.name}!` };
  }
}

const LOOPBACK = "tcp://127.0.0.1:0";
const IN_FLIGHT = 64;
const payload = Buffer.from("Hello, Ada!");
/** Longer runs than vitest's default 500 ms: the JIT needs a while to settle on these paths. */
const OPTIONS = { time: 2_000, warmupTime: 500 };

let rep: Reply;
let req: Request;
let repLoop: Promise<void>;
let rpcServer: RpcServer;
let rpcClient: RpcClient;
let app: App;
let greeter: ServiceConnection<typeof GreeterService>;

beforeAll(async () => {
  rep = new Reply();
  await rep.bind(LOOPBACK);
  req = new Request();
  req.connect(rep.lastEndpoint!);
  repLoop = (async () => {
    for (;;) {
      let message: Buffer[];
      try {
        message = await rep.receive();
      } catch {
        return;
      }
      await rep.send(message);
    }
  })();

  rpcServer = new RpcServer({ bind: [LOOPBACK] });
  await rpcServer.serve((frames) => frames);
  rpcClient = new RpcClient({ endpoints: rpcServer.endpoints });

  app = createApp({ name: "bench", services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false });
  await app.start();
  greeter = connect(GreeterService, { endpoints: app.endpoints.rpc });
});

/** Per-call latency of `calls` sequential calls after a warm-up: calls/s, p50 and p99 in µs. */
async function profile(name: string, call: () => Promise<unknown>, calls = 3_000): Promise<string> {
  for (let i = 0; i < 500; i++) await call();
  const latencies = new Float64Array(calls);
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call();
    latencies[i] = performance.now() - t;
  }
  const elapsed = performance.now() - started;
  latencies.sort();
  const us = (ms: number) => Math.round(ms * 1000);
  return `${name.padEnd(44)} ${Math.round(calls / (elapsed / 1000)).toString().padStart(7)} calls/s  p50 ${us(latencies[Math.floor(calls * 0.5)]!)} µs  p99 ${us(latencies[Math.floor(calls * 0.99)]!)} µs`;
}

afterAll(async () => {
  // vitest bench prints hz, mean, p75 and p99 per iteration; this adds p50 per call, one call in flight.
  const lines = [
    await profile("core REQ/REP (raw frames)", async () => { await req.send(payload); await req.receive(); }),
    await profile("patterns RpcClient/RpcServer (raw frames)", () => rpcClient.request([payload])),
    await profile("service typed call (greeter.sayHello)", () => greeter.client.sayHello({ name: "Ada" })),
  ];
  console.log(`\nrequest-reply latency, tcp loopback, 1 in flight:\n${lines.join("\n")}\n`);
  await greeter.close();
  await app.stop();
  await rpcClient.close();
  await rpcServer.close();
  req.close();
  rep.close();
  await repLoop;
});

describe("request-reply round trip, 1 in flight (calls/s = hz)", () => {
  bench("core REQ/REP (raw frames)", async () => {
    await req.send(payload);
    await req.receive();
  }, OPTIONS);
  bench("patterns RpcClient/RpcServer (raw frames)", async () => {
    await rpcClient.request([payload]);
  }, OPTIONS);
  bench("service typed call (greeter.sayHello)", async () => {
    await greeter.client.sayHello({ name: "Ada" });
  }, OPTIONS);
});

describe(`request-reply, ${IN_FLIGHT} in flight on one connection (calls/s = hz × ${IN_FLIGHT})`, () => {
  bench(`patterns RpcClient/RpcServer × ${IN_FLIGHT}`, async () => {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => rpcClient.request([payload])));
  }, OPTIONS);
  bench(`service typed call × ${IN_FLIGHT}`, async () => {
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => greeter.client.sayHello({ name: "Ada" })));
  }, OPTIONS);
});
