/**
 * The security mechanism contract (RFC 23/37 §"Authentication and
 * Confidentiality"). A mechanism is a small state machine that the ZMTP
 * engine drives between the greeting and the first message:
 *
 *   engine                          mechanism
 *   greeting exchanged  ──start()──▶  may sendCommand(...)
 *   command frame in    ──onCommand(name, data)──▶ sendCommand / succeed / fail
 *
 * It never touches sockets or buffers of the engine: it only sees command
 * names and bodies, and answers through its {@link MechanismHost}. After
 * success, mechanisms with confidentiality (CURVE) also wrap every frame.
 */
import type { ZmqError } from "../errors.js";
import type { Metadata } from "../zmtp/metadata.js";

/** The security options a mechanism reads (names as the socket options). */
export interface SecurityOptions {
  plainServer: boolean;
  plainUsername: string | null;
  plainPassword: string | null;
  curveServer: boolean;
  /** 32-byte keys, already decoded from Z85 where given as strings. */
  curvePublicKey: Buffer | null;
  curveSecretKey: Buffer | null;
  curveServerKey: Buffer | null;
  zapDomain: string | null;
}

/** A ZAP request (RFC 27) as the mechanism builds it. */
export interface ZapRequest {
  /** The server socket's `zapDomain` (empty when not set). */
  domain: string;
  /** The peer's address, e.g. `tcp://127.0.0.1:49152`. */
  address: string;
  /** The peer's routing id as announced, or empty. */
  identity: Buffer;
  /** The security mechanism of the handshake. */
  mechanism: "NULL" | "PLAIN" | "CURVE";
  /** PLAIN: [username, password]; CURVE: [client long-term public key]; NULL: []. */
  credentials: Buffer[];
}

/** A ZAP reply (RFC 27). */
export interface ZapReply {
  /** "200" accepted, "300" temporary failure, "400" refused, "500" internal error. */
  statusCode: "200" | "300" | "400" | "500";
  /** Why, in words; only shown locally, never sent to the peer. */
  statusText: string;
  /** The authenticated user id (`User-Id` of the peer's messages). */
  userId: string;
  /** Properties the peer's messages carry. */
  metadata: Metadata;
}

/** What the engine offers a mechanism. */
export interface MechanismHost {
  /** True when this side is the mechanism's server (PLAIN/CURVE). */
  readonly asServer: boolean;
  readonly security: SecurityOptions;
  /** Properties this side announces (Socket-Type, Identity). */
  readonly localMetadata: Metadata;
  /** Peer address, e.g. `tcp://127.0.0.1:5555`, for ZAP and errors. */
  readonly peerAddress: string;
  /** Sends a command frame to the peer. */
  sendCommand(name: string, data: Buffer): void;
  /**
   * Asks the context's ZAP handler (RFC 27). Resolves to `null` when none is
   * installed, in which case the mechanism accepts as libzmq does.
   */
  authenticate(request: ZapRequest): Promise<ZapReply | null>;
  /** The handshake is done: `peerMetadata` holds the peer's properties. */
  handshakeSucceeded(peerMetadata: Metadata, userId: string, zapMetadata?: Metadata): void;
  /** The handshake failed: the engine sends ERROR where sensible and drops the peer. */
  handshakeFailed(error: ZmqError): void;
}

/** A security mechanism instance: one per connection. */
export interface Mechanism {
  /** The 20-byte-padded greeting name: "NULL", "PLAIN" or "CURVE". */
  readonly name: "NULL" | "PLAIN" | "CURVE";
  /** Called once the greetings are exchanged. */
  start(): void;
  /** Called for every command frame until the handshake ends. */
  onCommand(name: string, data: Buffer): void;
  /**
   * Present on mechanisms that encrypt (CURVE): boxes one frame (or a ZMTP
   * command sent after the handshake, `command` true) into the payload of a
   * MESSAGE frame: `\x07MESSAGE`, nonce, box (RFC 25/26 §MESSAGE). libzmq
   * sends it as an ordinary frame with no flags; MORE travels inside the box.
   */
  encryptFrame?(data: Buffer, more: boolean, command?: boolean): Buffer;
  /** Inverse of {@link encryptFrame}; throws a ProtocolError on a bad box or a replayed nonce. */
  decryptFrame?(frame: Buffer): { data: Buffer; more: boolean; command: boolean };
}

/** Reads a socket option by name, its default applied. */
export type OptionReader = (name: string) => unknown;

/**
 * One entry of the mechanism table (factory.ts): how a socket's options
 * choose the mechanism, and how to make its state machine for a connection.
 */
export interface MechanismFactory {
  /** The name in the greeting (RFC 23 §"The Greeting"): "PLAIN", "CURVE"... */
  readonly name: Mechanism["name"];
  /** Whether the socket's options choose this mechanism (`curveServerKey` set...). */
  selectedBy(option: OptionReader): boolean;
  /** Whether the options make this side the mechanism's server. */
  asServer(option: OptionReader): boolean;
  /** A mechanism instance for one connection. */
  create(host: MechanismHost): Mechanism;
}

