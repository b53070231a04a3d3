/**
 * The wss:// transport (RFC 45 over TLS): skein to skein with a self-signed
 * certificate made by the test, every failure of the TLS handshake reported
 * as a handshake error with a TlsError and dropping that peer alone, and the
 * handshake deadline covering TLS.
 *
 * The `zeromq` package's libzmq is built without wss (binding wss:// there
 * fails with EPROTONOSUPPORT, checked below), so there is no libzmq peer to
 * test against; see docs/interop.md.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import * as zmq from "zeromq";
import { beforeAll, describe, expect, it } from "vitest";
import { Dealer, Publisher, Pull, Push, Reply, Request, Router, Stream, Subscriber, TlsError, curveKeyPair, type Socket } from "../../src/index.js";
import type { WsEndpoint } from "../../src/transport/endpoint.js";
import { parseEndpoint } from "../../src/transport/transport.js";
import { awaitSubscription, nextEvent, socketScope, strings, within } from "../helpers.js";
import { selfSigned, type SelfSigned } from "./tls-certificates.js";

const open = socketScope();
let server: SelfSigned;
let stranger: SelfSigned;

beforeAll(() => {
  server = selfSigned(["localhost", "127.0.0.1"]);
  stranger = selfSigned(["localhost", "127.0.0.1"]);
});

/** Binds `socket` on wss://127.0.0.1 with the test's certificate; returns the endpoint. */
async function bindSecure<T extends Socket>(socket: T, path = "/zmq"): Promise<string> {
  socket.wssCertPem = server.certPem;
  socket.wssKeyPem = server.keyPem;
  await socket.bind(`wss://127.0.0.1:*${path}`);
  return socket.lastEndpoint!;
}

/** Connects `socket` to `endpoint`, trusting the test's certificate. */
function connectTrusting<T extends Socket>(socket: T, endpoint: string): T {
  socket.wssTrustPem = server.certPem;
  socket.connect(endpoint);
  return socket;
}

describe("wss:// endpoints", () => {
  it("parses wss://host:port/path like ws://", () => {
    expect(parseEndpoint("wss://example.org:443/zmq", false, false)).toEqual({ transport: "wss", address: "wss://example.org:443/zmq", host: "example.org", port: 443, path: "/zmq" });
    expect(parseEndpoint("wss://*:0", true, false)).toMatchObject({ transport: "wss", host: "0.0.0.0", port: 0, path: "/" });
  });

  it("refuses to bind without a certificate and key, and with a key that is not PEM", async () => {
    const pull = open(new Pull());
    await expect(pull.bind("wss://127.0.0.1:*")).rejects.toMatchObject({ code: "EINVAL", detail: expect.stringContaining("wssCertPem") });
    pull.wssCertPem = server.certPem;
    pull.wssKeyPem = "not a key";
    await expect(pull.bind("wss://127.0.0.1:*")).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("refuses wss:// on a STREAM socket", async () => {
    const stream = open(new Stream());
    stream.wssCertPem = server.certPem;
    stream.wssKeyPem = server.keyPem;
    await expect(stream.bind("wss://127.0.0.1:*")).rejects.toMatchObject({ code: "EPROTONOSUPPORT" });
  });

  it("has the libzmq option names and defaults, wssTrustSystem false", () => {
    const push = open(new Push());
    expect([push.wssKeyPem, push.wssCertPem, push.wssTrustPem, push.wssHostname, push.wssTrustSystem]).toEqual([null, null, null, null, false]);
  });

  it("is not in the zeromq package's libzmq (no interop peer to test against)", async () => {
    const push = new zmq.Push({ linger: 0 });
    try {
      await expect(push.bind("wss://127.0.0.1:*")).rejects.toMatchObject({ code: "EPROTONOSUPPORT" });
    } finally {
      push.close();
    }
  });
});

describe("wss transport, skein to skein", () => {
  it("reports wss://127.0.0.1:PORT/path in lastEndpoint and carries multipart PUSH/PULL messages", async () => {
    const pull = open(new Pull());
    const endpoint = await bindSecure(pull);
    expect(endpoint).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/zmq$/);
    const push = connectTrusting(open(new Push()), endpoint);
    for (let i = 0; i < 100; i++) await push.send(["part", String(i), Buffer.alloc(i * 700, i)]);
    for (let i = 0; i < 100; i++) {
      const msg = await within(pull.receive());
      expect(strings(msg.slice(0, 2))).toEqual(["part", String(i)]);
      expect(msg[2]!.equals(Buffer.alloc(i * 700, i))).toBe(true);
    }
  });

  it("runs REQ/REP round trips, verifying the certificate against wssHostname", async () => {
    const rep = open(new Reply());
    const endpoint = await bindSecure(rep);
    const req = open(new Request({ wssHostname: "localhost" }));
    connectTrusting(req, endpoint);
    for (let i = 0; i < 10; i++) {
      await req.send(`ping ${i}`);
      expect(strings(await within(rep.receive()))).toEqual([`ping ${i}`]);
      await rep.send(`pong ${i}`);
      expect(strings(await within(req.receive()))).toEqual([`pong ${i}`]);
    }
  });

  it("delivers PUB/SUB messages on the subscribed topic only", async () => {
    const pub = open(new Publisher());
    const endpoint = await bindSecure(pub);
    const sub = connectTrusting(open(new Subscriber()), endpoint);
    sub.subscribe("news");
    await awaitSubscription((parts) => pub.send(parts), sub, "news");
    await pub.send(["sport", "no"]);
    await pub.send(["news", "yes"]);
    expect(strings(await within(sub.receive()))).toEqual(["news", "yes"]);
  });

  it("runs CURVE inside TLS (the ZWS2.0/CURVE subprotocol) for DEALER/ROUTER both ways", async () => {
    const serverKeys = curveKeyPair();
    const clientKeys = curveKeyPair();
    const router = open(new Router({ curveServer: true, curveSecretKey: serverKeys.secretKey, curvePublicKey: serverKeys.publicKey }));
    const endpoint = await bindSecure(router);
    const dealer = open(new Dealer({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey, routingId: "d1" }));
    connectTrusting(dealer, endpoint);
    await dealer.send("secret");
    const [from, body] = await within(router.receive());
    expect([from!.toString(), body!.toString()]).toEqual(["d1", "secret"]);
    await router.send(["d1", "reply"]);
    expect(strings(await within(dealer.receive()))).toEqual(["reply"]);
  });
});

describe("wss transport, failed TLS handshakes", () => {
  it("reports a certificate for another host name as ERR_TLS_CERT_HOSTNAME and drops only that peer", async () => {
    const pull = open(new Pull());
    const endpoint = await bindSecure(pull);
    const good = connectTrusting(open(new Push()), endpoint);
    const wrongName = open(new Push({ wssHostname: "other.example", reconnectInterval: -1 }));
    const failed = nextEvent(wrongName, "handshake:error:protocol");
    connectTrusting(wrongName, endpoint);
    const { error } = await failed;
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "ERR_TLS_CERT_HOSTNAME", reason: "ERR_TLS_CERT_ALTNAME_INVALID", address: endpoint });
    await good.send("still here");
    expect(strings(await within(pull.receive()))).toEqual(["still here"]);
  });

  it("reports a certificate it does not trust as ERR_TLS_CERT_UNTRUSTED, whether nothing or another certificate is trusted", async () => {
    const pull = open(new Pull());
    const endpoint = await bindSecure(pull);
    const good = connectTrusting(open(new Push()), endpoint);
    for (const trust of [null, stranger.certPem]) {
      const push = open(new Push({ wssTrustPem: trust, reconnectInterval: -1 }));
      const failed = nextEvent(push, "handshake:error:protocol");
      push.connect(endpoint);
      const { error } = await failed;
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({ code: "ERR_TLS_CERT_UNTRUSTED", reason: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      expect(error!.message).toContain("wssTrustPem");
    }
    await good.send("still here");
    expect(strings(await within(pull.receive()))).toEqual(["still here"]);
  });

  it("reports a plain ws:// client of a wss:// endpoint as ERR_TLS_HANDSHAKE on the server", async () => {
    const pull = open(new Pull());
    const endpoint = await bindSecure(pull);
    const failed = nextEvent(pull, "handshake:error:protocol");
    const plain = open(new Push({ reconnectInterval: -1 }));
    plain.connect(endpoint.replace("wss://", "ws://"));
    const { error } = await failed;
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "ERR_TLS_HANDSHAKE" });
  });

  it("drops a peer that opens TCP and never starts TLS once handshakeInterval has passed", async () => {
    const pull = open(new Pull({ handshakeInterval: 200 }));
    const endpoint = await bindSecure(pull);
    const { port } = parseEndpoint(endpoint, false, false) as WsEndpoint;
    const silent = net.connect({ host: "127.0.0.1", port });
    const closed = new Promise<void>((resolve) => silent.on("close", () => resolve()));
    silent.on("error", () => {});
    const { error } = await nextEvent(pull, "handshake:error:protocol");
    expect(error!.detail).toContain("not completed within 200 ms");
    await within(closed, 5000, "the server closing the silent connection");
  });

  it("drops a peer that completes TLS but never upgrades, within the same deadline", async () => {
    const pull = open(new Pull({ handshakeInterval: 300 }));
    const endpoint = await bindSecure(pull);
    const { port } = parseEndpoint(endpoint, false, false) as WsEndpoint;
    const client = tls.connect({ host: "127.0.0.1", port, ca: server.certPem });
    client.on("error", () => {});
    await within(new Promise((resolve) => client.once("secureConnect", resolve)), 5000, "TLS connect");
    const closed = new Promise<void>((resolve) => client.on("close", () => resolve()));
    const { error } = await nextEvent(pull, "handshake:error:protocol");
    expect(error!.detail).toContain("not completed within 300 ms");
    await within(closed, 5000, "the server closing the idle TLS connection");
  });
});
