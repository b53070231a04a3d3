/**
 * The service layer's own cost per call, without sockets: a typed client
 * whose transport hands the request frames straight to an `RpcDispatcher`
 * (decode, deadline, span, handler, encode), and the dispatcher alone on
 * ready-made request frames. Both run on one thread with no I/O, so they
 * move with the per-call work of `client.ts` and `rpc-dispatcher.ts` (an
 * error object, spans, attribute objects, stream bookkeeping a unary call
 * does not need) and little with the load of a shared machine.
 *
 * Reports only; never fails on timing. Run from the repository root:
 * `npx vitest bench --run packages/service/bench/call-path.bench.ts`.
 */
import "reflect-metadata";
import { encodeEnvelope } from "@skein/codec";
import { bench, describe } from "vitest";
import { GreeterService, type HelloRequest } from "../test/generated/index.js";
import { createClient, exploreService, Rpc, RpcDispatcher, Service, Telemetry, type RequestTransport } from "../src/index.js";

@Service(GreeterService)
class Greeter {
  @Rpc()
  sayHello(request: HelloRequest) {
    return { message: `Hello, ${request.name}!` };
  }

  @Rpc()
  async *sayHelloStream(request: HelloRequest) {
    for (let index = 0; index < request.times; index++) yield { message: `Hello, ${request.name}!`, index };
  }
}

const greeter = new Greeter();
const dispatcher = new RpcDispatcher([exploreService(Greeter, () => greeter, [])], new Telemetry());
/** A transport with no sockets: the request frames go to the dispatcher, its reply comes back. */
const inMemory: RequestTransport = { request: (frames) => dispatcher.dispatch(frames) };
const client = createClient(GreeterService, inMemory);
const request = encodeEnvelope({
  kind: "request",
  service: GreeterService.name,
  method: "SayHello",
  correlationId: "bench.1",
  payload: [Buffer.from(GreeterService.methods.sayHello.requestCodec.encode({ name: "Ada" }))],
});
const OPTIONS = { time: 1_000, warmupTime: 300 };
const BATCH = 64;

describe(`service call path without sockets (${BATCH} calls per iteration: calls/s = hz × ${BATCH})`, () => {
  bench("RpcDispatcher.dispatch, unary request frames", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(dispatcher.dispatch(request));
    await Promise.all(pending);
  }, OPTIONS);
  bench("typed client + dispatcher, unary sayHello", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(client.sayHello({ name: "Ada" }));
    await Promise.all(pending);
  }, OPTIONS);
  bench("typed client + dispatcher, sayHelloStream of 10 (one multipart reply)", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH / 8; i++) {
      pending.push((async () => {
        for await (const reply of client.sayHelloStream({ name: "Ada", times: 10 })) if (reply.index < 0) throw new Error("unreachable");
      })());
    }
    await Promise.all(pending);
  }, OPTIONS);
});
