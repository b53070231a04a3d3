import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorError, ActorErrorCode, ActorSystem, FileStorage } from "../../src/index.js";
import { within } from "../fixtures.js";
import { temporaryFolder } from "./members.js";

class Failure extends Error {
  readonly code = "BOOM";
}

/** Counts activations in memory (not saved) and fails on demand after changing its state. */
class Flaky extends ActorBase<{ count: number }> {
  state = { count: 0 };
  activations = 0;
  onActivate(): void {
    this.activations++;
  }
  add(by: number): number {
    this.state.count += by;
    return this.state.count;
  }
  addThenFail(by: number): never {
    this.state.count += by;
    throw new Failure("failed after changing the state");
  }
  read(): { count: number; activations: number } {
    return { count: this.state.count, activations: this.activations };
  }
  async slow(gate: Promise<void>): Promise<void> {
    await gate;
  }
}

@Actor({ name: "Restarting", idleTimeout: 0, supervision: { strategy: "restart", maxRestarts: 2, within: 60_000 } })
class Restarting extends Flaky {}

@Actor({ name: "Stopping", idleTimeout: 0, supervision: { strategy: "stop" } })
class Stopping extends Flaky {}

@Actor({ name: "Escalating", idleTimeout: 0, supervision: { strategy: "escalate" } })
class Escalating extends Flaky {}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(): Promise<ActorSystem> {
  const folder = temporaryFolder();
  const actors = new ActorSystem({ actors: [Restarting, Stopping, Escalating], storage: new FileStorage(folder.path) });
  await actors.start();
  cleanups.push(folder.remove, () => actors.close());
  return actors;
}

describe("actor supervision", () => {
  it("restart: a handler that throws rejects its caller, and the next turn runs on a fresh instance from the last saved state", async () => {
    const actors = await system();
    const restarted: unknown[] = [];
    actors.on("restarted", (_type, _key, error) => restarted.push(error));
    const actor = actors.ref(Restarting, "a");
    expect(await actor.add(5)).toBe(5);
    await expect(actor.addThenFail(100)).rejects.toBeInstanceOf(Failure);
    // The failed turn's +100 is gone; the instance is new (onActivate ran twice).
    expect(await actor.read()).toEqual({ count: 5, activations: 1 });
    expect(restarted).toHaveLength(1);
    expect(JSON.parse((await actors.storage.readState("Restarting", "a")).json)).toEqual({ count: 5 });
  });

  it("restart: past maxRestarts within the window the activation stops and the failure escalates", async () => {
    const actors = await system();
    const escalated: unknown[] = [];
    actors.on("escalated", (_type, _key, error) => escalated.push(error));
    const actor = actors.ref(Restarting, "b");
    for (let i = 0; i < 2; i++) await expect(actor.addThenFail(1)).rejects.toBeInstanceOf(Failure);
    expect(escalated).toHaveLength(0);
    const stopped = new Promise((resolve) => actors.once("deactivated", (_type, _key, reason) => resolve(reason)));
    await expect(actor.addThenFail(1)).rejects.toBeInstanceOf(Failure);
    expect(await within(stopped)).toBe("stopped");
    expect(escalated).toHaveLength(1);
  });

  it("stop: the queued calls are rejected with ACTOR_STOPPED without running, and a later call activates anew", async () => {
    const actors = await system();
    const actor = actors.ref(Stopping, "c");
    await actor.add(1);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = actor.slow(gate);
    const failing = actor.addThenFail(10);
    const queued = actor.add(1000);
    open();
    await slow;
    await expect(failing).rejects.toBeInstanceOf(Failure);
    await expect(queued).rejects.toMatchObject({ code: ActorErrorCode.STOPPED });
    expect(await actor.read()).toEqual({ count: 1, activations: 1 });
  });

  it("escalate: the failure reaches the system's escalated event (or its error event), and the activation stops", async () => {
    const actors = await system();
    const actor = actors.ref(Escalating, "d");
    await actor.add(2);
    const errors: unknown[] = [];
    actors.on("error", (error) => errors.push(error));
    await expect(actor.addThenFail(1)).rejects.toBeInstanceOf(Failure);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Failure);
    expect(await actor.read()).toEqual({ count: 2, activations: 1 });
  });

  it("a save conflict (another activation wrote the state) fails the turn with ACTOR_CONFLICT and ends the activation", async () => {
    const actors = await system();
    const actor = actors.ref(Restarting, "e");
    await actor.add(1);
    // Another member (after a membership change) wrote version 2 behind this activation's back.
    const { version } = await actors.storage.readState("Restarting", "e");
    await actors.storage.writeState("Restarting", "e", JSON.stringify({ count: 50 }), version);
    const error = await actor.add(1).then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(ActorError);
    expect((error as ActorError).code).toBe(ActorErrorCode.CONFLICT);
    expect(await actor.add(1)).toBe(51);
  });
});
