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
 *
 * Writes of its own (RFC 6455 §5.5.2-3): a PING is answered with one PONG
 * per read, for the latest PING only (§5.5.3 allows it), and not at all while
 * the peer leaves our output unread: that PONG waits for 'drain'. A peer that
 * sends PINGs and never reads makes us hold one PONG, not a queue of them.
 *
 * Like the engine, it decodes at most FRAMES_PER_TURN WebSocket frames of
 * one peer per turn of the event loop (pings and fragments produce no ZMTP
 * bytes, so the engine's own budget never sees them).
 *
 * A WebSocket message is held whole before the engine sees it, so this
 * layer bounds it too: by the handshake bound until the engine reports the
 * ZMTP handshake complete ({@link ZwsStream.handshakeCompleted}), by the
 * message limit after. During the handshake it decodes one WebSocket frame
 * a turn, so that the command ending the handshake reaches the engine, and
 * the limit changes, before the header of the message after it is checked.
 */
import { Duplex } from "node:stream";
import type { Socket as NetSocket } from "node:net";
import { ProtocolError } from "../../errors.js";
import { FrameDecoder, type FrameSink } from "../../zmtp/frame-decoder.js";
import { GREETING_SIZE, encodeGreeting } from "../../zmtp/greeting.js";
import { FRAMES_PER_TURN, currentTurn } from "../../util/turn.js";
import { Opcode, WebSocketDecoder, encodeFrame, type WebSocketSink } from "./websocket-frame.js";

import { zmtpHeaderOf, zwsFlagsOf, type RoutingIdExchange } from "./zws-message.js";

export { ZWS_COMMAND, ZWS_MORE } from "./zws-message.js";

/** Bodies from this size are written by reference rather than joined into the batch. */
const LARGE = 16 * 1024;

/** Why the socket is paused (bits). */
const enum Pause {
  /** The engine is not taking ZMTP bytes (readable back-pressure). */
  Engine = 1,
  /** This turn's frame budget is spent. */
  Turn = 2,
}

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
  /** Payload of the latest PING not answered yet. */
  #pongOwed: Buffer | null = null;
  /** {@link Pause} bits; the socket is paused while any is set. */
  #pausedBy = 0;
  /** The event-loop turn whose frame budget the decoder holds. */
  #turn = -1;
  /** The socket ended while decoded frames waited for the next turn's budget. */
  #endPending = false;
  /**
   * The peer's side is over (its close frame, or the end of the socket): every
   * frame it sent is decoded, or will be, into our readable buffer. The socket
   * closing after that must not drop what the engine has not read yet.
   */
  #peerDone = false;
  readonly #continueBound = (): void => this.#continueReading();
  /** ZMTP bytes decoded from the current socket chunk, pushed to the engine at once. */
  #incoming: Buffer[] | null = null;
  /** WebSocket bytes encoded from the current engine write, written to the socket at once. */
  #outgoing: Buffer[] | null = null;
  /** True until the engine reports the ZMTP handshake complete. */
  #handshaking = true;
  /** Set for bare ZWS2.0 (a browser's NULL): the routing-id exchange in place of the NULL handshake. */
  readonly #exchange: RoutingIdExchange | null;

  /**
   * @param socket the connection, its HTTP upgrade done
   * @param rest bytes that arrived after the upgrade head
   * @param mechanism the mechanism named by the agreed subprotocol
   * @param handshakeLimit octets one ZMTP frame may have until the handshake
   *   completes, and the name its error gives
   * @param exchange for bare ZWS2.0, what turns the routing ids into READY commands
   */
  constructor(
    socket: NetSocket,
    rest: Buffer,
    client: boolean,
    mechanism: string,
    handshakeLimit: { bytes: number; name: string },
    exchange: RoutingIdExchange | null = null,
  ) {
    super({ allowHalfOpen: false });
    this.#exchange = exchange;
    this.#socket = socket;
    this.#client = client;
    this.#decoder = new WebSocketDecoder(this, !client, handshakeLimit.bytes);
    this.#decoder.limitName = handshakeLimit.name;
    this.#frames = new FrameDecoder(this);
    this.push(encodeGreeting(mechanism, !client, 0));
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#socketEnded());
    socket.on("error", (error) => this.#socketFailed(error));
    socket.on("close", () => {
      // A peer that is done may close before the engine read what it sent (the engine paused at the
      // receive high-water mark): the stream then ends once that is read, as a TCP socket does.
      if (!this.destroyed && !this.#peerDone) this.destroy();
    });
    socket.on("drain", () => {
      this.#answerPing();
      const callback = this.#pendingWrite;
      this.#pendingWrite = null;
      callback?.();
    });
    if (rest.length > 0) queueMicrotask(() => this.#onData(rest));
  }

  /**
   * The ZMTP handshake is over: from the next WebSocket message on, one ZMTP
   * frame may have `maxFrameSize` octets (-1: no limit), named `limitName`
   * in the error, and frames are decoded at the full rate again.
   */
  handshakeCompleted(maxFrameSize: number, limitName: string): void {
    this.#handshaking = false;
    this.#decoder.maxMessageSize = maxFrameSize;
    this.#decoder.limitName = limitName;
  }

  /** WebSocket frames one turn may decode: one while the handshake runs (see the file comment). */
  get #framesPerTurn(): number {
    return this.#handshaking ? 1 : FRAMES_PER_TURN;
  }

  /** Node's `net.Socket` API the engine calls; the socket already has no delay. */
  setNoDelay(): this {
    return this;
  }

  /**
   * Ends after the queued writes are flushed (`net.Socket.destroySoon`);
   * at once if the peer is not reading them, which would hold the connection open.
   */
  destroySoon(): void {
    if (this.writableFinished || this.writableLength > 0 || this.#socket.writableLength > 0) this.destroy();
    else {
      this.once("finish", () => this.destroy());
      this.end();
    }
  }

  // ---- incoming: WebSocket messages to ZMTP bytes ----------------------------

  #onData(chunk: Buffer): void {
    if (this.destroyed) return;
    const turn = currentTurn();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#decoder.budget = this.#framesPerTurn;
    }
    this.#decode(() => this.#decoder.write(chunk));
  }

  /** Runs the decoder; every message it yields becomes ZMTP bytes for one push (one 'data' event per read, not two per message). */
  #decode(run: () => void): void {
    this.#incoming = [];
    try {
      run();
    } catch (error) {
      this.#incoming = null;
      this.destroy(error as Error);
      return;
    }
    this.#flushIncoming();
    this.#incoming = null;
    this.#answerPing();
    if (this.#decoder.blocked) {
      this.#pause(Pause.Turn);
      setImmediate(this.#continueBound);
    }
  }

  /** Next turn: decode what the last budget left buffered, then read again. */
  #continueReading(): void {
    if (this.destroyed) return;
    this.#turn = currentTurn();
    this.#decoder.budget = this.#framesPerTurn;
    this.#decode(() => this.#decoder.resume());
    if (this.#decoder.blocked) return;
    this.#unpause(Pause.Turn);
    if (this.#endPending) {
      this.#endPending = false;
      this.push(null);
    }
  }

  /** The peer ended its side: after the frames it sent first. */
  #socketEnded(): void {
    this.#peerDone = true;
    if (this.#decoder.blocked) this.#endPending = true;
    else this.push(null);
  }

  /**
   * The socket failed. Once the peer is done, a reset or a broken pipe is how a
   * peer that hung up right after its close frame ends the closing handshake: only
   * our close reply is lost, and the messages it sent before are still delivered.
   */
  #socketFailed(error: NodeJS.ErrnoException): void {
    if (this.#peerDone && (error.code === "ECONNRESET" || error.code === "EPIPE")) return;
    this.destroy(error);
  }

  #pause(reason: Pause): void {
    if (this.#pausedBy === 0) this.#socket.pause();
    this.#pausedBy |= reason;
  }

  #unpause(reason: Pause): void {
    if ((this.#pausedBy & reason) === 0) return;
    this.#pausedBy &= ~reason;
    if (this.#pausedBy === 0 && !this.#socket.destroyed) this.#socket.resume();
  }

  /** Pushes the ZMTP bytes gathered so far (before a close ends the stream, and after each read). */
  #flushIncoming(): void {
    const incoming = this.#incoming;
    if (incoming === null || incoming.length === 0) return;
    const data = incoming.length === 1 ? incoming[0]! : Buffer.concat(incoming);
    incoming.length = 0;
    if (!this.push(data)) this.#pause(Pause.Engine);
  }

  onMessage(payload: Buffer): void {
    const header = zmtpHeaderOf(payload);
    // Bare ZWS2.0: the peer's first message is its routing id, which the engine reads as a READY.
    const ready = this.#exchange?.incoming(payload) ?? null;
    const incoming = this.#incoming;
    if (ready !== null) {
      if (incoming !== null) incoming.push(ready);
      else if (!this.push(ready)) this.#pause(Pause.Engine);
    } else if (incoming !== null) {
      incoming.push(header, payload.subarray(1));
    } else {
      this.push(header);
      if (!this.push(payload.subarray(1))) this.#pause(Pause.Engine);
    }
  }

  onControl(opcode: Opcode, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      // The payload is a view into the read chunk: copy its (at most 125) octets.
      this.#pongOwed = Buffer.from(payload);
    } else if (opcode === Opcode.Close) {
      // RFC 6455 §5.5.1: answer a close with a close, then the connection ends.
      this.#peerDone = true;
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
    this.#unpause(Pause.Engine);
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
    const routingId = this.#exchange?.outgoing(flags, body) ?? null;
    if (routingId !== null) this.#send(Opcode.Binary, [routingId]);
    else this.#send(Opcode.Binary, [Buffer.from([zwsFlagsOf(flags)]), body]);
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

  /** Sends the PONG owed, unless the peer has not taken what we wrote before. */
  #answerPing(): void {
    const payload = this.#pongOwed;
    if (payload === null || this.#socket.writableNeedDrain) return;
    this.#pongOwed = null;
    this.#send(Opcode.Pong, [payload]);
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
