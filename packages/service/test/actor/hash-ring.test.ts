import { describe, expect, it } from "vitest";
import { HashRing } from "../../src/index.js";

const keys = Array.from({ length: 20_000 }, (_, i) => `Cart/${i}`);

function shares(ring: HashRing): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(ring.owner(key)!, (counts.get(ring.owner(key)!) ?? 0) + 1);
  return counts;
}

describe("HashRing", () => {
  it("spreads keys over members within 25% of an even share", () => {
    const members = ["host-a/1/0", "host-a/1/1", "host-b/7/0", "host-b/7/1", "host-c/3/0"];
    const counts = shares(new HashRing(members));
    expect([...counts.keys()].sort()).toEqual([...members].sort());
    for (const count of counts.values()) expect(Math.abs(count - keys.length / members.length)).toBeLessThan(keys.length / members.length / 4);
  });

  it("moves only the keys of a member that joins or leaves", () => {
    const before = new HashRing(["a", "b", "c", "d"]);
    const joined = new HashRing(["a", "b", "c", "d", "e"]);
    const left = new HashRing(["a", "b", "d"]);
    for (const key of keys) {
      const owner = before.owner(key);
      const afterJoin = joined.owner(key);
      if (afterJoin !== owner) expect(afterJoin).toBe("e");
      if (owner !== "c") expect(left.owner(key)).toBe(owner);
    }
  });

  it("gives every member the same owners whatever the order of the list, and none on an empty ring", () => {
    const one = new HashRing(["x", "y", "z"]);
    const other = new HashRing(["z", "x", "y", "x"]);
    for (const key of keys.slice(0, 1000)) expect(other.owner(key)).toBe(one.owner(key));
    expect(new HashRing([]).owner("k")).toBeUndefined();
  });
});
