import { connect as netConnect, createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { unlinkSync } from "node:fs";
import { RawPeer } from "./raw-peer.js";

/** A message as the `zeromq` v6 API accepts it. */
export type RawMessage = Buffer | string | Array<Buffer | string>;

/** Turns any accepted message shape into frames. */
export function toFrames(message: RawMessage): Buffer[] {
  const parts = Array.isArray(message) ? message : [message];
  return parts.map((part) => (typeof part === "string" ? Buffer.from(part) : part));
}

/** Parsed `tcp://host:port` or `ipc://path`. */
type Address = { kind: "tcp"; host: string; port: number } | { kind: "ipc"; path: string };

function parseEndpoint(endpoint: string): Address {
  const tcp = /^tcp:\/\/(.+):(\d+|\*)$/.exec(endpoint);
  if (tcp !== null) return { kind: "tcp", host: tcp[1]!, port: tcp[2] === "*" ? 0 : Number(tcp[2]) };
  if (endpoint.startsWith("ipc://")) return { kind: "ipc", path: endpoint.slice("ipc://".length) };
  throw new Error(`raw-net baseline supports tcp:// and ipc:// only, not "${endpoint}"`);
}

/**
 * The raw `node:net` baseline behind the same API shape as the `zeromq` v6
 * package: `await bind()`, `connect()`, `await send()`, `await receive()`,
 * `for await`. It is deliberately naive (one promise per send and per
 * receive) to show what that shape costs on top of the bare wire. There is
 * no greeting, no handshake and no reconnection.
 */
export abstract class RawSocket {
  /** The endpoint the last `bind` listens on, with the real port. */
  lastEndpoint: string | null = null;
  /** Connected peers, in connection order. */
  protected readonly peers: RawPeer[] = [];
  readonly #servers: Server[] = [];
  readonly #ipcPaths: string[] = [];
  readonly #inbox: Buffer[][] = [];
  #waiters: Array<(message: Buffer[]) => void> = [];
  #peerWaiters: Array<() => void> = [];
  #nextId = 1;
  #closed = false;

  /** Options are accepted for API parity and ignored. */
  constructor(_options?: object) {}

  /** Listens on `tcp://host:port` (port 0 or `*` picks a free one) or `ipc://path`. */
  async bind(endpoint: string): Promise<void> {
    const address = parseEndpoint(endpoint);
    const server = createServer((socket) => this.#adopt(socket));
    this.#servers.push(server);
    if (address.kind === "tcp") {
      server.listen(address.port, address.host);
      await once(server, "listening");
      const bound = server.address();
      const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
      this.lastEndpoint = `tcp://${address.host}:${port}`;
    } else {
      server.listen(address.path);
      await once(server, "listening");
      this.#ipcPaths.push(address.path);
      this.lastEndpoint = endpoint;
    }
  }

  /** Connects to a bound endpoint; messages sent before it completes wait for it. */
  connect(endpoint: string): void {
    const address = parseEndpoint(endpoint);
    const socket =
      address.kind === "tcp" ? netConnect(address.port, address.host) : netConnect(address.path);
    socket.once("connect", () => this.#adopt(socket));
  }

  /** Next message, as an array of frames. */
  receive(): Promise<Buffer[]> {
    const ready = this.#inbox.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends one message; the subclass decides to which peer(s). */
  abstract send(message: RawMessage): Promise<void>;

  /** `for await (const [msg] of socket)` until the socket is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer[]> {
    while (!this.#closed) yield await this.receive();
  }

  /** Destroys every connection and stops listening. */
  close(): void {
    this.#closed = true;
    for (const peer of this.peers) peer.socket.destroy();
    for (const server of this.#servers) server.close();
    for (const path of this.#ipcPaths) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }

  /** Resolves once at least one peer is connected. */
  protected async anyPeer(): Promise<void> {
    if (this.peers.length > 0) return;
    await new Promise<void>((resolve) => this.#peerWaiters.push(resolve));
  }

  /** Hands a received message to the application (subclasses may filter or prefix it). */
  protected deliver(message: Buffer[]): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.#inbox.push(message);
  }

  /** Called for every complete message read from `peer`. */
  protected onPeerMessage(_peer: RawPeer, frames: Buffer[]): void {
    this.deliver(frames);
  }

  /** Called once a peer is connected. */
  protected onPeerAdded(_peer: RawPeer): void {}

  #adopt(socket: Socket): void {
    const id = Buffer.alloc(5);
    id.writeUInt32BE(this.#nextId++, 1);
    const peer = new RawPeer(socket, id, (from, frames) => this.onPeerMessage(from, frames));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      const at = this.peers.indexOf(peer);
      if (at >= 0) this.peers.splice(at, 1);
    });
    this.peers.push(peer);
    this.onPeerAdded(peer);
    const waiters = this.#peerWaiters;
    this.#peerWaiters = [];
    for (const wake of waiters) wake();
  }
}
