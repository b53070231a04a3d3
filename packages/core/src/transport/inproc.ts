/**
 * The inproc:// transport: sockets of one context connected in-process.
 * Messages move from pipe to pipe by reference: no encoding, no copy. Bind
 * and connect may happen in either order: a connect to a name nobody has
 * bound yet queues (up to the high-water mark) until someone does.
 */
import { ZmqError } from "../errors.js";
import { Pipe } from "../pipe.js";
import { parseInproc, type InprocEndpoint } from "./endpoint.js";
import type { Connecter, Listener, Transport } from "./transport.js";

/** What inproc needs from a socket. */
export interface InprocSocket {
  readonly socketTypeName: string;
  createPipe(outgoing: boolean, endpoint: string): Pipe;
  attachPipe(pipe: Pipe): boolean;
  /** The routing id the socket announces (its `routingId` option). */
  announcedRoutingId(): Buffer | null;
  emitEvent(type: "accept" | "connect" | "handshake", address: string): void;
  pipeWritable(pipe: Pipe): void;
  /** False for sockets that take a peer only once it is there (ROUTER needs its routing id; `immediate`). */
  pipeBeforeConnect(routingId?: Buffer | null): boolean;
}

interface PendingConnect {
  socket: InprocSocket;
  pipe: Pipe;
  /** Whether the connecter's pipe was attached before the bind. */
  attached: boolean;
}

/** The inproc name space of one context. */
export class InprocRegistry {
  #bound = new Map<string, InprocSocket>();
  #pending = new Map<string, PendingConnect[]>();

  bind(socket: InprocSocket, name: string, address: string): void {
    if (this.#bound.has(name)) throw new ZmqError("EADDRINUSE", `inproc://${name} is already bound`, address);
    this.#bound.set(name, socket);
    const pending = this.#pending.get(name);
    if (pending === undefined) return;
    this.#pending.delete(name);
    for (const { socket: connecter, pipe, attached } of pending) {
      if (!pipe.terminated) this.#link(connecter, pipe, socket, address, !attached);
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
      list.push({ socket, pipe, attached });
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

