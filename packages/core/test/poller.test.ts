import { describe, expect, it } from "vitest";
import { Dealer, Poller, Pull, Push, type Socket } from "../src/index.js";
import { bindFresh, socketScope, strings, within } from "./helpers.js";

const open = socketScope();

describe("Poller", () => {
  it("serves three PULL sockets with one poll per iteration, receiving from whichever is ready", async () => {
    const pulls = [open(new Pull()), open(new Pull()), open(new Pull())];
    const pushes: Push[] = [];
    for (const pull of pulls) {
      const push = open(new Push());
      push.connect(await bindFresh(pull, "tcp"));
      pushes.push(push);
    }
    const poller = new Poller();
    for (const pull of pulls) poller.add(pull, "readable");
    const perSocket = 20;
    for (let i = 0; i < perSocket; i++) {
      for (let p = 0; p < pushes.length; p++) void pushes[p]!.send(`${p}:${i}`);
    }
    const got: string[][] = [[], [], []];
    let polls = 0;
    while (got.reduce((n, list) => n + list.length, 0) < perSocket * 3) {
      const ready = await within(poller.poll(5000), 5000, "poll");
      polls++;
      expect(ready.length).toBeGreaterThan(0);
      for (const { socket, readable } of ready) {
        expect(readable).toBe(true);
        const [msg] = await socket.receive();
        const [source, seq] = msg!.toString().split(":");
        got[Number(source)]!.push(seq!);
        expect(pulls.indexOf(socket as Pull)).toBe(Number(source));
      }
    }
    for (const list of got) expect(list).toEqual(Array.from({ length: perSocket }, (_, i) => String(i)));
    expect(polls).toBeLessThanOrEqual(perSocket * 3);
  });

  it("resolves with an empty array when nothing becomes ready before the timeout", async () => {
    const pull = open(new Pull());
    await bindFresh(pull, "tcp");
    const poller = new Poller();
    poller.add(pull);
    expect(await poller.poll(30)).toEqual([]);
  });

  it("resolves at once when a socket is already readable, and stays ready until the message is read", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, "inproc"));
    await push.send("waiting");
    const poller = new Poller();
    poller.add(pull, "both");
    const first = await poller.poll(0);
    expect(first).toEqual([{ socket: pull, readable: true, writable: false }]);
    // Level-triggered: polling again without reading reports it again.
    expect((await poller.poll(0)).length).toBe(1);
    expect(strings(await pull.receive())).toEqual(["waiting"]);
    expect(await poller.poll(0)).toEqual([]);
  });

  it("wakes when a writable socket gets its first peer", async () => {
    const dealer = open(new Dealer());
    const poller = new Poller();
    poller.add(dealer, "writable");
    expect(await poller.poll(0)).toEqual([]);
    const waiting = poller.poll(5000);
    const peer = open(new Dealer());
    dealer.connect(await bindFresh(peer, "tcp"));
    const ready = await within(waiting);
    expect(ready).toEqual([{ socket: dealer, readable: false, writable: true }]);
  });

  it("stops reporting a socket once it is removed", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, "inproc"));
    await push.send("x");
    const poller = new Poller();
    poller.add(pull);
    expect(poller.remove(pull)).toBe(true);
    expect(poller.remove(pull)).toBe(false);
    expect(await poller.poll(0)).toEqual([]);
    expect(poller.size).toBe(0);
  });

  it("rejects unknown poll events with a TypeError", () => {
    const poller = new Poller();
    const pull = open(new Pull());
    expect(() => poller.add(pull as Socket, "sideways" as "readable")).toThrow(TypeError);
  });
});
