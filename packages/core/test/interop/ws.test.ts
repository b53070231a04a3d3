/**
 * ws:// (RFC 45, ZWS 2.0) against libzmq 4.3.5: the WebSocket upgrade, the
 * NULL handshake, multipart messages and subscriptions, with skein on
 * either side of the bind.
 */
import { afterEach, describe, expect, test } from "vitest";
import * as zmq from "zeromq";
import * as skein from "../../src/index.js";
import { Sockets, pollUntil, text, type Lib, type Peer } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

/** Binds `binder` on an ephemeral ws:// port and connects `connecter` to what lastEndpoint reports. */
async function linkWs(binder: Peer, connecter: Peer, path: string): Promise<string> {
  await binder.bind(`ws://127.0.0.1:0${path}`);
  const endpoint = binder.lastEndpoint!;
  connecter.connect(endpoint);
  return endpoint;
}

for (const [binderLib, connecterLib] of [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
] as Array<[Lib, Lib]>) {
  describe(`ws:// with ${binderLib} binding and ${connecterLib} connecting`, () => {
    test("the binder reports ws://127.0.0.1:PORT/path in lastEndpoint", async () => {
      const pull = sockets.make(binderLib, "PULL");
      const push = sockets.make(connecterLib, "PUSH");
      const endpoint = await linkWs(pull, push, "/lanes");
      expect(endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:[1-9]\d*\/lanes$/);
    });

    test("PUSH to PULL carries multipart messages, large frames included", async () => {
      const pull = sockets.make(binderLib, "PULL");
      const push = sockets.make(connecterLib, "PUSH");
      await linkWs(pull, push, "/pipeline");
      const big = Buffer.alloc(200_000);
      for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
      // libzmq masks a zero-copy frame in place as a ws client: send a copy, keep `big` to compare.
      await push.send(["head", "", Buffer.from(big)]);
      await push.send("tail");
      const first = await pull.receive();
      expect(text(first.slice(0, 2))).toEqual(["head", ""]);
      expect(first[2]!.equals(big)).toBe(true);
      expect(text(await pull.receive())).toEqual(["tail"]);
    });

    test("PULL connecting to a bound PUSH receives in order", async () => {
      const push = sockets.make(binderLib, "PUSH");
      const pull = sockets.make(connecterLib, "PULL");
      await linkWs(push, pull, "/reverse");
      for (let i = 0; i < 50; i++) await push.send(["n", String(i)]);
      for (let i = 0; i < 50; i++) expect(text(await pull.receive())).toEqual(["n", String(i)]);
    });

    test("REQ/REP round trips with the REP bound", async () => {
      const rep = sockets.make(binderLib, "REP");
      const req = sockets.make(connecterLib, "REQ");
      await linkWs(rep, req, "/rpc");
      for (let i = 0; i < 3; i++) {
        await req.send(["question", String(i)]);
        const request = await rep.receive();
        expect(text(request)).toEqual(["question", String(i)]);
        await rep.send(["answer", String(i)]);
        expect(text(await req.receive())).toEqual(["answer", String(i)]);
      }
    });

    test("REQ/REP round trips with the REQ bound", async () => {
      const req = sockets.make(binderLib, "REQ");
      const rep = sockets.make(connecterLib, "REP");
      await linkWs(req, rep, "/rpc-reverse");
      await req.send("hello");
      expect(text(await rep.receive())).toEqual(["hello"]);
      await rep.send("world");
      expect(text(await req.receive())).toEqual(["world"]);
    });

    test("SUB subscriptions reach the bound PUB, which filters by topic", async () => {
      const pub = sockets.make(binderLib, "PUB");
      const sub = sockets.make(connecterLib, "SUB");
      sub.subscribe!("alpha");
      await linkWs(pub, sub, "/feed");
      await pollUntil(sub.receive(), () => pub.send(["alpha", "probe"]), "subscription over ws");
      await pub.send(["beta", "filtered out"]);
      await pub.send(["alpha", "last"]);
      for (;;) {
        const msg = text(await sub.receive());
        expect(msg[0]).toBe("alpha");
        if (msg[1] === "last") break;
      }
    });

    test("a bound SUB's subscription reaches a connecting PUB", async () => {
      const sub = sockets.make(binderLib, "SUB");
      const pub = sockets.make(connecterLib, "PUB");
      sub.subscribe!("t");
      await linkWs(sub, pub, "/feed-reverse");
      await pollUntil(sub.receive(), () => pub.send(["t", "probe"]), "subscription over ws");
      await pub.send(["u", "filtered out"]);
      await pub.send(["t", "last"]);
      for (;;) {
        const msg = text(await sub.receive());
        expect(msg[0]).toBe("t");
        if (msg[1] === "last") break;
      }
    });
  });
}

// CURVE needs no ZAP handler to accept a client; PLAIN does (in both libraries), so it is left to the security suite.
describe("ws:// security mechanisms against libzmq", () => {
  const serverKeys = zmq.curveKeyPair();
  const clientKeys = zmq.curveKeyPair();
  const mechanisms = {
    CURVE: {
      server: { curveServer: true, curveSecretKey: serverKeys.secretKey },
      client: { curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey },
    },
  };
  for (const [name, { server, client }] of Object.entries(mechanisms)) {
    for (const serverLib of ["skein", "libzmq"] as Lib[]) {
      test(`${name} over ws:// with the ${serverLib} PULL as server`, async () => {
        const make = (lib: Lib, type: "Pull" | "Push", options: object): Peer =>
          sockets.adopt(new (lib === "skein" ? skein : zmq)[type](options as never) as unknown as Peer);
        const pull = make(serverLib, "Pull", server);
        const push = make(serverLib === "skein" ? "libzmq" : "skein", "Push", client);
        await linkWs(pull, push, `/${name.toLowerCase()}`);
        await push.send(["secured", name]);
        expect(text(await pull.receive())).toEqual(["secured", name]);
      });
    }
  }
});
