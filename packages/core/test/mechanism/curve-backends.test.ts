/**
 * CURVE's two crypto libraries (src/mechanism/curve-box.ts): TweetNaCl until
 * libsodium has loaded, libsodium after. Everything is computed once on
 * TweetNaCl (in `beforeAll`, before libsodium is loaded in this process), then
 * again on libsodium, and the bytes compared.
 */
import { hsalsa } from "@noble/ciphers/salsa.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { ZmqError } from "../../src/errors.js";
import { CurveMechanism } from "../../src/mechanism/curve.js";
import {
  curveBackend,
  derivePublicKey,
  generateKeyPair,
  loadFastCurve,
  open,
  openMessage,
  precompute,
  randomBytes,
  seal,
  sealWithHeader,
} from "../../src/mechanism/curve-box.js";
import type { MechanismHost } from "../../src/mechanism/mechanism.js";
import { securityOptions, settle, TestHost } from "./mechanism-pair.js";

const create = (host: MechanismHost): CurveMechanism => new CurveMechanism(host);

// The X25519 points of small order (libsodium's list in crypto_scalarmult/curve25519/ref10):
// any secret key times one of them is all zero.
const SMALL_ORDER_POINTS = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map((hex) => Buffer.from(hex, "hex"));

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const nonce = Buffer.alloc(24, 7);
const data = Buffer.from("a frame of application data".repeat(40));

/** Everything the handshake computes, from fixed inputs. */
function handshakeBytes() {
  const serverPublic = derivePublicKey(serverKeys.secretKey);
  const clientPublic = derivePublicKey(clientKeys.secretKey);
  const key = precompute(serverPublic, clientKeys.secretKey);
  const box = seal(key, nonce, data);
  const opened = open(precompute(clientPublic, serverKeys.secretKey), nonce, box);
  const tampered = Buffer.from(box);
  tampered[20]! ^= 1;
  return { serverPublic, clientPublic, key: Buffer.from(key), box: Buffer.from(box), opened, tamperedOpens: open(key, nonce, tampered) !== null };
}

/** How `precompute` treats each small-order point: the error code, or "accepted". */
function smallOrderOutcomes(): string[] {
  return SMALL_ORDER_POINTS.map((point) => {
    try {
      precompute(point, clientKeys.secretKey);
      return "accepted";
    } catch (error) {
      return (error as ZmqError).code;
    }
  });
}

/**
 * A HELLO from a client whose transient key C' is the all-zero point: the
 * shared secret is zero whatever the server's key, so anyone can seal its box
 * (key = HSalsa20 of 32 zero octets). A server that took it would finish a
 * handshake with no secret known to the client.
 */
function weakHello(): Buffer {
  const sigma = new Uint32Array(new Uint8Array(Buffer.from("expand 32-byte k", "latin1")).buffer);
  const key = new Uint32Array(8);
  hsalsa(sigma, new Uint32Array(8), new Uint32Array(4), key);
  const hello = Buffer.alloc(194);
  hello[0] = 1;
  hello.writeUInt32BE(1, 110); // short nonce 1; C' (octets 74-105) stays zero
  const helloNonce = Buffer.concat([Buffer.from("CurveZMQHELLO---", "latin1"), hello.subarray(106, 114)]);
  seal(new Uint8Array(key.buffer), helloNonce, Buffer.alloc(64)).copy(hello, 114);
  return hello;
}

/** What a lone CURVE server makes of {@link weakHello}. */
function weakHelloOutcome(): { code: string | undefined; sent: string[] } {
  const server = new TestHost({ asServer: true, security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }) });
  server.mechanism = create(server);
  server.mechanism.start();
  server.mechanism.onCommand("HELLO", weakHello());
  return { code: server.failed?.code, sent: server.sent.map((command) => command.name) };
}

const clientSetup = {
  asServer: false,
  security: securityOptions({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey }),
};
const serverSetup = { asServer: true, security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }) };

let byTweetnacl: {
  backend: string;
  message: Buffer;
  handshake: ReturnType<typeof handshakeBytes>;
  smallOrder: string[];
  weakHello: ReturnType<typeof weakHelloOutcome>;
  /** A client whose HELLO (transient key pair, HELLO box) was made before libsodium loaded. */
  client: TestHost;
};

beforeAll(async () => {
  const client = new TestHost(clientSetup);
  client.mechanism = create(client);
  client.mechanism.start();
  byTweetnacl = {
    backend: curveBackend().library,
    message: sealWithHeader(precompute(serverKeys.publicKey, clientKeys.secretKey), nonce, 1, data),
    handshake: handshakeBytes(),
    smallOrder: smallOrderOutcomes(),
    weakHello: weakHelloOutcome(),
    client,
  };
  expect(await loadFastCurve()).toBe(true);
});

describe("CURVE on TweetNaCl and on libsodium", () => {
  it("computes before libsodium has loaded, and on libsodium once it has", () => {
    expect(byTweetnacl.backend).toBe("tweetnacl");
    expect(curveBackend().library).toBe("libsodium");
  });

  it("MESSAGE boxes are the same bytes from TweetNaCl and from libsodium, and each opens the other's", () => {
    const key = precompute(serverKeys.publicKey, clientKeys.secretKey);
    const bySodium = sealWithHeader(key, nonce, 1, data);

    // Both leave 16 header bytes for the caller, then the same tag and ciphertext.
    expect(bySodium.subarray(16)).toEqual(byTweetnacl.message.subarray(16));
    const opened = openMessage(precompute(clientKeys.publicKey, serverKeys.secretKey), nonce, byTweetnacl.message.subarray(16));
    expect(opened?.flags).toBe(1);
    expect(opened?.data).toEqual(data);

    const tampered = Buffer.from(bySodium.subarray(16));
    tampered[20]! ^= 1;
    expect(openMessage(key, nonce, tampered)).toBeNull();
  });

  it("handshake public keys, shared keys and boxes are the same bytes from both, and each opens the other's", () => {
    const bySodium = handshakeBytes();
    expect(bySodium).toEqual(byTweetnacl.handshake);
    expect(bySodium.serverPublic).toEqual(serverKeys.publicKey);
    expect(bySodium.opened).toEqual(data);
    expect(bySodium.tamperedOpens).toBe(false);
    // A key pair made on libsodium is one TweetNaCl agrees with.
    const pair = generateKeyPair();
    expect(Buffer.from(precompute(pair.publicKey, serverKeys.secretKey))).toEqual(Buffer.from(precompute(serverKeys.publicKey, pair.secretKey)));
    expect(open(precompute(serverKeys.publicKey, pair.secretKey), nonce, byTweetnacl.handshake.box)).toBeNull();
    expect(randomBytes(32)).toHaveLength(32);
  });

  it("both refuse every small-order public key as ERR_ZMTP_CRYPTOGRAPHIC, as libsodium and libzmq do", () => {
    const expected = SMALL_ORDER_POINTS.map(() => "ERR_ZMTP_CRYPTOGRAPHIC");
    expect(byTweetnacl.smallOrder).toEqual(expected);
    expect(smallOrderOutcomes()).toEqual(expected);
  });

  it("a CURVE server refuses a HELLO whose transient key is the zero point on both, and sends no WELCOME", () => {
    const refused = { code: "ERR_ZMTP_CRYPTOGRAPHIC", sent: [] };
    expect(byTweetnacl.weakHello).toEqual(refused);
    expect(weakHelloOutcome()).toEqual(refused);
  });

  it("a handshake begun on TweetNaCl (HELLO) finishes on libsodium", async () => {
    const client = byTweetnacl.client;
    expect(client.sent.map((command) => command.name)).toEqual(["HELLO"]);
    const server = new TestHost(serverSetup);
    server.mechanism = create(server);
    server.mechanism.start();
    client.peer = server;
    server.peer = client;
    server.mechanism.onCommand("HELLO", client.sent[0]!.data);
    await settle(client, server);
    expect(client.failed).toBeNull();
    expect(server.failed).toBeNull();
    expect(client.succeeded).not.toBeNull();
    expect(server.succeeded).not.toBeNull();
    const frame = (client.mechanism as CurveMechanism).encryptFrame(data, true);
    expect((server.mechanism as CurveMechanism).decryptFrame(frame)).toEqual({ data, more: true, command: false });
  });
});
