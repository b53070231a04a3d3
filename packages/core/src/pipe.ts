/**
 * A pipe: the bounded, per-peer message queue between a socket and one
 * peer, as in libzmq's `pipe_t`. Whole messages (all parts) go through it,
 * which is what makes multipart messages atomic.
 *
 * A pipe's far end is either another pipe (inproc: the peer socket's pipe;
 * no encoding, no copy) or a {@link PipeTransport} (a ZMTP engine over a
 * stream). High-water marks are counted in messages:
 * - inproc: the writer may queue while the reader's inbound holds fewer than
 *   the writer's `sendHighWaterMark` plus the reader's `receiveHighWaterMark`
 *   (libzmq sums them too); 0 means no limit;
 * - stream: the socket may queue `sendHighWaterMark` messages not yet handed
 *   to the kernel, and the engine stops reading once `receiveHighWaterMark`
 *   messages wait unread.
 */
import type { ZmqError } from "./errors.js";
import { Deque } from "./util/deque.js";
import { ownedFrame } from "./socket/message.js";
import type { Metadata } from "./zmtp/metadata.js";

/** A message: its frames, in order. */
export type Msg = Buffer[];

/**
 * Several messages queued as one inbound entry, made into {@link Msg}s one at
 * a time as the socket reads them (a ZMTP engine's zmtp/message-run.ts).
 */
export interface MessageBatch {
  /** Messages not taken yet; the pipe drops the entry at 0. */
  readonly remaining: number;
  /** The next message, as {@link Pipe.read} returns it. */
  take(): Msg;
}

/** The side of a pipe a socket sees: notifications about its pipes. */
export interface PipeOwner {
  /** The pipe's inbound queue went from empty to non-empty. */
  pipeReadable(pipe: Pipe): void;
  /** The pipe can take messages again after being full. */
  pipeWritable(pipe: Pipe): void;
  /** The pipe is gone: its peer left and every message it delivered was read. */
  pipeTerminated(pipe: Pipe): void;
  /** A stream pipe was reconnected to a new connection (subscriptions are re-sent). */
  pipeHiccuped(pipe: Pipe): void;
}

/** The network side of a stream pipe (a ZMTP engine). */
export interface PipeTransport {
  /** Messages were queued: write them out soon. */
  flush(): void;
  /** Writes queued messages to the connection now, as far as it takes them without waiting. */
  flushNow(): void;
  /**
   * Encodes a one-frame message for the wire at once, after the `envelope`
   * frames if any, copying their bytes, when the connection can take it
   * now; false when it must be queued in the pipe instead. Optional: a
   * transport without it always queues.
   */
  sendNow?(frame: Buffer, envelope?: readonly Buffer[]): boolean;
  /** The inbound queue fell below the high-water mark: read again. */
  resumeReading(): void;
  /** The socket is done with the connection; flush (within linger) and end it. */
  shutdown(lingerMs: number): void;
  /** Closes the connection now; the session reports `error` with the `disconnect` event. */
  close(error: ZmqError | null): void;
  /** True once the connection has ended. */
  readonly closed: boolean;
}

export class Pipe {
  readonly owner: PipeOwner;
  /** Messages from the peer, not yet read by the socket: each entry one message, or a batch of them. */
  readonly #inbound = new Deque<Msg | MessageBatch>();
  /** Messages in {@link #inbound}, a batch counting what it has left. */
  #inboundLength = 0;
  /** Messages for the peer, not yet taken by the engine (stream pipes). */
  readonly outbound = new Deque<Msg>();
  /** The peer's routing id, as a ROUTER addresses it. */
  routingId: Buffer | null = null;
  /** The peer's socket type from its READY metadata (`"PUSH"`, ...). */
  peerSocketType = "";
  /** The peer's metadata properties (READY), for message properties. */
  peerMetadata: Metadata = new Map();
  /** The user id a ZAP handler assigned to the peer, if any. */
  userId = "";
  /** The peer's address (`tcp://127.0.0.1:49152`), or the inproc endpoint. */
  peerAddress = "";
  /** The endpoint (as bound or connected) this pipe belongs to. */
  endpoint = "";
  /** True when the connection was initiated by us (connect). */
  readonly outgoing: boolean;
  /** Inproc: the peer socket's pipe. */
  peer: Pipe | null = null;
  /** Stream: the engine currently carrying this pipe, if connected. */
  transport: PipeTransport | null = null;
  /** Keep only the newest message in each direction (`conflate`, libzmq's ypipe_conflate). */
  conflate = false;
  /** Free slot for the socket type's own per-pipe state. */
  state: unknown = undefined;
  /**
   * The peer takes every message whatever its group: a udp:// pipe, whose
   * DISH filters on receipt (libzmq's `subscribe_to_all`).
   */
  subscribeToAll = false;

  #sendHwm: number;
  #recvHwm: number;
  /** Inbound queue length at which the writer must stop. */
  #inboundLimit: number;
  #peerGone = false;
  /** Set while canWrite() flushes: the writer is already trying, no need to wake it. */
  #flushingNow = false;
  #terminated = false;

  constructor(owner: PipeOwner, sendHwm: number, recvHwm: number, outgoing: boolean) {
    this.owner = owner;
    this.#sendHwm = sendHwm;
    this.#recvHwm = recvHwm;
    this.#inboundLimit = recvHwm;
    this.outgoing = outgoing;
  }

  /** Links two pipes back to back (inproc). */
  static pair(a: Pipe, b: Pipe): void {
    a.peer = b;
    b.peer = a;
    a.#inboundLimit = a.#recvHwm === 0 || b.#sendHwm === 0 ? 0 : a.#recvHwm + b.#sendHwm;
    b.#inboundLimit = b.#recvHwm === 0 || a.#sendHwm === 0 ? 0 : b.#recvHwm + a.#sendHwm;
  }

  /**
   * New high-water marks for a pipe already attached (the socket's options
   * changed), as libzmq 4.3 applies `ZMQ_SNDHWM`/`ZMQ_RCVHWM` to its pipes. A
   * writer or a reader held back by the old marks is woken if the new ones
   * let it go on.
   */
  setHighWaterMarks(sendHwm: number, recvHwm: number): void {
    if (this.#terminated) return;
    const peer = this.peer;
    const couldWrite = this.#hasRoom();
    const peerCouldWrite = peer === null || peer.#hasRoom();
    const wasFull = this.inboundFull;
    this.#sendHwm = sendHwm;
    this.#recvHwm = recvHwm;
    if (peer !== null) Pipe.pair(this, peer);
    else this.#inboundLimit = recvHwm;
    if (!couldWrite && this.#hasRoom()) this.owner.pipeWritable(this);
    if (peer !== null && !peerCouldWrite && peer.#hasRoom() && !peer.#terminated) peer.owner.pipeWritable(peer);
    if (peer === null && wasFull && !this.inboundFull) this.transport?.resumeReading();
  }

  /** Whether the queue has room under the high-water mark, without flushing (see {@link canWrite}). */
  #hasRoom(): boolean {
    if (this.#peerGone || this.#terminated) return false;
    const peer = this.peer;
    if (peer !== null) return peer.#inboundLimit === 0 || peer.#inboundLength < peer.#inboundLimit;
    return this.#sendHwm === 0 || this.outbound.length < this.#sendHwm;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** True once the peer has gone; the pipe ends when its inbound is read. */
  get peerGone(): boolean {
    return this.#peerGone;
  }

  /** Whether a message can be queued now without passing the high-water mark. */
  canWrite(): boolean {
    if (this.#hasRoom()) return true;
    if (this.#peerGone || this.#terminated || this.peer !== null) return false;
    // Full: hand what is queued to the connection now rather than at the next turn of the
    // event loop, so a sender that never yields (PUB dropping at the HWM) still gets its
    // messages out. Only a connection that is itself backed up makes the pipe full.
    const transport = this.transport;
    if (transport === null) return false;
    this.#flushingNow = true;
    try {
      transport.flushNow();
    } finally {
      this.#flushingNow = false;
    }
    return this.outbound.length < this.#sendHwm;
  }

  /** Queues a message for the peer. Check {@link canWrite} first (PUB drops instead). */
  write(msg: Msg): void {
    const peer = this.peer;
    if (peer !== null) {
      peer.deliver(msg);
      return;
    }
    if (this.conflate) while (this.outbound.length > 0) this.outbound.shift();
    this.outbound.push(msg);
    if (this.outbound.length === 1) this.transport?.flush();
  }

  /**
   * Queues a message of one frame, `frame` as the user passed it (not yet
   * copied; check {@link canWrite} first), after the `envelope` frames if
   * any (REQ's delimiter, REP's routing frames: the socket's own). With
   * nothing queued before it, a connection that can take it now encodes it
   * at once: no message array, no copy of its bytes but the one into the
   * write buffer, no queue entry. Otherwise it is queued as {@link write}
   * does, a small frame copied first.
   */
  writeFrame(frame: Buffer, envelope?: readonly Buffer[]): void {
    const transport = this.transport;
    if (transport !== null && this.outbound.length === 0 && !this.conflate && transport.sendNow?.(frame, envelope) === true) return;
    const owned = ownedFrame(frame);
    this.write(envelope === undefined ? [owned] : [...envelope, owned]);
  }

  /** The engine takes the next outbound message. */
  takeOutbound(): Msg | undefined {
    const msg = this.outbound.shift();
    if (msg !== undefined && this.#sendHwm !== 0 && this.outbound.length === this.#sendHwm - 1 && !this.#flushingNow) {
      this.owner.pipeWritable(this);
    }
    return msg;
  }

  /** A message arrived from the peer. */
  deliver(msg: Msg): void {
    if (this.#terminated) return;
    if (this.conflate) {
      while (this.#inbound.length > 0) this.#inbound.shift();
      this.#inboundLength = 0;
    }
    this.#inbound.push(msg);
    if (++this.#inboundLength === 1) this.owner.pipeReadable(this);
  }

  /**
   * Messages arrived from the peer as one batch (`batch.remaining` of them,
   * at least one), read one by one as if each had been {@link deliver}ed. Not
   * for a `conflate` pipe, which keeps only the newest message.
   */
  deliverBatch(batch: MessageBatch): void {
    if (this.#terminated) return;
    const before = this.#inboundLength;
    this.#inbound.push(batch);
    this.#inboundLength = before + batch.remaining;
    if (before === 0) this.owner.pipeReadable(this);
  }

  /** Messages from the peer not yet read by the socket. */
  get inboundLength(): number {
    return this.#inboundLength;
  }

  /** True when the engine should stop reading (inbound at the high-water mark). */
  get inboundFull(): boolean {
    return this.#inboundLimit !== 0 && this.#inboundLength >= this.#inboundLimit;
  }

  /** The socket reads the next inbound message. */
  read(): Msg | undefined {
    const head = this.#inbound.peek();
    if (head === undefined) return undefined;
    let msg: Msg;
    if (Array.isArray(head)) {
      this.#inbound.shift();
      msg = head;
    } else {
      msg = head.take();
      if (head.remaining === 0) this.#inbound.shift();
    }
    const remaining = --this.#inboundLength;
    if (remaining + 1 === this.#inboundLimit) {
      const peer = this.peer;
      if (peer !== null) {
        if (!peer.#terminated) peer.owner.pipeWritable(peer);
      } else {
        this.transport?.resumeReading();
      }
    }
    if (remaining === 0 && this.#peerGone) this.#finish();
    return msg;
  }

  /** Whether an inbound message is waiting. */
  hasIn(): boolean {
    return this.#inboundLength > 0;
  }



  /**
   * The peer has gone (connection closed, inproc peer closed). Messages it
   * already delivered stay readable; the pipe terminates once they are read.
   */
  peerLeft(): void {
    if (this.#peerGone || this.#terminated) return;
    this.#peerGone = true;
    this.outbound.clear();
    this.transport = null;
    if (this.#inboundLength === 0) this.#finish();
  }

  /** The socket drops this pipe (close, disconnect, unbind, ROUTER handover). */
  terminate(lingerMs = 0): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#peerGone = true;
    this.#inbound.clear();
    this.#inboundLength = 0;
    const peer = this.peer;
    if (peer !== null) {
      this.peer = null;
      peer.peer = null;
      peer.peerLeft();
    }
    const transport = this.transport;
    this.transport = null;
    transport?.shutdown(lingerMs);
    // The socket forgets the pipe now (routes, round-robin), not when a peer that will never come back answers.
    this.owner.pipeTerminated(this);
  }

  /**
   * The socket drops this peer for going over a limit: a connection is closed
   * with `error` (its transport reports it with the `disconnect` event; a
   * connecting socket reconnects as after any drop), an inproc pipe ends.
   * Returns false for the inproc case, where nobody reports the error yet.
   */
  abort(error: ZmqError): boolean {
    const transport = this.transport;
    if (transport !== null) {
      transport.close(error);
      return true;
    }
    this.terminate();
    return false;
  }

  #finish(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.peer = null;
    this.owner.pipeTerminated(this);
  }
}
