/**
 * The engine of one ws:// connection (libzmq's `ws_engine`): it runs the
 * WebSocket opening handshake (RFC 6455 §4, RFC 45 §"Handshake") on the TCP
 * connection, then hands a {@link ZwsStream} to a {@link ZmtpEngine}, which
 * runs the mechanism handshake (READY both ways for NULL), checks socket type
 * compatibility and carries the pipe exactly as over tcp://.
 *
 * A bad request, a refused upgrade or a handshake timeout drops this
 * connection only.
 */
import type { Socket as NetSocket } from "node:net";
import { ProtocolError, ZmqError, toZmqError } from "../../errors.js";
import type { Pipe } from "../../pipe.js";
import { ZmtpEngine, type EngineSession } from "../../zmtp/engine.js";
import { handshakeFrameLimit, messageLimits } from "../../zmtp/message-limits.js";
import type { Metadata } from "../../zmtp/metadata.js";
import { unrefTimer } from "../../util/platform.js";
import type { StreamEngine, StreamHost, StreamSession } from "../stream.js";
import {
  BAD_REQUEST,
  checkUpgradeRequest,
  checkUpgradeResponse,
  encodeUpgradeRequest,
  encodeUpgradeResponse,
  newKey,
  offeredProtocols,
  parseHttpHead,
  zwsProtocol,
} from "./websocket-handshake.js";
import { RoutingIdExchange, ZWS_BARE, selectProtocol } from "./zws-message.js";
import { ZwsStream } from "./zws-stream.js";
import { compatiblePeerType } from "../../socket/socket-type.js";

/** Which side of the upgrade this connection is. */
export type WsRole = { client: true; host: string; path: string } | { client: false };

export class WsEngine implements StreamEngine, EngineSession {
  readonly #stream: NetSocket;
  readonly #host: StreamHost;
  readonly #session: StreamSession;
  readonly #endpoint: string;
  readonly peerAddress: string;
  readonly #role: WsRole;
  #head: Buffer = Buffer.alloc(0);
  #key = "";
  #protocol: string;
  #inner: ZmtpEngine | null = null;
  #zws: ZwsStream | null = null;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  readonly #onData = (chunk: Buffer): void => this.#readHead(chunk);
  readonly #onEnd = (): void => this.#fail(new ZmqError("ECONNRESET", "Peer closed the connection during the WebSocket handshake", this.#endpoint));
  readonly #onError = (error: NodeJS.ErrnoException): void => this.#fail(this.#describeError(error, this.#endpoint));
  readonly #describeError: (error: NodeJS.ErrnoException, endpoint: string) => ZmqError;

  /**
   * @param describeError turns a failure of the stream before the upgrade into
   *   the error reported (wss:// gives TLS failures their own codes)
   */
  constructor(
    stream: NetSocket,
    host: StreamHost,
    session: StreamSession,
    endpoint: string,
    peerAddress: string,
    role: WsRole,
    describeError: (error: NodeJS.ErrnoException, endpoint: string) => ZmqError = toZmqError,
  ) {
    this.#describeError = describeError;
    this.#stream = stream;
    this.#host = host;
    this.#session = session;
    this.#endpoint = endpoint;
    this.peerAddress = peerAddress;
    this.#role = role;
    this.#protocol = zwsProtocol(host.greetingMechanism().name);
  }

  /** Starts the opening handshake; call once the connection is up. */
  start(): void {
    const stream = this.#stream;
    stream.setNoDelay(true);
    stream.on("data", this.#onData);
    stream.on("end", this.#onEnd);
    stream.on("close", this.#onEnd);
    stream.on("error", this.#onError);
    // One deadline for the TLS handshake (wss://), the HTTP upgrade and the ZMTP handshake
    // after them: a peer cannot take handshakeInterval for each.
    const interval = this.#host.option<number>("handshakeInterval");
    if (interval > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        const error = new ProtocolError("ERR_ZMTP_UNSPECIFIED", `WebSocket and ZMTP handshakes not completed within ${interval} ms`);
        if (this.#inner !== null) this.#inner.close(error);
        else this.#fail(error);
      }, interval);
      // A handshake in progress holds no process open, as in libzmq.
      unrefTimer(this.#timer);
    }
    if (this.#role.client) {
      this.#key = newKey();
      stream.write(encodeUpgradeRequest(this.#role.path, this.#role.host, this.#key, this.#protocol));
    }
  }

  #readHead(chunk: Buffer): void {
    if (this.#closed) return;
    this.#head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
    let parsed;
    try {
      parsed = parseHttpHead(this.#head);
      if (parsed === null) return;
      if (this.#role.client) {
        checkUpgradeResponse(parsed.head, this.#key, this.#protocol);
      } else {
        // RFC 45's name, or the spelling a browser can offer (bare ZWS2.0 for NULL, ZWS2.0-CURVE).
        const chosen = selectProtocol(offeredProtocols(parsed.head), this.#host.greetingMechanism().name) ?? this.#protocol;
        const key = checkUpgradeRequest(parsed.head, chosen);
        this.#protocol = chosen;
        this.#stream.write(encodeUpgradeResponse(key, chosen));
      }
    } catch (error) {
      if (!this.#role.client && !this.#stream.destroyed) this.#stream.write(BAD_REQUEST);
      this.#fail(error instanceof ZmqError ? error : new ProtocolError("ERR_WS_HANDSHAKE", String(error)));
      return;
    }
    this.#upgraded(parsed.rest);
  }

  #upgraded(rest: Buffer): void {
    const stream = this.#stream;
    stream.off("data", this.#onData);
    stream.off("end", this.#onEnd);
    stream.off("close", this.#onEnd);
    stream.off("error", this.#onError);
    const { name, asServer } = this.#host.greetingMechanism();
    const limits = messageLimits((option) => this.#host.option(option));
    const exchange = this.#protocol === ZWS_BARE ? new RoutingIdExchange(compatiblePeerType(this.#host.socketTypeName)) : null;
    const zws = new ZwsStream(stream, rest, this.#role.client, name, handshakeFrameLimit(limits), exchange);
    this.#zws = zws;
    const inner = new ZmtpEngine(zws as unknown as NetSocket, this.#host, this, this.#endpoint, this.peerAddress);
    this.#inner = inner;
    inner.start(name, asServer);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fail(error: ZmqError | null): void {
    if (this.#closed || this.#inner !== null) return;
    this.#closed = true;
    this.#clearTimer();
    const stream = this.#stream;
    stream.end();
    // An answer the peer does not read would keep the connection (and its fd) open: drop it.
    if (stream.writableLength > 0) stream.destroy();
    else stream.destroySoon();
    this.#session.engineClosed(this, error, true);
  }

  // ---- EngineSession: the ZMTP engine reports through us ---------------------

  engineReady(engine: ZmtpEngine): void {
    // The WebSocket layer holds a message whole: it takes the engine's new frame limit.
    const { bytes, name } = engine.frameLimit;
    this.#zws!.handshakeCompleted(bytes, name);
    this.#clearTimer();
    this.#session.engineReady(this);
  }

  engineClosed(_engine: ZmtpEngine, error: ZmqError | null, duringHandshake: boolean): void {
    this.#clearTimer();
    this.#closed = true;
    this.#session.engineClosed(this, error, duringHandshake);
  }

  // ---- StreamEngine -------------------------------------------------------------

  get peerSocketType(): string {
    return this.#inner?.peerSocketType ?? "";
  }

  get peerMetadata(): Metadata {
    return this.#inner?.peerMetadata ?? new Map();
  }

  get userId(): string {
    return this.#inner?.userId ?? "";
  }

  get peerRoutingId(): Buffer | null {
    return this.#inner?.peerRoutingId ?? null;
  }

  get pipe(): Pipe | null {
    return this.#inner?.pipe ?? null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  attach(pipe: Pipe): void {
    this.#inner!.attach(pipe);
  }

  close(error: ZmqError | null): void {
    if (this.#inner !== null) {
      this.#inner.close(error);
      return;
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#stream.destroy();
    this.#session.engineClosed(this, error, true);
  }
}
