import "reflect-metadata";
import { fork } from "node:child_process";
import { Container, inject } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { type Amount, CalculatorService } from "./generated/index.js";
import { type App, connect, createApp, Rpc, RpcError, RpcStatus, Service, type ServiceCallContext, type ServiceConnection } from "../src/index.js";
import { deferred, LOOPBACK, until, within } from "./fixtures.js";

const WINDOW = 8;

/** What the calculator's handlers did, for the tests to watch. */
interface Probe {
  /** Items the server's reply streams produced (countTo, runningTotal). */
  produced: number;
  /** Requests the server's handlers read (sum, runningTotal). */
  read: number;
  /** Awaited before each request the server reads: a slow consumer. */
  beforeRead?: () => Promise<void> | void;
  /** A handler's generator ended (normally or not) and why its signal says. */
  finished: ReturnType<typeof deferred<string>>;
}
const PROBE = Symbol("probe");

@Service(CalculatorService)
class Calculator {
  constructor(@inject(PROBE) private readonly probe: Probe) {}

  @Rpc()
  double(request: Amount) {
    return { value: request.value * 2 };
  }

  @Rpc()
  async *countTo(request: Amount, context: ServiceCallContext) {
    try {
      for (let value = 1; value <= request.value; value++) {
        this.probe.produced++;
        yield { value };
      }
    } finally {
      this.probe.finished.resolve(context.signal.aborted ? String((context.signal.reason as RpcError).code) : "done");
    }
  }

  @Rpc()
  async sum(requests: AsyncIterable<Amount>) {
    let total = 0;
    for await (const request of requests) {
      await this.probe.beforeRead?.();
      this.probe.read++;
      total += request.value;
    }
    return { value: total };
  }

  @Rpc()
  async *runningTotal(requests: AsyncIterable<Amount>) {
    let total = 0;
    for await (const request of requests) {
      this.probe.read++;
      if (request.value < 0) throw new RpcError(RpcStatus.INVALID_ARGUMENT, "no negative amounts");
      total += request.value;
      this.probe.produced++;
      yield { value: total };
    }
  }
}
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startCalculator(): Promise<{ app: App; probe: Probe }> {
  const probe: Probe = { produced: 0, read: 0, finished: deferred<string>() };
  const container = new Container();
  container.bind(PROBE).toConstantValue(probe);
  const app = createApp({ name: "calculator", container, services: [Calculator], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, streamWindow: WINDOW, onError: () => {} });
  await app.start();
  cleanup.push(() => app.stop(1_000));
  return { app, probe };
}

function calculator(endpoints: string[]): ServiceConnection<typeof CalculatorService> {
  const connection = connect(CalculatorService, { endpoints, timeout: 20_000, streamWindow: WINDOW });
  cleanup.push(() => connection.close());
  return connection;
}

async function* amounts(values: number[], sent?: { count: number }): AsyncGenerator<{ value: number }> {
  for (const value of values) {
    if (sent) sent.count++;
    yield { value };
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe("calls in all four shapes", () => {
  test("unary, server-streaming, client-streaming and bidirectional calls each work end to end with a generated client", async () => {
    const { app } = await startCalculator();
    const { client } = calculator(app.endpoints.rpc);
    expect((await client.double({ value: 21 })).value).toBe(42);
    expect((await collect(client.countTo({ value: 5 }))).map((n) => n.value)).toEqual([1, 2, 3, 4, 5]);
    expect((await client.sum(amounts([1, 2, 3, 4]))).value).toBe(10);
    expect((await client.sum([5, 6].map((value) => ({ value })))).value).toBe(11);
    expect((await client.sum(amounts([]))).value).toBe(0);
    expect((await collect(client.runningTotal(amounts([1, 2, 3])))).map((n) => n.value)).toEqual([1, 3, 6]);
  });

  test("a reply stream's producer never runs more than the window ahead of a consumer that reads slowly", async () => {
    const { app, probe } = await startCalculator();
    const { client } = calculator(app.endpoints.rpc);
    const iterator = client.countTo({ value: 200 })[Symbol.asyncIterator]();
    let consumed = 0;
    let ahead = 0;
    expect((await iterator.next()).value?.value).toBe(1);
    consumed++;
    // The consumer stops: the producer fills the window, then waits for credit.
    await until(() => probe.produced === WINDOW, "the producer to fill the window");
    await new Promise((resolve) => setImmediate(resolve));
    expect(probe.produced).toBe(WINDOW);
    for (;;) {
      ahead = Math.max(ahead, probe.produced - consumed);
      const next = await iterator.next();
      if (next.done === true) break;
      consumed++;
      expect(next.value.value).toBe(consumed);
    }
    expect(consumed).toBe(200);
    expect(ahead).toBeLessThanOrEqual(WINDOW);
  });

  test("a request stream is read from the caller only within the credit the server grants", async () => {
    const { app, probe } = await startCalculator();
    const { client } = calculator(app.endpoints.rpc);
    const gate = deferred();
    probe.beforeRead = () => gate.promise;
    const sent = { count: 0 };
    const total = client.sum(amounts(Array.from({ length: 100 }, (_, i) => i + 1), sent));
    // The handler holds its first request: the caller sends the window and no more.
    await until(() => sent.count >= WINDOW, "the caller to send the window");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.count).toBeLessThanOrEqual(WINDOW + 1);
    expect(probe.read).toBe(0);
    let ahead = 0;
    probe.beforeRead = () => {
      ahead = Math.max(ahead, sent.count - probe.read);
    };
    gate.resolve();
    expect((await total).value).toBe(5050);
    expect(ahead).toBeLessThanOrEqual(WINDOW + 1);
  });

  test("a caller that stops reading a reply stream cancels it at the server, whose generator ends", async () => {
    const { app, probe } = await startCalculator();
    const { client } = calculator(app.endpoints.rpc);
    for await (const item of client.countTo({ value: 1_000_000 })) {
      if (item.value === 3) break;
    }
    expect(await within(probe.finished.promise, 10_000, "the server's generator to end")).toBe(RpcStatus.CANCELLED);
    expect(probe.produced).toBeLessThan(1_000_000);
  });

  test("an aborted signal cancels a bidirectional call at its server alone and ends both iterators", async () => {
    const first = await startCalculator();
    const second = await startCalculator();
    const { client } = calculator([...first.app.endpoints.rpc, ...second.app.endpoints.rpc]);
    const abort = new AbortController();
    const requestsEnded = deferred();
    // A request stream waiting for its next value: the call's end closes it once it yields.
    const next = deferred();
    async function* slowAmounts() {
      try {
        yield { value: 1 };
        await next.promise;
        yield { value: 2 };
      } finally {
        requestsEnded.resolve();
      }
    }
    const replies = client.runningTotal(slowAmounts(), { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await replies.next()).value?.value).toBe(1);
    abort.abort();
    await expect(within(replies.next(), 10_000, "the reply stream to fail")).rejects.toMatchObject({ code: RpcStatus.CANCELLED });
    next.resolve();
    await within(requestsEnded.promise, 10_000, "the request stream to be closed");
  });

  test("a server handler that fails mid-stream ends the caller's reply iterator with its error and closes the request stream", async () => {
    const { app } = await startCalculator();
    const { client } = calculator(app.endpoints.rpc);
    const requestsEnded = deferred();
    const next = deferred();
    async function* values() {
      try {
        yield { value: 1 };
        yield { value: -1 };
        await next.promise;
        yield { value: 2 };
      } finally {
        requestsEnded.resolve();
      }
    }
    const seen: number[] = [];
    await expect(within((async () => {
      for await (const item of client.runningTotal(values())) seen.push(item.value);
    })(), 10_000, "the stream to fail")).rejects.toMatchObject({ code: RpcStatus.INVALID_ARGUMENT, message: "no negative amounts" });
    expect(seen).toEqual([1]);
    next.resolve();
    await within(requestsEnded.promise, 10_000, "the request stream to be closed");
  });

  test("a server killed mid-stream fails the caller's iterator with UNAVAILABLE", async () => {
    const child = fork(new URL("./fixtures/stream-server.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    const messages: { endpoint?: string; streaming?: boolean }[] = [];
    child.on("message", (message) => messages.push(message as { endpoint?: string }));
    await until(() => messages.some((m) => m.endpoint !== undefined), "the child server to bind");
    const endpoint = messages.find((m) => m.endpoint !== undefined)!.endpoint!;
    const { client } = calculator([endpoint]);
    const replies = client.countTo({ value: 100 })[Symbol.asyncIterator]();
    expect((await replies.next()).value?.value).toBe(1);
    await until(() => messages.some((m) => m.streaming === true), "the child to be streaming");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const rest: number[] = [];
    await expect(within((async () => {
      for (;;) {
        const next = await replies.next();
        if (next.done === true) return;
        rest.push(next.value.value);
      }
    })(), 10_000, "the iterator to fail")).rejects.toMatchObject({ code: RpcStatus.UNAVAILABLE });
    expect(rest.length).toBeLessThanOrEqual(3);
  });
});
