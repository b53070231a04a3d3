import "reflect-metadata";
import { fork } from "node:child_process";
import { afterEach, describe, expect, test } from "vitest";
import { CalculatorService } from "./generated/index.js";
import { type App, connect, createApp, RpcStatus, type ServiceConnection } from "../src/index.js";
import { type Probe, startCalculatorApp, spyServer, type SpyServer } from "./calculator.js";
import { Blobs, blobProbe, BlobsService } from "./blobs.js";
import { settledExternal } from "../../core/test/hostile/measure.js";
import { deferred, LOOPBACK, until, within } from "./fixtures.js";

const WINDOW = 8;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startCalculator(): Promise<{ app: App; probe: Probe }> {
  const { app, probe, stop } = await startCalculatorApp(WINDOW);
  cleanup.push(stop);
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

const BLOB = 256 * 1024;
/** What a window of blobs may hold at once: up to three copies of each (the item, its encoded frame, the received chunk), and two blobs of slack. 200 blobs unheld are 50 MiB. */
const BLOB_BOUND = 3 * (WINDOW + 2) * BLOB;

async function startBlobs(): Promise<{ app: App; client: ServiceConnection<typeof BlobsService>["client"] }> {
  blobProbe.produced = 0;
  blobProbe.read = 0;
  blobProbe.beforeRead = null;
  blobProbe.finished = deferred<void>();
  const app = createApp({ name: "blobs", services: [Blobs], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, streamWindow: WINDOW, onError: () => {} });
  await app.start();
  cleanup.push(() => app.stop(1_000));
  const connection = connect(BlobsService, { endpoints: app.endpoints.rpc, timeout: 30_000, streamWindow: WINDOW });
  cleanup.push(() => connection.close());
  return { app, client: connection.client };
}

describe("stream memory is bounded by the window", () => {
  test("a caller that stops reading a server stream of 256 KiB blobs holds the producer to the window: external memory grows by the window, not the stream", async () => {
    const { client } = await startBlobs();
    const count = 200; // 50 MiB if nothing held the producer back
    const before = await settledExternal();
    const replies = client.download({ count, size: BLOB })[Symbol.asyncIterator]();
    expect((await replies.next()).value?.data.length).toBe(BLOB);
    await until(() => blobProbe.produced >= WINDOW, "the producer to fill the window");
    const stalled = await settledExternal();
    expect(blobProbe.produced).toBeLessThanOrEqual(WINDOW + 1);
    console.log(`server stream stalled at ${blobProbe.produced} of ${count} blobs: external memory +${((stalled - before) / 1048576).toFixed(1)} MiB (bound ${(BLOB_BOUND / 1048576).toFixed(1)} MiB)`);
    expect(stalled - before).toBeLessThan(BLOB_BOUND);
    let read = 1;
    for (;;) {
      const next = await replies.next();
      if (next.done === true) break;
      read++;
    }
    expect(read).toBe(count);
  });

  test("a server that stops reading a client stream of 256 KiB blobs holds the caller to the window: external memory grows by the window, not the stream", async () => {
    const { client } = await startBlobs();
    const count = 200;
    const gate = deferred();
    blobProbe.beforeRead = () => gate.promise;
    const sent = { count: 0 };
    async function* blobs() {
      for (let i = 0; i < count; i++) {
        sent.count++;
        yield { data: Buffer.alloc(BLOB, i & 0xff) };
      }
    }
    const before = await settledExternal();
    const reply = client.upload(blobs());
    await until(() => sent.count >= WINDOW, "the caller to send the window");
    const stalled = await settledExternal();
    expect(sent.count).toBeLessThanOrEqual(WINDOW + 1);
    console.log(`client stream stalled at ${sent.count} of ${count} blobs: external memory +${((stalled - before) / 1048576).toFixed(1)} MiB (bound ${(BLOB_BOUND / 1048576).toFixed(1)} MiB)`);
    expect(stalled - before).toBeLessThan(BLOB_BOUND);
    gate.resolve();
    expect((await reply).size).toBe(count * BLOB);
  });
});

describe("a producer that stops", () => {
  test("a server stream whose producer stops yielding ends at the caller's deadline on both sides and leaves no call behind", async () => {
    const { app, probe } = await startCalculator();
    const connection = calculator(app.endpoints.rpc);
    const stopped = deferred();
    probe.beforeYield = () => (probe.produced >= 2 ? stopped.promise : undefined);
    const seen: number[] = [];
    await expect(within((async () => {
      for await (const item of connection.client.countTo({ value: 10 }, { timeout: 500 })) seen.push(item.value);
    })(), 10_000, "the stream to end")).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
    expect(seen).toEqual([1, 2]);
    // The producer is still parked in its await: the call is over all the same, and the generator closes once it wakes.
    await until(() => app.inFlight === 0 && connection.inFlight === 0, "both sides to forget the call");
    stopped.resolve();
    expect(await within(probe.finished.promise, 10_000, "the generator to close")).toBe(RpcStatus.DEADLINE_EXCEEDED);
  });

  test("a request stream whose producer stops ends at the deadline: the handler's loop fails, no call is left, and the caller's generator ends once it resumes", async () => {
    const { app, probe } = await startCalculator();
    const connection = calculator(app.endpoints.rpc);
    const requestsEnded = deferred();
    const never = deferred();
    async function* stalls() {
      try {
        yield { value: 1 };
        await never.promise;
      } finally {
        requestsEnded.resolve();
      }
    }
    await expect(within(connection.client.sum(stalls(), { timeout: 500 }), 10_000, "the call to end")).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
    expect(await within(probe.finished.promise, 10_000, "the handler to end")).toBe(RpcStatus.DEADLINE_EXCEEDED);
    await until(() => app.inFlight === 0 && connection.inFlight === 0, "both sides to forget the call");
    never.resolve();
    await within(requestsEnded.promise, 10_000, "the request generator to be closed");
  });
});

describe("cancel, deadline and errors mid-stream reach only the server handling the call", () => {
  /** Two spy servers behind one client, each having answered a call (so both are connected). */
  async function twoServers(): Promise<{ servers: SpyServer[]; connection: ServiceConnection<typeof CalculatorService> }> {
    const servers = [await spyServer(WINDOW), await spyServer(WINDOW)];
    for (const server of servers) cleanup.push(() => server.close());
    const connection = calculator(servers.map((server) => server.endpoint));
    const deadline = Date.now() + 10_000;
    while (!servers.every((server) => server.seen.length > 0)) {
      if (Date.now() > deadline) throw new Error("Timed out waiting for both servers to answer a call");
      await connection.client.double({ value: 1 });
    }
    return { servers, connection };
  }

  /** The call `id` was handled by exactly one server; the other saw none of its messages, and no message it could not place. */
  function handledByOneAlone(servers: SpyServer[], id: string): { holder: SpyServer; other: SpyServer } {
    const holders = servers.filter((server) => server.seen.some((m) => m.correlationId === id));
    expect(holders).toHaveLength(1);
    const holder = holders[0]!;
    const other = servers.find((server) => server !== holder)!;
    expect(other.seen.filter((m) => m.correlationId === id)).toEqual([]);
    expect(other.unmatched()).toBe(0);
    expect(other.probe.produced + other.probe.read).toBe(0);
    return { holder, other };
  }

  /** The one call whose request either server received since `known` was taken. */
  function newCall(servers: SpyServer[], known: Set<string>): string {
    const ids = servers.flatMap((server) => server.seen).filter((m) => m.kind === "request" && !known.has(m.correlationId)).map((m) => m.correlationId);
    expect(ids).toHaveLength(1);
    return ids[0]!;
  }

  function knownCalls(servers: SpyServer[]): Set<string> {
    return new Set(servers.flatMap((server) => server.seen).map((m) => m.correlationId));
  }

  test("an aborted bidirectional call: the cancel reaches its server alone", async () => {
    const { servers, connection } = await twoServers();
    const known = knownCalls(servers);
    const abort = new AbortController();
    const next = deferred();
    async function* slowAmounts() {
      yield { value: 1 };
      await next.promise;
    }
    const replies = connection.client.runningTotal(slowAmounts(), { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await replies.next()).value?.value).toBe(1);
    const id = newCall(servers, known);
    abort.abort();
    await expect(within(replies.next(), 10_000, "the stream to fail")).rejects.toMatchObject({ code: RpcStatus.CANCELLED });
    const { holder } = handledByOneAlone(servers, id);
    expect(await within(holder.probe.finished.promise, 10_000, "the handler to end")).toBe(RpcStatus.CANCELLED);
    expect(holder.seen.some((m) => m.kind === "cancel" && m.correlationId === id)).toBe(true);
    next.resolve();
    handledByOneAlone(servers, id);
  });

  test("a server stream past its deadline: it ends at its server alone", async () => {
    const { servers, connection } = await twoServers();
    const known = knownCalls(servers);
    const replies = connection.client.countTo({ value: 1_000 }, { timeout: 500 })[Symbol.asyncIterator]();
    expect((await replies.next()).value?.value).toBe(1);
    const id = newCall(servers, known);
    // The caller stops reading: the server waits for credit until the deadline ends the call.
    const holder = servers.find((server) => server.seen.some((m) => m.correlationId === id))!;
    expect(await within(holder.probe.finished.promise, 10_000, "the handler to end")).toBe(RpcStatus.DEADLINE_EXCEEDED);
    await expect(within((async () => {
      for (;;) if ((await replies.next()).done === true) return;
    })(), 10_000, "the stream to fail")).rejects.toMatchObject({ code: RpcStatus.DEADLINE_EXCEEDED });
    handledByOneAlone(servers, id);
  });

  test("a handler that fails mid-stream: its error reaches the caller, and no other server sees the call", async () => {
    const { servers, connection } = await twoServers();
    const known = knownCalls(servers);
    const seen: number[] = [];
    await expect(within((async () => {
      for await (const item of connection.client.runningTotal(amounts([1, 2, -1, 4]))) seen.push(item.value);
    })(), 10_000, "the stream to fail")).rejects.toMatchObject({ code: RpcStatus.INVALID_ARGUMENT });
    expect(seen).toEqual([1, 3]);
    handledByOneAlone(servers, newCall(servers, known));
  });
});
