import { afterEach, describe, expect, it } from "vitest";
import { ActorError, ActorErrorCode, ActorSystem, HashRing, type Member, MemoryStorage } from "../../src/index.js";
import { within } from "../fixtures.js";
import { Counter } from "./actors.js";
import { type MemberHandle, startMember, temporaryFolder } from "./members.js";

/** Members start threads and processes that import the package: minutes on a loaded 2-core machine, not seconds. */
const SLOW = 120_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(kind: "thread" | "process", ids: string[]): Promise<{ members: MemberHandle[]; client: ActorSystem; storage: string }> {
  const folder = temporaryFolder();
  cleanups.push(folder.remove);
  const members = await Promise.all(ids.map((id) => startMember(kind, id, folder.path)));
  cleanups.push(() => Promise.all(members.map((member) => member.kill())).then(() => undefined));
  const view = members.map((member) => member.member);
  await Promise.all(members.map((member) => member.setMembers(view)));
  // A call's timeout counts its wait in the mailbox: the last of 1,000 calls to one key waits for 999 turns and saves.
  const client = new ActorSystem({ members: view, storage: new MemoryStorage(), callTimeout: SLOW });
  await client.start();
  cleanups.push(() => client.close());
  return { members, client, storage: folder.path };
}

/** A key of `Counter` that `owner` owns among `members`. */
function keyOwnedBy(owner: string, members: string[], prefix = "k"): string {
  const ring = new HashRing(members);
  for (let i = 0; ; i++) if (ring.owner(`Counter/${prefix}${i}`) === owner) return `${prefix}${i}`;
}

/** The keys each member has live, from its activated/deactivated events. */
function liveKeys(member: MemberHandle): Set<string> {
  const live = new Set<string>();
  for (const event of member.events) {
    if (event.event === "activated") live.add(String(event.key));
    if (event.event === "deactivated") live.delete(String(event.key));
  }
  return live;
}

describe("actor placement over members", () => {
  it("serializes 1,000 concurrent calls to one key owned by a member in another thread, with no lost update", async () => {
    const { client } = await cluster("thread", ["t1"]);
    const counter = client.ref(Counter, "hot");
    await Promise.all(Array.from({ length: 1000 }, () => counter.increment(1)));
    expect(await counter.get()).toBe(1000);
  }, SLOW);

  for (const kind of ["thread", "process"] as const) {
    it(`a member ${kind} killed mid-turn: its actor reactivates on another member from the state its last finished turn saved`, async () => {
      const { members, client } = await cluster(kind, ["a", "b"]);
      const [a, b] = members as [MemberHandle, MemberHandle];
      const key = keyOwnedBy("a", ["a", "b"]);
      const counter = client.ref(Counter, key);
      expect(await counter.increment(3)).toBe(3);
      expect(await counter.whereAmI()).toBe("a");
      const hung = counter.hang(100).then(() => undefined, (error: unknown) => error);
      await a.next((event) => event.event === "hanging" && event.key === key, "the turn to start");
      await a.kill();
      // The view without the dead member, on every member left and on the caller.
      await b.setMembers([b.member]);
      await client.setMembers([b.member]);
      const lost = await within(hung);
      expect(lost).toBeInstanceOf(ActorError);
      expect((lost as ActorError).code).toBe(ActorErrorCode.UNREACHABLE);
      expect(await counter.whereAmI()).toBe("b");
      // The +100 of the killed turn was never saved.
      expect(await counter.get()).toBe(3);
      expect(await counter.increment(1)).toBe(4);
    }, SLOW);
  }

  it("rebalances when a member joins: the keys it now owns move to it (deactivated elsewhere first), state intact, one activation per key", async () => {
    const { members, client, storage } = await cluster("thread", ["a", "b"]);
    const keys = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await Promise.all(keys.map((key) => client.ref(Counter, key).increment(1)));
    const c = await startMember("thread", "c", storage);
    cleanups.push(() => c.kill());
    const all = [...members, c];
    const view: Member[] = all.map((member) => member.member);
    await Promise.all(all.map((member) => member.setMembers(view)));
    const ring = new HashRing(["a", "b", "c"]);
    const moved = keys.filter((key) => ring.owner(`Counter/${key}`) === "c");
    // A caller still on the old view sends a moved key to its old owner, which refuses it (not run) every time.
    await expect(client.ref(Counter, moved[0]!).increment(1)).rejects.toMatchObject({ code: ActorErrorCode.WRONG_OWNER });
    await client.setMembers(view);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(keys.length);
    // Every key moved to c was deactivated where it was, for the membership change.
    const deactivated = members.flatMap((member) => member.events.filter((event) => event.event === "deactivated" && event.reason === "membership").map((event) => event.key));
    expect(deactivated.sort()).toEqual([...moved].sort());
    const counts = await Promise.all(keys.map((key) => client.ref(Counter, key).increment(1)));
    expect(counts).toEqual(keys.map(() => 2));
    for (const key of keys) expect(await client.ref(Counter, key).whereAmI()).toBe(ring.owner(`Counter/${key}`));
    // No key live on two members.
    const live = all.map(liveKeys);
    for (const key of keys) expect(live.filter((set) => set.has(key))).toHaveLength(1);
  }, SLOW);

  it("fires a durable reminder after its process was killed, in the process that owns the key next", async () => {
    const folder = temporaryFolder();
    cleanups.push(folder.remove);
    const first = await startMember("process", "p1", folder.path);
    cleanups.push(() => first.kill());
    const client = new ActorSystem({ members: [first.member], storage: new MemoryStorage() });
    await client.start();
    cleanups.push(() => client.close());
    await client.ref(Counter, "sleeper").remind("wake", 1500);
    await first.kill();
    expect(first.events.some((event) => event.event === "reminded")).toBe(false);
    const second = await startMember("process", "p2", folder.path);
    cleanups.push(() => second.kill());
    const reminded = await second.next((event) => event.event === "reminded", "the reminder");
    expect(reminded).toMatchObject({ key: "sleeper", name: "wake" });
  }, SLOW);
});
