/**
 * The CURVE mechanism (RFC 25/ZMTP-CURVE, RFC 26/CurveZMQ): an X25519 key
 * exchange with perfect forward secrecy, then every frame boxed with
 * XSalsa20-Poly1305. Keys: the server's long-term S/s, the client's C/c, and
 * per-connection short-term ones, S'/s' and C'/c' (the "transient" keys).
 *
 *   client                                       server
 *   HELLO  C', Box[64 zeros](C'->S)         ──▶
 *                                          ◀──   WELCOME Box[S' + cookie](S->C')
 *   INITIATE cookie, Box[C + vouch + metadata](C'->S')
 *            vouch = Box[C' + S](C->S')     ──▶  ZAP request: CURVE [C]
 *                                          ◀──   READY Box[metadata](S'->C')
 *   MESSAGE Box[flags + frame](C'->S')     ◀──▶  MESSAGE Box[flags + frame](S'->C')
 *
 * Byte layouts below are the command bodies (after the command name), as in
 * RFC 26 §"Commands" and libzmq's curve_client.cpp / curve_server.cpp.
 *
 * Short nonces are one 64-bit counter per direction for the whole connection,
 * as libzmq keeps them: the client uses 1 for HELLO, 2 for INITIATE, then
 * 3, 4, ... for MESSAGE; the server 1 for READY, then 2, 3, ... A received
 * MESSAGE nonce must exceed every short nonce seen before (RFC 26 §"MESSAGE"),
 * which rejects replays.
 */
import { Buffer } from "../util/buffer.js";
import { timingSafeEqual } from "../util/platform.js";
import { ProtocolError, AuthError, ZmqError } from "../errors.js";
import { decodeMetadata, encodeMetadata, type Metadata } from "../zmtp/metadata.js";
import type { Mechanism, MechanismFactory, MechanismHost, ZapReply } from "./mechanism.js";
import { asZmqError, errorFromPeer, zapStatus } from "./peer-error.js";
import {
  BOX_OVERHEAD,
  derivePublicKey,
  generateKeyPair,
  KEY_BYTES,
  NONCE_BYTES,
  open,
  openMessage,
  precompute,
  randomBytes,
  seal,
  sealWithHeader,
  loadFastCurve,
} from "./curve-box.js";

// RFC 26 §"HELLO": version (2) + padding (72) + C' (32) + short nonce (8) + box of 64 zeros (80).
const HELLO_SIZE = 194;
const HELLO_CLIENT_KEY_AT = 74;
const HELLO_NONCE_AT = 106;
const HELLO_BOX_AT = 114;
const HELLO_ZEROS = 64;
// RFC 26 §"WELCOME": long nonce (16) + Box[S' + cookie] (16 + 32 + 96).
const WELCOME_SIZE = 160;
// RFC 26 §"WELCOME": cookie = long nonce (16) + secretbox of C' + s' (80).
const COOKIE_SIZE = 96;
// RFC 26 §"INITIATE": cookie (96) + short nonce (8) + Box[C + vouch + metadata] (16 + 128 + n).
const INITIATE_MIN_SIZE = COOKIE_SIZE + 8 + BOX_OVERHEAD + 128;
/**
 * Most metadata octets an INITIATE or READY box may carry. An INITIATE comes
 * from a peer not authenticated yet, and opening its box costs CPU for every
 * octet (about 20 ms a megabyte with tweetnacl): a bigger one is refused
 * before any cryptography. Real metadata is a few hundred octets.
 */
export const MAX_CURVE_METADATA_BYTES = 1024 * 1024;
/** The largest INITIATE body accepted: its fixed fields and box with {@link MAX_CURVE_METADATA_BYTES} of metadata. */
export const INITIATE_MAX_SIZE = INITIATE_MIN_SIZE + MAX_CURVE_METADATA_BYTES;
// Vouch = long nonce (16) + Box[C' + S] (80).
const VOUCH_BOX_SIZE = BOX_OVERHEAD + 64;
// RFC 26 §"READY": short nonce (8) + Box[metadata] (16 + n).
const READY_MIN_SIZE = 8 + BOX_OVERHEAD;
// RFC 26 §"MESSAGE": short nonce (8) + Box[flags + data] (16 + 1 + n).
const MESSAGE_MIN_SIZE = 8 + BOX_OVERHEAD + 1;

/** RFC 26 MESSAGE flags octet: bit 0 MORE; bit 1 COMMAND (libzmq 4.3 also boxes commands). */
const FLAG_MORE = 0x01;
const FLAG_COMMAND = 0x02;

/** The wire name of a MESSAGE command, length-prefixed, as it starts a boxed frame. */
const MESSAGE_NAME = Buffer.from("\x07MESSAGE", "latin1");

const NONCE_PREFIX = {
  hello: "CurveZMQHELLO---",
  initiate: "CurveZMQINITIATE",
  ready: "CurveZMQREADY---",
  messageFromClient: "CurveZMQMESSAGEC",
  messageFromServer: "CurveZMQMESSAGES",
  welcome: "WELCOME-",
  cookie: "COOKIE--",
  vouch: "VOUCH---",
} as const;

const TWO_POW_32 = 0x1_0000_0000;

const enum State {
  /** Client: HELLO sent. */
  ExpectWelcome,
  /** Client: INITIATE sent. */
  ExpectReady,
  /** Server: waiting for HELLO. */
  ExpectHello,
  /** Server: WELCOME sent. */
  ExpectInitiate,
  /** Server: INITIATE verified, ZAP request outstanding. */
  WaitingForZap,
  Done,
  Failed,
}

/** A decrypted MESSAGE: one frame, its MORE flag, and whether it is a ZMTP command. */
export interface CurveFrame {
  data: Buffer;
  more: boolean;
  command: boolean;
}

/** Builds a 24-byte nonce: an ASCII prefix, then the given tail bytes. */
function nonceOf(prefix: string, tail: Buffer): Buffer {
  const nonce = Buffer.allocUnsafe(NONCE_BYTES);
  nonce.write(prefix, 0, "latin1");
  tail.copy(nonce, prefix.length);
  return nonce;
}

/** Builds a 24-byte nonce: a 16-octet prefix, then a 64-bit big-endian counter. */
function shortNonce(prefix: string, value: number): Buffer {
  const nonce = Buffer.allocUnsafe(NONCE_BYTES);
  nonce.write(prefix, 0, "latin1");
  writeCounter(nonce, 16, value);
  return nonce;
}

function writeCounter(target: Buffer, at: number, value: number): void {
  target.writeUInt32BE(Math.floor(value / TWO_POW_32), at);
  target.writeUInt32BE(value >>> 0, at + 4);
}

/**
 * Reads a 64-bit counter as a double. Above 2^53 neighbouring values can
 * compare equal, so a peer counting that high could be refused, but a value
 * that compares greater is always greater: replays are never accepted.
 */
function readCounter(source: Buffer, at: number): number {
  return source.readUInt32BE(at) * TWO_POW_32 + source.readUInt32BE(at + 4);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The public key of the server's secret key; the last one is remembered (one X25519 each). */
let lastServerSecret: Buffer | null = null;
let lastServerPublic: Buffer | null = null;
function serverPublicKeyOf(secretKey: Buffer): Buffer {
  if (lastServerSecret === null || !lastServerSecret.equals(secretKey)) {
    lastServerPublic = derivePublicKey(secretKey);
    lastServerSecret = Buffer.from(secretKey);
  }
  return lastServerPublic!;
}

/**
 * The CURVE security mechanism, client or server side by `host.asServer`.
 * After the handshake it encrypts and decrypts every frame
 * ({@link encryptFrame}/{@link decryptFrame}).
 */
export class CurveMechanism implements Mechanism {
  readonly name = "CURVE" as const;
  #state: State;
  #userId = "";
  #zapMetadata: Metadata | undefined;
  #peerMetadata: Metadata | undefined;

  /** Our next short nonce (RFC 26: starts at 1, one counter for the connection). */
  #nonce = 1;
  /** The highest short nonce the peer used so far. */
  #peerNonce = 0;
  /** Nonces for MESSAGE, prefix fixed, the counter rewritten per frame. */
  #sendNonce: Buffer;
  #receiveNonce: Buffer;

  // Long-term keys.
  #publicKey: Buffer | null = null; // C (client) or S (server)
  #secretKey: Buffer | null = null; // c (client) or s (server)
  #serverKey: Buffer | null = null; // client only: S
  #peerLongTermKey: Buffer | null = null; // server only: C, once INITIATE is verified
  // Short-term (transient) keys.
  #transientPublic: Buffer | null = null; // C' (client) or S' (server)
  #transientSecret: Buffer | null = null; // c' (client) or s' (server)
  #peerTransient: Buffer | null = null; // S' (client) or C' (server)
  /** Box key for HELLO and WELCOME: C' with S (the long-term server key). */
  #helloKey: Uint8Array | null = null;
  /** Box key for INITIATE, READY and every MESSAGE: C' with S'. Computed once. */
  #sessionKey: Uint8Array | null = null;
  /** Server: the per-connection cookie key K (RFC 26 §"WELCOME"). */
  #cookieKey: Buffer | null = null;

  constructor(private readonly host: MechanismHost) {
    // The first CURVE connection starts loading the faster crypto library (see curve-box.ts).
    void loadFastCurve();
    this.#state = host.asServer ? State.ExpectHello : State.ExpectWelcome;
    const asServer = host.asServer;
    this.#sendNonce = nonceOf(asServer ? NONCE_PREFIX.messageFromServer : NONCE_PREFIX.messageFromClient, Buffer.alloc(8));
    this.#receiveNonce = nonceOf(asServer ? NONCE_PREFIX.messageFromClient : NONCE_PREFIX.messageFromServer, Buffer.alloc(8));
  }

  /** The peer's long-term public key once the handshake is done (server: C; client: S). */
  get peerPublicKey(): Buffer | null {
    return this.host.asServer ? this.#peerLongTermKey : this.#serverKey;
  }

  start(): void {
    try {
      if (this.host.asServer) this.#loadServerKeys();
      else this.#sendHello();
    } catch (error) {
      this.#fail(asZmqError(error));
    }
  }

  onCommand(name: string, data: Buffer): void {
    if (this.#state === State.Failed) return;
    try {
      this.#onCommand(name, data);
    } catch (error) {
      this.#fail(asZmqError(error));
    }
  }

  #onCommand(name: string, data: Buffer): void {
    if (name === "ERROR" && this.#state !== State.Done) {
      this.#fail(errorFromPeer("CURVE", data));
      return;
    }
    const expected = this.#expectedCommand();
    if (name !== expected) {
      this.#fail(new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${name} command during CURVE handshake`));
      return;
    }
    switch (this.#state) {
      case State.ExpectWelcome:
        this.#onWelcome(data);
        break;
      case State.ExpectReady:
        this.#onReady(data);
        break;
      case State.ExpectHello:
        this.#onHello(data);
        break;
      case State.ExpectInitiate:
        this.#onInitiate(data);
        break;
      default:
        break;
    }
  }

  #expectedCommand(): string | null {
    switch (this.#state) {
      case State.ExpectWelcome:
        return "WELCOME";
      case State.ExpectReady:
        return "READY";
      case State.ExpectHello:
        return "HELLO";
      case State.ExpectInitiate:
        return "INITIATE";
      default:
        return null;
    }
  }

  // ---- client -------------------------------------------------------------------------------

  #sendHello(): void {
    const { curveServerKey, curvePublicKey, curveSecretKey } = this.host.security;
    if (curveServerKey === null || curveSecretKey === null) {
      throw new ZmqError(
        "EINVAL",
        "A CURVE client needs curveServerKey and its own key pair (curvePublicKey, curveSecretKey)",
      );
    }
    checkKeyLength(curveServerKey, "curveServerKey");
    checkKeyLength(curveSecretKey, "curveSecretKey");
    if (curvePublicKey !== null) checkKeyLength(curvePublicKey, "curvePublicKey");
    this.#serverKey = curveServerKey;
    this.#secretKey = curveSecretKey;
    this.#publicKey = curvePublicKey ?? derivePublicKey(curveSecretKey);
    const transient = generateKeyPair();
    this.#transientPublic = transient.publicKey;
    this.#transientSecret = transient.secretKey;
    this.#helloKey = precompute(curveServerKey, transient.secretKey);

    // RFC 26 §"HELLO": version 1.0, 72 octets of padding (anti-amplification:
    // HELLO is larger than WELCOME), C', short nonce, Box[64 zeros](C'->S).
    const nonce = this.#nextNonce();
    const hello = Buffer.alloc(HELLO_SIZE);
    hello[0] = 1;
    hello[1] = 0;
    transient.publicKey.copy(hello, HELLO_CLIENT_KEY_AT);
    writeCounter(hello, HELLO_NONCE_AT, nonce);
    seal(this.#helloKey, shortNonce(NONCE_PREFIX.hello, nonce), Buffer.alloc(HELLO_ZEROS)).copy(hello, HELLO_BOX_AT);
    this.host.sendCommand("HELLO", hello);
  }

  #onWelcome(data: Buffer): void {
    if (data.length !== WELCOME_SIZE) {
      this.#fail(malformed("WELCOME", `must be ${WELCOME_SIZE} bytes, got ${data.length}`));
      return;
    }
    const plaintext = open(this.#helloKey!, nonceOf(NONCE_PREFIX.welcome, data.subarray(0, 16)), data.subarray(16));
    if (plaintext === null) {
      this.#fail(
        new ProtocolError(
          "ERR_ZMTP_CRYPTOGRAPHIC",
          "Cannot open the CURVE WELCOME box: is curveServerKey the server's public key?",
        ),
      );
      return;
    }
    const serverTransient = Buffer.from(plaintext.subarray(0, KEY_BYTES));
    const cookie = plaintext.subarray(KEY_BYTES, KEY_BYTES + COOKIE_SIZE);
    this.#peerTransient = serverTransient;
    this.#sessionKey = precompute(serverTransient, this.#transientSecret!);

    // Vouch (RFC 26 §"INITIATE"): Box[C' + S](C->S') proves we hold c.
    const vouchNonce = nonceOf(NONCE_PREFIX.vouch, randomBytes(16));
    const vouchBox = seal(
      precompute(serverTransient, this.#secretKey!),
      vouchNonce,
      Buffer.concat([this.#transientPublic!, this.#serverKey!]),
    );
    const metadata = encodeMetadata(this.host.localMetadata);
    const plain = Buffer.concat([this.#publicKey!, vouchNonce.subarray(8), vouchBox, metadata]);
    const nonce = this.#nextNonce();
    const box = seal(this.#sessionKey, shortNonce(NONCE_PREFIX.initiate, nonce), plain);
    const initiate = Buffer.allocUnsafe(COOKIE_SIZE + 8 + box.length);
    cookie.copy(initiate, 0);
    writeCounter(initiate, COOKIE_SIZE, nonce);
    box.copy(initiate, COOKIE_SIZE + 8);
    this.#state = State.ExpectReady;
    this.#helloKey = null;
    this.host.sendCommand("INITIATE", initiate);
  }

  #onReady(data: Buffer): void {
    if (data.length < READY_MIN_SIZE) {
      this.#fail(malformed("READY", `must be at least ${READY_MIN_SIZE} bytes, got ${data.length}`));
      return;
    }
    const nonce = data.subarray(0, 8);
    const plaintext = open(this.#sessionKey!, nonceOf(NONCE_PREFIX.ready, nonce), data.subarray(8));
    if (plaintext === null) {
      this.#fail(new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "Cannot open the CURVE READY box"));
      return;
    }
    this.#peerNonce = readCounter(nonce, 0);
    this.#succeed(decodeMetadata(plaintext));
  }

  // ---- server -------------------------------------------------------------------------------

  #loadServerKeys(): void {
    const { curveSecretKey, curvePublicKey } = this.host.security;
    if (curveSecretKey === null) {
      throw new ZmqError("EINVAL", "A CURVE server (curveServer: true) needs curveSecretKey");
    }
    checkKeyLength(curveSecretKey, "curveSecretKey");
    if (curvePublicKey !== null) checkKeyLength(curvePublicKey, "curvePublicKey");
    this.#secretKey = curveSecretKey;
    // The vouch names S; trust the configured public key when there is one.
    this.#publicKey = curvePublicKey ?? serverPublicKeyOf(curveSecretKey);
  }

  #onHello(data: Buffer): void {
    if (data.length !== HELLO_SIZE) {
      this.#fail(malformed("HELLO", `must be ${HELLO_SIZE} bytes, got ${data.length}`));
      return;
    }
    if (data[0] !== 1 || data[1] !== 0) {
      this.#fail(malformed("HELLO", `has unknown version ${data[0]}.${data[1]}`));
      return;
    }
    const clientTransient = Buffer.from(data.subarray(HELLO_CLIENT_KEY_AT, HELLO_NONCE_AT));
    const nonce = data.subarray(HELLO_NONCE_AT, HELLO_BOX_AT);
    const helloKey = precompute(clientTransient, this.#secretKey!);
    if (open(helloKey, nonceOf(NONCE_PREFIX.hello, nonce), data.subarray(HELLO_BOX_AT)) === null) {
      this.#fail(
        new ProtocolError(
          "ERR_ZMTP_CRYPTOGRAPHIC",
          "Cannot open the CURVE HELLO box: the client's curveServerKey is not this server's public key",
        ),
      );
      return;
    }
    this.#peerNonce = readCounter(nonce, 0);
    this.#peerTransient = clientTransient;

    const transient = generateKeyPair();
    this.#transientPublic = transient.publicKey;
    this.#transientSecret = transient.secretKey;
    // Cookie (RFC 26 §"WELCOME"): C' + s' sealed with a key only we know.
    this.#cookieKey = randomBytes(KEY_BYTES);
    const cookieNonce = nonceOf(NONCE_PREFIX.cookie, randomBytes(16));
    const cookieBox = seal(this.#cookieKey, cookieNonce, Buffer.concat([clientTransient, transient.secretKey]));
    const welcomeNonce = nonceOf(NONCE_PREFIX.welcome, randomBytes(16));
    const welcomeBox = seal(
      helloKey,
      welcomeNonce,
      Buffer.concat([transient.publicKey, cookieNonce.subarray(8), cookieBox]),
    );
    this.#state = State.ExpectInitiate;
    this.host.sendCommand("WELCOME", Buffer.concat([welcomeNonce.subarray(8), welcomeBox]));
  }

  #onInitiate(data: Buffer): void {
    if (data.length < INITIATE_MIN_SIZE) {
      this.#fail(malformed("INITIATE", `must be at least ${INITIATE_MIN_SIZE} bytes, got ${data.length}`));
      return;
    }
    if (data.length > INITIATE_MAX_SIZE) {
      this.#fail(malformed("INITIATE", `must be at most ${INITIATE_MAX_SIZE} bytes (1 MiB of metadata), got ${data.length}`));
      return;
    }
    const cookie = open(
      this.#cookieKey!,
      nonceOf(NONCE_PREFIX.cookie, data.subarray(0, 16)),
      data.subarray(16, COOKIE_SIZE),
    );
    if (cookie === null || !sameBytes(cookie, Buffer.concat([this.#peerTransient!, this.#transientSecret!]))) {
      this.#fail(new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "The CURVE INITIATE cookie is not the one we sent"));
      return;
    }
    const nonce = data.subarray(COOKIE_SIZE, COOKIE_SIZE + 8);
    const sessionKey = precompute(this.#peerTransient!, this.#transientSecret!);
    const plaintext = open(sessionKey, nonceOf(NONCE_PREFIX.initiate, nonce), data.subarray(COOKIE_SIZE + 8));
    if (plaintext === null) {
      this.#fail(new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "Cannot open the CURVE INITIATE box"));
      return;
    }
    const clientKey = Buffer.from(plaintext.subarray(0, KEY_BYTES));
    const vouch = open(
      precompute(clientKey, this.#transientSecret!),
      nonceOf(NONCE_PREFIX.vouch, plaintext.subarray(32, 48)),
      plaintext.subarray(48, 48 + VOUCH_BOX_SIZE),
    );
    if (vouch === null) {
      this.#fail(new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "Cannot open the CURVE INITIATE vouch"));
      return;
    }
    // The vouch must name this connection's C' and this server's S.
    if (!sameBytes(vouch, Buffer.concat([this.#peerTransient!, this.#publicKey!]))) {
      this.#fail(new ProtocolError("ERR_ZMTP_KEY_EXCHANGE", "The CURVE INITIATE vouch does not match this connection"));
      return;
    }
    const peerMetadata = decodeMetadata(plaintext, 48 + VOUCH_BOX_SIZE);
    this.#sessionKey = sessionKey;
    this.#peerNonce = readCounter(nonce, 0);
    this.#peerLongTermKey = clientKey;
    this.#peerMetadata = peerMetadata;
    this.#cookieKey = null;
    this.#state = State.WaitingForZap;
    this.host
      .authenticate({
        domain: this.host.security.zapDomain ?? "",
        address: this.host.peerAddress,
        identity: this.host.localMetadata.get("Identity") ?? Buffer.alloc(0),
        mechanism: "CURVE",
        credentials: [Buffer.from(clientKey)],
      })
      .then(
        (reply) => this.#onZapReply(reply),
        (error: unknown) => this.#fail(asZmqError(error)),
      );
  }

  #onZapReply(reply: ZapReply | null): void {
    if (this.#state !== State.WaitingForZap) return;
    // No ZAP handler: libzmq accepts any client that completed the key
    // exchange (the "Stonehouse" pattern: encryption without authentication).
    if (reply !== null && reply.statusCode !== "200") {
      this.#fail(
        new AuthError(
          `ZAP handler denied CURVE client ${this.host.peerAddress}: ${reply.statusCode} ${reply.statusText}`.trim(),
          zapStatus(reply.statusCode),
          this.host.peerAddress,
        ),
      );
      return;
    }
    if (reply !== null) {
      this.#userId = reply.userId;
      this.#zapMetadata = reply.metadata;
    }
    try {
      const nonce = this.#nextNonce();
      const box = seal(this.#sessionKey!, shortNonce(NONCE_PREFIX.ready, nonce), encodeMetadata(this.host.localMetadata));
      const ready = Buffer.allocUnsafe(8 + box.length);
      writeCounter(ready, 0, nonce);
      box.copy(ready, 8);
      // READY goes out before success: its nonce precedes every MESSAGE's.
      this.host.sendCommand("READY", ready);
      this.#succeed(this.#peerMetadata!);
    } catch (error) {
      this.#fail(asZmqError(error));
    }
  }

  // ---- both ---------------------------------------------------------------------------------

  #nextNonce(): number {
    const nonce = this.#nonce;
    if (nonce >= Number.MAX_SAFE_INTEGER) {
      throw new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE nonce space exhausted: reconnect");
    }
    this.#nonce = nonce + 1;
    return nonce;
  }

  #succeed(peerMetadata: Metadata): void {
    this.#state = State.Done;
    // Only the session key is needed from here on.
    this.#transientSecret = null;
    this.#helloKey = null;
    this.#peerMetadata = undefined;
    this.host.handshakeSucceeded(peerMetadata, this.#userId, this.#zapMetadata);
  }

  #fail(error: ZmqError): void {
    if (this.#state === State.Failed) return;
    this.#state = State.Failed;
    this.#sessionKey = null;
    this.#transientSecret = null;
    this.#cookieKey = null;
    this.host.handshakeFailed(error);
  }

  // ---- MESSAGE ------------------------------------------------------------------------------

  /**
   * Boxes one frame into a complete MESSAGE frame payload: `\x07MESSAGE`,
   * the 8-byte short nonce, then Box[flags + data]. libzmq sends this as an
   * ordinary (non-command, non-MORE) frame; the frame's own MORE bit travels
   * inside the box.
   *
   * @param data - The frame to send.
   * @param more - The frame's MORE flag.
   * @param command - True for a ZMTP command sent after the handshake (PING,
   *   PONG, SUBSCRIBE, CANCEL): libzmq marks those with flag bit 1.
   * @throws ZmqError `EFSM` before the handshake has succeeded.
   */
  encryptFrame(data: Buffer, more: boolean, command = false): Buffer {
    const key = this.#sessionKey;
    if (this.#state !== State.Done || key === null) {
      throw new ZmqError("EFSM", "CURVE cannot encrypt before its handshake has succeeded");
    }
    const nonce = this.#nextNonce();
    writeCounter(this.#sendNonce, 16, nonce);
    const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
    const frame = sealWithHeader(key, this.#sendNonce, flags, data);
    MESSAGE_NAME.copy(frame, 0);
    writeCounter(frame, MESSAGE_NAME.length, nonce);
    return frame;
  }

  /**
   * {@link Mechanism.encrypt}: the MESSAGE command body (short nonce + box),
   * i.e. {@link encryptFrame} without the 8-byte command name (a view, no copy).
   */
  encrypt(data: Buffer, more: boolean, command = false): Buffer {
    return this.encryptFrame(data, more, command).subarray(MESSAGE_NAME.length);
  }

  /**
   * Opens a complete MESSAGE frame payload (as {@link encryptFrame} builds it).
   *
   * @throws ProtocolError `ERR_ZMTP_UNEXPECTED_COMMAND` if the frame is not a
   *   MESSAGE, and as {@link decrypt} otherwise.
   */
  decryptFrame(frame: Buffer): CurveFrame {
    if (frame.length < MESSAGE_NAME.length || !frame.subarray(0, MESSAGE_NAME.length).equals(MESSAGE_NAME)) {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "Expected a CURVE MESSAGE frame");
    }
    return this.decrypt(frame.subarray(MESSAGE_NAME.length));
  }

  /**
   * {@link Mechanism.decrypt}: opens a MESSAGE command body (short nonce + box).
   *
   * @throws ProtocolError `ERR_ZMTP_MALFORMED_COMMAND_MESSAGE` (too short),
   *   `ERR_ZMTP_INVALID_SEQUENCE` (nonce not above every nonce seen: a replay),
   *   `ERR_ZMTP_CRYPTOGRAPHIC` (box does not authenticate), or ZmqError
   *   `EFSM` before the handshake has succeeded.
   */
  decrypt(messageBody: Buffer): CurveFrame {
    const key = this.#sessionKey;
    if (this.#state !== State.Done || key === null) {
      throw new ZmqError("EFSM", "CURVE cannot decrypt before its handshake has succeeded");
    }
    if (messageBody.length < MESSAGE_MIN_SIZE) {
      throw new ProtocolError(
        "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE",
        `CURVE MESSAGE must be at least ${MESSAGE_MIN_SIZE} bytes, got ${messageBody.length}`,
      );
    }
    const nonce = readCounter(messageBody, 0);
    if (nonce <= this.#peerNonce) {
      throw new ProtocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE MESSAGE nonce did not increase (replayed message?)");
    }
    messageBody.copy(this.#receiveNonce, 16, 0, 8);
    const opened = openMessage(key, this.#receiveNonce, messageBody.subarray(8));
    if (opened === null) {
      throw new ProtocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE MESSAGE box does not authenticate");
    }
    // Only an authentic box moves the window, so forgeries cannot block the peer.
    this.#peerNonce = nonce;
    return {
      data: opened.data,
      more: (opened.flags & FLAG_MORE) !== 0,
      command: (opened.flags & FLAG_COMMAND) !== 0,
    };
  }
}

function malformed(command: string, detail: string): ProtocolError {
  return new ProtocolError(`ERR_ZMTP_MALFORMED_COMMAND_${command}`, `CURVE ${command} ${detail}`);
}

function checkKeyLength(key: Buffer, optionName: string): void {
  if (key.length !== KEY_BYTES) {
    throw new ZmqError("EINVAL", `${optionName} must be 32 bytes (or 40 characters of Z85), got ${key.length} bytes`);
  }
}

/** CURVE in the mechanism table: chosen by `curveServer` (server) or `curveServerKey` (client). */
export const curve: MechanismFactory = {
  name: "CURVE",
  selectedBy: (option) => option("curveServer") === true || option("curveServerKey") != null,
  asServer: (option) => option("curveServer") === true,
  create: (host) => new CurveMechanism(host),
};
