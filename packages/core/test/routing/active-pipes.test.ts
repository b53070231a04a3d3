/**
 * ActivePipes: the active/idle split shared by fair-queueing and
 * load-balancing (libzmq keeps pipes `[0, active)` servable and swaps a pipe
 * out in O(1) when it cannot be served).
 */
import { describe, expect, it } from "vitest";
import { ActivePipes } from "../../src/routing/active-pipes.js";
import type { Pipe } from "../../src/pipe.js";
import { pipes } from "./pipes.js";

/** Exposes the split for inspection. */
class Inspectable extends ActivePipes {
  get activeCount(): number {
    return this.active;
  }
  activeSet(): Set<Pipe> {
    return new Set(this.pipes.slice(0, this.active));
  }
  idleSet(): Set<Pipe> {
    return new Set(this.pipes.slice(this.active));
  }
  deactivate(pipe: Pipe): void {
    this.current = this.pipes.indexOf(pipe);
    this.deactivateCurrent();
  }
}

describe("ActivePipes", () => {
  it("attaches pipes as active", () => {
    const list = new Inspectable();
    const [a, b, c] = pipes(3);
    for (const pipe of [a!, b!, c!]) list.attach(pipe);
    expect(list.activeSet()).toEqual(new Set([a, b, c]));
  });

  it("moves a deactivated pipe to the idle part and back when activated", () => {
    const list = new Inspectable();
    const [a, b, c] = pipes(3);
    for (const pipe of [a!, b!, c!]) list.attach(pipe);
    list.deactivate(a!);
    expect(list.activeSet()).toEqual(new Set([b, c]));
    expect(list.idleSet()).toEqual(new Set([a]));
    list.activated(a!);
    expect(list.activeSet()).toEqual(new Set([a, b, c]));
    // Activating an active or unknown pipe changes nothing.
    list.activated(a!);
    list.activated(pipes(1)[0]!);
    expect(list.activeCount).toBe(3);
  });

  it("attaches a new pipe as active even when others are idle", () => {
    const list = new Inspectable();
    const [a, b] = pipes(2);
    list.attach(a!);
    list.deactivate(a!);
    list.attach(b!);
    expect(list.activeSet()).toEqual(new Set([b]));
    expect(list.idleSet()).toEqual(new Set([a]));
  });

  it("removes active and idle pipes and keeps the split", () => {
    const list = new Inspectable();
    const [a, b, c, d] = pipes(4);
    for (const pipe of [a!, b!, c!, d!]) list.attach(pipe);
    list.deactivate(d!);
    list.terminated(b!);
    expect(list.activeSet()).toEqual(new Set([a, c]));
    expect(list.idleSet()).toEqual(new Set([d]));
    list.terminated(d!);
    expect(list.idleSet()).toEqual(new Set());
    list.terminated(b!);
    expect(list.pipes.length).toBe(2);
  });
});
