/**
 * ActorPool in real worker threads: calls spread over the threads, handler
 * errors, a thread dying mid-call, the bounded queue, close.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ActorPool, PatternError, type ActorPoolOptions, type PoolHandler } from "../src/index.js";

const pools: ActorPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
});

async function start<A>(handler: PoolHandler<A> | URL | string, options?: ActorPoolOptions<A>): Promise<ActorPool> {
  const pool = await ActorPool.start(handler, options);
  pools.push(pool);
  return pool;
}

/**
 * A handler that holds each call until `gate[1]` is set: it counts itself in
 * `gate[0]` and answers with its first frame. Runs from its source in the pool's threads.
 */
function gatedCall(frames: Buffer[], args: { gate: SharedArrayBuffer }): string {
  const gate = new Int32Array(args.gate);
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  while (Atomics.load(gate, 1) === 0) Atomics.wait(gate, 1, 0, 1000);
  return frames[0]!.toString();
}

/** Waits (without blocking this thread) until `gate[0]` reaches `count`. */
async function arrived(gate: Int32Array, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let seen = Atomics.load(gate, 0); seen < count; seen = Atomics.load(gate, 0)) {
    if (Date.now() > deadline) throw new Error(`only ${seen} of ${count} calls started`);
    const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync(gate, 0, seen, 1000);
    if (wait.async) await wait.value;
  }
}

describe("ActorPool", () => {
  it("runs calls at the same time on as many threads as it has", async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const pool = await start(gatedCall, { size: 3, args: { gate: gate.buffer } });
    expect(pool.size).toBe(3);
    const calls = ["a", "b", "c"].map((name) => pool.run(name));
    // All three handlers are inside their call at once: each blocks its own thread.
    await arrived(gate, 3);
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    const replies = (await Promise.all(calls)).map((reply) => reply[0]!.toString());
    expect(replies).toEqual(["a", "b", "c"]);
  });

  it("runs a module handler, and queues calls beyond its threads", async () => {
    const pool = await start(new URL("./fixtures/double-handler.mjs", import.meta.url), { size: 2 });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(String(i))));
    expect(replies.map((reply) => Number(reply[0]!.toString()))).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it("rejects a call whose handler throws with EACTOR, and the actor goes on", async () => {
    const pool = await start(
      (frames: Buffer[]) => {
        if (frames[0]!.toString() === "bad") throw new Error("bad input");
        return "fine";
      },
      { size: 1 },
    );
    await expect(pool.run("bad")).rejects.toMatchObject({ code: "EACTOR", message: "bad input" });
    expect((await pool.run("good"))[0]!.toString()).toBe("fine");
    expect(pool.restarts).toBe(0);
  });

  it("rejects the call of a thread that dies mid-call and replaces the thread", async () => {
    const pool = await start(
      (frames: Buffer[]) => {
        if (frames[0]!.toString() === "die") (globalThis as { process: NodeJS.Process }).process.exit(3);
        return "alive";
      },
      { size: 1 },
    );
    const restarted = new Promise<PatternError>((resolve) => pool.once("restart", resolve));
    await expect(pool.run("die")).rejects.toMatchObject({ code: "EACTOR" });
    expect((await restarted).code).toBe("EACTOR");
    expect(pool.restarts).toBe(1);
    // The next call waits for the new thread and runs there.
    expect((await pool.run("again"))[0]!.toString()).toBe("alive");
    expect(pool.size).toBe(1);
  });

  it("rejects a call with EAGAIN when maxQueued calls wait already, and waiting calls with ECLOSED on close", async () => {
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const pool = await ActorPool.start(gatedCall, { size: 1, maxQueued: 1, args: { gate: gate.buffer }, terminateTimeout: 100 });
    const running = pool.run("running");
    const waiting = pool.run("waiting");
    await expect(pool.run("one too many")).rejects.toMatchObject({ code: "EAGAIN" });
    expect(pool.queued).toBe(1);
    await arrived(gate, 1);
    const closed = pool.close();
    await expect(waiting).rejects.toMatchObject({ code: "ECLOSED" });
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    await closed;
    await expect(pool.run("late")).rejects.toMatchObject({ code: "ECLOSED" });
    // The call that was running when the pool closed either finished or was cut off with the thread.
    await running.then(
      (reply) => expect(reply[0]!.toString()).toContain("running"),
      (error: PatternError) => expect(["EACTOR", "ECLOSED", "ETERM"]).toContain(error.code),
    );
  });
});
