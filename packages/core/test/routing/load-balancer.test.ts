/** LoadBalancer (libzmq `lb_t`): each message to the next pipe with room, round-robin. */
import { describe, expect, it } from "vitest";
import { LoadBalancer } from "../../src/routing/load-balancer.js";
import { msg, pipes, recorder } from "./pipes.js";

describe("LoadBalancer", () => {
  it("sends each message to the next pipe in turn", () => {
    const lb = new LoadBalancer();
    const ps = pipes(3);
    for (const pipe of ps) lb.attach(pipe);
    const order = Array.from({ length: 6 }, (_, i) => ps.indexOf(lb.send(msg(String(i)))!));
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("skips a pipe at its high-water mark until it is activated again", () => {
    const owner = recorder();
    const lb = new LoadBalancer();
    const [a, b] = pipes(2, 1, owner);
    lb.attach(a!);
    lb.attach(b!);
    expect(lb.send(msg("1"))).toBe(a);
    expect(lb.send(msg("2"))).toBe(b);
    expect(lb.send(msg("3"))).toBeNull();
    expect(lb.hasOut()).toBe(false);
    b!.takeOutbound();
    expect(owner.writable).toEqual([b]);
    lb.activated(b!);
    expect(lb.hasOut()).toBe(true);
    expect(lb.send(msg("4"))).toBe(b);
  });

  it("goes on with the other pipes when one is removed", () => {
    const lb = new LoadBalancer();
    const [a, b, c] = pipes(3);
    for (const pipe of [a!, b!, c!]) lb.attach(pipe);
    expect(lb.send(msg("1"))).toBe(a);
    lb.terminated(b!);
    const next = [lb.send(msg("2")), lb.send(msg("3")), lb.send(msg("4"))];
    expect(new Set(next)).toEqual(new Set([a, c]));
    lb.terminated(a!);
    lb.terminated(c!);
    expect(lb.send(msg("5"))).toBeNull();
  });
});
