/**
 * The PLAIN mechanism (RFC 24/ZMTP-PLAIN): a username and password sent in
 * clear text, checked by the server's ZAP handler (RFC 27).
 *
 *   client                         server
 *   HELLO(username, password) ──▶
 *                                  ZAP request: PLAIN [username, password]
 *                             ◀──  WELCOME            (or ERROR on deny)
 *   INITIATE(metadata)        ──▶
 *                             ◀──  READY(metadata)
 *
 * Like libzmq 4.3, a PLAIN server with no ZAP handler refuses every client
 * (checked against libzmq 4.3.5: the handshake fails with EFAULT): there is
 * nothing to check the password against, and accepting any password would
 * be a silent hole.
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError, AuthError, ZmqError } from "../errors.js";
import { decodeMetadata, encodeMetadata, type Metadata } from "../zmtp/metadata.js";
import type { Mechanism, MechanismFactory, MechanismHost, ZapReply } from "./mechanism.js";
import { asZmqError, errorFromPeer, zapStatus } from "./peer-error.js";

const enum State {
  /** Client: HELLO sent. */
  ExpectWelcome,
  /** Client: INITIATE sent. */
  ExpectReady,
  /** Server: waiting for the client's first command. */
  ExpectHello,
  /** Server: ZAP request outstanding; the client has nothing to send. */
  WaitingForZap,
  /** Server: WELCOME sent. */
  ExpectInitiate,
  Done,
  Failed,
}

/** RFC 24: username and password are each at most 255 octets. */
const MAX_CREDENTIAL_BYTES = 255;

/** The PLAIN security mechanism, client or server side by `host.asServer`. */
export class PlainMechanism implements Mechanism {
  readonly name = "PLAIN" as const;
  #state: State;
  #userId = "";
  #zapMetadata: Metadata | undefined;

  constructor(private readonly host: MechanismHost) {
    this.#state = host.asServer ? State.ExpectHello : State.ExpectWelcome;
  }

  start(): void {
    if (this.host.asServer) return;
    try {
      this.host.sendCommand("HELLO", this.#hello());
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
      this.#fail(errorFromPeer("PLAIN", data));
      return;
    }
    switch (this.#state) {
      case State.ExpectWelcome:
        if (name !== "WELCOME") break;
        // RFC 24: WELCOME carries no data; libzmq rejects one that does.
        if (data.length !== 0) {
          this.#fail(new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "PLAIN WELCOME must be empty"));
          return;
        }
        this.#state = State.ExpectReady;
        this.host.sendCommand("INITIATE", encodeMetadata(this.host.localMetadata));
        return;
      case State.ExpectReady:
        if (name !== "READY") break;
        this.#succeed(decodeMetadata(data));
        return;
      case State.ExpectHello:
        if (name !== "HELLO") break;
        this.#onHello(data);
        return;
      case State.ExpectInitiate: {
        if (name !== "INITIATE") break;
        const peerMetadata = decodeMetadata(data);
        this.host.sendCommand("READY", encodeMetadata(this.host.localMetadata));
        this.#succeed(peerMetadata);
        return;
      }
      default:
        break;
    }
    this.#fail(new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${name} command during PLAIN handshake`));
  }

  /** RFC 24: hello = username password, each a length octet then the octets. */
  #hello(): Buffer {
    const { plainUsername, plainPassword } = this.host.security;
    const username = Buffer.from(plainUsername ?? "", "utf8");
    const password = Buffer.from(plainPassword ?? "", "utf8");
    if (username.length > MAX_CREDENTIAL_BYTES || password.length > MAX_CREDENTIAL_BYTES) {
      throw new ZmqError("EINVAL", "plainUsername and plainPassword must each be at most 255 bytes (UTF-8)");
    }
    const out = Buffer.allocUnsafe(2 + username.length + password.length);
    out[0] = username.length;
    username.copy(out, 1);
    out[1 + username.length] = password.length;
    password.copy(out, 2 + username.length);
    return out;
  }

  #onHello(data: Buffer): void {
    const usernameLength = data.length > 0 ? data[0]! : -1;
    const passwordAt = 1 + usernameLength;
    // Exactly two length-prefixed strings, nothing after (as libzmq checks).
    if (usernameLength < 0 || passwordAt >= data.length || passwordAt + 1 + data[passwordAt]! !== data.length) {
      this.#fail(new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "Malformed PLAIN HELLO"));
      return;
    }
    const username = data.subarray(1, passwordAt);
    const password = data.subarray(passwordAt + 1);
    this.#state = State.WaitingForZap;
    const identity = this.host.localMetadata.get("Identity") ?? Buffer.alloc(0);
    this.host
      .authenticate({
        domain: this.host.security.zapDomain ?? "",
        address: this.host.peerAddress,
        identity,
        mechanism: "PLAIN",
        credentials: [Buffer.from(username), Buffer.from(password)],
      })
      .then(
        (reply) => this.#onZapReply(reply),
        (error: unknown) => this.#fail(asZmqError(error)),
      );
  }

  #onZapReply(reply: ZapReply | null): void {
    if (this.#state !== State.WaitingForZap) return;
    if (reply === null) {
      this.#fail(
        new ZmqError(
          "EFAULT",
          "PLAIN server has no ZAP handler to check credentials against: install one, or use NULL or CURVE",
          this.host.peerAddress,
        ),
      );
      return;
    }
    if (reply.statusCode !== "200") {
      this.#fail(
        new AuthError(
          `ZAP handler denied PLAIN client ${this.host.peerAddress}: ${reply.statusCode} ${reply.statusText}`.trim(),
          zapStatus(reply.statusCode),
          this.host.peerAddress,
        ),
      );
      return;
    }
    this.#userId = reply.userId;
    this.#zapMetadata = reply.metadata;
    this.#state = State.ExpectInitiate;
    try {
      this.host.sendCommand("WELCOME", Buffer.alloc(0));
    } catch (error) {
      this.#fail(asZmqError(error));
    }
  }

  #succeed(peerMetadata: Metadata): void {
    this.#state = State.Done;
    this.host.handshakeSucceeded(peerMetadata, this.#userId, this.#zapMetadata);
  }

  #fail(error: ZmqError): void {
    if (this.#state === State.Failed) return;
    this.#state = State.Failed;
    this.host.handshakeFailed(error);
  }
}

/** PLAIN in the mechanism table: chosen by `plainServer` (server) or `plainUsername` (client). */
export const plain: MechanismFactory = {
  name: "PLAIN",
  selectedBy: (option) => option("plainServer") === true || option("plainUsername") != null,
  asServer: (option) => option("plainServer") === true,
  create: (host) => new PlainMechanism(host),
};
