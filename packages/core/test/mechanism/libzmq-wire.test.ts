/**
 * The PLAIN and CURVE mechanisms against libzmq 4.3.5 (the `zeromq` package),
 * below the engine: a `node:net` connection, a hand-written greeting and
 * frame codec, and the mechanism driving the handshake. Proves the command
 * layouts, the nonces and the MESSAGE framing are what libzmq expects.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import type { Mechanism, MechanismHost, SecurityOptions, ZapReply } from "../../src/mechanism/mechanism.js";
import { CurveMechanism } from "../../src/mechanism/curve.js";
import { PlainMechanism } from "../../src/mechanism/plain.js";
import { AuthError, type ZmqError } from "../../src/errors.js";
import { toCurveKey } from "../../src/mechanism/z85.js";
import type { Metadata } from "../../src/zmtp/metadata.js";
import { rawCommand, rawFrame, rawGreeting } from "../helpers.js";
import { securityOptions } from "./mechanism-pair.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One ZMTP connection driven by a mechanism, frames parsed by hand (RFC 23 §"Framing"). */
class WirePeer implements MechanismHost {
  readonly peerAddress: string;
  mechanism!: Mechanism;
  succeeded: Metadata | null = null;
  failed: ZmqError | null = null;
  readonly messages: { data: Buffer; more: boolean }[] = [];
  readonly done: Promise<void>;
  #settle!: () => void;
  #buffer = Buffer.alloc(0);
  #greeted = false;
  #waiting: { count: number; resolve: () => void } | null = null;

  constructor(
    readonly stream: net.Socket,
    readonly asServer: boolean,
    readonly security: SecurityOptions,
    readonly localMetadata: Metadata,
    readonly create: (host: MechanismHost) => Mechanism,
    readonly zap: ZapReply | null = null,
  ) {
    this.peerAddress = `tcp://${stream.remoteAddress}:${stream.remotePort}`;
    this.done = new Promise((resolve) => (this.#settle = resolve));
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    stream.on("close", () => this.#settle());
    stream.on("error", () => this.#settle());
    const greeting = rawGreeting({ mechanism: create === curve ? "CURVE" : "PLAIN" });
    greeting[32] = asServer ? 1 : 0;
    stream.write(greeting);
  }

  sendCommand(name: string, data: Buffer): void {
    this.stream.write(rawCommand(name, data));
  }
  async authenticate(): Promise<ZapReply | null> {
    return this.zap;
  }
  handshakeSucceeded(peerMetadata: Metadata): void {
    this.succeeded = peerMetadata;
    this.#settle();
  }
  handshakeFailed(error: ZmqError): void {
    this.failed = error;
    this.#settle();
  }

  /** Sends one frame boxed as libzmq does: an ordinary frame holding the MESSAGE. */
  sendEncrypted(data: Buffer, more: boolean): void {
    this.stream.write(rawFrame(0x00, (this.mechanism as CurveMechanism).encryptFrame(data, more)));
  }

  /** Resolves once `count` frames have been decrypted. */
  received(count: number): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise((resolve) => (this.#waiting = { count, resolve }));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#greeted) {
      if (this.#buffer.length < 64) return;
      expect(this.#buffer.subarray(12, 17).toString()).toBe(this.create === curve ? "CURVE" : "PLAIN");
      this.#buffer = this.#buffer.subarray(64);
      this.#greeted = true;
      this.mechanism = this.create(this);
      this.mechanism.start();
    }
    for (;;) {
      if (this.#buffer.length < 2) return;
      const flags = this.#buffer[0]!;
      const long = (flags & 0x02) !== 0;
      const headerSize = long ? 9 : 2;
      if (this.#buffer.length < headerSize) return;
      const size = long ? Number(this.#buffer.readBigUInt64BE(1)) : this.#buffer[1]!;
      if (this.#buffer.length < headerSize + size) return;
      const body = this.#buffer.subarray(headerSize, headerSize + size);
      this.#buffer = this.#buffer.subarray(headerSize + size);
      if (this.succeeded === null) {
        expect(flags & 0x04).toBe(0x04);
        this.mechanism.onCommand(body.toString("latin1", 1, 1 + body[0]!), body.subarray(1 + body[0]!));
      } else {
        this.messages.push((this.mechanism as CurveMechanism).decryptFrame(body));
        if (this.#waiting !== null && this.messages.length >= this.#waiting.count) this.#waiting.resolve();
      }
    }
  }
}

const curve = (host: MechanismHost) => new CurveMechanism(host);
const plain = (host: MechanismHost) => new PlainMechanism(host);

function connect(endpoint: string): Promise<net.Socket> {
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)!;
  return new Promise((resolve, reject) => {
    const stream = net.connect({ host: match[1]!, port: Number(match[2]) }, () => resolve(stream));
    stream.once("error", reject);
    cleanups.push(() => stream.destroy());
  });
}

function libzmq<T extends zmq.Socket>(socket: T): T {
  socket.linger = 0;
  cleanups.push(() => socket.close());
  return socket;
}

async function receiveOne(socket: zmq.Pull): Promise<string[]> {
  return (await socket.receive()).map(String);
}

describe("CURVE and PLAIN against libzmq 4.3.5", () => {
  it("a skein CURVE client completes the handshake with a libzmq CURVE server and its frames arrive", async () => {
    const server = zmq.curveKeyPair();
    const client = zmq.curveKeyPair();
    const pull = libzmq(new zmq.Pull({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey }));
    await pull.bind("tcp://127.0.0.1:*");
    const peer = new WirePeer(
      await connect(pull.lastEndpoint!),
      false,
      securityOptions({
        curveServerKey: toCurveKey(server.publicKey, "curveServerKey"),
        curvePublicKey: toCurveKey(client.publicKey, "curvePublicKey"),
        curveSecretKey: toCurveKey(client.secretKey, "curveSecretKey"),
      }),
      new Map([["Socket-Type", Buffer.from("PUSH")]]),
      curve,
    );
    await peer.done;
    expect(peer.failed).toBeNull();
    expect(peer.succeeded?.get("Socket-Type")?.toString()).toBe("PULL");
    peer.sendEncrypted(Buffer.from("hello"), true);
    peer.sendEncrypted(Buffer.from("libzmq"), false);
    peer.sendEncrypted(Buffer.from("again"), false);
    expect(await receiveOne(pull)).toEqual(["hello", "libzmq"]);
    expect(await receiveOne(pull)).toEqual(["again"]);
  });

  it("a libzmq CURVE client completes the handshake with a skein CURVE server and its frames decrypt", async () => {
    const server = zmq.curveKeyPair();
    const client = zmq.curveKeyPair();
    const accepted = new Promise<net.Socket>((resolve) => {
      const listener = net.createServer(resolve);
      listener.listen(0, "127.0.0.1");
      cleanups.push(() => new Promise((done) => listener.close(done)));
      listener.on("listening", () => {
        const port = (listener.address() as net.AddressInfo).port;
        const push = libzmq(
          new zmq.Push({ curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey }),
        );
        push.connect(`tcp://127.0.0.1:${port}`);
        void push.send(["one", "two"]).then(() => push.send("three"));
      });
    });
    const stream = await accepted;
    cleanups.push(() => stream.destroy());
    const peer = new WirePeer(
      stream,
      true,
      securityOptions({ curveServer: true, curveSecretKey: toCurveKey(server.secretKey, "curveSecretKey") }),
      new Map([["Socket-Type", Buffer.from("PULL")]]),
      curve,
    );
    await peer.done;
    expect(peer.failed).toBeNull();
    expect(peer.succeeded?.get("Socket-Type")?.toString()).toBe("PUSH");
    expect((peer.mechanism as CurveMechanism).peerPublicKey?.equals(toCurveKey(client.publicKey, "key"))).toBe(true);
    await peer.received(3);
    expect(peer.messages.map((m) => [m.data.toString(), m.more])).toEqual([
      ["one", true],
      ["two", false],
      ["three", false],
    ]);
  });

  it("libzmq drops a skein CURVE client that uses the wrong server key; the handshake never succeeds", async () => {
    const server = zmq.curveKeyPair();
    const impostor = zmq.curveKeyPair();
    const client = zmq.curveKeyPair();
    const pull = libzmq(new zmq.Pull({ curveServer: true, curveSecretKey: server.secretKey }));
    await pull.bind("tcp://127.0.0.1:*");
    const peer = new WirePeer(
      await connect(pull.lastEndpoint!),
      false,
      securityOptions({
        curveServerKey: toCurveKey(impostor.publicKey, "curveServerKey"),
        curveSecretKey: toCurveKey(client.secretKey, "curveSecretKey"),
      }),
      new Map([["Socket-Type", Buffer.from("PUSH")]]),
      curve,
    );
    await peer.done;
    expect(peer.succeeded).toBeNull();
  });

  it("a skein PLAIN client completes the handshake with a libzmq PLAIN server whose ZAP handler accepts", async () => {
    const context = new zmq.Context();
    const handler = libzmq(new zmq.Router({ context }));
    await handler.bind("inproc://zeromq.zap.01");
    const credentials: string[][] = [];
    void (async () => {
      for await (const [id, empty, version, requestId, , , , mechanism, username, password] of handler) {
        credentials.push([String(mechanism), String(username), String(password)]);
        await handler.send([id!, empty!, version!, requestId!, "200", "OK", "user-7", ""]);
      }
    })().catch(() => {});
    const pull = libzmq(new zmq.Pull({ context, plainServer: true, zapDomain: "test" }));
    await pull.bind("tcp://127.0.0.1:*");
    const peer = new WirePeer(
      await connect(pull.lastEndpoint!),
      false,
      securityOptions({ plainUsername: "admin", plainPassword: "s3cret" }),
      new Map([["Socket-Type", Buffer.from("PUSH")]]),
      plain,
    );
    await peer.done;
    expect(peer.failed).toBeNull();
    expect(peer.succeeded?.get("Socket-Type")?.toString()).toBe("PULL");
    expect(credentials).toEqual([["PLAIN", "admin", "s3cret"]]);
    peer.stream.write(rawFrame(0x00, Buffer.from("in clear")));
    expect(await receiveOne(pull)).toEqual(["in clear"]);
  });

  for (const mechanism of ["PLAIN", "CURVE"] as const) {
    it(`a libzmq ${mechanism} server whose ZAP handler says 400 ends the skein client's handshake`, async () => {
      const context = new zmq.Context();
      const handler = libzmq(new zmq.Router({ context }));
      await handler.bind("inproc://zeromq.zap.01");
      void (async () => {
        for await (const [id, empty, version, requestId] of handler) {
          await handler.send([id!, empty!, version!, requestId!, "400", "No such user", "", ""]);
        }
      })().catch(() => {});
      const server = zmq.curveKeyPair();
      const pull = libzmq(
        mechanism === "PLAIN"
          ? new zmq.Pull({ context, plainServer: true })
          : new zmq.Pull({ context, curveServer: true, curveSecretKey: server.secretKey }),
      );
      await pull.bind("tcp://127.0.0.1:*");
      const peer = new WirePeer(
        await connect(pull.lastEndpoint!),
        false,
        mechanism === "PLAIN"
          ? securityOptions({ plainUsername: "mallory", plainPassword: "guess" })
          : securityOptions({
              curveServerKey: toCurveKey(server.publicKey, "curveServerKey"),
              curveSecretKey: toCurveKey(zmq.curveKeyPair().secretKey, "curveSecretKey"),
            }),
        new Map([["Socket-Type", Buffer.from("PUSH")]]),
        mechanism === "PLAIN" ? plain : curve,
      );
      await peer.done;
      expect(peer.succeeded).toBeNull();
      expect(peer.failed).not.toBeNull();
      if (mechanism === "CURVE") {
        // libzmq sends ERROR with the ZAP status code as its reason.
        expect(peer.failed).toBeInstanceOf(AuthError);
        expect(peer.failed?.status).toBe(400);
      }
      // PLAIN: libzmq 4.3.5 sends a malformed ERROR here (9-byte body whose
      // name-length octet is 0x5e), so only the failure itself is portable.
    });
  }
});
