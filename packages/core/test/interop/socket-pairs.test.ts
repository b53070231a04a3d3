/**
 * Every compatible socket-type pair (RFC 37 §"Socket Types" / RFC 28, 29,
 * 30, 31) between skein and real libzmq (the `zeromq` package): skein on
 * each side of asymmetric pairs, skein binding and libzmq binding, over tcp
 * and ipc. Each case carries multipart messages, empty frames, a long
 * (> 255 octet) frame and a 1 MiB frame both ways where the pattern allows,
 * checks routing ids where a ROUTER is involved, and subscriptions and
 * their cancellation where a publisher is.
 */
import { afterEach, describe, expect, test } from "vitest";
import {
  Sockets,
  link,
  payloads,
  pollUntil,
  receiveUntil,
  sameFrames,
  show,
  text,
  type Lib,
  type Peer,
  type Transport,
  type TypeName,
} from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

const EMPTY = Buffer.alloc(0);
const f = (s: string): Buffer => Buffer.from(s, "latin1");

function expectFrames(actual: Buffer[], expected: Buffer[], what: string): void {
  if (!sameFrames(actual, expected)) {
    expect.fail(`${what}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

/** Sends every payload from `from`, then checks `to` receives each, in order, as `expect(payload)`. */
async function stream(from: Peer, to: Peer, out: Buffer[][], wrap: (m: Buffer[]) => Buffer[], unwrap: (m: Buffer[]) => Buffer[]) {
  for (const msg of out) await from.send(wrap(msg));
  for (const msg of out) expectFrames(await to.receive(), unwrap(msg), "received");
}

/** What a case knows besides its two sockets. */
interface Setup {
  /** True when role A bound and role B connected. */
  aBinds: boolean;
}

interface PairCase {
  a: TypeName;
  b: TypeName;
  options?: { a?: Record<string, unknown>; b?: Record<string, unknown> };
  /** Routing id the connecting side gives the binding side (ROUTER connect option). */
  connectRoutingId?: string;
  run(a: Peer, b: Peer, setup: Setup): Promise<void>;
}

const id = (x: Buffer[]): Buffer[] => x;

/** Subscribes (SUB) or sends the subscription message (XSUB, RFC 29). */
async function subscribe(sub: Peer, prefix: string, on: boolean): Promise<void> {
  if (sub.subscribe !== undefined) {
    if (on) sub.subscribe(prefix);
    else sub.unsubscribe!(prefix);
  } else {
    await sub.send(Buffer.concat([Buffer.from([on ? 1 : 0]), f(prefix)]));
  }
}

/**
 * Publisher-side prefix filtering and cancellation: the subscriber wants
 * "A", gets every "A" message and no "B" one; after cancelling "A" and
 * subscribing "C", "A" messages stop. An XPUB sees the `\x01A`, `\x00A`,
 * `\x01C` subscription messages.
 */
async function publishSubscribe(pub: Peer, sub: Peer, pubIsX: boolean, subIsX: boolean): Promise<void> {
  const isSync = (m: Buffer[]): boolean => m.length === 2 && m[1]!.toString() === "sync";
  // libzmq attaches a new peer (and so sends a bound SUB's subscriptions to
  // it) only when the application calls into the socket: a pending receive
  // does. Without one, a bound libzmq SUB never subscribes (docs/interop.md).
  const first = sub.receive();
  await subscribe(sub, "A", true);
  if (pubIsX) {
    expect(text(await pub.receive())).toEqual(["\x01A"]);
  } else {
    await pollUntil(first, () => pub.send(["A", "sync"]), "the subscription to A");
  }
  const matching = payloads("pubsub").map((p) => [f("A"), ...p]);
  await pub.send(["B", "not subscribed"]);
  for (const msg of matching) {
    await pub.send(msg);
    await pub.send([f("BA"), ...msg.slice(1)]);
  }
  await pub.send(["A-end"]);
  const got = await receiveUntil(sub, (m) => m[0]!.toString() === "A-end", isSync, first);
  expect(got.map(show)).toEqual(matching.map(show));
  for (let i = 0; i < got.length; i++) expectFrames(got[i]!, matching[i]!, `message ${i}`);

  await subscribe(sub, "A", false);
  await subscribe(sub, "C", true);
  if (pubIsX) {
    expect(text(await pub.receive())).toEqual(["\x00A"]);
    expect(text(await pub.receive())).toEqual(["\x01C"]);
  } else {
    await pollUntil(sub.receive(), () => pub.send(["C", "sync"]), "the subscription to C");
  }
  await pub.send(["A", "after cancel"]);
  await pub.send(["C", "end"]);
  const late = await receiveUntil(sub, (m) => text(m).join("|") === "C|end", isSync);
  expect(late.map(show)).toEqual([]);

  if (pubIsX && subIsX) {
    // RFC 29: an XSUB may send other messages upstream; the XPUB receives them as is.
    await sub.send("upstream");
    expect(text(await pub.receive())).toEqual(["upstream"]);
  }
}

const CASES: PairCase[] = [
  {
    a: "PAIR",
    b: "PAIR",
    async run(a, b) {
      await stream(a, b, payloads("a2b"), id, id);
      await stream(b, a, payloads("b2a"), id, id);
    },
  },
  {
    a: "PUSH",
    b: "PULL",
    async run(a, b) {
      await stream(a, b, payloads("push"), id, id);
    },
  },
  {
    a: "REQ",
    b: "REP",
    async run(a, b) {
      for (const request of payloads("req")) {
        await a.send(request);
        expectFrames(await b.receive(), request, "request");
        const reply = [f("reply"), ...request];
        await b.send(reply);
        expectFrames(await a.receive(), reply, "reply");
      }
    },
  },
  {
    a: "REQ",
    b: "ROUTER",
    options: { a: { routingId: "req-A" } },
    async run(a, b) {
      for (const request of payloads("req")) {
        await a.send(request);
        // RFC 28: the ROUTER sees [routing id, empty delimiter, body].
        expectFrames(await b.receive(), [f("req-A"), EMPTY, ...request], "request at ROUTER");
        await b.send([f("req-A"), EMPTY, f("reply"), ...request]);
        expectFrames(await a.receive(), [f("reply"), ...request], "reply");
      }
    },
  },
  {
    a: "REP",
    b: "DEALER",
    async run(a, b) {
      for (const request of payloads("dealer")) {
        await b.send([EMPTY, ...request]);
        expectFrames(await a.receive(), request, "request at REP");
        await a.send([f("reply"), ...request]);
        expectFrames(await b.receive(), [EMPTY, f("reply"), ...request], "reply at DEALER");
      }
    },
  },
  {
    a: "DEALER",
    b: "DEALER",
    async run(a, b) {
      await stream(a, b, payloads("a2b"), id, id);
      await stream(b, a, payloads("b2a"), id, id);
    },
  },
  {
    a: "DEALER",
    b: "ROUTER",
    options: { a: { routingId: "dealer-A" } },
    async run(a, b) {
      const routed = (m: Buffer[]): Buffer[] => [f("dealer-A"), ...m];
      await stream(a, b, payloads("a2b"), id, routed);
      await stream(b, a, payloads("b2a"), routed, id);
    },
  },
  {
    a: "ROUTER",
    b: "ROUTER",
    options: { a: { mandatory: true }, b: { mandatory: true } },
    connectRoutingId: "binder",
    async run(a, b, { aBinds }) {
      const [binder, connecter] = aBinds ? [a, b] : [b, a];
      // The connecting ROUTER names the bound one "binder" (connect option) and is itself "connecter".
      // It can address the binder once the handshake is done: until then mandatory says EHOSTUNREACH.
      // Once one send has gone through, it must not be repeated (the next receive expects the payloads).
      const hello = binder.receive();
      let sent = false;
      await pollUntil(
        hello,
        async () => {
          if (sent) return;
          try {
            await connecter.send(["binder", "hello"]);
            sent = true;
          } catch (error) {
            if ((error as { code?: string }).code !== "EHOSTUNREACH") throw error;
          }
        },
        "the ROUTER-ROUTER handshake",
      );
      expect(text(await hello)).toEqual(["connecter", "hello"]);
      const toBinder = (m: Buffer[]): Buffer[] => [f("binder"), ...m];
      const fromConnecter = (m: Buffer[]): Buffer[] => [f("connecter"), ...m];
      await stream(connecter, binder, payloads("c2b"), toBinder, fromConnecter);
      await stream(binder, connecter, payloads("b2c"), fromConnecter, toBinder);
    },
  },
  {
    a: "PUB",
    b: "SUB",
    run: (a, b) => publishSubscribe(a, b, false, false),
  },
  {
    a: "PUB",
    b: "XSUB",
    run: (a, b) => publishSubscribe(a, b, false, true),
  },
  {
    a: "XPUB",
    b: "SUB",
    run: (a, b) => publishSubscribe(a, b, true, false),
  },
  {
    a: "XPUB",
    b: "XSUB",
    run: (a, b) => publishSubscribe(a, b, true, true),
  },
];

const TRANSPORTS: Transport[] = ["tcp", "ipc"];

for (const pair of CASES) describe(`${pair.a}-${pair.b} between skein and libzmq`, () => {
  const assignments: Array<[Lib, Lib]> = pair.a === pair.b ? [["skein", "libzmq"]] : [["skein", "libzmq"], ["libzmq", "skein"]];
  for (const [libA, libB] of assignments) {
    for (const aBinds of [true, false]) {
      for (const transport of TRANSPORTS) {
        const binds = aBinds ? `${libA} ${pair.a} binds, ${libB} ${pair.b} connects` : `${libB} ${pair.b} binds, ${libA} ${pair.a} connects`;
        test(`${binds} over ${transport}`, async () => {
          const a = sockets.make(libA, pair.a, pair.options?.a);
          const b = sockets.make(libB, pair.b, pair.options?.b);
          const connectOptions = pair.connectRoutingId === undefined ? undefined : { routingId: pair.connectRoutingId };
          if (pair.connectRoutingId !== undefined) (aBinds ? b : a).routingId = "connecter";
          if (aBinds) await link(a, b, transport, connectOptions);
          else await link(b, a, transport, connectOptions);
          await pair.run(a, b, { aBinds });
        });
      }
    }
  }
});
