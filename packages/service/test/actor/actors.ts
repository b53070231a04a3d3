/** Actor classes the in-process tests use (decorated TypeScript, from ../src). */
import { Actor, ActorBase } from "../../src/index.js";

/** Mirrors fixtures/counter-actor.mjs's `Counter` for typed references to members in other threads and processes. */
@Actor({ name: "Counter", idleTimeout: 0 })
export class Counter extends ActorBase<{ count: number; reminded: string[] }> {
  state = { count: 0, reminded: [] as string[] };

  /** A read-modify-write across an await: lost updates show if two turns interleave. */
  async increment(by = 1): Promise<number> {
    const before = this.state.count;
    await new Promise((resolve) => setImmediate(resolve));
    this.state.count = before + by;
    return this.state.count;
  }

  get(): number {
    return this.state.count;
  }

  whereAmI(): string {
    return "in-process";
  }

  async hang(by: number): Promise<void> {
    this.state.count += by;
    await new Promise(() => undefined);
  }

  async remind(name: string, due: number): Promise<void> {
    await this.setReminder(name, { due });
  }
}
