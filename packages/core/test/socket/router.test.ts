import { describe, expect, it } from "vitest";
import { Dealer, Router } from "../../src/index.js";
import { TRANSPORTS, bindFresh, freeAddress, nextEvent, socketScope, streamInboundBound, strings, until, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("DEALER/ROUTER over %s", (transport) => {
  /** Waits until the ROUTER at `router` has attached a peer (inproc attaches synchronously). */
  function attached(router: Router): Promise<unknown> {
    return transport === "inproc" ? Promise.resolve() : nextEvent(router, "handshake");
  }

  it("ROUTER prefixes messages with the routing id a DEALER announced, and routes replies by it", async () => {
    const router = open(new Router());
    const dealer = open(new Dealer({ routingId: "alice" }));
    dealer.connect(await bindFresh(router, transport));
    await dealer.send(["hello", "there"]);
    expect(strings(await within(router.receive()))).toEqual(["alice", "hello", "there"]);
    await router.send(["alice", "hi", "alice"]);
    expect(strings(await within(dealer.receive()))).toEqual(["hi", "alice"]);
  });

  it("ROUTER generates a 5-byte routing id starting with a zero byte for an anonymous peer", async () => {
    const router = open(new Router());
    const address = await bindFresh(router, transport);
    const ids: Buffer[] = [];
    for (const n of [0, 1]) {
      const dealer = open(new Dealer());
      dealer.connect(address);
      await dealer.send(`from ${n}`);
      const [id, body] = await within(router.receive());
      expect(body!.toString()).toBe(`from ${n}`);
      ids.push(id!);
    }
    for (const id of ids) {
      expect(id.length).toBe(5);
      expect(id[0]).toBe(0);
    }
    expect(ids[0]!.equals(ids[1]!)).toBe(false);
    await router.send([ids[1]!, "to second"]);
    await router.send([ids[0]!, "to first"]);
  });

  it("ROUTER drops a message to an unknown peer unless mandatory is set", async () => {
    const router = open(new Router());
    const dealer = open(new Dealer({ routingId: "known" }));
    dealer.connect(await bindFresh(router, transport));
    await dealer.send("hi");
    await within(router.receive());
    await router.send(["nobody", "lost"]);
    await router.send(["known", "kept"]);
    expect(strings(await within(dealer.receive()))).toEqual(["kept"]);
    router.mandatory = true;
    await expect(router.send(["nobody", "lost"])).rejects.toMatchObject({ code: "EHOSTUNREACH", errno: 113 });
    await router.send(["known", "still kept"]);
    expect(strings(await within(dealer.receive()))).toEqual(["still kept"]);
  });

  it("ROUTER refuses a message without a body frame with EINVAL", async () => {
    const router = open(new Router());
    await expect(router.send("only an id")).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("ROUTER keeps the first peer with a routing id and refuses a second one unless handover is set", async () => {
    const router = open(new Router());
    const address = await bindFresh(router, transport);
    const first = open(new Dealer({ routingId: "dup" }));
    first.connect(address);
    await first.send("one");
    expect(strings(await within(router.receive()))).toEqual(["dup", "one"]);
    const refused = transport === "inproc" ? Promise.resolve() : nextEvent(router, "disconnect");
    const second = open(new Dealer({ routingId: "dup" }));
    second.connect(address);
    await refused;
    await router.send(["dup", "for the first"]);
    expect(strings(await within(first.receive()))).toEqual(["for the first"]);
    expect(second.readable).toBe(false);
  });

  it("ROUTER with handover hands a routing id in use to the new peer", async () => {
    const router = open(new Router({ handover: true }));
    const address = await bindFresh(router, transport);
    const first = open(new Dealer({ routingId: "dup" }));
    first.connect(address);
    await first.send("one");
    expect(strings(await within(router.receive()))).toEqual(["dup", "one"]);
    const second = open(new Dealer({ routingId: "dup" }));
    const taken = attached(router);
    second.connect(address);
    await taken;
    await within(second.send("two"));
    expect(strings(await within(router.receive()))).toEqual(["dup", "two"]);
    await router.send(["dup", "for the second"]);
    expect(strings(await within(second.receive()))).toEqual(["for the second"]);
  });

  it("DEALER with probeRouter announces itself with an empty message", async () => {
    const router = open(new Router());
    const dealer = open(new Dealer({ routingId: "prober", probeRouter: true }));
    dealer.connect(await bindFresh(router, transport));
    const [id, empty, ...rest] = await within(router.receive());
    expect(id!.toString()).toBe("prober");
    expect(empty!.length).toBe(0);
    expect(rest).toEqual([]);
  });

  it("ROUTER talks to ROUTER, addressing the bound peer by the routingId given to connect", async () => {
    const server = open(new Router({ routingId: "server" }));
    const client = open(new Router({ routingId: "client" }));
    const address = await bindFresh(server, transport);
    const ready = transport === "inproc" ? Promise.resolve() : nextEvent(client, "handshake");
    client.connect(address, { routingId: "srv" });
    await ready;
    await client.send(["srv", "hello"]);
    expect(strings(await within(server.receive()))).toEqual(["client", "hello"]);
    await server.send(["client", "welcome"]);
    expect(strings(await within(client.receive()))).toEqual(["srv", "welcome"]);
  });

  it("ROUTER with probeRouter lets a connecting ROUTER be known at once", async () => {
    const server = open(new Router());
    const client = open(new Router({ routingId: "c1", probeRouter: true }));
    client.connect(await bindFresh(server, transport), { routingId: "s" });
    const [id, empty] = await within(server.receive());
    expect(id!.toString()).toBe("c1");
    expect(empty!.length).toBe(0);
    await server.send(["c1", "hi"]);
    expect(strings(await within(client.receive()))).toEqual(["s", "hi"]);
  });

  it("DEALER round-robins to two ROUTERs and fair-queues their answers", async () => {
    const routers = [open(new Router()), open(new Router())];
    const dealer = open(new Dealer({ routingId: "d" }));
    for (const router of routers) {
      const ready = attached(router);
      dealer.connect(await bindFresh(router, transport));
      await ready;
    }
    for (let i = 0; i < 4; i++) await dealer.send(`m${i}`);
    const got = await Promise.all(routers.map(async (r) => [strings(await within(r.receive())), strings(await within(r.receive()))]));
    expect(got.flat().map((m) => m[1]).sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(got.every(([a, b]) => Number(a![1]!.slice(1)) % 2 === Number(b![1]!.slice(1)) % 2)).toBe(true);
    for (let i = 0; i < 3; i++) {
      await routers[0]!.send(["d", `a${i}`]);
      await routers[1]!.send(["d", `b${i}`]);
    }
    // Fairness is among messages already queued: wait until the DEALER holds all six.
    await until(() => dealer.pendingInbound() === 6, "both routers' answers queued");
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(strings(await within(dealer.receive()))[0]!);
    expect(answers.filter((a) => a[0] === "a")).toEqual(["a0", "a1", "a2"]);
    expect(answers.filter((a) => a[0] === "b")).toEqual(["b0", "b1", "b2"]);
    // Fair: the two routers take turns.
    for (let i = 1; i < answers.length; i++) expect(answers[i]![0]).not.toBe(answers[i - 1]![0]);
  });
});

describe.each(TRANSPORTS)("ROUTER peers that go away, over %s", (transport) => {
  it("ROUTER with mandatory fails with EHOSTUNREACH for a peer it disconnected from", async () => {
    const server = open(new Router({ routingId: "server" }));
    const client = open(new Router({ mandatory: true, sendTimeout: 1000 }));
    const address = await bindFresh(server, transport);
    const ready = transport === "inproc" ? Promise.resolve() : nextEvent(client, "handshake");
    client.connect(address, { routingId: "srv" });
    await ready;
    await client.send(["srv", "hello"]);
    await within(server.receive());
    client.disconnect(address);
    await expect(client.send(["srv", "after disconnect"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
  });
});

describe("ROUTER over tcp", () => {
  it("still delivers what a peer sent before it left", async () => {
    const router = open(new Router());
    const dealer = open(new Dealer({ routingId: "leaver", linger: 5000 }));
    dealer.connect(await bindFresh(router, "tcp"));
    await nextEvent(router, "handshake");
    for (const m of ["1", "2", "3"]) await dealer.send(m);
    const gone = nextEvent(router, "disconnect");
    dealer.close();
    await gone;
    for (const m of ["1", "2", "3"]) expect(strings(await within(router.receive()))).toEqual(["leaver", m]);
  });

  it("treats an announced routing id starting with a zero byte as anonymous", async () => {
    const router = open(new Router());
    const dealer = open(new Dealer({ routingId: Buffer.from([0, 1, 2]) as unknown as string }));
    dealer.connect(await bindFresh(router, "tcp"));
    await dealer.send("x");
    const [id] = await within(router.receive());
    expect(id!.length).toBe(5);
    expect(id!.equals(Buffer.from([0, 1, 2]))).toBe(false);
  });
});

describe.each(TRANSPORTS)("ROUTER connecting before the bind, over %s", (transport) => {
  it("addresses the bound peer by the routing id it announces", async () => {
    const address = await freeAddress(transport);
    const client = open(new Router({ routingId: "client", mandatory: true }));
    const ready = transport === "inproc" ? null : nextEvent(client, "handshake");
    client.connect(address);
    const server = open(new Dealer({ routingId: "server" }));
    await server.bind(address);
    await ready;
    await client.send(["server", "hello"]);
    expect(strings(await within(server.receive()))).toEqual(["hello"]);
  });

  it("addresses the bound peer by the routingId given to connect", async () => {
    const address = await freeAddress(transport);
    const client = open(new Router({ routingId: "client", mandatory: true }));
    const ready = transport === "inproc" ? null : nextEvent(client, "handshake");
    client.connect(address, { routingId: "alias" });
    const server = open(new Router({ routingId: "server" }));
    await server.bind(address);
    await ready;
    await client.send(["alias", "hello"]);
    expect(strings(await within(server.receive()))).toEqual(["client", "hello"]);
  });
});

const ROUTER_HWM = 2;
const DEALER_HWM = 2;

describe.each(TRANSPORTS)("ROUTER at a full peer, over %s", (transport) => {
  async function connectedTo(router: Router): Promise<Dealer> {
    const dealer = open(new Dealer({ routingId: "slow", receiveHighWaterMark: DEALER_HWM }));
    dealer.connect(await bindFresh(router, transport));
    await dealer.send("hi");
    await within(router.receive());
    return dealer;
  }

  // 20 MB to a peer that does not read: more than the queues and the kernel's buffers hold.
  const SENT = 20_000;
  const body = Buffer.alloc(1024);
  /** Inproc: the peer's inbound takes the ROUTER's sendHighWaterMark plus its own receiveHighWaterMark. */
  const INPROC_ROOM = ROUTER_HWM + DEALER_HWM;

  it("drops messages for a peer at its high-water mark unless mandatory is set: no queue passes its bound", async () => {
    const router = open(new Router({ sendHighWaterMark: ROUTER_HWM, sendTimeout: 0 }));
    const dealer = await connectedTo(router);
    let mostQueuedOut = 0;
    let mostQueuedIn = 0;
    for (let i = 0; i < SENT; i++) {
      await router.send(["slow", body]);
      mostQueuedOut = Math.max(mostQueuedOut, router.pendingOutbound());
      mostQueuedIn = Math.max(mostQueuedIn, dealer.pendingInbound());
    }
    // The dealer reads on; once there is room again a marker gets through, and
    // everything that did not fit in between was dropped.
    const reading = (async () => {
      let count = 0;
      for (;;) {
        const [frame] = await within(dealer.receive());
        if (frame!.toString() === "last") return count;
        count++;
      }
    })();
    await until(() => router.writable, "room for the marker");
    await router.send(["slow", "last"]);
    const received = await reading;
    if (transport === "inproc") {
      expect(mostQueuedIn).toBe(INPROC_ROOM);
      expect(received).toBe(INPROC_ROOM);
      return;
    }
    // The ROUTER's pipe holds at most its sendHighWaterMark, the DEALER's at most its
    // receiveHighWaterMark plus one read; what the kernel's buffers hold arrives too.
    expect(mostQueuedOut).toBeLessThanOrEqual(ROUTER_HWM);
    expect(mostQueuedIn).toBeLessThanOrEqual(streamInboundBound(DEALER_HWM, [body]));
    expect(received).toBeGreaterThanOrEqual(DEALER_HWM);
    expect(received).toBeLessThan(SENT);
  });

  it("with mandatory, send() waits for a full peer and fails with EAGAIN after sendTimeout, dropping nothing", async () => {
    const router = open(new Router({ mandatory: true, sendHighWaterMark: ROUTER_HWM, sendTimeout: 50 }));
    const dealer = await connectedTo(router);
    let sent = 0;
    let mostQueuedOut = 0;
    let error: { code?: string } | null = null;
    while (sent < 10 * SENT && error === null) {
      await router.send(["slow", body]).then(() => sent++, (e) => (error = e));
      mostQueuedOut = Math.max(mostQueuedOut, router.pendingOutbound());
    }
    expect(error).toMatchObject({ code: "EAGAIN" });
    if (transport === "inproc") expect(sent).toBe(INPROC_ROOM);
    else expect(mostQueuedOut).toBeLessThanOrEqual(ROUTER_HWM);
    // Every message send() accepted arrives; nothing more.
    for (let i = 0; i < sent; i++) await within(dealer.receive());
    expect(dealer.readable).toBe(false);
  });
});

describe.each(TRANSPORTS)("ROUTER connect with a routing id over %s", (transport) => {
  it("routes to the peer named in connect(address, { routingId }) at once, before it is up, even with mandatory", async () => {
    const router = open(new Router({ mandatory: true, linger: 0 }));
    const address = await freeAddress(transport);
    router.connect(address, { routingId: "remoteId" });
    await within(router.send(["remoteId", "hi"]));
    const dealer = open(new Dealer());
    await dealer.bind(address);
    expect(strings(await within(dealer.receive()))).toEqual(["hi"]);
  });
});
