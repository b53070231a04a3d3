/** RoutingIds: ROUTER's table of peers by routing id, and the ids made for peers that give none (RFC 28). */
import { describe, expect, it } from "vitest";
import { RoutingIds } from "../../src/routing/routing-ids.js";
import { pipes } from "./pipes.js";

describe("RoutingIds", () => {
  it("generates 5-byte ids starting with a zero byte, each different", () => {
    const ids = new RoutingIds();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = ids.generate();
      expect(id.length).toBe(5);
      expect(id[0]).toBe(0);
      seen.add(id.toString("hex"));
    }
    expect(seen.size).toBe(1000);
  });

  it("skips ids already in use", () => {
    const ids = new RoutingIds();
    const [a] = pipes(1);
    const first = ids.generate();
    // The ids the counter gives next are taken: generate() passes over them.
    const counter = first.readUInt32BE(1);
    const taken = [1, 2].map((step) => {
      const id = Buffer.alloc(5);
      id.writeUInt32BE((counter + step) >>> 0, 1);
      ids.set(id, a!);
      return id;
    });
    const next = ids.generate();
    expect(next.readUInt32BE(1)).toBe((counter + 3) >>> 0);
    expect(taken.some((id) => id.equals(next))).toBe(false);
  });

  it("finds, replaces and removes pipes by id, removing only the pipe that still holds it", () => {
    const ids = new RoutingIds();
    const [a, b] = pipes(2);
    const id = Buffer.from("peer-1");
    a!.routingId = id;
    b!.routingId = id;
    ids.set(id, a!);
    expect(ids.get(Buffer.from("peer-1"))).toBe(a);
    expect(ids.has(id)).toBe(true);
    ids.set(id, b!);
    ids.remove(a!);
    expect(ids.get(id)).toBe(b);
    ids.remove(b!);
    expect(ids.has(id)).toBe(false);
  });

  it("keeps binary ids apart byte for byte", () => {
    const ids = new RoutingIds();
    const [a, b] = pipes(2);
    ids.set(Buffer.from([0xff, 0x00]), a!);
    ids.set(Buffer.from([0xff, 0x01]), b!);
    expect(ids.get(Buffer.from([0xff, 0x00]))).toBe(a);
    expect(ids.get(Buffer.from([0xff, 0x01]))).toBe(b);
    expect(ids.get(Buffer.from([0xff]))).toBeUndefined();
  });
});
