/**
 * PLAIN (RFC 24) and CURVE (RFC 25/26) against libzmq 4.3.5 through the
 * `zeromq` package, both ways (skein server with libzmq client, libzmq server
 * with skein client), over tcp and ipc, DEALER↔ROUTER with multipart messages
 * both ways; and ZAP (RFC 27) handlers of every kind refusing a client while
 * a good one gets through.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TRANSPORTS, Sockets, bindFresh, roundTrip, serveZap, skein, zmq, type SeenZapRequest, type ZapAnswer } from "./helpers.js";

const sockets = new Sockets();
afterEach(() => sockets.closeAll());

// A libzmq ZAP handler (RFC 27 ROUTER at inproc://zeromq.zap.01 in libzmq's default
// context), shared by the file: one bind, so no race with a previous test's unbind.
let libzmqDecide: (request: SeenZapRequest) => ZapAnswer = () => ({ statusCode: "200" });
let libzmqZap: zmq.Router;
let libzmqZapDone: Promise<void>;
let libzmqSeen: SeenZapRequest[];
beforeAll(async () => {
  libzmqZap = new zmq.Router();
  libzmqZap.linger = 0;
  await libzmqZap.bind("inproc://zeromq.zap.01");
  ({ seen: libzmqSeen, done: libzmqZapDone } = serveZap(libzmqZap as never, (request) => libzmqDecide(request)));
});
afterAll(async () => {
  libzmqZap.close();
  await libzmqZapDone;
});

/** PLAIN credentials "admin"/"secret" pass; anything else is refused. CURVE: any key but `banned`. */
function standardPolicy(banned: Buffer | null = null): (request: SeenZapRequest) => ZapAnswer {
  return ({ mechanism, credentials }) => {
    if (mechanism === "PLAIN") {
      const ok = credentials[0]?.toString() === "admin" && credentials[1]?.toString() === "secret";
      return ok ? { statusCode: "200", userId: "admin" } : { statusCode: "400" };
    }
    if (mechanism === "CURVE" && banned !== null && credentials[0]?.equals(banned)) return { statusCode: "400" };
    return { statusCode: "200", userId: "curve-user" };
  };
}

type Options = Record<string, unknown>;
interface Security {
  server: Options;
  client: Options;
}

/** Server and client options for one mechanism, with fresh keys. */
function security(mechanism: "PLAIN" | "CURVE", password = "secret"): Security {
  if (mechanism === "PLAIN") {
    return { server: { plainServer: true }, client: { plainUsername: "admin", plainPassword: password } };
  }
  const server = skein.curveKeyPair();
  const client = zmq.curveKeyPair();
  return {
    server: { curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey },
    client: { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
  };
}

/** A skein context whose typed ZAP handler applies `standardPolicy` (and records requests). */
function typedContext(banned: Buffer | null = null): { context: skein.Context; seen: skein.ZapRequest[] } {
  const context = new skein.Context();
  const seen: skein.ZapRequest[] = [];
  const policy = standardPolicy(banned);
  context.zapHandler = (request) => {
    seen.push(request);
    const answer = policy({ ...request, credentials: request.credentials });
    return { allow: answer.statusCode === "200", userId: answer.userId };
  };
  return { context, seen };
}

describe.each(["PLAIN", "CURVE"] as const)("%s interop with libzmq", (mechanism) => {
  describe.each(TRANSPORTS)("over %s", (transport) => {
    it(`a skein ${mechanism} ROUTER serves a libzmq DEALER, multipart both ways`, async () => {
      const { server: serverOptions, client: clientOptions } = security(mechanism);
      // PLAIN needs a handler (no handler refuses, as in libzmq 4.3.5); CURVE runs without one.
      const context = mechanism === "PLAIN" ? typedContext().context : new skein.Context();
      const server = sockets.add(new skein.Router({ context, ...serverOptions }));
      const client = sockets.add(new zmq.Dealer(clientOptions));
      const handshakes: string[] = [];
      server.events.on("handshake", (e) => handshakes.push(e.type));
      client.connect(await bindFresh(server, transport));
      await roundTrip(client, server, "first");
      await roundTrip(client, server, "second");
      expect(handshakes).toEqual(["handshake"]);
    });

    it(`a libzmq ${mechanism} ROUTER serves a skein DEALER, multipart both ways`, async () => {
      libzmqDecide = standardPolicy();
      const { server: serverOptions, client: clientOptions } = security(mechanism);
      const server = sockets.add(new zmq.Router(serverOptions));
      const client = sockets.add(new skein.Dealer(clientOptions));
      const handshakes: string[] = [];
      client.events.on("handshake", (e) => handshakes.push(e.type));
      client.connect(await bindFresh(server, transport));
      await roundTrip(client, server, "first");
      await roundTrip(client, server, "second");
      expect(handshakes).toEqual(["handshake"]);
    });
  });
});

describe("ZAP handlers refuse a client while a good one gets through", () => {
  it("a skein typed handler refuses a libzmq PLAIN client with a wrong password", async () => {
    const { context, seen } = typedContext();
    const server = sockets.add(new skein.Router({ context, plainServer: true, zapDomain: "global" }));
    const endpoint = await bindFresh(server, "tcp");
    const refused = new Promise((resolve) => server.events.on("handshake:error:auth", resolve));
    const bad = sockets.add(new zmq.Dealer({ plainUsername: "admin", plainPassword: "wrong" }));
    bad.connect(endpoint);
    await bad.send(["from-bad"]);
    await refused;
    const good = sockets.add(new zmq.Dealer({ plainUsername: "admin", plainPassword: "secret" }));
    good.connect(endpoint);
    await roundTrip(good, server, "good");
    expect(seen[0]).toMatchObject({ mechanism: "PLAIN", domain: "global" });
    expect(seen[0]!.credentials.map(String)).toEqual(["admin", "wrong"]);
    expect(seen[0]!.address).toBe("127.0.0.1"); // RFC 27: the IP alone, as libzmq sends it
    expect(seen.some((r) => r.credentials[1]?.toString() === "secret")).toBe(true);
  });

  it("a skein RFC 27 ROUTER handler at inproc://zeromq.zap.01 refuses a banned libzmq CURVE client", async () => {
    const context = new skein.Context();
    const zap = sockets.add(new skein.Router({ context }));
    await zap.bind(skein.ZAP_ENDPOINT);
    const bannedKeys = zmq.curveKeyPair();
    const banned = Buffer.from(skein.z85Decode(bannedKeys.publicKey));
    const { seen, done } = serveZap(zap, standardPolicy(banned));

    const serverKeys = skein.curveKeyPair();
    const server = sockets.add(
      new skein.Router({ context, curveServer: true, curveSecretKey: serverKeys.secretKey, zapDomain: "vault" }),
    );
    const endpoint = await bindFresh(server, "tcp");
    const refused = new Promise((resolve) => server.events.on("handshake:error:auth", resolve));
    const bad = sockets.add(
      new zmq.Dealer({ curveServerKey: serverKeys.publicKey, curvePublicKey: bannedKeys.publicKey, curveSecretKey: bannedKeys.secretKey }),
    );
    bad.connect(endpoint);
    await bad.send(["from-bad"]);
    await refused;

    const goodKeys = zmq.curveKeyPair();
    const good = sockets.add(
      new zmq.Dealer({ curveServerKey: serverKeys.publicKey, curvePublicKey: goodKeys.publicKey, curveSecretKey: goodKeys.secretKey }),
    );
    good.connect(endpoint);
    // The first message the server delivers is the good client's: the refused one's never passed.
    await roundTrip(good, server, "good");

    expect(seen[0]).toMatchObject({ mechanism: "CURVE", domain: "vault" });
    expect(seen[0]!.address).toBe("127.0.0.1");
    expect(seen[0]!.credentials[0]!.equals(banned)).toBe(true);
    const goodKey = Buffer.from(skein.z85Decode(goodKeys.publicKey));
    expect(seen.some((r) => r.credentials[0]!.equals(goodKey))).toBe(true);
    sockets.closeAll();
    await done;
  });

  it("a libzmq ZAP handler refuses a skein PLAIN client, whose connection ends in a handshake error", async () => {
    libzmqDecide = standardPolicy();
    const server = sockets.add(new zmq.Router({ plainServer: true, zapDomain: "libzmq-domain" }));
    const endpoint = await bindFresh(server, "tcp");
    const bad = sockets.add(new skein.Dealer({ plainUsername: "admin", plainPassword: "wrong" }));
    // libzmq 4.3.5's PLAIN server writes its ERROR command from the C literal "\x5ERROR", which
    // the compiler reads as 0x5E "RROR": the name length overruns the frame (bytes
    // 04 09 5e 52 52 4f 52 03 34 30 30 on the wire), so the refusal reaches us as a protocol error.
    const refused = new Promise<skein.Event>((resolve) => bad.events.on("handshake:error:protocol", resolve));
    bad.connect(endpoint);
    await bad.send(["from-bad"]);
    expect((await refused).error).toBeInstanceOf(skein.ProtocolError);

    const good = sockets.add(new skein.Dealer({ plainUsername: "admin", plainPassword: "secret" }));
    good.connect(endpoint);
    await roundTrip(good, server, "good");
    const refusedRequest = libzmqSeen.find((r) => r.credentials[1]?.toString() === "wrong");
    expect(refusedRequest).toMatchObject({ mechanism: "PLAIN", domain: "libzmq-domain" });
  });

  it("a libzmq ZAP handler refuses a banned skein CURVE client", async () => {
    const bannedKeys = skein.curveKeyPair();
    libzmqDecide = standardPolicy(Buffer.from(skein.z85Decode(bannedKeys.publicKey)));
    const serverKeys = zmq.curveKeyPair();
    const server = sockets.add(new zmq.Router({ curveServer: true, curveSecretKey: serverKeys.secretKey }));
    const endpoint = await bindFresh(server, "ipc");
    const bad = sockets.add(new skein.Dealer({ curveServerKey: serverKeys.publicKey, ...keysOf(bannedKeys) }));
    const refused = new Promise<skein.Event>((resolve) => bad.events.on("handshake:error:auth", resolve));
    bad.connect(endpoint);
    await bad.send(["from-bad"]);
    expect((await refused).error).toBeInstanceOf(skein.AuthError);

    const good = sockets.add(new skein.Dealer({ curveServerKey: serverKeys.publicKey, ...keysOf(skein.curveKeyPair()) }));
    good.connect(endpoint);
    await roundTrip(good, server, "good");
  });
});

function keysOf(pair: skein.CurveKeyPair): { curvePublicKey: string; curveSecretKey: string } {
  return { curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey };
}
