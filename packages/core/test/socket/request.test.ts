import { describe, expect, it } from "vitest";
import { Dealer, Reply, Request, Router } from "../../src/index.js";
import { TRANSPORTS, bindFresh, eventCount, socketScope, strings, until, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("REQ/REP over %s", (transport) => {
  async function pair(): Promise<{ req: Request; rep: Reply }> {
    const rep = open(new Reply());
    const req = open(new Request());
    req.connect(await bindFresh(rep, transport));
    return { req, rep };
  }

  it("alternates request and reply, many times over", async () => {
    const { req, rep } = await pair();
    for (let i = 0; i < 20; i++) {
      await req.send(["ping", String(i)]);
      const request = await within(rep.receive());
      expect(strings(request)).toEqual(["ping", String(i)]);
      await rep.send(["pong", String(i)]);
      expect(strings(await within(req.receive()))).toEqual(["pong", String(i)]);
    }
  });

  it("REQ refuses a second request before the reply with EFSM, and a receive before any request", async () => {
    const { req } = await pair();
    await expect(req.receive()).rejects.toMatchObject({ code: "EFSM" });
    await req.send("one");
    await expect(req.send("two")).rejects.toMatchObject({ code: "EFSM" });
    expect(req.writable).toBe(false);
  });

  it("REP refuses to reply before a request and to receive twice with EFSM", async () => {
    const { req, rep } = await pair();
    await expect(rep.send("unasked")).rejects.toMatchObject({ code: "EFSM" });
    await req.send("q");
    await within(rep.receive());
    await expect(within(rep.receive())).rejects.toMatchObject({ code: "EFSM" });
    await rep.send("a");
    expect(strings(await within(req.receive()))).toEqual(["a"]);
  });

  it("relaxed REQ may send a new request before the reply; the stale reply is not delivered as the new one", async () => {
    const rep = open(new Reply());
    const req = open(new Request({ relaxed: true, correlate: true }));
    req.connect(await bindFresh(rep, transport));
    await req.send("first");
    expect(strings(await within(rep.receive()))).toEqual(["first"]);
    await req.send("second");
    await rep.send("reply to first");
    expect(strings(await within(rep.receive()))).toEqual(["second"]);
    await rep.send("reply to second");
    expect(strings(await within(req.receive()))).toEqual(["reply to second"]);
  });

  it("correlate puts a request id before the delimiter, and REP echoes it back", async () => {
    const router = open(new Router());
    const req = open(new Request({ correlate: true }));
    req.connect(await bindFresh(router, transport));
    await req.send("hi");
    const [identity, id, delimiter, body] = await within(router.receive());
    expect(id!.length).toBe(4);
    expect(delimiter!.length).toBe(0);
    expect(body!.toString()).toBe("hi");
    // A reply with a wrong id is dropped; the right one is delivered.
    const wrong = Buffer.from(id!);
    wrong[3] ^= 1;
    await router.send([identity!, wrong, Buffer.alloc(0), "stale"]);
    await router.send([identity!, id!, Buffer.alloc(0), "fresh"]);
    expect(strings(await within(req.receive()))).toEqual(["fresh"]);
  });

  it("REQ round-robins requests across two REPs", async () => {
    const req = open(new Request());
    const address = await bindFresh(req, transport);
    const reps = [open(new Reply()), open(new Reply())];
    const handshakes = eventCount(req, "handshake", 2);
    for (const rep of reps) rep.connect(address);
    await handshakes;
    const served: number[] = [];
    for (let i = 0; i < 6; i++) {
      await req.send(`r${i}`);
      // Whichever REP got it answers.
      await until(() => reps.some((rep) => rep.readable), "a REP to get the request");
      const which = reps.findIndex((rep) => rep.readable);
      served.push(which);
      const rep = reps[which]!;
      expect(strings(await within(rep.receive()))).toEqual([`r${i}`]);
      await rep.send(`from ${which}`);
      expect(strings(await within(req.receive()))).toEqual([`from ${which}`]);
    }
    expect(served).toEqual([served[0], 1 - served[0]!, served[0], 1 - served[0]!, served[0], 1 - served[0]!]);
  });

  it("REP answers DEALER with the envelope the DEALER sent", async () => {
    const rep = open(new Reply());
    const dealer = open(new Dealer());
    dealer.connect(await bindFresh(rep, transport));
    await dealer.send(["hop1", "", "request"]);
    expect(strings(await within(rep.receive()))).toEqual(["request"]);
    await rep.send("response");
    expect(strings(await within(dealer.receive()))).toEqual(["hop1", "", "response"]);
  });

  it("REP drops a request without an empty delimiter", async () => {
    const rep = open(new Reply());
    const dealer = open(new Dealer());
    dealer.connect(await bindFresh(rep, transport));
    await dealer.send("no envelope");
    await dealer.send(["", "good"]);
    expect(strings(await within(rep.receive()))).toEqual(["good"]);
  });
});


describe.each(TRANSPORTS)("relaxed REQ over %s", (transport) => {
  it("takes the reply only from the peer of its latest request, dropping a late reply from another", async () => {
    const req = open(new Request({ relaxed: true }));
    const address = await bindFresh(req, transport);
    const reps = [open(new Reply()), open(new Reply())];
    const handshakes = eventCount(req, "handshake", 2);
    for (const rep of reps) rep.connect(address);
    await handshakes;
    await req.send("q1");
    await until(() => reps.some((rep) => rep.readable), "the first request");
    const first = reps.find((rep) => rep.readable)!;
    const second = reps.find((rep) => rep !== first)!;
    await within(first.receive());
    await req.send("q2");
    await within(second.receive());
    await first.send("late answer to q1");
    await until(() => req.readable, "the late reply to arrive");
    await second.send("answer to q2");
    expect(strings(await within(req.receive()))).toEqual(["answer to q2"]);
  });
});
