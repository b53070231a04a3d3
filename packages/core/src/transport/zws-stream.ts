/**
 * ZWS 2.0 framing (RFC 45) as a byte stream the ZMTP engine can drive: the
 * engine writes ZMTP (greeting, then frames) and reads ZMTP; this stream
 * turns each ZMTP frame into one binary WebSocket message and back, so the
 * mechanisms, commands, heartbeats, flow control and pipe binding of
 * {@link ZmtpEngine} serve ws:// unchanged.
 *
 * RFC 45 has no greeting: our outgoing greeting is swallowed and the peer's
 * is made up from the subprotocol both sides agreed on. It claims ZMTP 3.0
 * so that SUB/XSUB send subscriptions as `0x01`-prefixed messages, which
 * libzmq's ws transport and every XPUB accept.
 *
 * A ZWS message payload is a flags octet (bit 0 MORE, bit 1 COMMAND) and the
 * frame body.
 */
import { Duplex } from "node:stream";
import type { Socket as NetSocket } from "node:net";
import { ProtocolError } from "../errors.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "../zmtp/frame.js";
import { FrameDecoder, type FrameSink } from "../zmtp/frame-decoder.js";
import { GREETING_SIZE, encodeGreeting } from "../zmtp/greeting.js";
import { Opcode, WebSocketDecoder, encodeFrame, type WebSocketSink } from "./websocket-frame.js";

/** RFC 45 §"Framing": flag bits of the first payload octet. */
export const ZWS_MORE = 0x01;
/** Bodies from this size are written by reference rather than joined into the batch. */
const LARGE = 16 * 1024;
export const ZWS_COMMAND = 0x02;
const ZWS_RESERVED = 0xfc;

export class ZwsStream extends Duplex implements FrameSink, WebSocketSink {
  readonly #socket: NetSocket;
  /** Clients mask what they send (RFC 6455 §5.3). */
  readonly #client: boolean;
  readonly #decoder: WebSocketDecoder;
  readonly #frames: FrameDecoder;
  /** Octets of our own ZMTP greeting still to swallow. */
  #greetingLeft = GREETING_SIZE;
  #pendingWrite: ((error?: Error | null) => void) | null = null;
  #closeSent = false;
  /** ZMTP bytes decoded from the current socket chunk, pushed to the engine at once. */
  #incoming: Buffer[] | null = null;
  /** WebSocket bytes encoded from the current engine write, written to the socket at once. */
  #outgoing: Buffer[] | null = null;

  /**
   * @param socket the connection, its HTTP upgrade done
   * @param rest bytes that arrived after the upgrade head
   * @param mechanism the mechanism named by the agreed subprotocol
   */
  constructor(socket: NetSocket, rest: Buffer, client: boolean, mechanism: string, maxMessageSize: number) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#client = client;
    this.#decoder = new WebSocketDecoder(this, !client, maxMessageSize);
    this.#frames = new FrameDecoder(this);
    this.push(encodeGreeting(mechanism, !client, 0));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.push(null));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => {
      if (!this.destroyed) this.destroy();
    });
    socket.on("drain", () => {
      const callback = this.#pendingWrite;
      this.#pendingWrite = null;
      callback?.();
    });
    if (rest.length > 0) queueMicrotask(() => this.#onData(rest));
  }

  /** Node's `net.Socket` API the engine calls; the socket already has no delay. */
  setNoDelay(): this {
    return this;
  }

  /** Ends after the queued writes are flushed (`net.Socket.destroySoon`). */
  destroySoon(): void {
    if (this.writableFinished) this.destroy();
    else {
      this.once("finish", () => this.destroy());
      this.end();
    }
  }

  // ---- incoming: WebSocket messages to ZMTP bytes ----------------------------

  #onData(chunk: Buffer): void {
    if (this.destroyed) return;
    // Every message of this chunk becomes ZMTP bytes for one push: one 'data'
    // event for the engine per read, not two per message.
    this.#incoming = [];
    try {
      this.#decoder.write(chunk);
    } catch (error) {
      this.#incoming = null;
      this.destroy(error as Error);
      return;
    }
    this.#flushIncoming();
    this.#incoming = null;
  }

  /** Pushes the ZMTP bytes gathered so far (before a close ends the stream, and after each read). */
  #flushIncoming(): void {
    const incoming = this.#incoming;
    if (incoming === null || incoming.length === 0) return;
    const data = incoming.length === 1 ? incoming[0]! : Buffer.concat(incoming);
    incoming.length = 0;
    if (!this.push(data)) this.#socket.pause();
  }

  onMessage(payload: Buffer): void {
    if (payload.length === 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS message without its flags octet (RFC 45)");
    const flags = payload[0]!;
    if ((flags & ZWS_RESERVED) !== 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS message has reserved flag bits set (RFC 45)");
    // As in ZMTP, a command is one frame: it cannot have MORE set.
    if ((flags & ZWS_MORE) !== 0 && (flags & ZWS_COMMAND) !== 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS command message with MORE set (RFC 45)");
    const body = payload.subarray(1);
    let zmtpFlags = (flags & ZWS_MORE ? FLAG_MORE : 0) | (flags & ZWS_COMMAND ? FLAG_COMMAND : 0);
    let header: Buffer;
    if (body.length <= SHORT_FRAME_MAX) {
      header = Buffer.from([zmtpFlags, body.length]);
    } else {
      zmtpFlags |= FLAG_LONG;
      header = Buffer.allocUnsafe(9);
      header[0] = zmtpFlags;
      header.writeBigUInt64BE(BigInt(body.length), 1);
    }
    const incoming = this.#incoming;
    if (incoming !== null) {
      incoming.push(header, body);
    } else {
      this.push(header);
      if (!this.push(body)) this.#socket.pause();
    }
  }

  onControl(opcode: Opcode, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      this.#send(Opcode.Pong, [payload]);
    } else if (opcode === Opcode.Close) {
      // RFC 6455 §5.5.1: answer a close with a close, then the connection ends.
      this.#sendClose(payload.subarray(0, 2));
      this.#socket.end();
      // Messages that came before the close in the same read go first.
      this.#flushIncoming();
      this.push(null);
      // Nothing after a close frame is read (RFC 6455 §5.5.1), even in the same chunk.
      this.#decoder.stop();
    }
  }

  override _read(): void {
    if (!this.#socket.destroyed) this.#socket.resume();
  }

  // ---- outgoing: ZMTP bytes to WebSocket messages -----------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#encode([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#encode(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  /** Turns ZMTP bytes from the engine into WebSocket messages, written in one batch. */
  #encode(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const outgoing: Buffer[] = [];
    this.#outgoing = outgoing;
    try {
      for (let chunk of chunks) {
        if (this.#greetingLeft > 0) {
          const skip = Math.min(this.#greetingLeft, chunk.length);
          this.#greetingLeft -= skip;
          chunk = chunk.subarray(skip);
        }
        if (chunk.length > 0) this.#frames.write(chunk);
      }
    } catch (error) {
      this.#outgoing = null;
      callback(error as Error);
      return;
    }
    this.#outgoing = null;
    this.#writeOut(outgoing);
    if (this.#socket.writableNeedDrain) this.#pendingWrite = callback;
    else callback();
  }

  /** Writes what one engine write became: small pieces joined into one buffer, large bodies by reference. */
  #writeOut(chunks: Buffer[]): void {
    if (chunks.length === 0 || this.#socket.destroyed || this.#socket.writableEnded) return;
    const socket = this.#socket;
    socket.cork();
    let run: Buffer[] = [];
    let runBytes = 0;
    for (const chunk of chunks) {
      if (chunk.length >= LARGE) {
        if (run.length > 0) socket.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
        run = [];
        runBytes = 0;
        socket.write(chunk);
      } else {
        run.push(chunk);
        runBytes += chunk.length;
      }
    }
    if (run.length > 0) socket.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
    socket.uncork();
  }

  /** FrameSink: one ZMTP frame the engine wrote. */
  onFrame(flags: number, body: Buffer): void {
    const zws = (flags & FLAG_MORE ? ZWS_MORE : 0) | (flags & FLAG_COMMAND ? ZWS_COMMAND : 0);
    this.#send(Opcode.Binary, [Buffer.from([zws]), body]);
  }

  #send(opcode: Opcode, parts: Buffer[]): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    const chunks = encodeFrame(opcode, parts, this.#client);
    const outgoing = this.#outgoing;
    if (outgoing !== null) {
      for (const chunk of chunks) outgoing.push(chunk);
    } else {
      for (const chunk of chunks) this.#socket.write(chunk);
    }
  }

  #sendClose(status: Buffer): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#send(Opcode.Close, [status]);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // RFC 6455 §7.1.2: a normal closure (1000) before the TCP connection ends.
    const status = Buffer.alloc(2);
    status.writeUInt16BE(1000, 0);
    this.#sendClose(status);
    // The peer's close frame may have ended the socket already: ending it twice is an error.
    if (this.#socket.writableEnded) callback();
    else this.#socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#decoder.stop();
    this.#frames.stop();
    this.#socket.destroy();
    const pending = this.#pendingWrite;
    this.#pendingWrite = null;
    pending?.(error);
    callback(error);
  }
}
