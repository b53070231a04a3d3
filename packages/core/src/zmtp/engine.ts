/**
 * The ZMTP engine: bytes on the wire for one connection (libzmq's
 * `zmtp_engine`). It runs the greeting and the security handshake, then
 * moves whole messages between the connection and the {@link Pipe} its
 * session attached, batching frames into few writes.
 *
 * Life cycle: GREETING (64 octets each way, RFC 23 §3) → HANDSHAKE (the
 * mechanism's commands) → ACTIVE (messages and SUBSCRIBE, CANCEL, PING,
 * PONG, ERROR commands) → CLOSED. A peer older than ZMTP 3.0 is told apart
 * during the GREETING (greeting.ts); its HANDSHAKE is one identity frame
 * each way (legacy-peer.ts). Any protocol violation closes this
 * connection only; the socket and its other peers are not affected.
 */
import { setImmediate, unrefTimer } from "../util/platform.js";
import { LoopHold } from "../util/loop-hold.js";
import { Buffer } from "../util/buffer.js";
import type { Socket as NetSocket } from "node:net";
import { ProtocolError, ZmqError, toZmqError } from "../errors.js";
import { createMechanism } from "../mechanism/factory.js";
import type { Mechanism, MechanismHost, SecurityOptions, ZapReply, ZapRequest } from "../mechanism/mechanism.js";
import { errorReasonForPeer } from "../mechanism/peer-error.js";
import type { Msg, Pipe, PipeTransport } from "../pipe.js";
import { encodeCommand, decodeErrorReason, decodePing, encodeErrorReason, encodePing, parseCommand } from "./commands.js";
import { FLAG_COMMAND, FLAG_MORE } from "./frame.js";
import { FrameDecoder, type FrameSink, type MessageRunSink } from "./frame-decoder.js";
import { MessageRun } from "./message-run.js";
import { directReadOf, type DirectReadSink } from "./direct-read.js";
import { COPY_THRESHOLD, FrameEncoder } from "./frame-encoder.js";
import { GreetingExchange, type Greeting, type GreetingOutcome } from "./greeting.js";
import { LegacyPeer, legacySocketTypeNumber } from "./legacy-peer.js";
import type { V1FrameDecoder } from "./v1-frame-decoder.js";
import { getProperty, type Metadata } from "./metadata.js";
import { handshakeFrameLimit, messageLimits, type MessageLimits } from "./message-limits.js";
import { FRAMES_PER_TURN, currentTurn } from "../util/turn.js";

/** What an engine needs from its socket. */
export interface EngineSocket {
  /** RFC socket type name: "PUSH", "ROUTER", ... */
  readonly socketTypeName: string;
  readonly options: Record<string, unknown>;
  /** Option value with its default applied. */
  option<T>(name: string): T;
  isCompatible(peerType: string): boolean;
  /** Properties this socket announces in READY. */
  localMetadata(): Metadata;
  securityOptions(): SecurityOptions;
  /** `abandoned` fires when the handshake ends before the answer (see ZapClient). */
  authenticate(request: ZapRequest, abandoned?: AbortSignal): Promise<ZapReply | null>;
  /** True for SUB/XSUB, whose subscription messages become commands on the wire. */
  readonly sendsSubscriptions: boolean;
  /** True for PUB/XPUB, which receive subscriptions. */
  readonly receivesSubscriptions: boolean;
  /** True for DISH: its one-frame messages are JOIN/LEAVE command bodies (socket/group.ts). */
  readonly sendsGroups?: boolean;
  /** True for RADIO, which receives JOIN/LEAVE commands. */
  readonly receivesGroups?: boolean;
}

/** What an engine reports to the session that owns it. */
export interface EngineSession {
  engineReady(engine: ZmtpEngine): void;
  engineClosed(engine: ZmtpEngine, error: ZmqError | null, duringHandshake: boolean): void;
}

const enum State {
  Greeting,
  Handshake,
  Active,
  Closed,
}

/** Keep writing while Node's stream buffer holds less than this. */
const WRITE_LIMIT = 256 * 1024;
/** Room left above a message limit for the security box around a CURVE frame (RFC 26 §"MESSAGE"). */
const BOX_ALLOWANCE = 64;

/** Why reading from the peer is paused (bits: several can hold at once). */
const enum Pause {
  /** The pipe's inbound queue is at its high-water mark. */
  Inbound = 1,
  /** This turn's frame budget is spent; the rest of the chunk waits in the backlog. */
  Turn = 2,
}
const SUBSCRIBE = Buffer.from([1]);
const CANCEL = Buffer.from([0]);

export class ZmtpEngine implements FrameSink, MessageRunSink, MechanismHost, PipeTransport, DirectReadSink {
  readonly stream: NetSocket;
  readonly socket: EngineSocket;
  readonly session: EngineSession;
  /** The endpoint as bound or connected. */
  readonly endpoint: string;
  /** The remote address, e.g. `tcp://127.0.0.1:49152`. */
  readonly peerAddress: string;
  /** Peer metadata from READY. */
  peerMetadata: Metadata = new Map();
  peerSocketType = "";
  /** The peer's `Identity` property, when non-empty. */
  peerRoutingId: Buffer | null = null;
  /** User id assigned by ZAP. */
  userId = "";
  peerMinor = 0;

  #state = State.Greeting;
  #greeting: GreetingExchange | null = null;
  /** Set when the peer speaks ZMTP/1.0 or 2.0. */
  #legacy: LegacyPeer | null = null;
  #mechanismName = "NULL";
  #decoder: FrameDecoder | V1FrameDecoder;
  #encoder = new FrameEncoder();
  #mechanism: Mechanism | null = null;
  #pipe: Pipe | null = null;
  /** Parts of the message being received, and their octets. */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  readonly #limits: MessageLimits;
  #flushScheduled = false;
  /** The event-loop turn ({@link currentTurn}) in which {@link flush} last wrote at once. */
  #writeTurn = -1;
  /** ACTIVE, and a one-frame message is its bytes on the wire (no encryption, no command): {@link sendNow} may encode. */
  #plainFrames = false;
  /** Set while {@link #flush} runs. */
  #flushing = false;
  #waitingDrain = false;
  /** {@link Pause} bits; the stream is paused while any is set. */
  #pausedBy = 0;
  /** Received bytes not decoded yet because the turn's budget ran out. */
  #backlog: Buffer | null = null;
  #continueScheduled = false;
  /** The peer ended while bytes it sent before waited in the backlog: close once they are decoded. */
  #peerEnded = false;
  /** The event-loop turn whose frame budget the decoder holds. */
  #turn = -1;
  /**
   * The context of the latest PING not answered yet. One slot, as libzmq's
   * `_pong_msg`: a peer that sends PINGs faster than it reads PONGs gets one
   * PONG per flush, never a queue of them.
   */
  #pongOwed: Buffer | null = null;
  #lingering = false;
  /** Keeps the process alive while a closed socket's messages are flushed within linger (libzmq's blocky close). */
  readonly #lingerHold = new LoopHold();
  #handshakeTimer: NodeJS.Timeout | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #lingerTimer: NodeJS.Timeout | null = null;
  /** Aborted when the connection ends, so a ZAP request still waiting is forgotten. */
  #zapAbandon: AbortController | null = null;
  #lastReceived = 0;
  #peerTtl = 0;
  readonly #flushBound = (): void => this.#flush();
  readonly #continueBound = (): void => this.#continueReading();

  constructor(stream: NetSocket, socket: EngineSocket, session: EngineSession, endpoint: string, peerAddress: string) {
    this.stream = stream;
    this.socket = socket;
    this.session = session;
    this.endpoint = endpoint;
    this.peerAddress = peerAddress;
    this.#limits = messageLimits((name) => socket.option(name));
    // Until the handshake completes the peer is not authenticated: one command, not a message, is all it may send.
    const handshakeLimit = handshakeFrameLimit(this.#limits);
    this.#decoder = new FrameDecoder(this, handshakeLimit.bytes);
    this.#decoder.limitName = handshakeLimit.name;
  }

  /**
   * Octets the next frame may have (-1: no limit) and the limit's name for
   * errors: the handshake bound until the handshake completes, then the
   * message limit (with room for a CURVE box).
   */
  get frameLimit(): { bytes: number; name: string } {
    return { bytes: this.#decoder.maxFrameSize, name: this.#decoder.limitName };
  }

  /** Starts the greeting; call once the stream is connected. */
  start(mechanismName: string, asServer: boolean): void {
    const stream = this.stream;
    stream.setNoDelay(true);
    // tcp:// and ipc:// read through a DirectRead (large bodies straight into their buffers); others emit 'data'.
    const direct = directReadOf(stream);
    if (direct !== undefined) direct.attach(this);
    else stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    // A stream under the engine (ws://) reports protocol errors of its own as ZmqErrors: keep them.
    stream.on("error", (error: NodeJS.ErrnoException) =>
      this.#fail(error instanceof ZmqError ? error : toZmqError(error, this.endpoint)),
    );
    const peerClosed = (): void => this.#peerClosed();
    stream.on("end", peerClosed);
    stream.on("close", peerClosed);
    stream.on("drain", () => {
      this.#waitingDrain = false;
      this.#flush();
    });
    const handshakeInterval = this.socket.option<number>("handshakeInterval");
    if (handshakeInterval > 0) {
      this.#handshakeTimer = setTimeout(() => {
        this.#fail(new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Handshake not completed within ${handshakeInterval} ms`));
      }, handshakeInterval);
      // A handshake in progress holds no process open, as in libzmq; nor do heartbeats.
      unrefTimer(this.#handshakeTimer);
    }
    this.#mechanismName = mechanismName;
    const greeting = new GreetingExchange(mechanismName, asServer, legacySocketTypeNumber(this.socket.socketTypeName), (bytes) =>
      this.#writeNow([bytes]),
    );
    this.#greeting = greeting;
    greeting.open(this.#identity().length);
  }

  /** The identity we announce: READY's `Identity` property, or a legacy peer's identity frame. */
  #identity(): Buffer {
    return this.socket.localMetadata().get("Identity") ?? Buffer.alloc(0);
  }

  // ---- MechanismHost ------------------------------------------------------

  get asServer(): boolean {
    const options = this.socket.options;
    return options.curveServer === true || options.plainServer === true;
  }

  get security(): SecurityOptions {
    return this.socket.securityOptions();
  }

  get localMetadata(): Metadata {
    return this.socket.localMetadata();
  }

  sendCommand(name: string, data: Buffer): void {
    if (this.#state === State.Closed) return;
    this.#commandFrame(encodeCommand(name, data));
    this.#scheduleFlush();
  }

  /** Writes a command frame; after a CURVE handshake commands travel boxed in MESSAGE frames. */
  #commandFrame(body: Buffer): void {
    const mechanism = this.#mechanism;
    if (this.#state === State.Active && mechanism?.encryptFrame !== undefined) {
      this.#encoder.frame(mechanism.encryptFrame(body, false, true), false);
    } else {
      this.#encoder.frame(body, false, true);
    }
  }

  authenticate(request: ZapRequest): Promise<ZapReply | null> {
    this.#zapAbandon ??= new AbortController();
    return this.socket.authenticate(request, this.#zapAbandon.signal);
  }

  handshakeSucceeded(peerMetadata: Metadata, userId: string, zapMetadata?: Metadata): void {
    if (this.#state !== State.Handshake) return;
    // ZAP metadata joins the peer's own properties (RFC 27 §"Metadata"), as zmq_msg_gets shows them.
    if (zapMetadata !== undefined) for (const [name, value] of zapMetadata) peerMetadata.set(name, value);
    this.peerMetadata = peerMetadata;
    this.userId = userId;
    const type = getProperty(peerMetadata, "Socket-Type")?.toString("latin1") ?? "";
    this.peerSocketType = type;
    if (!this.socket.isCompatible(type)) {
      this.#reject(
        new ProtocolError(
          "ERR_ZMTP_INVALID_METADATA",
          `Peer socket type ${type || "(none)"} is not compatible with ${this.socket.socketTypeName}`,
        ),
        "Invalid socket type",
      );
      return;
    }
    const identity = getProperty(peerMetadata, "Identity");
    this.peerRoutingId = identity !== undefined && identity.length > 0 ? Buffer.from(identity) : null;
    this.#becomeActive();
  }

  #becomeActive(): void {
    this.#state = State.Active;
    // The handshake bound gives way to the message limits, "none" included.
    const limits = this.#limits;
    this.#decoder.maxFrameSize = limits.bytes >= 0 ? limits.bytes + this.#boxAllowance() : -1;
    this.#decoder.limitName = limits.bytesOption;
    if (this.#handshakeTimer !== null) {
      clearTimeout(this.#handshakeTimer);
      this.#handshakeTimer = null;
    }
    if (this.#legacy === null) this.#startHeartbeats();
    const socket = this.socket;
    this.#plainFrames =
      this.#mechanism?.encryptFrame === undefined && !(socket.sendsSubscriptions && this.peerMinor >= 1) && socket.sendsGroups !== true;
    this.session.engineReady(this);
  }

  handshakeFailed(error: ZmqError): void {
    if (this.#state === State.Closed) return;
    // What a peer learns (docs/security.md): at most the ZAP status code, as libzmq sends it.
    const reason = errorReasonForPeer(error);
    if (reason === null) this.#fail(error);
    else this.#reject(error, reason);
  }

  // ---- PipeTransport -------------------------------------------------------

  /** Attaches the pipe whose messages this connection carries. */
  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.transport = this;
    this.#useRuns();
    if (pipe.outbound.length > 0) this.#scheduleFlush();
  }

  /**
   * One-frame messages go to the pipe as runs of the read chunk
   * (zmtp/message-run.ts) when a frame on the wire is the message as it is
   * read: ACTIVE, ZMTP 3 framing with no box (not CURVE, not a legacy peer),
   * a pipe that keeps every message (not `conflate`), and one part allowed.
   */
  #useRuns(): void {
    const decoder = this.#decoder;
    const pipe = this.#pipe;
    if (!(decoder instanceof FrameDecoder)) return;
    const plain = this.#state === State.Active && this.#legacy === null && this.#mechanism?.decryptFrame === undefined;
    decoder.runs = plain && pipe !== null && !pipe.conflate && this.#limits.parts !== 0 ? this : null;
  }

  /** MessageRunSink: `count` whole one-frame messages in `chunk[start..end)`, checked by the decoder. */
  onMessages(chunk: Buffer, start: number, end: number, count: number): void {
    void end;
    this.#pipe?.deliverBatch(new MessageRun(chunk, start, count));
  }

  get pipe(): Pipe | null {
    return this.#pipe;
  }

  flush(): void {
    // The first message of a turn of the event loop is written at once (a request or
    // reply waits for nothing); the ones that follow in the same turn are batched into
    // one write by a flush scheduled for the next turn. The turn is util/turn.ts's count,
    // shared with the decoder and every engine: a lone message schedules nothing.
    if (this.#flushScheduled) return;
    if (!this.#waitingDrain && this.#state === State.Active) {
      const turn = currentTurn();
      if (turn !== this.#writeTurn) {
        this.#writeTurn = turn;
        this.#flush();
        return;
      }
    }
    this.#scheduleFlush();
  }

  flushNow(): void {
    if (this.#state === State.Active && !this.#waitingDrain) this.#flush();
  }

  /**
   * Encodes a message of one frame at once (the pipe has nothing queued
   * before it), after the `envelope` frames if any (REQ's delimiter, REP's
   * routing frames), as {@link #flushPipe} would: copied into the write
   * buffer while the connection takes more (under {@link WRITE_LIMIT}), then
   * written as {@link flush} says. Not while a flush runs (a message it is
   * taking would go out after this one), nor for frames that need more than
   * a plain copy (encryption, subscriptions and groups as commands, bodies
   * written by reference).
   */
  sendNow(frame: Buffer, envelope?: readonly Buffer[]): boolean {
    if (!this.#plainFrames || this.#flushing || this.#waitingDrain || frame.length >= COPY_THRESHOLD) return false;
    const encoder = this.#encoder;
    if (this.stream.writableLength + encoder.pendingBytes >= WRITE_LIMIT) return false;
    // The envelope is the socket's own (never reused by a user): a large frame of it may go by reference.
    if (envelope !== undefined) for (let i = 0; i < envelope.length; i++) encoder.frame(envelope[i]!, true);
    encoder.frame(frame, false);
    this.flush();
    return true;
  }

  resumeReading(): void {
    this.#unpause(Pause.Inbound);
  }

  shutdown(lingerMs: number): void {
    if (this.#state === State.Closed) return;
    if (lingerMs === 0 || this.#state !== State.Active) {
      this.close(null);
      return;
    }
    this.#lingering = true;
    this.#lingerHold.hold();
    if (lingerMs > 0) {
      this.#lingerTimer = setTimeout(() => this.close(null), lingerMs);
    }
    this.#flush();
  }

  // ---- incoming ------------------------------------------------------------

  /** DirectReadSink: a chunk read into a slab, decoded as a 'data' chunk. */
  chunkRead(chunk: Buffer): void {
    this.#onData(chunk);
  }

  /** DirectReadSink: the missing part of a large body in progress (ZMTP 3 framing only), or null. */
  readTarget(): Buffer | null {
    if (this.#state === State.Closed || this.#legacy !== null) return null;
    return (this.#decoder as FrameDecoder).readTarget();
  }

  /** DirectReadSink: true between frames. */
  atFrameBoundary(): boolean {
    return this.#decoder.idle;
  }

  /** DirectReadSink: `n` octets were read into the last {@link readTarget}. */
  bodyRead(n: number): void {
    if (this.#state === State.Closed) return;
    this.#lastReceived = performance.now();
    const decoder = this.#decoder as FrameDecoder;
    const turn = currentTurn();
    if (turn !== this.#turn) {
      this.#turn = turn;
      decoder.budget = FRAMES_PER_TURN;
    }
    try {
      decoder.bodyRead(n);
    } catch (error) {
      this.#fail(error instanceof ZmqError ? error : new ProtocolError("ERR_ZMTP_UNSPECIFIED", String(error)));
      return;
    }
    const pipe = this.#pipe;
    if (pipe !== null && pipe.inboundFull && this.#state === State.Active) this.#pause(Pause.Inbound);
  }

  #onData(chunk: Buffer): void {
    if (this.#state === State.Closed) return;
    this.#lastReceived = performance.now();
    const backlog = this.#backlog;
    if (backlog !== null) {
      // Only a stream that ignored pause() gets here: keep the order.
      this.#backlog = null;
      chunk = Buffer.concat([backlog, chunk]);
    }
    this.#consume(chunk);
  }

  /** Decodes what this turn's budget allows; keeps the rest for the next turn. */
  #consume(chunk: Buffer): void {
    try {
      if (this.#state === State.Greeting) {
        const rest = this.#readGreeting(chunk);
        if (rest === null || rest.length === 0) return;
        chunk = rest;
      }
      const decoder = this.#decoder;
      const turn = currentTurn();
      if (turn !== this.#turn) {
        this.#turn = turn;
        decoder.budget = FRAMES_PER_TURN;
      }
      const used = decoder.write(chunk);
      if (used < chunk.length && this.#state !== State.Closed) {
        this.#backlog = chunk.subarray(used);
        this.#pause(Pause.Turn);
        this.#scheduleContinue();
      }
    } catch (error) {
      this.#fail(error instanceof ZmqError ? error : new ProtocolError("ERR_ZMTP_UNSPECIFIED", String(error)));
      return;
    }
    const pipe = this.#pipe;
    if (pipe !== null && pipe.inboundFull && this.#state === State.Active) this.#pause(Pause.Inbound);
  }

  #pause(reason: Pause): void {
    if (this.#pausedBy === 0) this.stream.pause();
    this.#pausedBy |= reason;
  }

  #unpause(reason: Pause): void {
    if ((this.#pausedBy & reason) === 0 || this.#state === State.Closed) return;
    this.#pausedBy &= ~reason;
    if (this.#pausedBy !== 0) return;
    if (this.#backlog !== null) {
      // Bytes already read go first, on a turn of their own (never inside the caller, e.g. a receive()).
      this.#pausedBy = Pause.Turn;
      this.#scheduleContinue();
      return;
    }
    this.stream.resume();
  }

  #scheduleContinue(): void {
    if (this.#continueScheduled) return;
    this.#continueScheduled = true;
    setImmediate(this.#continueBound);
  }

  /** Next turn: decode the backlog, then read again unless something else holds the stream. */
  #continueReading(): void {
    this.#continueScheduled = false;
    if (this.#state === State.Closed || (this.#pausedBy & Pause.Turn) === 0) return;
    this.#pausedBy &= ~Pause.Turn;
    if (this.#pausedBy !== 0) return;
    const backlog = this.#backlog;
    this.#backlog = null;
    if (backlog !== null) this.#consume(backlog);
    if (this.#peerEnded && this.#backlog === null) this.#peerClosed();
    else if (this.#pausedBy === 0 && !this.closed) this.stream.resume();
  }

  /** The stream ended or closed under us. */
  #peerClosed(): void {
    if (this.#backlog !== null) {
      // What the peer sent before it left is delivered first (a linger flush ends this way).
      this.#peerEnded = true;
      return;
    }
    // A peer that hangs up before the handshake ends is reported (libzmq: handshake:error:other).
    this.#fail(
      this.#state === State.Active ? null : new ZmqError("ECONNRESET", `Peer closed the connection during the handshake`, this.endpoint),
    );
  }

  /** Runs the greeting exchange; returns the bytes after the peer's greeting, or null while incomplete. */
  #readGreeting(chunk: Buffer): Buffer | null {
    const outcome = this.#greeting!.read(chunk);
    if (outcome === null) return null;
    this.#greeting = null;
    this.#state = State.Handshake;
    if (outcome.kind === "legacy") {
      this.#startLegacy(outcome);
      return outcome.rest;
    }
    const greeting = outcome.greeting;
    this.peerMinor = greeting.minor;
    const mechanism = createMechanism(this.#mechanismName, this, greeting);
    this.#mechanism = mechanism;
    mechanism.start();
    return outcome.rest;
  }

  /** A peer older than ZMTP 3.0: its framing from now on, and our identity frame (legacy-peer.ts). */
  #startLegacy(outcome: Extract<GreetingOutcome, { kind: "legacy" }>): void {
    const socket = this.socket;
    const legacy = new LegacyPeer(outcome, socket, this.#mechanismName, socket.securityOptions().zapDomain);
    this.#legacy = legacy;
    this.#mechanism = legacy;
    this.peerSocketType = legacy.peerSocketType;
    // Its identity frame is its handshake: bounded as a handshake command until it has come.
    this.#decoder = legacy.createDecoder(this, handshakeFrameLimit(this.#limits));
    this.#encoder = legacy.createEncoder();
    this.#writeNow([legacy.identityFrame(this.#identity())]);
  }

  /** A legacy peer's frame: its identity first, then messages. */
  #onLegacyFrame(legacy: LegacyPeer, flags: number, body: Buffer): void {
    if (this.#state === State.Active) {
      this.#onMessageFrame(body, legacy.more(flags));
      return;
    }
    this.peerRoutingId = legacy.identity(flags, body);
    this.#becomeActive();
    // libzmq: a ZMTP/1.0 subscriber sends no subscriptions and filters for itself, so it gets everything.
    if (legacy.subscribedToAll) this.#pipe?.deliver([Buffer.from([1])]);
  }

  /** FrameSink: one frame from the decoder. */
  onFrame(flags: number, body: Buffer): void {
    if (this.#legacy !== null) {
      this.#onLegacyFrame(this.#legacy, flags, body);
      return;
    }
    const mechanism = this.#mechanism!;
    if (this.#state === State.Active && mechanism.decryptFrame !== undefined) {
      // RFC 25: after the handshake every frame is a boxed MESSAGE, commands included.
      const frame = mechanism.decryptFrame(body);
      if (frame.command) {
        const command = parseCommand(frame.data);
        this.#onCommand(command.name, command.data);
      } else {
        this.#onMessageFrame(frame.data, frame.more);
      }
      return;
    }
    if ((flags & FLAG_COMMAND) !== 0) {
      const command = parseCommand(body);
      if (this.#state === State.Handshake) mechanism.onCommand(command.name, command.data);
      else this.#onCommand(command.name, command.data);
      return;
    }
    if (this.#state !== State.Active) {
      throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "Message frame received before the handshake completed");
    }
    this.#onMessageFrame(body, (flags & FLAG_MORE) !== 0);
  }

  #onMessageFrame(body: Buffer, more: boolean): void {
    const limits = this.#limits;
    const bytes = this.#partsBytes + body.length;
    if (limits.bytes >= 0 && bytes > limits.bytes) {
      throw new ZmqError("EMSGSIZE", `Peer sent a message of more than ${limits.bytes} octets (${limits.bytesOption})`);
    }
    // With MORE set, this part is not the last: the message will have at least one more.
    const parts = this.#parts.length + (more ? 2 : 1);
    if (limits.parts >= 0 && parts > limits.parts) {
      throw new ZmqError("EMSGSIZE", `Peer sent a message of more than ${limits.parts} parts (maxMessageParts)`);
    }
    if (more) {
      this.#parts.push(body);
      this.#partsBytes = bytes;
      // The next part may only use what the message has left.
      if (limits.bytes >= 0) this.#decoder.maxFrameSize = limits.bytes - bytes + this.#boxAllowance();
      return;
    }
    let msg: Msg;
    if (this.#parts.length === 0) {
      msg = [body];
    } else {
      msg = this.#parts;
      msg.push(body);
      this.#parts = [];
      this.#partsBytes = 0;
      if (limits.bytes >= 0) this.#decoder.maxFrameSize = limits.bytes + this.#boxAllowance();
    }
    this.#pipe?.deliver(msg);
  }

  /** CURVE frames carry a box around the body: the exact check is on the opened body. */
  #boxAllowance(): number {
    return this.#mechanism?.decryptFrame !== undefined ? BOX_ALLOWANCE : 0;
  }

  #onCommand(name: string, data: Buffer): void {
    switch (name) {
      case "PING": {
        const { ttl, context } = decodePing(data);
        this.#peerTtl = ttl * 100;
        // RFC 37 §Connection Heartbeats: honour the peer's TTL even when we send no PINGs ourselves.
        if (this.#heartbeatTimer === null && this.#peerTtl > 0) this.#startHeartbeats();
        // Answered at the next flush; a later PING before it replaces this one (see #pongOwed).
        // A view: it keeps one read chunk alive until then, and encodeCommand copies it.
        this.#pongOwed = context;
        this.#scheduleFlush();
        return;
      }
      case "PONG":
        return;
      case "SUBSCRIBE":
      case "CANCEL":
        if (this.socket.receivesSubscriptions && this.#pipe !== null) {
          this.#pipe.deliver([Buffer.concat([name === "SUBSCRIBE" ? SUBSCRIBE : CANCEL, data])]);
        }
        return;
      case "JOIN":
      case "LEAVE":
        // RFC 48 with ZMTP 3.1: a DISH's groups, for the RADIO to check and apply (socket/radio.ts).
        if (this.socket.receivesGroups === true && this.#pipe !== null) this.#pipe.deliver([encodeCommand(name, data)]);
        return;
      case "ERROR":
        throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Peer sent ERROR: ${decodeErrorReason(data)}`);
      default:
        // RFC 37: unknown commands are ignored for forward compatibility.
        return;
    }
  }

  // ---- outgoing ------------------------------------------------------------

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#state === State.Closed) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushBound);
  }

  #flush(): void {
    // Not re-entered: taking a message can wake a waiting sender whose message lands in
    // the pipe at once; the loop below takes it after the one being encoded, in order.
    if (this.#flushing) return;
    this.#flushScheduled = false;
    if (this.#state === State.Closed || this.#waitingDrain) return;
    this.#flushing = true;
    try {
      this.#flushPipe();
    } finally {
      this.#flushing = false;
    }
  }

  #flushPipe(): void {
    const encoder = this.#encoder;
    const pipe = this.#pipe;
    const stream = this.stream;
    const pong = this.#pongOwed;
    if (pong !== null) {
      this.#pongOwed = null;
      this.#commandFrame(encodeCommand("PONG", pong));
    }
    if (pipe !== null && this.#state === State.Active) {
      const convert = this.socket.sendsSubscriptions && this.peerMinor >= 1;
      const groups = this.socket.sendsGroups === true;
      const mechanism = this.#mechanism!;
      const encrypt = mechanism.encryptFrame;
      while (stream.writableLength + encoder.pendingBytes < WRITE_LIMIT) {
        const msg = pipe.takeOutbound();
        if (msg === undefined) break;
        if (convert && msg.length === 1 && this.#writeSubscription(msg)) continue;
        if (groups && msg.length === 1) {
          this.#commandFrame(msg[0]!);
          continue;
        }
        const last = msg.length - 1;
        if (encrypt === undefined) {
          for (let i = 0; i < last; i++) encoder.frame(msg[i]!, true);
          encoder.frame(msg[last]!, false);
        } else {
          for (let i = 0; i <= last; i++) {
            encoder.frame(encrypt.call(mechanism, msg[i]!, i < last), false);
          }
        }
      }
    }
    const chunks = encoder.take();
    if (chunks.length > 0) this.#writeNow(chunks);
    if (stream.writableLength >= WRITE_LIMIT) {
      this.#waitingDrain = true;
    } else if (pipe !== null && pipe.outbound.length > 0) {
      this.#scheduleFlush();
    } else if (this.#lingering && (pipe === null || pipe.outbound.length === 0)) {
      this.#lingering = false;
      stream.end(() => this.close(null));
    }
  }

  /** RFC 37 §"SUBSCRIBE", §"CANCEL": ZMTP 3.1 carries subscriptions as commands. */
  #writeSubscription(msg: Msg): boolean {
    const body = msg[0]!;
    if (body.length === 0 || body[0]! > 1) return false;
    const command = body[0] === 1 ? "SUBSCRIBE" : "CANCEL";
    this.#commandFrame(encodeCommand(command, body.subarray(1)));
    return true;
  }

  #writeNow(chunks: Buffer[]): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    if (chunks.length === 1) {
      stream.write(chunks[0]!);
      return;
    }
    stream.cork();
    for (const chunk of chunks) stream.write(chunk);
    stream.uncork();
  }

  // ---- heartbeats (RFC 37 §"Connection Heartbeats") ---------------------------

  #startHeartbeats(): void {
    const interval = this.socket.option<number>("heartbeatInterval");
    if (interval <= 0 && this.#peerTtl <= 0) return;
    const timeoutOption = this.socket.option<number>("heartbeatTimeout");
    const timeout = timeoutOption >= 0 ? timeoutOption : interval;
    const ttl = this.socket.option<number>("heartbeatTimeToLive");
    const period = interval > 0 ? interval : Math.max(100, this.#peerTtl / 2);
    this.#heartbeatTimer = setInterval(() => {
      const silent = performance.now() - this.#lastReceived;
      const limit = Math.max(interval > 0 ? interval + timeout : 0, this.#peerTtl);
      if (limit > 0 && silent > limit) {
        this.#fail(new ZmqError("ETIMEDOUT", `No traffic from ${this.peerAddress} for ${Math.round(silent)} ms`, this.endpoint));
        return;
      }
      // A PING stuck behind unread output tells the peer nothing: skip it rather than queue it.
      if (interval > 0 && !this.#outputBackedUp()) this.sendCommand("PING", encodePing(ttl / 100));
    }, period);
    unrefTimer(this.#heartbeatTimer);
  }

  /** True while the peer is not taking what we already wrote. */
  #outputBackedUp(): boolean {
    return this.#waitingDrain || this.stream.writableLength + this.#encoder.pendingBytes >= WRITE_LIMIT;
  }

  // ---- closing --------------------------------------------------------------

  #reject(error: ZmqError, reason: string): void {
    if (this.#state === State.Closed) return;
    // RFC 37 §"ERROR": tell the peer why before closing.
    this.#encoder.frame(encodeCommand("ERROR", encodeErrorReason(reason)), false, true);
    const chunks = this.#encoder.take();
    this.#writeNow(chunks);
    this.#fail(error);
  }

  #fail(error: ZmqError | null): void {
    if (this.#state === State.Closed) return;
    const duringHandshake = this.#state !== State.Active;
    this.#terminate();
    const stream = this.stream;
    stream.end();
    // What the kernel took (an ERROR command) still leaves; output a peer does not read would
    // hold the connection and its fd open until it did, so that is dropped now.
    if (stream.writableLength > 0) stream.destroy();
    else stream.destroySoon();
    this.session.engineClosed(this, error, duringHandshake);
  }

  /** Closes the connection now (linger expired, or none). */
  close(error: ZmqError | null): void {
    if (this.#state === State.Closed) return;
    const duringHandshake = this.#state !== State.Active;
    this.#terminate();
    this.stream.destroy();
    this.session.engineClosed(this, error, duringHandshake);
  }

  #terminate(): void {
    this.#state = State.Closed;
    this.#plainFrames = false;
    this.#decoder.stop();
    if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
    if (this.#heartbeatTimer !== null) clearInterval(this.#heartbeatTimer);
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#handshakeTimer = this.#heartbeatTimer = this.#lingerTimer = null;
    this.#lingerHold.release();
    this.#zapAbandon?.abort();
    this.#zapAbandon = null;
    const pipe = this.#pipe;
    if (pipe !== null && pipe.transport === this) pipe.transport = null;
    this.#pipe = null;
    this.#parts = [];
    this.#partsBytes = 0;
    this.#backlog = null;
    this.#pongOwed = null;
  }

  get closed(): boolean {
    return this.#state === State.Closed;
  }
}
