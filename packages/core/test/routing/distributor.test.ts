/** Distributor (libzmq `dist_t`): one message to many pipes; a pipe at its high-water mark misses it. */
import { describe, expect, it } from "vitest";
import { Distributor } from "../../src/routing/distributor.js";
import { msg, pipes } from "./pipes.js";

describe("Distributor", () => {
  it("writes a message to every pipe with room and counts the ones at their high-water mark", () => {
    const [a, b, full] = pipes(3, 1);
    full!.write(msg("queued"));
    const dropped = Distributor.send(msg("m"), [a!, b!, full!]);
    expect(dropped).toBe(1);
    expect(a!.outbound.length).toBe(1);
    expect(b!.outbound.length).toBe(1);
    expect(full!.outbound.length).toBe(1);
  });

  it("tells whether every target can take a message now", () => {
    const [a, b] = pipes(2, 1);
    expect(Distributor.allWritable([a!, b!])).toBe(true);
    b!.write(msg("queued"));
    expect(Distributor.allWritable([a!, b!])).toBe(false);
    expect(Distributor.allWritable([])).toBe(true);
  });

  it("keeps the set of attached pipes", () => {
    const dist = new Distributor();
    const [a, b] = pipes(2);
    dist.attach(a!);
    dist.attach(b!);
    dist.terminated(a!);
    expect([...dist.pipes]).toEqual([b]);
  });
});
