/**
 * The ws:// transport in a browser: ZWS 2.0 (RFC 45) over the WebSocket
 * API. The browser runs the HTTP upgrade and the WebSocket framing; this
 * file turns each binary WebSocket message into a ZMTP frame for the
 * {@link ZmtpEngine} and each frame the engine writes into one message, so
 * the mechanisms (NULL, PLAIN, CURVE), commands, heartbeats and pipes work
 * as over tcp://. The mechanism is named by the subprotocol, which the
 * server must answer with: a browser can offer tokens only (no `/`), so NULL
 * is libzmq's bare `ZWS2.0` (a routing-id message each way instead of the
 * ZMTP handshake, see {@link RoutingIdExchange}) and PLAIN and CURVE are
 * `ZWS2.0-PLAIN` and `ZWS2.0-CURVE`, which skein's ws:// servers accept
 * besides RFC 45's `ZWS2.0/CURVE` (libzmq does not: docs/browser.md).
 *
 * What a browser cannot do, and so this transport does not: bind (a page
 * cannot listen), carry a STREAM socket, or stop reading from a peer (the
 * WebSocket API has no read back-pressure: messages that arrive while the
 * engine is paused wait here, up to `maxWebSocketQueueSize`, see
 * {@link WebSocketStream}). wss:// is the same
 * over TLS, with the browser's certificate checks.
 */
import { Buffer } from "../../util/buffer.js";
import { ProtocolError, ZmqError } from "../../errors.js";
import { FrameDecoder, type FrameSink } from "../../zmtp/frame-decoder.js";
import { GREETING_SIZE, encodeGreeting } from "../../zmtp/greeting.js";
import { compatiblePeerType } from "../../socket/socket-type.js";
import { Connecter, type Dial, type EngineStream, type StreamHost } from "../connecter.js";
import { parseWs, type WsEndpoint } from "../endpoint.js";
import type { Transport } from "../transport.js";
import { RoutingIdExchange, ZWS_BARE, browserProtocol, zmtpHeaderOf, zwsFlagsOf } from "./zws-message.js";

/** The part of the WebSocket API (WHATWG) this transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** The WebSocket constructor: `globalThis.WebSocket` in a browser (and in Node 22+, Bun, Deno). */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/**
 * How often `bufferedAmount` is read while the browser holds output: the
 * WebSocket API has no 'drain' event, and the engine waits for one once its
 * bound on unsent output (measured here in `bufferedAmount`) is reached.
 */
const DRAIN_POLL_MS = 4;

type Listener = (...args: never[]) => void;

/**
 * A WebSocket with the part of `net.Socket`'s API the ZMTP engine drives:
 * 'data' carries ZMTP bytes (a made-up greeting first, RFC 45 has none on
 * the wire), `write` takes ZMTP bytes and sends one message a frame, and
 * `writableLength` is the browser's `bufferedAmount`, polled for 'drain'.
 *
 * `pause()` stops handing bytes to the engine; the WebSocket API cannot stop
 * reading, so messages that arrive meanwhile wait in this stream (the
 * browser buffers a page's unread messages the same way). Their octets are
 * bounded by `maxQueueSize` (the socket's `maxWebSocketQueueSize`): past it
 * the connection is dropped with `ENOBUFS` (the socket reconnects), since a
 * peer that cannot be slowed down would otherwise grow the page without end.
 */
export class WebSocketStream implements FrameSink {
  readonly #ws: WebSocketLike;
  readonly #listeners = new Map<string, Listener[]>();
  /** ZMTP bytes not handed to the engine yet (paused, or no listener yet). */
  readonly #incoming: Buffer[] = [];
  /** Octets in {@link #incoming}. */
  #incomingBytes = 0;
  /** Bound on {@link #incomingBytes} while paused; -1: none. */
  readonly #maxQueueSize: number;
  /** Decodes the engine's output into frames, one message each. */
  readonly #frames: FrameDecoder;
  /** Octets of our own ZMTP greeting still to swallow. */
  #greetingLeft = GREETING_SIZE;
  /** Set for bare ZWS2.0: the routing-id exchange in place of the NULL handshake. */
  readonly #exchange: RoutingIdExchange | null;
  #paused = false;
  #delivering = false;
  /** The peer closed while messages waited: 'end' follows them. */
  #endPending = false;
  #drainTimer: ReturnType<typeof setTimeout> | null = null;
  #onClosed: Array<() => void> = [];
  destroyed = false;

  /**
   * @param ws an open WebSocket whose subprotocol named `mechanism`
   * @param mechanism the mechanism of the peer's made-up greeting
   * @param exchange for bare ZWS2.0, what turns the routing ids into READY commands
   * @param maxQueueSize octets that may wait while the engine is paused (-1: no limit)
   */
  constructor(ws: WebSocketLike, mechanism: string, exchange: RoutingIdExchange | null = null, maxQueueSize = -1) {
    this.#ws = ws;
    this.#exchange = exchange;
    this.#maxQueueSize = maxQueueSize;
    this.#frames = new FrameDecoder(this);
    this.#queue(encodeGreeting(mechanism, true, 0));
    ws.onmessage = (event) => this.#onMessage(event.data);
    ws.onerror = () => {
      // The close event follows with the code: reported there.
    };
    ws.onclose = (event) => this.#onClose(event.code, event.reason, event.wasClean);
  }

  // ---- the engine's view: the part of net.Socket it uses ---------------------------

  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (list === undefined) this.#listeners.set(event, [listener]);
    else list.push(listener);
    // The made-up greeting waits for the engine's 'data' listener: hand it over after start().
    if (event === "data") queueMicrotask(() => this.#deliver());
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  cork(): void {}

  uncork(): void {}

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    this.#paused = false;
    this.#deliver();
    return this;
  }

  /** Octets the browser holds unsent. */
  get writableLength(): number {
    return this.#ws.bufferedAmount;
  }

  /** Takes ZMTP bytes from the engine; each whole frame leaves as one message. */
  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return false;
    let bytes = chunk;
    if (this.#greetingLeft > 0) {
      const skip = Math.min(this.#greetingLeft, bytes.length);
      this.#greetingLeft -= skip;
      bytes = bytes.subarray(skip);
    }
    if (bytes.length > 0) this.#frames.write(bytes as Buffer);
    if (this.#ws.bufferedAmount > 0) this.#pollDrain();
    return true;
  }

  /** FrameSink: one frame of our output. */
  onFrame(flags: number, body: Buffer): void {
    const routingId = this.#exchange?.outgoing(flags, body) ?? null;
    if (routingId !== null) {
      this.#ws.send(routingId);
      return;
    }
    const payload = new Uint8Array(1 + body.length);
    payload[0] = zwsFlagsOf(flags);
    payload.set(body, 1);
    this.#ws.send(payload);
  }

  /** Closes after what was sent (RFC 6455 §7.1.2, normal closure); `callback` once closed. */
  end(callback?: () => void): void {
    if (callback !== undefined) {
      if (this.destroyed) queueMicrotask(callback);
      else this.#onClosed.push(callback);
    }
    this.#ws.close(1000);
  }

  destroySoon(): void {
    this.end();
  }

  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#stop();
    this.#ws.close(1000);
    queueMicrotask(() => {
      if (error !== undefined) this.#emit("error", error);
      this.#emit("close");
    });
  }

  // ---- the WebSocket's side ---------------------------------------------------------

  #onMessage(data: unknown): void {
    if (this.destroyed) return;
    if (!(data instanceof ArrayBuffer)) {
      this.destroy(new ProtocolError("ERR_WS_PROTOCOL", "ZWS carries binary messages only; the peer sent a text message (RFC 45)"));
      return;
    }
    const payload = Buffer.from(data);
    let header: Buffer;
    try {
      header = zmtpHeaderOf(payload);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    const ready = this.#exchange?.incoming(payload) ?? null;
    if (ready !== null) this.#queue(ready);
    else this.#queue(header, payload.subarray(1));
    if (this.#paused && this.#maxQueueSize !== -1 && this.#incomingBytes > this.#maxQueueSize) {
      this.destroy(
        new ZmqError(
          "ENOBUFS",
          `The peer sent ${this.#incomingBytes} octets while this socket was not reading, above maxWebSocketQueueSize (${this.#maxQueueSize}): a WebSocket cannot slow a peer down`,
        ),
      );
      return;
    }
    this.#deliver();
  }

  #queue(...chunks: Buffer[]): void {
    for (const chunk of chunks) {
      this.#incoming.push(chunk);
      this.#incomingBytes += chunk.length;
    }
  }

  #onClose(code: number, reason: string, wasClean: boolean): void {
    for (const callback of this.#onClosed.splice(0)) callback();
    if (this.destroyed) return;
    if (!wasClean) {
      this.destroyed = true;
      this.#stop();
      const error = new ZmqError("ECONNRESET", `WebSocket closed abnormally (code ${code}${reason === "" ? "" : `: ${reason}`})`);
      this.#emit("error", error);
      this.#emit("close");
      return;
    }
    this.#endPending = true;
    this.#deliver();
  }

  /** Hands waiting bytes to the engine until it pauses; then 'end' if the peer closed. */
  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (!this.#paused && !this.destroyed && this.#incoming.length > 0 && this.#listeners.has("data")) {
        const chunk = this.#incoming.shift()!;
        this.#incomingBytes -= chunk.length;
        this.#emit("data", chunk);
      }
    } finally {
      this.#delivering = false;
    }
    if (this.#endPending && this.#incoming.length === 0 && !this.destroyed) {
      this.#endPending = false;
      this.destroyed = true;
      this.#stop();
      this.#emit("end");
      this.#emit("close");
    }
  }

  /** Emits 'drain' once the browser has sent what it held. */
  #pollDrain(): void {
    if (this.#drainTimer !== null) return;
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = null;
      if (this.destroyed) return;
      if (this.#ws.bufferedAmount > 0) this.#pollDrain();
      else this.#emit("drain");
    }, DRAIN_POLL_MS);
  }

  #stop(): void {
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.#drainTimer = null;
    this.#frames.stop();
    this.#incoming.length = 0;
    this.#incomingBytes = 0;
    this.#ws.onmessage = null;
  }

  #emit(event: string, ...args: unknown[]): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    for (const listener of [...list]) (listener as (...values: unknown[]) => void)(...args);
  }
}

/** The WebSocket constructor of this runtime, or an error saying there is none. */
function webSocketConstructor(address: string): WebSocketConstructor {
  const constructor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (constructor === undefined) throw new ZmqError("EPROTONOSUPPORT", "This runtime has no WebSocket API (globalThis.WebSocket)", address);
  return constructor;
}

/** Opens a WebSocket with the subprotocol of the socket's mechanism; fails unless the server agrees to it. */
function webSocketDial(host: StreamHost, url: string, WebSocket: WebSocketConstructor): Dial {
  return (connected, failed) => {
    const mechanism = host.greetingMechanism().name;
    const protocol = browserProtocol(mechanism);
    let ws: WebSocketLike;
    try {
      ws = new WebSocket(url, [protocol]);
    } catch (error) {
      queueMicrotask(() => failed(error as Error));
      return () => {};
    }
    ws.binaryType = "arraybuffer";
    const detach = (): void => {
      ws.onopen = ws.onerror = ws.onclose = null;
    };
    ws.onopen = () => {
      detach();
      if (ws.protocol !== protocol) {
        ws.close(1002);
        failed(new ProtocolError("ERR_WS_HANDSHAKE", `The server did not agree to subprotocol ${protocol} (answered ${JSON.stringify(ws.protocol)})`));
        return;
      }
      const exchange = protocol === ZWS_BARE ? new RoutingIdExchange(compatiblePeerType(host.socketTypeName)) : null;
      const stream = new WebSocketStream(ws, mechanism, exchange, host.option<number>("maxWebSocketQueueSize"));
      connected(stream as unknown as EngineStream, url);
    };
    ws.onerror = () => {
      // The close event follows: the attempt fails there, once.
    };
    ws.onclose = (event) => {
      detach();
      failed(new ZmqError("ECONNREFUSED", `WebSocket to ${url} closed before it opened (code ${event.code})`, url));
    };
    return () => {
      detach();
      ws.close();
    };
  };
}

/**
 * connect() to `ws://host:port/path` or `wss://...` over the WebSocket API;
 * reconnects as over tcp:// (reconnectInterval, connectTimeout).
 */
export function connectWebSocket(host: StreamHost, address: string, routingId: Buffer | null): Connecter {
  // A STREAM socket carries raw bytes; ZWS frames are not that.
  if (host.createEngine !== undefined) throw new ZmqError("EPROTONOSUPPORT", "STREAM sockets do not support ws://", address);
  return new Connecter(host, address, webSocketDial(host, address, webSocketConstructor(address)), routingId);
}

/** bind() in a browser: a page cannot listen for connections. */
function refuseBind(address: string): never {
  throw new ZmqError("EPROTONOSUPPORT", `A browser cannot bind (${address}): connect to a server instead (see docs/browser.md)`, address);
}

/** The table entry of ws:// or wss:// over the WebSocket API: connect only. */
function webSocketTransport(scheme: "ws" | "wss"): Transport<WsEndpoint> {
  return {
    scheme,
    parse: (address, rest, forBind, ipv6) => parseWs(scheme, address, rest, forBind, ipv6),
    bind: (_host, endpoint) => refuseBind(endpoint.address),
    connect: (host, endpoint, routingId) => connectWebSocket(host, endpoint.address, routingId),
    isWildcard: (endpoint) => endpoint.port === 0,
  };
}

/** ws:// in the transport table of the browser entry. */
export const browserWs = webSocketTransport("ws");
/** wss:// in the transport table of the browser entry (TLS and its certificate checks are the browser's). */
export const browserWss = webSocketTransport("wss");
