import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { TRANSPORTS, bindFresh, freeAddress, eventCount, socketScope, until, strings, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("PUSH/PULL over %s", (transport) => {
  it("delivers a message from PUSH to PULL", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    await push.send("hello");
    expect(strings(await within(pull.receive()))).toEqual(["hello"]);
  });

  it("keeps a multipart message together, empty and binary frames included", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    const parts = [Buffer.from("a"), Buffer.alloc(0), Buffer.from([0, 255, 1]), Buffer.alloc(70_000, 3)];
    await push.send(parts);
    await push.send("next");
    const msg = await within(pull.receive());
    expect(msg).toHaveLength(4);
    expect(msg.every((frame, i) => frame.equals(parts[i]!))).toBe(true);
    expect(strings(await within(pull.receive()))).toEqual(["next"]);
  });

  it("round-robins messages across two pullers", async () => {
    const push = open(new Push());
    const address = await bindFresh(push, transport);
    const pulls = [open(new Pull()), open(new Pull())];
    const handshakes = eventCount(push, "handshake", 2);
    for (const pull of pulls) pull.connect(address);
    await handshakes;
    for (let i = 0; i < 10; i++) await push.send(`m${i}`);
    const got = await Promise.all(pulls.map(async (pull) => {
      const out: string[] = [];
      for (let i = 0; i < 5; i++) out.push(strings(await within(pull.receive()))[0]!);
      return out;
    }));
    const [a, b] = got as [string[], string[]];
    expect([...a, ...b].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    // Strict alternation: one puller gets the even messages, the other the odd ones.
    const parity = (list: string[]) => new Set(list.map((m) => Number(m.slice(1)) % 2));
    expect(parity(a).size).toBe(1);
    expect(parity(b).size).toBe(1);
    expect([...parity(a)][0]).not.toBe([...parity(b)][0]);
  });

  it("fair-queues messages from two pushers", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const pushers = [open(new Push()), open(new Push())];
    const handshakes = eventCount(pull, "handshake", 2);
    for (const push of pushers) push.connect(address);
    await handshakes;
    // Both queue 20 messages before PULL reads anything.
    for (let i = 0; i < 20; i++) for (const [n, push] of pushers.entries()) await push.send(`${n}:${i}`);
    // Fairness is among messages already queued: wait until each peer's pipe holds its 20.
    const pipes = (pull as unknown as { pipes: Set<{ inboundLength: number }> }).pipes;
    await until(() => pipes.size === 2 && [...pipes].every((pipe) => pipe.inboundLength === 20), "both pipes filled");
    const order: string[] = [];
    for (let i = 0; i < 40; i++) order.push(strings(await within(pull.receive()))[0]!);
    for (const n of [0, 1]) {
      const mine = order.filter((m) => m.startsWith(`${n}:`));
      expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => `${n}:${i}`));
    }
    // Fair: with both queues full, the pushers take turns.
    const senders = order.map((m) => m[0]);
    for (let i = 1; i < senders.length; i++) expect(senders[i]).not.toBe(senders[i - 1]);
  });

  it("delivers messages sent before the PULL side binds (connect first)", async () => {
    const address = await freeAddress(transport);
    const push = open(new Push());
    push.connect(address);
    await push.send("early");
    const pull = open(new Pull());
    await pull.bind(address);
    expect(strings(await within(pull.receive()))).toEqual(["early"]);
  });

  it("lets PULL connect and PUSH bind", async () => {
    const push = open(new Push());
    const pull = open(new Pull());
    pull.connect(await bindFresh(push, transport));
    await push.send("reverse");
    expect(strings(await within(pull.receive()))).toEqual(["reverse"]);
  });

  it("refuses send on PULL and receive on PUSH with ENOTSUP", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    await expect(pull.send("x")).rejects.toMatchObject({ code: "ENOTSUP" });
    await expect(push.receive()).rejects.toMatchObject({ code: "ENOTSUP" });
  });
});

describe("PULL bound to several endpoints", () => {
  it("receives from peers of every transport at once", async () => {
    const pull = open(new Pull());
    const pushes = [];
    for (const transport of TRANSPORTS) {
      const push = open(new Push());
      push.connect(await bindFresh(pull, transport));
      pushes.push(push);
    }
    for (const [i, push] of pushes.entries()) await push.send(TRANSPORTS[i]!);
    const got = [];
    for (let i = 0; i < TRANSPORTS.length; i++) got.push(strings(await within(pull.receive()))[0]);
    expect(got.sort()).toEqual([...TRANSPORTS].sort());
  });

  it("PUSH can connect again to an address it disconnected from", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, "tcp");
    const push = open(new Push());
    push.connect(address);
    push.disconnect(address);
    push.connect(address);
    await push.send("again");
    expect(strings(await within(pull.receive()))).toEqual(["again"]);
  });
});
