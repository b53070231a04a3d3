/**
 * The service layer's own cost per call, without sockets: a typed client
 * whose transport hands the request frames straight to an `RpcDispatcher`
 * (decode, deadline, span, handler, encode), and the dispatcher alone on
 * ready-made request frames. Both run on one thread with no I/O, so they
 * move with the per-call work of `client.ts` and `rpc-dispatcher.ts` (an
 * error object, spans, attribute objects, stream bookkeeping a unary call
 * does not need) and little with the load of a shared machine.
 *
 * Session 4 (issue 16) adds what that work changed: the dispatcher's
 * same-turn answer to a synchronous unary handler (`handle`) next to
 * `dispatch` and to an async handler (which gets a deadline, a cancel
 * entry and a listener), and one `DeadlineSweep` for many deadlines next
 * to a `setTimeout`/`clearTimeout` per call.
 *
 * Reports only; never fails on timing. Run from the repository root:
 * `npx vitest bench --run packages/service/bench/call-path.bench.ts`.
 */
import "reflect-metadata";
import { encodeEnvelope } from "@skein/codec";
import { DeadlineSweep } from "@skein/patterns";
import { afterAll, bench, describe } from "vitest";
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

/** The same greeter, answering after an `await`: the dispatcher's path for handlers that return a promise. */
@Service(GreeterService)
class AsyncGreeter {
  @Rpc()
  async sayHello(request: HelloRequest) {
    await undefined;
    return { message: `Hello, ${request.name}!` };
  }
}

const greeter = new Greeter();
const dispatcher = new RpcDispatcher([exploreService(Greeter, () => greeter, [])], new Telemetry());
const asyncGreeter = new AsyncGreeter();
const asyncDispatcher = new RpcDispatcher([exploreService(AsyncGreeter, () => asyncGreeter, [])], new Telemetry());
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
/** A request with a deadline 30 s away, as every typed client sends (the dispatcher watches it while the handler runs). */
const requestWithDeadline = (): Buffer[] => encodeEnvelope({
  kind: "request",
  service: GreeterService.name,
  method: "SayHello",
  correlationId: "bench.2",
  deadline: Date.now() + 30_000,
  payload: [Buffer.from(GreeterService.methods.sayHello.requestCodec.encode({ name: "Ada" }))],
});
const OPTIONS = { time: 1_000, warmupTime: 300 };
const BATCH = 64;

describe(`the dispatcher's paths (${BATCH} calls per iteration)`, () => {
  const withDeadline = requestWithDeadline();
  bench("handle, synchronous handler: reply frames in the same turn", () => {
    for (let i = 0; i < BATCH; i++) if (!Array.isArray(dispatcher.handle(withDeadline))) throw new Error("expected a same-turn reply");
  }, OPTIONS);
  bench("dispatch, synchronous handler (a promise of the same frames)", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(dispatcher.dispatch(withDeadline));
    await Promise.all(pending);
  }, OPTIONS);
  bench("handle, async handler: deadline in the sweep, cancel entry, race", async () => {
    const pending: unknown[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(asyncDispatcher.handle(withDeadline));
    await Promise.all(pending);
  }, OPTIONS);
});

describe(`deadlines of ${BATCH} calls that end in time`, () => {
  const sweep = new DeadlineSweep<{ deadline: number }>(() => {
    throw new Error("no call in this benchmark outlives its deadline");
  });
  const calls = Array.from({ length: BATCH }, () => ({ deadline: 0 }));
  bench("one DeadlineSweep: add, then delete", () => {
    const now = performance.now();
    for (const call of calls) {
      call.deadline = now + 30_000;
      sweep.add(call);
    }
    for (const call of calls) sweep.delete(call);
  }, OPTIONS);
  bench("a setTimeout per call, then clearTimeout", () => {
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < BATCH; i++) timers.push(setTimeout(() => undefined, 30_000));
    for (const timer of timers) clearTimeout(timer);
  }, OPTIONS);
  afterAll(() => sweep.close());
});

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

describe(`session 5: a plain unary call against the full path (${BATCH} calls per iteration)`, () => {
  const signal = new AbortController().signal;
  bench("typed client + dispatcher, plain call (no signal, metadata or span)", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(client.sayHello({ name: "Ada" }));
    await Promise.all(pending);
  }, OPTIONS);
  bench("typed client + dispatcher, the same call with a signal (the full path)", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < BATCH; i++) pending.push(client.sayHello({ name: "Ada" }, { signal }));
    await Promise.all(pending);
  }, OPTIONS);
});
