import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorError, ActorErrorCode, ActorSystem, FileStorage, MemoryStorage } from "../../src/index.js";
import { Counter } from "./actors.js";
import { temporaryFolder } from "./members.js";

@Actor({ reentrant: true, idleTimeout: 0 })
class ReentrantCounter extends ActorBase<{ count: number }> {
  state = { count: 0 };
  async increment(): Promise<number> {
    const before = this.state.count;
    await new Promise((resolve) => setImmediate(resolve));
    this.state.count = before + 1;
    return this.state.count;
  }
}

@Actor({ mailboxCapacity: 3, idleTimeout: 0 })
class Small extends ActorBase {
  async wait(gate: Promise<void>): Promise<void> {
    await gate;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(options: ConstructorParameters<typeof ActorSystem>[0] = {}): Promise<ActorSystem> {
  const folder = temporaryFolder();
  const started = new ActorSystem({ actors: [Counter, ReentrantCounter, Small], storage: new FileStorage(folder.path), ...options });
  await started.start();
  cleanups.push(folder.remove, () => started.close());
  return started;
}

describe("actor turns", () => {
  it("serializes 1,000 concurrent calls to one key with no lost update, and saves the total", async () => {
    const actors = await system();
    const counter = actors.ref(Counter, "hot");
    const results = await Promise.all(Array.from({ length: 1000 }, () => counter.increment(1)));
    expect(await counter.get()).toBe(1000);
    // Each call saw the one before it: the replies are exactly 1..1000.
    expect(new Set(results).size).toBe(1000);
    expect(Math.max(...results)).toBe(1000);
    expect(await actors.storage.readState("Counter", "hot")).toMatchObject({ json: JSON.stringify({ count: 1000, reminded: [] }) });
  });

  it("interleaves turns of a reentrant actor (and so loses updates a turn-based one keeps)", async () => {
    const actors = await system();
    const counter = actors.ref(ReentrantCounter, "r");
    await Promise.all(Array.from({ length: 50 }, () => counter.increment()));
    const state = JSON.parse((await actors.storage.readState("ReentrantCounter", "r")).json) as { count: number };
    expect(state.count).toBeLessThan(50);
  });

  it("activates an actor from its saved state after the system restarts", async () => {
    const folder = temporaryFolder();
    cleanups.push(folder.remove);
    const first = new ActorSystem({ actors: [Counter], storage: new FileStorage(folder.path) });
    await first.start();
    await first.ref(Counter, "7").increment(5);
    await first.close();
    const second = new ActorSystem({ actors: [Counter], storage: new FileStorage(folder.path) });
    await second.start();
    cleanups.push(() => second.close());
    expect(await second.ref(Counter, "7").increment(1)).toBe(6);
  });

  it("rejects a call past mailboxCapacity with ACTOR_MAILBOX_FULL and runs the others", async () => {
    const actors = await system({ storage: new MemoryStorage() });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const small = actors.ref(Small, "s");
    const calls = Array.from({ length: 5 }, () => small.wait(gate));
    const settled = Promise.allSettled(calls);
    open();
    const outcomes = await settled;
    // One running, three queued; the fifth finds the mailbox full.
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(4);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ActorError);
    expect((rejected.reason as ActorError).code).toBe(ActorErrorCode.MAILBOX_FULL);
  });

  it("rejects a call of a method that is not a handler with ACTOR_NO_HANDLER", async () => {
    const actors = await system();
    await expect(actors.call("Counter", "1", "onActivate", [])).rejects.toMatchObject({ code: ActorErrorCode.NO_HANDLER });
    await expect(actors.call("Counter", "1", "nothing", [])).rejects.toMatchObject({ code: ActorErrorCode.NO_HANDLER });
    await expect(actors.call("Nobody", "1", "get", [])).rejects.toMatchObject({ code: ActorErrorCode.NOT_REGISTERED });
  });
});
