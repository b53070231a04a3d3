import { Dealer } from "@skein/core";
import { afterEach, describe, expect, it } from "vitest";
import { Actor, ActorBase, ActorErrorCode, ActorSystem, MemoryStorage } from "../../src/index.js";
import { within } from "../fixtures.js";

@Actor({ name: "Target", idleTimeout: 0 })
class Target extends ActorBase<{ n: number }> {
  state = { n: 0 };
  bump(): number {
    return ++this.state.n;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function member(options: ConstructorParameters<typeof ActorSystem>[0] = {}): Promise<{ owner: ActorSystem; caller: ActorSystem }> {
  const owner = new ActorSystem({ id: "owner", actors: [Target], storage: new MemoryStorage(), bind: "tcp://127.0.0.1:0", ...options });
  await owner.start();
  cleanups.push(() => owner.close());
  const caller = new ActorSystem({ id: "caller", members: [owner.member], storage: new MemoryStorage() });
  await caller.start();
  cleanups.push(() => caller.close());
  return { owner, caller };
}

describe("an actor member and hostile peers", () => {
  it("answers malformed requests with ACTOR_SERIALIZATION and keeps serving good callers", async () => {
    const { owner, caller } = await member();
    const peer = new Dealer();
    cleanups.push(() => peer.close());
    peer.connect(owner.endpoint!);
    const correlation = Buffer.alloc(8, 7);
    const malformed: Buffer[][] = [
      [Buffer.from("Target")],
      [Buffer.from("Target"), Buffer.from("k"), Buffer.from("bump"), Buffer.from("{not json"), Buffer.alloc(0), Buffer.alloc(0)],
      [Buffer.from("Target"), Buffer.from("k"), Buffer.from("bump"), Buffer.from("{\"an\":\"object\"}"), Buffer.alloc(0), Buffer.alloc(0)],
      [Buffer.from("Target"), Buffer.from("k"), Buffer.from("constructor"), Buffer.from("[]"), Buffer.alloc(0), Buffer.alloc(0)],
    ];
    const codes: unknown[] = [];
    for (const frames of malformed) {
      await peer.send([correlation, ...frames]);
      const [, status, body] = await within(peer.receive());
      expect(status![0]).toBe(1);
      codes.push((JSON.parse(body!.toString()) as { code: string }).code);
    }
    expect(codes).toEqual([ActorErrorCode.SERIALIZATION, ActorErrorCode.SERIALIZATION, ActorErrorCode.SERIALIZATION, ActorErrorCode.NO_HANDLER]);
    expect(await caller.ref(Target, "k").bump()).toBe(1);
  });

  it("counts a message without a correlation frame from a peer (no error listener) and keeps serving", async () => {
    const { owner, caller } = await member();
    const peer = new Dealer();
    cleanups.push(() => peer.close());
    peer.connect(owner.endpoint!);
    const warned = new Promise((resolve) => process.once("warning", resolve));
    await peer.send([Buffer.from("not a correlation id")]);
    expect(await within(warned)).toMatchObject({ code: "SKEIN_ACTOR_ERROR" });
    expect(owner.errors).toBe(1);
    expect(await caller.ref(Target, "k").bump()).toBe(1);
  });

  it("refuses to activate past maxActivations with ACTOR_OVERLOADED, serving the keys already active", async () => {
    const { caller } = await member({ maxActivations: 3 });
    for (const key of ["a", "b", "c"]) await caller.ref(Target, key).bump();
    await expect(caller.ref(Target, "d").bump()).rejects.toMatchObject({ code: ActorErrorCode.OVERLOADED });
    expect(await caller.ref(Target, "a").bump()).toBe(2);
  });
});
