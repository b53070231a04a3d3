/**
 * Fuzz targets: the CURVE mechanism (src/mechanism/curve.ts), server and
 * client, and its MESSAGE boxes after the handshake.
 *
 * Mutated bytes on the wire mostly die at the first box (the MAC), so these
 * targets are structure-aware: the fuzzer plays the peer with real keys and
 * mutates a layer, then seals it properly, so the mutation reaches the parser
 * behind the crypto (the vouch, the cookie contents, the metadata inside
 * INITIATE and READY). The first input octet picks the layer:
 *   server target: 0 HELLO on the wire, 1 INITIATE metadata, 2 vouch
 *     plaintext, 3 INITIATE on the wire (input XORed over a valid one);
 *   client target: 0 WELCOME on the wire, 1 WELCOME plaintext (S' + cookie),
 *     2 READY metadata, 3 READY on the wire (XORed).
 * To keep the work per input down, the fuzzer's long-term client key is also
 * its transient key (the vouch box then uses the session key).
 */
import { describe } from "vitest";
import { ZmqError } from "../../src/errors.js";
import { CurveMechanism } from "../../src/mechanism/curve.js";
import { generateKeyPair, open, precompute, seal } from "../../src/mechanism/curve-box.js";
import type { MechanismHost } from "../../src/mechanism/mechanism.js";
import { encodeMetadata } from "../../src/zmtp/metadata.js";
import { handshake, lone, securityOptions, settle, zapReply, type HostSetup, type TestHost, type ZapHandler } from "../mechanism/mechanism-pair.js";
import { check, fuzzTest, InvariantBroken, typedError, wrapsUntyped, type FuzzTarget, type Random } from "./fuzz.js";

const create = (host: MechanismHost): CurveMechanism => new CurveMechanism(host);
const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();

const ZAP_HANDLERS: ZapHandler[] = [null, () => zapReply("200", "user"), () => zapReply("400"), () => Promise.reject(new ZmqError("EPROTO", "Malformed ZAP reply"))];

const serverSetup = (zap: ZapHandler): HostSetup => ({
  asServer: true,
  security: securityOptions({ curveServer: true, curveSecretKey: serverKeys.secretKey }),
  zap,
});
const clientSetup = (): HostSetup => ({
  asServer: false,
  security: securityOptions({ curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey }),
});

/** A 24-octet nonce: prefix, then tail (RFC 26). */
function nonce(prefix: string, tail: Buffer): Buffer {
  return Buffer.concat([Buffer.from(prefix, "latin1"), tail]);
}

function counter(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32BE(value, 4);
  return out;
}

/** XORs `mask` over `data` (extending it when the mask is longer). */
function xor(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(data.length, mask.length));
  data.copy(out);
  for (let i = 0; i < mask.length; i++) out[i]! ^= mask[i]!;
  return out;
}

const METADATA = encodeMetadata(new Map([["Socket-Type", Buffer.from("REQ")], ["Identity", Buffer.alloc(0)]]));

/** Throws unless the mechanism behaved: no throw out of onCommand, at most one typed failure. */
function deliver(host: TestHost, name: string, data: Buffer): boolean {
  try {
    host.mechanism.onCommand(name, data);
  } catch (error) {
    throw new InvariantBroken(`onCommand threw instead of failing the handshake: ${String(error)}`);
  }
  return host.failed === null;
}

function verdict(host: TestHost): void {
  check(host.failures <= 1, `the mechanism failed ${host.failures} times`);
  if (host.failed !== null) throw host.failed;
}

const typedFailure = (error: unknown): boolean => error instanceof ZmqError && !wrapsUntyped(error);

// ---- server: the fuzzer is the client ------------------------------------------------------

/** The fuzzer client's key: long-term and transient at once. */
const fuzzClient = generateKeyPair();
const helloKey = precompute(serverKeys.publicKey, fuzzClient.secretKey);
const HELLO = (() => {
  const hello = Buffer.alloc(194);
  hello[0] = 1;
  fuzzClient.publicKey.copy(hello, 74);
  counter(1).copy(hello, 106);
  seal(helloKey, nonce("CurveZMQHELLO---", counter(1)), Buffer.alloc(64)).copy(hello, 114);
  return hello;
})();
const VOUCH_NONCE = Buffer.alloc(16, 0x56);

const serverTarget: FuzzTarget = {
  name: "CURVE server",
  seeds: [
    Buffer.concat([Buffer.from([0]), HELLO]),
    Buffer.concat([Buffer.from([1]), METADATA]),
    Buffer.concat([Buffer.from([2]), fuzzClient.publicKey, serverKeys.publicKey]),
    Buffer.concat([Buffer.from([3]), Buffer.alloc(96 + 8 + 16 + 128 + METADATA.length)]),
  ],
  allowed: typedFailure,
  ciRuns: 100,
  async run(input: Buffer, random: Random) {
    const layer = (input[0] ?? 0) % 4;
    const body = input.subarray(1);
    const server = lone(create, serverSetup(random.pick(ZAP_HANDLERS)));
    try {
      if (!deliver(server, "HELLO", layer === 0 ? body : HELLO) || layer === 0) return;
      const welcome = server.sent.at(-1)!;
      check(welcome.name === "WELCOME" && welcome.data.length === 160, "HELLO accepted without a WELCOME");
      const plain = open(helloKey, nonce("WELCOME-", welcome.data.subarray(0, 16)), welcome.data.subarray(16));
      check(plain !== null, "the server's WELCOME does not open");
      const serverTransient = plain.subarray(0, 32);
      const cookie = plain.subarray(32, 128);
      const sessionKey = precompute(serverTransient, fuzzClient.secretKey);
      const vouchPlain = layer === 2 ? body : Buffer.concat([fuzzClient.publicKey, serverKeys.publicKey]);
      const vouch = seal(sessionKey, nonce("VOUCH---", VOUCH_NONCE), vouchPlain);
      const metadata = layer === 1 ? body : METADATA;
      const box = seal(sessionKey, nonce("CurveZMQINITIATE", counter(2)), Buffer.concat([fuzzClient.publicKey, VOUCH_NONCE, vouch, metadata]));
      let initiate: Buffer = Buffer.concat([cookie, counter(2), box]);
      if (layer === 3) initiate = xor(initiate, body);
      deliver(server, "INITIATE", initiate);
    } finally {
      await settle(server);
      verdict(server);
    }
  },
};

// ---- client: the fuzzer is the server ------------------------------------------------------

const fuzzServerTransient = generateKeyPair();
const COOKIE = Buffer.alloc(96, 0x43);
const WELCOME_NONCE = Buffer.alloc(16, 0x57);

const clientTarget: FuzzTarget = {
  name: "CURVE client",
  seeds: [
    Buffer.concat([Buffer.from([0]), Buffer.alloc(160)]),
    Buffer.concat([Buffer.from([1]), fuzzServerTransient.publicKey, COOKIE]),
    Buffer.concat([Buffer.from([2]), METADATA]),
    Buffer.concat([Buffer.from([3]), Buffer.alloc(8 + 16 + METADATA.length)]),
  ],
  allowed: typedFailure,
  ciRuns: 100,
  run(input: Buffer) {
    const layer = (input[0] ?? 0) % 4;
    const body = input.subarray(1);
    const client = lone(create, clientSetup());
    const hello = client.sent.at(-1)!;
    check(hello.name === "HELLO" && hello.data.length === 194, "the client sent no HELLO");
    const clientTransient = hello.data.subarray(74, 106);
    let welcome: Buffer;
    if (layer === 0) {
      welcome = body;
    } else {
      const plain = layer === 1 ? body : Buffer.concat([fuzzServerTransient.publicKey, COOKIE]);
      const key = precompute(clientTransient, serverKeys.secretKey);
      welcome = Buffer.concat([WELCOME_NONCE, seal(key, nonce("WELCOME-", WELCOME_NONCE), plain)]);
    }
    if (deliver(client, "WELCOME", welcome) && layer >= 2) {
      const initiate = client.sent.at(-1)!;
      check(initiate.name === "INITIATE", "WELCOME accepted without an INITIATE");
      const sessionKey = precompute(clientTransient, fuzzServerTransient.secretKey);
      const metadata = layer === 2 ? body : METADATA;
      let ready: Buffer = Buffer.concat([counter(1), seal(sessionKey, nonce("CurveZMQREADY---", counter(1)), metadata)]);
      if (layer === 3) ready = xor(ready, body);
      deliver(client, "READY", ready);
    }
    verdict(client);
  },
};

// ---- MESSAGE boxes after the handshake ---------------------------------------------------------

describe("fuzz: CURVE mechanism", async () => {
  fuzzTest(serverTarget);
  fuzzTest(clientTarget);

  // One real handshake; then each input is a MESSAGE for one side: a frame the
  // other side boxed (with mutated content) or a boxed frame with mutated bytes.
  const pair = await handshake(create, clientSetup(), serverSetup(() => zapReply("200")));
  const client = pair.client.mechanism as CurveMechanism;
  const server = pair.server.mechanism as CurveMechanism;
  const messageTarget: FuzzTarget = {
    name: "CURVE MESSAGE",
    seeds: [
      Buffer.concat([Buffer.from([0]), Buffer.from("payload")]),
      Buffer.concat([Buffer.from([1]), Buffer.from("\x04PING\x00\x0a", "latin1")]),
      Buffer.concat([Buffer.from([2]), Buffer.alloc(40)]),
      Buffer.concat([Buffer.from([3]), Buffer.alloc(8)]),
    ],
    allowed: (error) =>
      typedError(error, ZmqError, ["ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "ERR_ZMTP_INVALID_SEQUENCE", "ERR_ZMTP_CRYPTOGRAPHIC", "ERR_ZMTP_UNEXPECTED_COMMAND"]),
    run(input: Buffer, random: Random) {
      const toServer = random.chance(0.5);
      const [from, to] = toServer ? [client, server] : [server, client];
      const layer = (input[0] ?? 0) % 4;
      const body = input.subarray(1);
      // Layers 0 and 1: a genuine box of the mutated content; 2 and 3: a genuine box with bytes flipped.
      let frame = from.encryptFrame(layer === 2 || layer === 3 ? Buffer.from("data") : body, random.chance(0.5), layer === 1);
      if (layer === 2) frame = xor(frame, body);
      if (layer === 3) frame = frame.subarray(0, Math.max(0, frame.length - body.length));
      const opened = to.decryptFrame(frame);
      check(opened.data.length <= frame.length, "a MESSAGE opened to more than it carried");
    },
  };
  fuzzTest(messageTarget);
});
