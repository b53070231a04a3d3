import { describe, expect, it } from "vitest";
import { Publisher, Subscriber, XPublisher, XSubscriber } from "../../src/index.js";
import { TRANSPORTS, awaitSubscription, bindFresh, nextEvent, socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("XPUB/XSUB over %s", (transport) => {
  it("XPUB receives a \\x01topic message for each new subscription and \\x00topic for a cancel", async () => {
    const xpub = open(new XPublisher());
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(xpub, transport));
    sub.subscribe("topic");
    const [subscribe] = await within(xpub.receive());
    expect(subscribe!.equals(Buffer.from("\x01topic"))).toBe(true);
    sub.unsubscribe("topic");
    const [cancel] = await within(xpub.receive());
    expect(cancel!.equals(Buffer.from("\x00topic"))).toBe(true);
  });

  it("XPUB passes on only the first subscription to a topic unless verbosity is set", async () => {
    const quiet = open(new XPublisher());
    const verbose = open(new XPublisher());
    verbose.verbosity = "allSubs";
    for (const xpub of [quiet, verbose]) {
      const address = await bindFresh(xpub, transport);
      for (let i = 0; i < 2; i++) {
        const sub = open(new Subscriber());
        sub.connect(address);
        sub.subscribe("dup");
      }
      const last = open(new Subscriber());
      last.connect(address);
      last.subscribe("end");
    }
    const read = async (xpub: XPublisher) => {
      const seen: string[] = [];
      for (;;) {
        const [frame] = await within(xpub.receive());
        seen.push(frame!.toString("latin1"));
        if (frame!.toString() === "\x01end") return seen;
      }
    };
    expect(await read(quiet)).toEqual(["\x01dup", "\x01end"]);
    expect(await read(verbose)).toEqual(["\x01dup", "\x01dup", "\x01end"]);
  });

  it("XPUB with verbosity allSubsUnsubs passes on every cancel too", async () => {
    const xpub = open(new XPublisher());
    xpub.verbosity = "allSubsUnsubs";
    const address = await bindFresh(xpub, transport);
    const subs = [open(new Subscriber()), open(new Subscriber())];
    for (const sub of subs) {
      sub.connect(address);
      sub.subscribe("t");
      expect(strings(await within(xpub.receive()))).toEqual(["\x01t"]);
    }
    subs[0]!.unsubscribe("t");
    expect(strings(await within(xpub.receive()))).toEqual(["\x00t"]);
  });

  it("XPUB sends its welcomeMessage to each new subscriber", async () => {
    const xpub = open(new XPublisher({ welcomeMessage: "WELCOME" }));
    const sub = open(new Subscriber());
    sub.subscribe("WELCOME");
    sub.connect(await bindFresh(xpub, transport));
    expect(strings(await within(sub.receive()))).toEqual(["WELCOME"]);
  });

  it("XPUB filters what it sends by its subscribers' prefixes", async () => {
    const xpub = open(new XPublisher());
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(xpub, transport));
    sub.subscribe("yes");
    await within(xpub.receive());
    await xpub.send(["no", "1"]);
    await xpub.send(["yes", "2"]);
    expect(strings(await within(sub.receive()))).toEqual(["yes", "2"]);
  });

  it("XSUB sends subscriptions as messages and receives what matches", async () => {
    const pub = open(new Publisher());
    const xsub = open(new XSubscriber());
    xsub.connect(await bindFresh(pub, transport));
    await xsub.send(Buffer.from("\x01alpha"));
    await awaitSubscription((m) => pub.send(m), xsub, "alpha");
    await pub.send(["beta", "no"]);
    await pub.send(["alpha", "yes"]);
    expect(strings(await within(xsub.receive()))).toEqual(["alpha", "yes"]);
  });

  it("XSUB's subscription messages reach an XPUB as they were sent", async () => {
    const xpub = open(new XPublisher());
    const xsub = open(new XSubscriber());
    xsub.connect(await bindFresh(xpub, transport));
    await xsub.send(Buffer.from("\x01abc"));
    expect(strings(await within(xpub.receive()))).toEqual(["\x01abc"]);
    await xsub.send(Buffer.from("\x00abc"));
    expect(strings(await within(xpub.receive()))).toEqual(["\x00abc"]);
  });

  it("XPUB reports the cancel of every subscription of a subscriber that leaves", async () => {
    const xpub = open(new XPublisher());
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(xpub, transport));
    sub.subscribe("gone");
    expect(strings(await within(xpub.receive()))).toEqual(["\x01gone"]);
    sub.close();
    expect(strings(await within(xpub.receive()))).toEqual(["\x00gone"]);
  });

  it("a proxy of XSUB and XPUB forwards subscriptions up and messages down", async () => {
    const pub = open(new Publisher());
    const xsub = open(new XSubscriber());
    const xpub = open(new XPublisher());
    const sub = open(new Subscriber());
    xsub.connect(await bindFresh(pub, transport));
    sub.connect(await bindFresh(xpub, transport));
    sub.subscribe("p");
    await xsub.send(await within(xpub.receive()));
    await awaitSubscription((m) => pub.send(m), xsub, "p");
    await pub.send(["p", "through the proxy"]);
    await xpub.send(await within(xsub.receive()));
    expect(strings(await within(sub.receive()))).toEqual(["p", "through the proxy"]);
  });
});

describe("XPUB noDrop", () => {
  it("makes send() wait for a subscriber at its high-water mark instead of dropping", async () => {
    const xpub = open(new XPublisher({ noDrop: true, sendHighWaterMark: 2, sendTimeout: 50 }));
    const sub = open(new Subscriber({ receiveHighWaterMark: 2 }));
    sub.connect(await bindFresh(xpub, "inproc"));
    sub.subscribe("");
    await within(xpub.receive());
    let sent = 0;
    let error: { code?: string } | null = null;
    while (sent < 100 && error === null) {
      await xpub.send(String(sent)).then(() => sent++, (e) => (error = e));
    }
    expect(error).toMatchObject({ code: "EAGAIN" });
    const got: string[] = [];
    for (let i = 0; i < sent; i++) got.push(strings(await within(sub.receive()))[0]!);
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => String(i)));
  });
});

describe.each(TRANSPORTS)("XPUB cancels over %s", (transport) => {
  it("passes on a cancel only when the last subscriber of a topic cancels it", async () => {
    const xpub = open(new XPublisher());
    const address = await bindFresh(xpub, transport);
    const subs = [open(new Subscriber()), open(new Subscriber())];
    // Each connection is ordered: a subscriber's marker arrives after its "t".
    for (const [i, sub] of subs.entries()) {
      sub.connect(address);
      sub.subscribe("t", `m${i}`);
    }
    const seen: string[] = [];
    while (!(seen.includes("\x01m0") && seen.includes("\x01m1"))) seen.push(strings(await within(xpub.receive()))[0]!);
    expect(seen.sort()).toEqual(["\x01m0", "\x01m1", "\x01t"]);
    subs[0]!.unsubscribe("t");
    subs[0]!.subscribe("after");
    expect(strings(await within(xpub.receive()))).toEqual(["\x01after"]);
    subs[1]!.unsubscribe("t");
    expect(strings(await within(xpub.receive()))).toEqual(["\x00t"]);
  });
});

describe.each(["tcp", "ipc"] as const)("XPUB restarting over %s", (transport) => {
  it("sees each subscription once after a SUB reconnects, so a later cancel reaches it", async () => {
    const first = open(new XPublisher());
    const address = await bindFresh(first, transport);
    const sub = open(new Subscriber());
    sub.connect(address);
    sub.subscribe("t");
    expect(strings(await within(first.receive()))).toEqual(["\x01t"]);
    const gone = nextEvent(sub, "disconnect");
    first.close();
    await gone;
    // Made while disconnected: queued, then resent with the others on reconnect.
    sub.subscribe("u");
    const second = open(new XPublisher({ receiveTimeout: 2000 }));
    const back = nextEvent(sub, "handshake");
    await second.bind(address);
    await back;
    const seen = [strings(await within(second.receive()))[0], strings(await within(second.receive()))[0]];
    expect(seen.sort()).toEqual(["\x01t", "\x01u"]);
    sub.unsubscribe("u");
    expect(strings(await within(second.receive()))).toEqual(["\x00u"]);
  });
});

describe.each(TRANSPORTS)("XPUB subscription limits over %s", (transport) => {
  it("drops a subscriber going over maxSubscriptions with ENOBUFS and hands on the cancels of what it held", async () => {
    const xpub = open(new XPublisher({ maxSubscriptions: 2 }));
    const address = await bindFresh(xpub, transport);
    const dropped = nextEvent(xpub, "disconnect");
    const greedy = open(new XSubscriber());
    greedy.connect(address);
    await greedy.send(Buffer.from("\x01a"));
    await greedy.send(Buffer.from("\x01a"));
    await greedy.send(Buffer.from("\x01b"));
    await greedy.send(Buffer.from("\x01c"));
    const event = await dropped;
    expect(event.error).toMatchObject({ code: "ENOBUFS" });
    expect(event.error!.detail ?? event.error!.message).toMatch(/3 subscriptions, above maxSubscriptions 2/);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(strings(await within(xpub.receive()))[0]!);
    expect(seen.slice(0, 2)).toEqual(["\x01a", "\x01b"]);
    expect(seen.slice(2).sort()).toEqual(["\x00a", "\x00b"]);
  });

  it("lets a subscriber under the limits resubscribe to what it holds as often as it likes", async () => {
    const xpub = open(new XPublisher({ maxSubscriptions: 1, maxSubscriptionBytes: 3 }));
    const address = await bindFresh(xpub, transport);
    const sub = open(new Subscriber());
    sub.connect(address);
    for (let i = 0; i < 5; i++) sub.subscribe("abc");
    expect(strings(await within(xpub.receive()))).toEqual(["\x01abc"]);
    await xpub.send(["abc", "still here"]);
    expect(strings(await within(sub.receive()))).toEqual(["abc", "still here"]);
  });
});
