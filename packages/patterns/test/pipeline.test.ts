import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer } from "@skein/core";
import { PatternError, WorkQueue, Worker } from "../src/index.js";
import { ANY_PORT, Collector, eventLoopTurns, gate, until, within } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// Fast heartbeats where a test waits for a death to be detected; relaxed ones elsewhere so a
// busy machine does not declare live peers dead.
const FAST = { heartbeatInterval: 50, heartbeatLiveness: 3 };
const RELAXED = { heartbeatInterval: 1000, heartbeatLiveness: 5 };

async function queue(options: Partial<ConstructorParameters<typeof WorkQueue>[0]> = {}): Promise<WorkQueue> {
  const q = new WorkQueue({ bind: [ANY_PORT], ...RELAXED, ...options });
  await q.start();
  closers.push(() => q.close());
  return q;
}

function worker(endpoint: string, options: { concurrency?: number; heartbeatInterval?: number; heartbeatLiveness?: number } = {}): Worker {
  const w = new Worker({ connect: [endpoint], queue: "jobs", ...RELAXED, ...options });
  closers.push(() => w.close(0));
  return w;
}

const text = (s: string): Buffer[] => [Buffer.from(s)];

describe("WorkQueue and Worker", () => {
  it("reports a heartbeat it cannot send (the worker left without a word): sendErrors and onError, not swallowed", async () => {
    const errors: unknown[] = [];
    // Long liveness: the queue keeps heart-beating the departed worker for a while.
    const q = await queue({ heartbeatInterval: 20, heartbeatLiveness: 250, onError: (e) => errors.push(e) });
    const departed = new Dealer({ linger: 0 });
    departed.connect(q.endpoints[0]!);
    await departed.send([Buffer.from("R"), Buffer.from("jobs"), Buffer.from([0, 0, 0, 1])]);
    await until(() => q.stats.workers === 1, "the worker to register");
    departed.close();
    await until(() => q.stats.sendErrors > 0, "a failed heartbeat to be counted");
    expect(errors[0]).toMatchObject({ code: "EHOSTUNREACH" });
  });

  it("runs every item once, returns results, and drain() signals the end of the batch", async () => {
    const q = await queue();
    const w = worker(q.endpoints[0]!, { concurrency: 4 });
    const handled = new Collector<string>();
    await w.process(async ([f]) => {
      handled.push(f!.toString());
      return [Buffer.from(f!.toString().toUpperCase())];
    });
    const results = await Promise.all(["a", "b", "c"].map((s) => q.submit("jobs", text(s))));
    expect(results.map(([r]) => r!.toString())).toEqual(["A", "B", "C"]);
    for (let i = 0; i < 50; i++) await q.push("jobs", text(`item${i}`));
    await q.drain();
    expect(handled.items).toHaveLength(53);
    expect(new Set(handled.items).size).toBe(53);
    expect(q.stats).toMatchObject({ pending: 0, unacked: 0, acked: 53, redelivered: 0 });
  });

  it("sends only to workers with credit: a slow worker holds one item while the fast one takes the rest", async () => {
    const q = await queue();
    const slowStarted = gate();
    const releaseSlow = gate();
    const slow = worker(q.endpoints[0]!, { concurrency: 1 });
    const slowItems: string[] = [];
    await slow.process(async ([f]) => {
      slowItems.push(f!.toString());
      slowStarted.open();
      await releaseSlow.promise;
    });
    // The slow worker takes the first item before the fast one exists.
    const first = q.submit("jobs", text("0"));
    await slowStarted.promise;
    const fast = worker(q.endpoints[0]!, { concurrency: 1 });
    const fastItems: string[] = [];
    await fast.process(async ([f]) => {
      fastItems.push(f!.toString());
    });
    await Promise.all(Array.from({ length: 19 }, (_, i) => q.submit("jobs", text(String(i + 1)))));
    expect(slowItems).toEqual(["0"]);
    expect(fastItems).toHaveLength(19);
    releaseSlow.open();
    await first;
  });

  it("spreads items sent one at a time over idle workers in turn, not all to the first registered", async () => {
    const q = await queue();
    const seen = new Map<string, number>();
    for (const name of ["w1", "w2", "w3"]) {
      const w = worker(q.endpoints[0]!, { concurrency: 4 });
      await w.process(async () => {
        seen.set(name, (seen.get(name) ?? 0) + 1);
      });
    }
    await until(() => q.stats.workers === 3, "three workers to register");
    // Each item is acknowledged before the next is submitted: every worker has its full credit each time.
    for (let i = 0; i < 30; i++) await q.submit("jobs", text(String(i)));
    expect(Object.fromEntries(seen)).toEqual({ w1: 10, w2: 10, w3: 10 });
  });

  it("redelivers an item its worker failed, and dead-letters it after maxAttempts", async () => {
    const dead = new Collector<string>();
    const q = await queue({ maxAttempts: 3, onDeadLetter: (_q, [f], reason) => dead.push(`${f!.toString()}: ${reason}`) });
    const w = worker(q.endpoints[0]!);
    const attempts = new Map<string, number>();
    await w.process(async ([f]) => {
      const key = f!.toString();
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      if (key === "poison" || attempts.get(key) === 1) throw new Error(`cannot do ${key}`);
    });
    await q.submit("jobs", text("flaky"));
    expect(attempts.get("flaky")).toBe(2);
    const error = await q.submit("jobs", text("poison")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatternError);
    expect((error as PatternError).code).toBe("EDEADLETTER");
    expect(attempts.get("poison")).toBe(3);
    expect(dead.items).toEqual(["poison: Item given up after 3 attempts: worker failed it: cannot do poison"]);
    expect(w.stats.failed).toBe(4);
    await q.drain();
  });

  it("redelivers the item of a worker process killed mid-task to another worker", async () => {
    const script = fileURLToPath(new URL("./fixtures/pipeline-worker.js", import.meta.url));
    if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
      throw new Error("packages/patterns/dist is missing: run `pnpm build` first (the child worker runs the built package)");
    }
    const q = await queue(FAST);
    const child: ChildProcess = fork(script, [q.endpoints[0]!], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    closers.push(async () => {
      child.kill("SIGKILL");
      await exited;
    });
    const started = gate<string>();
    const ready = gate();
    child.on("message", (m: { started?: string; ready?: boolean }) => {
      if (m.ready === true) ready.open();
      if (m.started !== undefined) started.open(m.started);
    });
    await ready.promise;
    const result = q.submit("jobs", text("job-1"));
    expect(await started.promise).toBe("job-1");
    child.kill("SIGKILL");
    await exited;
    const survivor = worker(q.endpoints[0]!, FAST);
    await survivor.process(async ([f]) => [Buffer.from(`done ${f!.toString()}`)]);
    expect((await result)[0]!.toString()).toBe("done job-1");
    expect(q.stats.acked).toBe(1);
    expect(q.stats.redelivered).toBeGreaterThanOrEqual(1);
    expect(q.stats.deadWorkers).toBeGreaterThanOrEqual(1);
  });

  it("redelivers an item not acknowledged within ackTimeout, first acknowledgement wins", async () => {
    const q = await queue({ ackTimeout: 100 });
    const stuckStarted = gate();
    const releaseStuck = gate();
    const stuck = worker(q.endpoints[0]!);
    await stuck.process(async () => {
      stuckStarted.open();
      await releaseStuck.promise;
      return [Buffer.from("late")];
    });
    const result = q.submit("jobs", text("x"));
    await stuckStarted.promise;
    const other = worker(q.endpoints[0]!);
    await other.process(async () => [Buffer.from("on time")]);
    expect((await result)[0]!.toString()).toBe("on time");
    expect(q.stats.redelivered).toBe(1);
    releaseStuck.open();
  });

  it("recovers when the queue restarts: workers reconnect and take new work", async () => {
    const first = new WorkQueue({ bind: [ANY_PORT], ...FAST });
    await first.start();
    const endpoint = first.endpoints[0]!;
    const w = worker(endpoint, FAST);
    await w.process(async ([f]) => [Buffer.from(`ok ${f!.toString()}`)]);
    expect((await first.submit("jobs", text("before")))[0]!.toString()).toBe("ok before");
    await first.close();
    const second = new WorkQueue({ bind: [endpoint], ...FAST });
    await second.start();
    closers.push(() => second.close());
    expect((await second.submit("jobs", text("after")))[0]!.toString()).toBe("ok after");
  });

  it("close() on a worker finishes its running item before leaving", async () => {
    const q = await queue();
    const w = new Worker({ connect: q.endpoints, queue: "jobs", ...RELAXED });
    const started = gate();
    const release = gate();
    await w.process(async () => {
      started.open();
      await release.promise;
      return [Buffer.from("finished")];
    });
    const result = q.submit("jobs", text("x"));
    await started.promise;
    let closed = false;
    const closing = w.close(10_000).then(() => (closed = true));
    // A close() that did not wait for the item would be done by now.
    await eventLoopTurns();
    expect(closed).toBe(false);
    release.open();
    await closing;
    expect((await within(result, 10_000, "the item's acknowledgement"))[0]!.toString()).toBe("finished");
    expect(q.stats.redelivered).toBe(0);
  });

  it("rejects bad input with EINVAL and pending work with ECLOSED on close", async () => {
    expect(() => new Worker({ queue: "" })).toThrow(PatternError);
    expect(() => new WorkQueue({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    const q = new WorkQueue({ bind: [ANY_PORT] });
    await expect(q.push("jobs", [])).rejects.toMatchObject({ code: "EINVAL" });
    await q.start();
    await expect(q.push("", [])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(q.push("jobs", ["s" as unknown as Buffer])).rejects.toMatchObject({ code: "EINVAL" });
    const waiting = q.push("nobody-serves-this", []);
    await q.close();
    await expect(waiting).rejects.toMatchObject({ code: "ECLOSED" });
  });
});
