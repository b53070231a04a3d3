import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Router } from "@skein/core";
import { PatternError, RpcClient, RpcServer } from "../src/index.js";
import { ANY_PORT, eventLoopTurns, gate, trackTimers, until, within } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function echoServer(options: { concurrency?: number } = {}): Promise<RpcServer> {
  const server = new RpcServer({ bind: [ANY_PORT], ...options });
  await server.serve((frames) => frames);
  closers.push(() => server.close());
  return server;
}

function client(options: ConstructorParameters<typeof RpcClient>[0]): RpcClient {
  const c = new RpcClient(options);
  closers.push(() => c.close());
  return c;
}

/** An echo server whose handlers wait for `release`; `started` opens when the first one runs. Closed by the test. */
async function heldServer(options: { concurrency?: number } = {}): Promise<{ server: RpcServer; started: ReturnType<typeof gate<void>>; release: ReturnType<typeof gate<void>> }> {
  const server = new RpcServer({ bind: [ANY_PORT], ...options });
  const started = gate();
  const release = gate();
  await server.serve(async (frames) => {
    started.open();
    await release.promise;
    return frames;
  });
  return { server, started, release };
}

/** A ROUTER that takes requests and never answers: a hung server. */
async function silentServer(): Promise<{ endpoint: string; received: () => number }> {
  const router = new Router({ linger: 0 });
  await router.bind(ANY_PORT);
  let received = 0;
  void (async () => {
    for await (const _ of router) received++;
  })();
  closers.push(() => router.close());
  return { endpoint: router.lastEndpoint!, received: () => received };
}

/** A tcp endpoint where nothing listens (a port just released). */
async function deadEndpoint(): Promise<string> {
  const dead = new Router({ linger: 0 });
  await dead.bind(ANY_PORT);
  const endpoint = dead.lastEndpoint!;
  dead.close();
  return endpoint;
}

describe("RpcClient and RpcServer", () => {
  it("matches replies to many requests in flight by correlation id, whatever their order", async () => {
    const server = new RpcServer({ bind: [ANY_PORT] });
    const all = gate();
    const arrived: { n: number; release: () => void }[] = [];
    await server.serve(async ([n]) => {
      const release = gate();
      arrived.push({ n: n!.readUInt32BE(0), release: () => release.open() });
      if (arrived.length === 20) all.open();
      await release.promise;
      return [Buffer.from(`reply ${n!.readUInt32BE(0)}`)];
    });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints });
    const requests = Array.from({ length: 20 }, (_, i) => {
      const frame = Buffer.alloc(4);
      frame.writeUInt32BE(i);
      return c.request([frame]);
    });
    await all.promise;
    expect(c.inFlight).toBe(20);
    expect(server.inFlight).toBe(20);
    for (const a of [...arrived].reverse()) a.release();
    const replies = await Promise.all(requests);
    expect(replies.map(([r]) => r!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `reply ${i}`));
    expect(c.inFlight).toBe(0);
  });

  it("round-trips multi-frame and empty requests", async () => {
    const server = await echoServer();
    const c = client({ endpoints: server.endpoints });
    expect(await c.request([Buffer.from("a"), Buffer.alloc(0), Buffer.from("c")])).toEqual([Buffer.from("a"), Buffer.alloc(0), Buffer.from("c")]);
    expect(await c.request([])).toEqual([]);
  });

  it("RpcServer never runs more handlers at once than its concurrency", async () => {
    const server = new RpcServer({ bind: [ANY_PORT], concurrency: 2 });
    let running = 0;
    let max = 0;
    const release = gate();
    await server.serve(async (frames) => {
      running++;
      max = Math.max(max, running);
      await release.promise;
      running--;
      return frames;
    });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints });
    const replies = Promise.all(Array.from({ length: 8 }, (_, i) => c.request([Buffer.from(String(i))])));
    await until(() => running === 2, "two handlers to run");
    // The six other requests, on the wire by now, would be read here.
    await eventLoopTurns();
    expect(server.inFlight).toBe(2);
    release.open();
    expect((await replies).map(([r]) => r!.toString())).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(max).toBe(2);
  });

  it("times out on a server that never answers, then fails over to the next endpoint", async () => {
    const silent = await silentServer();
    const good = await echoServer();
    const c = client({ endpoints: [silent.endpoint, good.endpoints[0]!], timeout: 150, retries: 2, backoff: { initial: 10, max: 50 } });
    const [reply] = await c.request([Buffer.from("hello")]);
    expect(reply!.toString()).toBe("hello");
    expect(silent.received()).toBe(1);
    // The silent endpoint is now suspended: the next request goes straight to the good one.
    const [again] = await c.request([Buffer.from("again")]);
    expect(again!.toString()).toBe("again");
    expect(silent.received()).toBe(1);
  });

  it("rejects with ETIMEDOUT after every retry went unanswered", async () => {
    const silent = await silentServer();
    const c = client({ endpoints: [silent.endpoint], timeout: 50, retries: 2, backoff: { initial: 5, max: 20 } });
    const error = await c.request([Buffer.from("x")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatternError);
    expect((error as PatternError).code).toBe("ETIMEDOUT");
    expect((error as PatternError).message).toContain("3 attempts");
    expect(silent.received()).toBe(3);
    expect(c.inFlight).toBe(0);
  });

  it("never retries a request marked idempotent: false", async () => {
    const silent = await silentServer();
    const c = client({ endpoints: [silent.endpoint], timeout: 50, retries: 3, backoff: { initial: 5, max: 20 } });
    // Connected first: on a loaded machine a handshake can outlast the 50 ms timeout (then ENOTCONN, rightly).
    await until(() => c.connected, "the connection");
    const error = await c.request([Buffer.from("x")], { idempotent: false }).catch((e: unknown) => e);
    expect((error as PatternError).code).toBe("ETIMEDOUT");
    expect(silent.received()).toBe(1);
  });

  it("fails over from an endpoint where nothing listens", async () => {
    const good = await echoServer();
    const c = client({ endpoints: [await deadEndpoint(), good.endpoints[0]!], timeout: 100, retries: 1, backoff: { initial: 5, max: 20 } });
    const [reply] = await c.request([Buffer.from("up")]);
    expect(reply!.toString()).toBe("up");
  });

  it("rejects with ENOTCONN, not ETIMEDOUT, when no endpoint was ever connected while the request waited", async () => {
    const c = client({ endpoints: [await deadEndpoint()], timeout: 100 });
    const error = await c.request([Buffer.from("x")]).catch((e: unknown) => e);
    expect((error as PatternError).code).toBe("ENOTCONN");
    expect(c.connected).toBe(false);
    expect(c.inFlight).toBe(0);
  });

  it("with waitForReady: false rejects with ENOTCONN once every endpoint failed to connect, before the timeout", async () => {
    const c = client({ endpoints: [await deadEndpoint(), await deadEndpoint()], timeout: 60_000 });
    const error = await within(c.request([Buffer.from("x")], { waitForReady: false }).catch((e: unknown) => e), 5_000, "the fail-fast request");
    expect((error as PatternError).code).toBe("ENOTCONN");
    // Every endpoint has failed now: the next such request fails at once.
    await expect(c.request([Buffer.from("y")], { waitForReady: false })).rejects.toMatchObject({ code: "ENOTCONN" });
  });

  it("sends to a connected endpoint before one that is not connected", async () => {
    const good = await echoServer();
    const c = client({ endpoints: [await deadEndpoint(), good.endpoints[0]!], timeout: 1_000, retries: 0 });
    await until(() => c.connected, "the connection to the good endpoint");
    for (const text of ["a", "b", "c"]) {
      const [reply] = await c.request([Buffer.from(text)]);
      expect(reply!.toString()).toBe(text);
    }
  });

  it("rejects with ECANCELED when the signal aborts, and with ECLOSED when the client closes", async () => {
    const silent = await silentServer();
    const c = new RpcClient({ endpoints: [silent.endpoint], timeout: 60_000 });
    const controller = new AbortController();
    const aborted = c.request([Buffer.from("a")], { signal: controller.signal });
    const closed = c.request([Buffer.from("b")]);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: "ECANCELED" });
    await c.close();
    await expect(closed).rejects.toMatchObject({ code: "ECLOSED" });
    await expect(c.request([])).rejects.toMatchObject({ code: "ECLOSED" });
  });

  it("rejects bad input with EINVAL", async () => {
    expect(() => new RpcClient({ endpoints: [] })).toThrow(PatternError);
    expect(() => new RpcClient({ endpoints: ["tcp://127.0.0.1:1"], timeout: -1 })).toThrow(/timeout/);
    expect(() => new RpcClient({ endpoints: ["nonsense"] })).toThrow(PatternError);
    const c = client({ endpoints: ["tcp://127.0.0.1:1"] });
    await expect(c.request(["text"] as unknown as Buffer[])).rejects.toMatchObject({ code: "EINVAL" });
    expect(() => new RpcServer({ concurrency: 0 })).toThrow(PatternError);
  });

  it("sends no reply for a handler that throws, and reports the error", async () => {
    const errors: unknown[] = [];
    const server = new RpcServer({ bind: [ANY_PORT], onError: (e) => errors.push(e) });
    await server.serve(([f]) => {
      if (f!.toString() === "bad") throw new Error("boom");
      return [f!];
    });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints, timeout: 100 });
    await expect(c.request([Buffer.from("bad")])).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("boom");
    expect(server.errors).toBe(1);
    expect((await c.request([Buffer.from("good")]))[0]!.toString()).toBe("good");
  });

  it("sends no reply for a handler that returns something other than frames, at once or from a promise, reports EINVAL and frees the slot", async () => {
    const errors: unknown[] = [];
    const server = new RpcServer({ bind: [ANY_PORT], concurrency: 1, onError: (e, frames) => errors.push([e, frames[0]!.toString()]) });
    await server.serve(([f]) => {
      const text = f!.toString();
      if (text === "now") return "not frames" as unknown as Buffer[];
      if (text === "later") return Promise.resolve([Buffer.from("ok"), 7] as unknown as Buffer[]);
      if (text === "rejects") return Promise.reject(new Error("async boom"));
      return [f!];
    });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints, timeout: 100 });
    for (const text of ["now", "later", "rejects"]) await expect(c.request([Buffer.from(text)])).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(errors).toEqual([
      [expect.objectContaining({ code: "EINVAL" }), "now"],
      [expect.objectContaining({ code: "EINVAL" }), "later"],
      [expect.objectContaining({ message: "async boom" }), "rejects"],
    ]);
    // concurrency 1: a slot kept by any of them would hold this request back until its timeout.
    expect((await c.request([Buffer.from("good")]))[0]!.toString()).toBe("good");
    await until(() => server.inFlight === 0, "every slot freed");
    expect(server.errors).toBe(3);
  });

  it("reports a handler that throws or rejects with undefined, as any other failure, and frees its slot", async () => {
    const errors: unknown[] = [];
    const server = new RpcServer({ bind: [ANY_PORT], concurrency: 1, onError: (e, frames) => errors.push([e, frames[0]!.toString()]) });
    await server.serve(([f]) => {
      const text = f!.toString();
      if (text === "throws") throw undefined;
      if (text === "rejects") return Promise.reject(undefined);
      return [f!];
    });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints, timeout: 100 });
    for (const text of ["throws", "rejects"]) await expect(c.request([Buffer.from(text)])).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(errors).toEqual([[undefined, "throws"], [undefined, "rejects"]]);
    expect((await c.request([Buffer.from("good")]))[0]!.toString()).toBe("good");
    expect(server.errors).toBe(2);
  });

  it("gives every slot back, for handlers answering at once and after an await, across many more calls than slots", async () => {
    const server = new RpcServer({ bind: [ANY_PORT], concurrency: 2 });
    await server.serve(async ([f]) => (f!.toString() === "async" ? [Buffer.from("a")] : [f!]));
    closers.push(() => server.close());
    const syncServer = new RpcServer({ bind: [ANY_PORT], concurrency: 2 });
    await syncServer.serve(([f]) => [f!]);
    closers.push(() => syncServer.close());
    const c = client({ endpoints: [...server.endpoints], timeout: 5_000 });
    const s = client({ endpoints: [...syncServer.endpoints], timeout: 5_000 });
    // Many more calls than slots: each slot must come back for the next call.
    const replies = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => c.request([Buffer.from(i % 2 === 0 ? "async" : "sync")])),
      ...Array.from({ length: 50 }, (_, i) => s.request([Buffer.from(`s${i}`)])),
    ]);
    expect(replies).toHaveLength(100);
    expect(replies[50]![0]!.toString()).toBe("s0");
    await until(() => server.inFlight === 0 && syncServer.inFlight === 0, "every slot freed");
    expect(server.errors + syncServer.errors).toBe(0);
  });

  it("drops and reports a request without a correlation id", async () => {
    const reported = gate<unknown>();
    const server = new RpcServer({ bind: [ANY_PORT], onError: (e) => reported.open(e) });
    await server.serve((f) => f);
    closers.push(() => server.close());
    const raw = new Dealer({ linger: 0 });
    closers.push(() => raw.close());
    raw.connect(server.endpoints[0]!);
    await raw.send([Buffer.from("short")]);
    expect(await reported.promise).toMatchObject({ code: "EPROTO" });
    expect(server.errors).toBe(1);
  });

  it("close() lets running handlers finish and their replies arrive", async () => {
    const { server, started, release } = await heldServer();
    const c = client({ endpoints: server.endpoints });
    const reply = c.request([Buffer.from("slow")]);
    await started.promise;
    let closed = false;
    const closing = server.close(10_000).then(() => (closed = true));
    // A close() that did not wait for the handler would be done by now.
    await eventLoopTurns();
    expect(closed).toBe(false);
    release.open();
    await closing;
    expect((await within(reply, 10_000, "the drained reply"))[0]!.toString()).toBe("slow");
  });

  it("refuses a request that reaches a closing server at once with ESHUTDOWN, while the running one drains", async () => {
    const { server, started, release } = await heldServer({ concurrency: 1 });
    // A minute of timeout: only a refusal can end the second call before the drain does.
    const c = client({ endpoints: server.endpoints, timeout: 60_000 });
    const running = c.request([Buffer.from("running")]);
    await started.promise;
    const closing = server.close(60_000);
    await expect(within(c.request([Buffer.from("late")]), 10_000, "the refusal")).rejects.toMatchObject({ code: "ESHUTDOWN" });
    expect(server.refused).toBe(1);
    expect(server.inFlight).toBe(1);
    release.open();
    expect((await running)[0]!.toString()).toBe("running");
    await closing;
  });

  it("retries a refused request at once on the next endpoint", async () => {
    const { server: closingServer, started, release } = await heldServer();
    const healthy = await echoServer();
    const c = client({ endpoints: [...closingServer.endpoints, ...healthy.endpoints], timeout: 60_000, retries: 1 });
    const running = c.request([Buffer.from("first")]); // endpoint 0 first
    await started.promise;
    const closing = closingServer.close(60_000);
    // The next request goes to the healthy endpoint by rotation; a third comes back to the closing one.
    expect((await c.request([Buffer.from("second")]))[0]!.toString()).toBe("second");
    expect((await within(c.request([Buffer.from("third")]), 10_000, "the retry after the refusal"))[0]!.toString()).toBe("third");
    expect(closingServer.refused).toBe(1);
    release.open();
    await running;
    await closing;
  });

  it("close() aborts handlers still running at the drain deadline", async () => {
    const server = new RpcServer({ bind: [ANY_PORT] });
    const started = gate();
    const aborted = gate<unknown>();
    await server.serve(async (_frames, ctx) => {
      started.open();
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      aborted.open(ctx.signal.reason);
      return [];
    });
    const c = client({ endpoints: server.endpoints, timeout: 60_000 });
    const reply = c.request([Buffer.from("stuck")]);
    await started.promise;
    await server.close(10);
    expect(await aborted.promise).toMatchObject({ code: "ECLOSED" });
    await c.close();
    await expect(reply).rejects.toMatchObject({ code: "ECLOSED" });
  });
});

describe("RpcClient's reply timeouts", () => {
  it("hold one timer for many requests in flight, and none once they are answered", async () => {
    const { server, started, release } = await heldServer({ concurrency: 64 });
    closers.push(() => server.close());
    const c = client({ endpoints: server.endpoints, timeout: 30_000 });
    await until(() => c.connected, "the connection");
    // Only timers made from here count: one of an earlier test firing meanwhile does not.
    const timers = trackTimers();
    try {
      const replies = Array.from({ length: 50 }, (_, i) => c.request([Buffer.from(`r${i}`)]));
      await within(started.promise, 5000, "the first handler");
      // 50 requests waiting for replies: their timeouts share one timer.
      expect(c.inFlight).toBe(50);
      expect(timers.held()).toBe(1);
      release.open();
      await within(Promise.all(replies), 5000, "the replies");
      expect(c.inFlight).toBe(0);
      expect(timers.held()).toBe(0);
    } finally {
      timers.stop();
    }
  });
});
