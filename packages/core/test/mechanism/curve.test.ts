import { describe, expect, it } from "vitest";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { AuthError, ProtocolError } from "../../src/errors.js";
import type { MechanismHost } from "../../src/mechanism/mechanism.js";
import { CurveMechanism } from "../../src/mechanism/curve.js";
import { generateKeyPair } from "../../src/mechanism/curve-box.js";
import { encodeErrorReason } from "../../src/zmtp/commands.js";
import { handshake, lone, securityOptions, settle, zapReply, type HostSetup, type TestHost, type ZapHandler } from "./mechanism-pair.js";

const create = (host: MechanismHost) => new CurveMechanism(host);
const curve = (host: TestHost) => host.mechanism as CurveMechanism;

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();

function client(serverKey: Buffer = serverKeys.publicKey, keys = clientKeys): HostSetup {
  return {
    asServer: false,
    security: securityOptions({ curveServerKey: serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey }),
    metadata: new Map([
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.from("client-1")],
    ]),
  };
}

function server(zap: ZapHandler = null): HostSetup {
  return {
    asServer: true,
    security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey, zapDomain: "curve-domain" }),
    metadata: new Map([["Socket-Type", Buffer.from("ROUTER")]]),
    zap,
  };
}

const onlyOurClient: ZapHandler = (request) =>
  request.credentials[0]!.equals(clientKeys.publicKey) ? zapReply("200", "client-one") : zapReply("400");

/** Independent crypto_box_beforenm (X25519 then HSalsa20) for checking the wire by hand. */
function beforenm(theirPublic: Uint8Array, ourSecret: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(ourSecret, theirPublic);
  const sigma = new Uint32Array(new Uint8Array(Buffer.from("expand 32-byte k", "latin1")).buffer);
  const out = new Uint32Array(8);
  hsalsa(sigma, new Uint32Array(new Uint8Array(shared).buffer), new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}

describe("CURVE mechanism (RFC 25, RFC 26)", () => {
  it("completes the handshake without a ZAP handler (Stonehouse, as libzmq) and exchanges metadata", async () => {
    const pair = await handshake(create, client(), server());
    expect(pair.client.failed).toBeNull();
    expect(pair.server.failed).toBeNull();
    expect(pair.client.sent.map((c) => c.name)).toEqual(["HELLO", "INITIATE"]);
    expect(pair.server.sent.map((c) => c.name)).toEqual(["WELCOME", "READY"]);
    expect(pair.server.succeeded?.peerMetadata.get("Identity")?.toString()).toBe("client-1");
    expect(pair.server.succeeded?.peerMetadata.get("Socket-Type")?.toString()).toBe("DEALER");
    expect(pair.client.succeeded?.peerMetadata.get("Socket-Type")?.toString()).toBe("ROUTER");
    expect(curve(pair.server).peerPublicKey?.equals(clientKeys.publicKey)).toBe(true);
  });

  it("asks ZAP with mechanism CURVE and the client's long-term public key, and keeps its user id", async () => {
    const pair = await handshake(create, client(), server(onlyOurClient));
    expect(pair.server.zapRequests).toHaveLength(1);
    const request = pair.server.zapRequests[0]!;
    expect(request.mechanism).toBe("CURVE");
    expect(request.domain).toBe("curve-domain");
    expect(request.credentials).toHaveLength(1);
    expect(request.credentials[0]!.equals(clientKeys.publicKey)).toBe(true);
    expect(pair.server.succeeded?.userId).toBe("client-one");
    expect(pair.client.succeeded).not.toBeNull();
  });

  it("fails both sides with AuthError when the ZAP handler denies the client key", async () => {
    const stranger = generateKeyPair();
    const pair = await handshake(create, client(serverKeys.publicKey, stranger), server(onlyOurClient));
    expect(pair.server.failed).toBeInstanceOf(AuthError);
    expect(pair.server.failed?.status).toBe(400);
    expect(pair.client.failed).toBeInstanceOf(AuthError);
    expect(pair.server.sent.map((c) => c.name)).toEqual(["WELCOME", "ERROR"]);
  });

  it("takes an INITIATE with 1 MiB of metadata and refuses one octet more before opening its box", async () => {
    // Socket-Type DEALER (22 octets) + Identity client-1 (21) + X-Big's name and length (10): 53 octets besides its value.
    const withMetadataBytes = (bytes: number): HostSetup => {
      const setup = client();
      setup.metadata = new Map([...setup.metadata!, ["X-Big", Buffer.alloc(bytes - 53, "m")]]);
      return setup;
    };
    const fits = await handshake(create, withMetadataBytes(1024 * 1024), server());
    expect(fits.server.succeeded?.peerMetadata.get("X-Big")?.length).toBe(1024 * 1024 - 53);
    const over = await handshake(create, withMetadataBytes(1024 * 1024 + 1), server());
    expect(over.server.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_INITIATE");
    expect(over.server.zapRequests).toEqual([]);
  });

  it("fails with ERR_ZMTP_CRYPTOGRAPHIC when the client uses the wrong server key", async () => {
    const pair = await handshake(create, client(generateKeyPair().publicKey), server());
    expect(pair.server.failed).toBeInstanceOf(ProtocolError);
    expect(pair.server.failed?.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
    // Nothing goes back: a peer learns no more than a ZAP status code (docs/security.md), and libzmq sends nothing here.
    expect(pair.server.sent.map((c) => c.name)).toEqual([]);
    expect(pair.client.succeeded).toBeNull();
  });

  it("sends a HELLO laid out as RFC 26 says: version 1.0, 72 zero octets, C', nonce, Box[64 zeros](C'->S)", () => {
    const host = lone(create, client());
    const hello = host.sent[0]!;
    expect(hello.name).toBe("HELLO");
    expect(hello.data.length).toBe(194);
    expect([...hello.data.subarray(0, 2)]).toEqual([1, 0]);
    expect(hello.data.subarray(2, 74).every((octet) => octet === 0)).toBe(true);
    const clientTransient = hello.data.subarray(74, 106);
    expect(hello.data.readBigUInt64BE(106)).toBe(1n);
    const nonce = Buffer.concat([Buffer.from("CurveZMQHELLO---"), hello.data.subarray(106, 114)]);
    const key = beforenm(clientTransient, serverKeys.secretKey);
    const opened = xsalsa20poly1305(key, nonce).decrypt(hello.data.subarray(114));
    expect(Buffer.from(opened).equals(Buffer.alloc(64))).toBe(true);
  });

  it("encrypts and decrypts frames both ways, carrying the MORE and COMMAND flags", async () => {
    const pair = await handshake(create, client(), server());
    const c = curve(pair.client);
    const s = curve(pair.server);
    const first = s.decrypt(c.encrypt(Buffer.from("hello"), true));
    expect(first).toEqual({ data: Buffer.from("hello"), more: true, command: false });
    const reply = c.decrypt(s.encrypt(Buffer.from("world"), false));
    expect(reply).toEqual({ data: Buffer.from("world"), more: false, command: false });
    const ping = s.decryptFrame(c.encryptFrame(Buffer.from("\x04PING\x00\x00"), false, true));
    expect(ping.command).toBe(true);
    expect(ping.data.toString("latin1")).toBe("\x04PING\x00\x00");
    const empty = s.decrypt(c.encrypt(Buffer.alloc(0), false));
    expect(empty.data.length).toBe(0);
    const large = Buffer.alloc(100_000, 7);
    expect(c.decrypt(s.encrypt(large, false)).data.equals(large)).toBe(true);
  });

  it("frames a MESSAGE as \\x07MESSAGE, an increasing 8-byte nonce and a box the peer can open independently", async () => {
    const pair = await handshake(create, client(), server());
    const c = curve(pair.client);
    const frame = c.encryptFrame(Buffer.from("abc"), false);
    expect(frame.subarray(0, 8).toString("latin1")).toBe("\x07MESSAGE");
    // Client nonces: HELLO 1, INITIATE 2, then MESSAGEs from 3 (libzmq's single counter).
    expect(frame.readBigUInt64BE(8)).toBe(3n);
    expect(c.encryptFrame(Buffer.from("abc"), false).readBigUInt64BE(8)).toBe(4n);
    expect(frame.length).toBe(8 + 8 + 16 + 1 + 3);
    expect(c.encrypt(Buffer.from("abc"), false).readBigUInt64BE(0)).toBe(5n);
  });

  it("rejects a replayed MESSAGE and an older nonce with ERR_ZMTP_INVALID_SEQUENCE", async () => {
    const pair = await handshake(create, client(), server());
    const c = curve(pair.client);
    const s = curve(pair.server);
    const older = c.encrypt(Buffer.from("one"), false);
    const newer = c.encrypt(Buffer.from("two"), false);
    expect(s.decrypt(newer).data.toString()).toBe("two");
    expect(() => s.decrypt(newer)).toThrow(expect.objectContaining({ code: "ERR_ZMTP_INVALID_SEQUENCE" }));
    expect(() => s.decrypt(older)).toThrow(ProtocolError);
  });

  it("rejects a tampered MESSAGE box with ERR_ZMTP_CRYPTOGRAPHIC and still accepts the genuine next one", async () => {
    const pair = await handshake(create, client(), server());
    const c = curve(pair.client);
    const s = curve(pair.server);
    const body = c.encrypt(Buffer.from("payload"), false);
    for (let at = 8; at < body.length; at++) {
      const tampered = Buffer.from(body);
      tampered[at]! ^= 0x20;
      expect(() => s.decrypt(tampered)).toThrow(expect.objectContaining({ code: "ERR_ZMTP_CRYPTOGRAPHIC" }));
    }
    expect(s.decrypt(body).data.toString()).toBe("payload");
  });

  it("rejects a MESSAGE too short to hold a nonce, a tag and the flags octet", async () => {
    const pair = await handshake(create, client(), server());
    const s = curve(pair.server);
    for (let length = 0; length < 25; length++) {
      expect(() => s.decrypt(Buffer.alloc(length, 1))).toThrow(
        expect.objectContaining({ code: "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE" }),
      );
    }
    expect(() => s.decryptFrame(Buffer.from("\x07MESSAGX" + "x".repeat(40)))).toThrow(
      expect.objectContaining({ code: "ERR_ZMTP_UNEXPECTED_COMMAND" }),
    );
  });

  it("refuses to encrypt or decrypt before the handshake (EFSM)", () => {
    const host = lone(create, client());
    expect(() => curve(host).encrypt(Buffer.from("x"), false)).toThrow(expect.objectContaining({ code: "EFSM" }));
    expect(() => curve(host).decrypt(Buffer.alloc(40))).toThrow(expect.objectContaining({ code: "EFSM" }));
  });

  it("rejects every HELLO length but 194 with ERR_ZMTP_MALFORMED_COMMAND_HELLO, and an unknown version", async () => {
    const hello = lone(create, client()).sent[0]!.data;
    for (let length = 0; length <= 260; length++) {
      if (length === 194) continue;
      const data = Buffer.alloc(length);
      hello.copy(data, 0, 0, Math.min(length, 194));
      const host = lone(create, server());
      host.mechanism.onCommand("HELLO", data);
      expect(host.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_HELLO");
    }
    const wrongVersion = Buffer.from(hello);
    wrongVersion[0] = 2;
    const host = lone(create, server());
    host.mechanism.onCommand("HELLO", wrongVersion);
    expect(host.failed?.detail).toMatch(/version 2\.0/);
  });

  it("rejects every INITIATE shorter than 248 bytes and a replayed INITIATE", async () => {
    // Capture a genuine INITIATE by running a client against a server that never receives it.
    const pair = await handshake(create, client(), server());
    const initiate = pair.client.sent[1]!.data;
    for (let length = 0; length < 248; length += 1) {
      const host = lone(create, server());
      host.mechanism.onCommand("HELLO", pair.client.sent[0]!.data);
      await settle(host);
      host.mechanism.onCommand("INITIATE", initiate.subarray(0, length));
      expect(host.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_INITIATE");
    }
    // A fresh server has a fresh cookie key: the captured INITIATE (a replay) cannot be opened.
    const replayTarget = lone(create, server());
    replayTarget.mechanism.onCommand("HELLO", pair.client.sent[0]!.data);
    await settle(replayTarget);
    replayTarget.mechanism.onCommand("INITIATE", initiate);
    expect(replayTarget.failed?.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
  });

  it("rejects an INITIATE with any byte of cookie, nonce or box altered", async () => {
    for (const at of [0, 15, 16, 60, 95, 96, 103, 104, 120, 200, 247]) {
      const clientHost = lone(create, client());
      const serverHost = lone(create, server());
      serverHost.mechanism.onCommand("HELLO", clientHost.sent[0]!.data);
      await settle(serverHost);
      clientHost.mechanism.onCommand("WELCOME", serverHost.sent[0]!.data);
      const initiate = Buffer.from(clientHost.sent[1]!.data);
      initiate[at]! ^= 0x01;
      serverHost.mechanism.onCommand("INITIATE", initiate);
      await settle(serverHost);
      expect(serverHost.failed?.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
      expect(serverHost.succeeded).toBeNull();
      expect(serverHost.zapRequests).toHaveLength(0);
    }
  });

  it("rejects a WELCOME of the wrong size and one sealed for another client", async () => {
    for (const length of [0, 159, 161]) {
      const host = lone(create, client());
      host.mechanism.onCommand("WELCOME", Buffer.alloc(length));
      expect(host.failed?.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_WELCOME");
    }
    const pair = await handshake(create, client(), server());
    const otherClient = lone(create, client());
    otherClient.mechanism.onCommand("WELCOME", pair.server.sent[0]!.data);
    expect(otherClient.failed?.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
  });

  it("rejects a READY too short or not sealed with the session key", async () => {
    const pair = await handshake(create, client(), server());
    for (const data of [Buffer.alloc(23), pair.server.sent[1]!.data]) {
      const host = lone(create, client());
      const serverHost = lone(create, server());
      serverHost.mechanism.onCommand("HELLO", host.sent[0]!.data);
      await settle(serverHost);
      host.mechanism.onCommand("WELCOME", serverHost.sent[0]!.data);
      expect(host.sent.map((c) => c.name)).toEqual(["HELLO", "INITIATE"]);
      host.mechanism.onCommand("READY", data);
      expect(host.failed?.code).toMatch(/ERR_ZMTP_MALFORMED_COMMAND_READY|ERR_ZMTP_CRYPTOGRAPHIC/);
    }
  });

  it("rejects another mechanism's commands and commands out of order with ERR_ZMTP_UNEXPECTED_COMMAND", () => {
    for (const name of ["READY", "INITIATE", "WELCOME", "MESSAGE", "SUBSCRIBE"]) {
      const host = lone(create, server());
      host.mechanism.onCommand(name, Buffer.alloc(200));
      expect(host.failed?.code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND");
    }
    const clientHost = lone(create, client());
    clientHost.mechanism.onCommand("HELLO", Buffer.alloc(194));
    expect(clientHost.failed?.code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND");
  });

  it("turns the server's ERROR 400 into an AuthError on the client", () => {
    const host = lone(create, client());
    host.mechanism.onCommand("ERROR", encodeErrorReason("400"));
    expect(host.failed).toBeInstanceOf(AuthError);
    expect(host.failed?.status).toBe(400);
  });

  it("fails with EINVAL when a client has no server key or a server has no secret key", () => {
    const noServerKey = lone(create, { asServer: false, security: securityOptions({ curveSecretKey: clientKeys.secretKey }) });
    expect(noServerKey.failed?.code).toBe("EINVAL");
    expect(noServerKey.sent.map((c) => c.name)).toEqual([]);
    const noSecret = lone(create, { asServer: true, security: securityOptions({ curveServer: true }) });
    expect(noSecret.failed?.code).toBe("EINVAL");
    const shortKey = lone(create, client(Buffer.alloc(31)));
    expect(shortKey.failed?.detail).toMatch(/curveServerKey must be 32 bytes/);
  });

  it("derives the client's public key from its secret key when curvePublicKey is not set", async () => {
    const setup = client();
    setup.security = { ...setup.security, curvePublicKey: null };
    const pair = await handshake(create, setup, server(onlyOurClient));
    expect(pair.server.succeeded?.userId).toBe("client-one");
  });
});
