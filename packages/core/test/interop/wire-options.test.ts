/**
 * Options whose effect crosses the wire, checked against libzmq both ways:
 * heartbeats (RFC 37 §"Connection Heartbeats": PING/PONG keep an idle
 * connection up), `probeRouter` (an empty message to a new ROUTER peer),
 * XPUB `welcomeMessage`, and ROUTER `mandatory` for an unknown peer.
 */
import { afterEach, describe, expect, test } from "vitest";
import { Sockets, bindAddress, link, pause, text, zmq, skein, type Lib, type Peer, type Transport } from "./helpers.js";
import { RecordingRelay } from "./recording-relay.js";

const sockets = new Sockets();
const relays: RecordingRelay[] = [];
afterEach(async () => {
  sockets.closeAll();
  for (const relay of relays.splice(0)) await relay.close();
});

/** A PONG command's name on the wire (RFC 37 §"PONG"): name length, then name. */
const PONG = Buffer.from("\x04PONG", "latin1");

const TRANSPORTS: Transport[] = ["tcp", "ipc"];
const PAIRS: Array<[Lib, Lib]> = [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
];

/** Counts `disconnect` events of a socket of either library. */
function countDisconnects(socket: Peer): { count: number } {
  const counter = { count: 0 };
  const events = (socket as unknown as { events: { on(type: "disconnect", fn: () => void): void } }).events;
  events.on("disconnect", () => counter.count++);
  return counter;
}

for (const [pinger, answerer] of PAIRS) {
  describe(`${pinger} heartbeats to a ${answerer} peer`, () => {
    for (const transport of TRANSPORTS) {
      test(`an idle connection stays up because the ${answerer} peer answers PING with PONG, over ${transport}`, async () => {
        const dealer = sockets.make(pinger, "DEALER", { routingId: "hb" });
        const options = dealer as unknown as { heartbeatInterval: number; heartbeatTimeout: number; heartbeatTimeToLive: number };
        // A timeout well above the interval, so a loaded machine does not drop the connection.
        options.heartbeatInterval = 100;
        options.heartbeatTimeout = 1000;
        options.heartbeatTimeToLive = 3000;
        const router = sockets.make(answerer, "ROUTER");
        await router.bind(bindAddress(transport));
        // Through a relay that records the wire, so the test can wait for the PONGs themselves.
        const relay = await RecordingRelay.start(router.lastEndpoint!);
        relays.push(relay);
        dealer.connect(relay.endpoint);
        const disconnects = countDisconnects(dealer);
        await dealer.send("first");
        expect(text(await router.receive())).toEqual(["hb", "first"]);
        // Idle while the pinger sends a PING every 100 ms: wait for 15 PONGs, which span more
        // than the heartbeat timeout (1 s). Without them the pinger would drop the connection.
        const pongs = () => RecordingRelay.count(relay.downstream, PONG);
        for (let i = 0; i < 1000 && pongs() < 15; i++) await pause(10);
        expect(pongs()).toBeGreaterThanOrEqual(15);
        await dealer.send("second");
        expect(text(await router.receive())).toEqual(["hb", "second"]);
        expect(disconnects.count).toBe(0);
      });
    }
  });
}

for (const [dealerLib, routerLib] of PAIRS) {
  test(`a ${dealerLib} DEALER with probeRouter announces itself to a ${routerLib} ROUTER with an empty message`, async () => {
    const router = sockets.make(routerLib, "ROUTER");
    const dealer = sockets.make(dealerLib, "DEALER", { routingId: "probe" });
    (dealer as unknown as { probeRouter: boolean }).probeRouter = true;
    await link(router, dealer, "tcp");
    expect(text(await router.receive())).toEqual(["probe", ""]);
  });

  test(`a ${routerLib} ROUTER with mandatory refuses a message for an unknown ${dealerLib} peer with EHOSTUNREACH`, async () => {
    const router = sockets.make(routerLib, "ROUTER", { mandatory: true });
    const dealer = sockets.make(dealerLib, "DEALER", { routingId: "known" });
    await link(router, dealer, "tcp");
    await dealer.send("hello");
    expect(text(await router.receive())).toEqual(["known", "hello"]);
    await expect(router.send(["unknown", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
    await router.send(["known", "reply"]);
    expect(text(await dealer.receive())).toEqual(["reply"]);
  });
}

for (const [pubLib, subLib] of PAIRS) {
  test(`a ${pubLib} XPUB welcomeMessage reaches a ${subLib} SUB subscribed to it`, async () => {
    const xpub = pubLib === "skein" ? new skein.XPublisher({ welcomeMessage: "WELCOME" }) : new zmq.XPublisher({ welcomeMessage: "WELCOME" });
    sockets.adopt(xpub as unknown as Peer);
    const sub = sockets.make(subLib, "SUB");
    const welcome = sub.receive();
    sub.subscribe!("WELCOME");
    // Pending receives on both: libzmq attaches a new peer only when the application calls in (docs/interop.md).
    const subscription = (xpub as unknown as Peer).receive();
    await link(xpub as unknown as Peer, sub, "tcp");
    expect(text(await welcome)).toEqual(["WELCOME"]);
    expect(text(await subscription)).toEqual(["\x01WELCOME"]);
  });
}
