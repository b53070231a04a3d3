import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorSystem, MemoryStorage } from "../../src/index.js";
import { within } from "../fixtures.js";

@Actor({ name: "Idle", idleTimeout: 30 })
class Idle extends ActorBase<{ count: number; deactivations: number }> {
  state = { count: 0, deactivations: 0 };
  add(): number {
    return ++this.state.count;
  }
  onDeactivate(): void {
    this.state.deactivations++;
  }
}

@Actor({ name: "Ticking", idleTimeout: 0 })
class Ticking extends ActorBase<{ ticks: number }> {
  state = { ticks: 0 };
  start(period: number): void {
    this.setTimer("tick", () => {
      this.state.ticks++;
      if (this.state.ticks === 3) this.clearTimer("tick");
    }, { due: period, period });
  }
  ticks(): number {
    return this.state.ticks;
  }
  leave(): void {
    this.deactivateOnIdle();
  }
}

@Actor({ name: "Reminded", idleTimeout: 0 })
class Reminded extends ActorBase<{ fired: number }> {
  state = { fired: 0 };
  async every(period: number): Promise<void> {
    await this.setReminder("tick", { due: period, period });
  }
  async receiveReminder(name: string): Promise<void> {
    this.state.fired++;
    if (this.state.fired === 3) await this.clearReminder(name);
  }
  fired(): number {
    return this.state.fired;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(): Promise<ActorSystem> {
  const actors = new ActorSystem({ actors: [Idle, Ticking, Reminded], storage: new MemoryStorage() });
  await actors.start();
  cleanups.push(() => actors.close());
  return actors;
}

function deactivation(actors: ActorSystem, key: string): Promise<string> {
  return within(new Promise((resolve) => {
    const listener = (_type: string, deactivated: string, reason: string): void => {
      if (deactivated !== key) return;
      actors.off("deactivated", listener);
      resolve(reason);
    };
    actors.on("deactivated", listener);
  }), 5000, `deactivation of ${key}`);
}

describe("actor lifecycle", () => {
  it("deactivates an activation idle for idleTimeout, saving what onDeactivate changed, and reactivates it on the next call", async () => {
    const actors = await system();
    const idle = actors.ref(Idle, "i");
    const ended = deactivation(actors, "i");
    await idle.add();
    expect(actors.isActive(Idle, "i")).toBe(true);
    expect(await ended).toBe("idle");
    expect(actors.isActive(Idle, "i")).toBe(false);
    expect(JSON.parse((await actors.storage.readState("Idle", "i")).json)).toEqual({ count: 1, deactivations: 1 });
    expect(await idle.add()).toBe(2);
  });

  it("runs a periodic timer as turns until it is cleared", async () => {
    const actors = await system();
    const ticking = actors.ref(Ticking, "t");
    await ticking.start(5);
    const deadline = Date.now() + 5000;
    while ((await ticking.ticks()) < 3 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(await ticking.ticks()).toBe(3);
  });

  it("fires a repeating reminder as turns, saving each, until the actor clears it (then it is no longer stored)", async () => {
    const actors = await system();
    const fired: unknown[] = [];
    actors.on("reminder", (_reminder, error) => fired.push(error));
    await actors.ref(Reminded, "r").every(5);
    const deadline = Date.now() + 5000;
    while (fired.length < 3 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toEqual([undefined, undefined, undefined]);
    expect(await actors.ref(Reminded, "r").fired()).toBe(3);
    expect(await actors.storage.listReminders()).toEqual([]);
  });

  it("deactivates on request once the turn ends, clearing its timers", async () => {
    const actors = await system();
    const ticking = actors.ref(Ticking, "u");
    await ticking.start(60_000);
    const ended = deactivation(actors, "u");
    await ticking.leave();
    expect(await ended).toBe("requested");
    expect(actors.activationCount).toBe(0);
  });
});
