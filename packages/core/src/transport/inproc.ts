/**
 * The inproc:// transport: sockets of one context connected in-process.
 * Within a thread, messages move from pipe to pipe by reference: no
 * encoding, no copy. Bind and connect may happen in either order: a connect
 * to a name nobody has bound yet queues (up to the high-water mark) until
 * someone does.
 *
 * The default context's names span every worker thread of the process: a
 * connect to a name bound in no socket of this thread asks the other threads
 * (inproc-exchange.ts), and a connection between threads carries messages
 * through two shared rings (thread-link.ts). See docs/threads.md.
 */
import { ZmqError } from "../errors.js";
import { Pipe } from "../pipe.js";
import * as exchange from "./inproc-exchange.js";
import type { ExchangeNote } from "./inproc-exchange.js";
import { ThreadLink } from "./thread-link.js";
import { PendingThreadLink } from "./pending-thread-link.js";
import { createRingMemory, DEFAULT_RING_BYTES, DEFAULT_RING_MESSAGES } from "./thread-ring.js";
import { parseInproc, type InprocEndpoint } from "./endpoint.js";
import type { Connecter, Listener, Transport } from "./transport.js";

/** What inproc needs from a socket. */
export interface InprocSocket {
  readonly socketTypeName: string;
  createPipe(outgoing: boolean, endpoint: string): Pipe;
  attachPipe(pipe: Pipe): boolean;
  /** The routing id the socket announces (its `routingId` option). */
  announcedRoutingId(): Buffer | null;
  emitEvent(type: "accept" | "connect" | "handshake" | "disconnect", address: string, extra?: { error?: ZmqError }): void;
  pipeWritable(pipe: Pipe): void;
  /** The socket's options (`linger`, for links to other threads). */
  option<T>(name: string): T;
  /** False for sockets that take a peer only once it is there (ROUTER needs its routing id; `immediate`). */
  pipeBeforeConnect(routingId?: Buffer | null): boolean;
}

interface PendingConnect {
  socket: InprocSocket;
  pipe: Pipe;
  /** Whether the connecter's pipe was attached before the bind. */
  attached: boolean;
  /** The name connected to, and the address as given. */
  name: string;
  address: string;
  /** The connect's id in the notes to other threads (cross-thread registries only). */
  id: string;
  /** While another thread's answer is awaited: the pipe's stand-in transport (attached pipes only). */
  waiting: PendingThreadLink | null;
}

/** Sizes of the rings of a connection between threads (per direction). */
export interface ThreadRingSizes {
  /** Bytes of frames a ring holds. */
  bytes: number;
  /** Whole messages a ring holds. */
  messages: number;
}

/** The inproc name space of one context. */
export class InprocRegistry {
  #bound = new Map<string, InprocSocket>();
  #pending = new Map<string, PendingConnect[]>();
  /** Whether names reach other threads (the default context's registry). */
  readonly #acrossThreads: boolean;
  /** Connects waiting for another thread's answer, by note id. */
  #remotePending = new Map<string, PendingConnect>();
  /** Links to other threads, by note id. */
  #links = new Map<string, ThreadLink>();
  #nextId = 0;
  #listening = false;
  /** Ring sizes of the connections this thread accepts from other threads. */
  readonly ringSizes: ThreadRingSizes = { bytes: DEFAULT_RING_BYTES, messages: DEFAULT_RING_MESSAGES };

  constructor(acrossThreads = false) {
    this.#acrossThreads = acrossThreads;
  }

  bind(socket: InprocSocket, name: string, address: string): void {
    if (this.#bound.has(name)) throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`, address);
    this.#bound.set(name, socket);
    if (this.#acrossThreads) {
      this.#listen();
      exchange.post({ op: "bound", from: exchange.thisThread, name });
    }
    const pending = this.#pending.get(name);
    if (pending === undefined) return;
    this.#pending.delete(name);
    for (const entry of pending) {
      this.#remotePending.delete(entry.id);
      entry.waiting?.release();
      if (!entry.pipe.terminated) this.#link(entry.socket, entry.pipe, socket, entry.address, !entry.attached);
    }
  }

  /** Whether a socket is bound at `inproc://name`. */
  isBound(name: string): boolean {
    return this.#bound.has(name);
  }

  unbind(socket: InprocSocket, name: string): boolean {
    if (this.#bound.get(name) !== socket) return false;
    this.#bound.delete(name);
    return true;
  }

  /** Connects; returns the connecting side's pipe (attached now, or at the bind if the socket waits for its peer). */
  connect(socket: InprocSocket, name: string, address: string, routingId: Buffer | null): Pipe {
    const pipe = socket.createPipe(true, address);
    pipe.routingId = routingId;
    const bound = this.#bound.get(name);
    if (bound === undefined) {
      pipe.peerAddress = address;
      // As over tcp, a ROUTER learns the peer's routing id before it attaches the pipe: wait for the bind.
      const attached = socket.pipeBeforeConnect(routingId);
      if (attached) socket.attachPipe(pipe);
      let list = this.#pending.get(name);
      if (list === undefined) this.#pending.set(name, (list = []));
      const entry: PendingConnect = { socket, pipe, attached, name, address, id: "", waiting: null };
      list.push(entry);
      if (this.#acrossThreads) this.#askThreads(entry);
      return pipe;
    }
    this.#link(socket, pipe, bound, address, true);
    return pipe;
  }

  #link(connecter: InprocSocket, pipe: Pipe, bound: InprocSocket, address: string, attachConnecter = false): void {
    const peer = bound.createPipe(false, address);
    peer.routingId = connecter.announcedRoutingId();
    peer.peerSocketType = connecter.socketTypeName;
    peer.peerAddress = address;
    pipe.peerSocketType = bound.socketTypeName;
    pipe.peerAddress = address;
    if (pipe.routingId === null) pipe.routingId = bound.announcedRoutingId();
    Pipe.pair(pipe, peer);
    if (attachConnecter && !connecter.attachPipe(pipe)) {
      // The connecting side refused it (a ROUTER whose routing id for it is taken).
      peer.peerLeft();
      return;
    }
    if (!bound.attachPipe(peer)) {
      pipe.peerLeft();
      return;
    }
    // Messages sent before the bind wait in the connecter's outbound queue.
    let msg;
    while ((msg = pipe.outbound.shift()) !== undefined) peer.deliver(msg);
    bound.emitEvent("accept", address);
    connecter.emitEvent("connect", address);
    bound.emitEvent("handshake", address);
    connecter.emitEvent("handshake", address);
    // A connecter that queued before the bind may have senders waiting for room.
    if (!attachConnecter) connecter.pipeWritable(pipe);
  }

  // ---- across threads -------------------------------------------------------------

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    exchange.listen(
      (note) => this.#onNote(note),
      () => {
        for (const link of this.#links.values()) link.flushAtExit();
      },
    );
  }

  #askThreads(entry: PendingConnect): void {
    this.#listen();
    entry.id = `${exchange.thisThread}:${this.#nextId++}`;
    this.#remotePending.set(entry.id, entry);
    if (entry.attached) {
      entry.waiting = new PendingThreadLink(entry.pipe, () => {
        this.#remotePending.delete(entry.id);
        this.#dropLocalPending(entry);
      });
    }
    this.#postConnect(entry);
  }

  #postConnect(entry: PendingConnect): void {
    const routingId = entry.socket.announcedRoutingId();
    exchange.post({
      op: "connect",
      from: exchange.thisThread,
      name: entry.name,
      id: entry.id,
      socketType: entry.socket.socketTypeName,
      routingId,
    });
  }

  #onNote(note: ExchangeNote): void {
    switch (note.op) {
      case "bound":
        for (const entry of this.#remotePending.values()) {
          if (entry.name === note.name) this.#postConnect(entry);
        }
        break;
      case "connect":
        this.#acceptFromThread(note);
        break;
      case "accept":
        this.#linkToThread(note);
        break;
      case "refuse": {
        const link = this.#links.get(note.id);
        if (link !== undefined) link.close(null);
        else this.#refused(note.id);
        break;
      }
      case "exit":
        for (const link of this.#links.values()) if (link.peerThread === note.thread) link.peerExited();
        break;
    }
  }

  /** Another thread connects to a name: take it if a socket of this thread is bound there. */
  #acceptFromThread(note: ExchangeNote & { op: "connect" }): void {
    const bound = this.#bound.get(note.name);
    if (bound === undefined || this.#links.has(note.id)) return;
    const address = `inproc://${note.name}`;
    const peer = bound.createPipe(false, address);
    peer.routingId = note.routingId === null ? null : toBuffer(note.routingId);
    peer.peerSocketType = note.socketType;
    peer.peerAddress = address;
    if (!bound.attachPipe(peer)) {
      exchange.post({ op: "refuse", from: exchange.thisThread, to: note.from, id: note.id });
      return;
    }
    const up = createRingMemory(this.ringSizes.bytes, this.ringSizes.messages);
    const down = createRingMemory(this.ringSizes.bytes, this.ringSizes.messages);
    const link = new ThreadLink(bound, address, down, up, note.from, () => this.#links.delete(note.id));
    this.#links.set(note.id, link);
    exchange.post({
      op: "accept",
      from: exchange.thisThread,
      to: note.from,
      id: note.id,
      socketType: bound.socketTypeName,
      routingId: bound.announcedRoutingId(),
      up,
      down,
    });
    link.attach(peer);
    bound.emitEvent("accept", address);
    bound.emitEvent("handshake", address);
  }

  /** A thread accepted our connect: the pipe now goes through the rings it sent. */
  #linkToThread(note: ExchangeNote & { op: "accept" }): void {
    const entry = this.#remotePending.get(note.id);
    const waiting = entry?.waiting ?? null;
    const lingering = entry !== undefined && entry.pipe.terminated && waiting !== null && waiting.lingerDeadline !== null && !waiting.closed;
    if (entry === undefined || (entry.pipe.terminated && !lingering)) {
      // Linked in this thread meanwhile, or closed: the binder drops its end.
      this.#remotePending.delete(note.id);
      exchange.post({ op: "refuse", from: exchange.thisThread, to: note.from, id: note.id });
      return;
    }
    this.#remotePending.delete(note.id);
    this.#dropLocalPending(entry);
    const { socket, pipe, address } = entry;
    if (lingering) {
      // The socket closed while its messages waited for this answer: deliver them within its linger, then end.
      const linger = waiting.remainingLinger();
      waiting.release();
      const link = new ThreadLink(socket, address, note.up, note.down, note.from, () => this.#links.delete(note.id));
      this.#links.set(note.id, link);
      link.attach(pipe);
      link.shutdown(linger);
      return;
    }
    waiting?.release();
    pipe.peerSocketType = note.socketType;
    pipe.peerAddress = address;
    if (pipe.routingId === null && note.routingId !== null) pipe.routingId = toBuffer(note.routingId);
    if (!entry.attached && !socket.attachPipe(pipe)) {
      exchange.post({ op: "refuse", from: exchange.thisThread, to: note.from, id: note.id });
      return;
    }
    const link = new ThreadLink(socket, address, note.up, note.down, note.from, () => this.#links.delete(note.id));
    this.#links.set(note.id, link);
    link.attach(pipe);
    socket.emitEvent("connect", address);
    socket.emitEvent("handshake", address);
  }

  /** The binder's socket refused our connect (a ROUTER whose routing id for us is taken). */
  #refused(id: string): void {
    const entry = this.#remotePending.get(id);
    if (entry === undefined) return;
    this.#remotePending.delete(id);
    this.#dropLocalPending(entry);
    entry.waiting?.release();
    entry.pipe.peerLeft();
  }

  #dropLocalPending(entry: PendingConnect): void {
    const list = this.#pending.get(entry.name);
    if (list === undefined) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#pending.delete(entry.name);
  }
}

/** A Buffer over the bytes of a Uint8Array that crossed threads (structured clone drops the Buffer class). */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What the inproc transport needs from a socket: itself as an {@link InprocSocket}, and its context's name space. */
export interface InprocHost extends InprocSocket {
  readonly context: { readonly inproc: InprocRegistry };
}

/**
 * inproc:// in the transport table. Built in (transport.ts): its name space
 * is the context's. It binds at once (so `bindSync()` works), and each
 * `connect()` to the same name makes one more pipe, as in libzmq.
 */
export const inproc: Transport<InprocEndpoint> = {
  scheme: "inproc",
  parse: (address, rest) => parseInproc(address, rest),
  bindsSynchronously: true,
  bind(host: InprocHost, endpoint): Listener {
    const registry = host.context.inproc;
    registry.bind(host, endpoint.name, endpoint.address);
    // Unbinding frees the name only: pipes already linked stay until either side closes them.
    return { endpoint: endpoint.address, close: () => void registry.unbind(host, endpoint.name) };
  },
  connect(host: InprocHost, endpoint, routingId): Connecter {
    const pipe = host.context.inproc.connect(host, endpoint.name, endpoint.address, routingId);
    return {
      pipe,
      start() {},
      close() {
        pipe.terminate();
        return false;
      },
    };
  },
  isWildcard: () => false,
  connectsRepeatedly: true,
};

