/**
 * Helpers for the interop suite: sockets of either library made by name,
 * unique endpoints, bounded polling, and cleanup that closes every socket
 * (of both libraries) with `linger = 0` so no test leaves a handle behind.
 *
 * The two libraries share the `zeromq` v6 API, so a scenario is written once
 * against {@link Peer} and run with skein on either side.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import * as skein from "../../src/index.js";

/** Which library plays a role. */
export type Lib = "skein" | "libzmq";

/** Socket types by their RFC name. */
export type TypeName = "PAIR" | "PUB" | "SUB" | "XPUB" | "XSUB" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PUSH" | "PULL";

export type Transport = "tcp" | "ipc";

/** What both libraries' sockets have in common, as the scenarios use it. */
export interface Peer {
  send(message: Buffer | string | Array<Buffer | string>): Promise<void>;
  receive(): Promise<Buffer[]>;
  bind(address: string): Promise<void>;
  connect(address: string, options?: { routingId?: string }): void;
  close(): void;
  readonly lastEndpoint: string | null;
  readonly closed: boolean;
  linger: number;
  receiveTimeout: number;
  sendTimeout: number;
  reconnectInterval: number;
  subscribe?(...prefixes: Array<string | Buffer>): void;
  unsubscribe?(...prefixes: Array<string | Buffer>): void;
  routingId?: string | null;
  mandatory?: boolean;
  correlate?: boolean;
  relaxed?: boolean;
}

type Ctor = new () => unknown;

const SKEIN: Record<TypeName, Ctor> = {
  PAIR: skein.Pair,
  PUB: skein.Publisher,
  SUB: skein.Subscriber,
  XPUB: skein.XPublisher,
  XSUB: skein.XSubscriber,
  REQ: skein.Request,
  REP: skein.Reply,
  DEALER: skein.Dealer,
  ROUTER: skein.Router,
  PUSH: skein.Push,
  PULL: skein.Pull,
};

const LIBZMQ: Record<TypeName, Ctor> = {
  PAIR: zmq.Pair,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PUSH: zmq.Push,
  PULL: zmq.Pull,
};

/**
 * Owns the sockets of one test: every socket made through it is closed by
 * {@link Sockets.closeAll}, whichever library it belongs to.
 */
export class Sockets {
  readonly #all: Peer[] = [];

  /** A new socket of `type` from `lib`, with linger 0 and a short reconnect interval. */
  make(lib: Lib, type: TypeName, options: Partial<Pick<Peer, "routingId" | "mandatory" | "correlate" | "relaxed">> = {}): Peer {
    const Ctor = (lib === "skein" ? SKEIN : LIBZMQ)[type];
    const socket = new Ctor() as Peer;
    socket.linger = 0;
    socket.reconnectInterval = 20;
    // A broken case fails with EAGAIN instead of hanging until the test timeout.
    // (libzmq's send-only sockets have no receiveTimeout property.)
    if ("receiveTimeout" in socket) socket.receiveTimeout = 5000;
    for (const [name, value] of Object.entries(options)) {
      (socket as unknown as Record<string, unknown>)[name] = value;
    }
    this.#all.push(socket);
    return socket;
  }

  /** Takes charge of a socket made elsewhere (for constructor-only options), with linger 0. */
  adopt(socket: Peer): Peer {
    socket.linger = 0;
    if ("receiveTimeout" in socket) socket.receiveTimeout = 5000;
    this.#all.push(socket);
    return socket;
  }

  /** Closes a socket now (a peer restart); closing twice is harmless. */
  close(socket: Peer): void {
    if (!socket.closed) {
      socket.linger = 0;
      socket.close();
    }
  }

  /** Closes every socket made, with linger 0. */
  closeAll(): void {
    for (const socket of this.#all.splice(0)) this.close(socket);
  }
}

/**
 * An address to bind on `transport`: tcp on an ephemeral loopback port (read
 * the real one from `lastEndpoint`), ipc on a fresh path in the temp dir.
 */
export function bindAddress(transport: Transport): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  return `ipc://${path.join(os.tmpdir(), `skein-interop-${process.pid}-${randomBytes(6).toString("hex")}.sock`)}`;
}

/** Binds `binder` on a unique endpoint, connects `connecter` to it, and returns the endpoint. */
export async function link(
  binder: Peer,
  connecter: Peer,
  transport: Transport,
  connectOptions?: { routingId?: string },
): Promise<string> {
  await binder.bind(bindAddress(transport));
  const endpoint = binder.lastEndpoint;
  if (endpoint === null) throw new Error("lastEndpoint is null after bind");
  // libzmq's connect() refuses an explicit undefined second argument.
  if (connectOptions === undefined) connecter.connect(endpoint);
  else connecter.connect(endpoint, connectOptions);
  return endpoint;
}

/**
 * Binds `socket` to an exact endpoint another socket just released (a peer
 * restart on the same port or path). The old listener's close may finish a
 * moment later, so EADDRINUSE is retried a bounded number of times.
 */
export async function rebind(socket: Peer, endpoint: string, { every = 10, cap = 200 } = {}): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await socket.bind(endpoint);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE" || i >= cap) throw error;
      await pause(every);
    }
  }
}

/** Frames as strings (latin1 keeps any byte), for readable assertions on small frames. */
export function text(msg: Buffer[]): string[] {
  return msg.map((frame) => frame.toString("latin1"));
}

/** Resolves after `ms` milliseconds (only for pacing a bounded poll). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `attempt` until `arrived` has settled, at most `cap` times, `every`
 * ms apart: "send until received" for things that take effect
 * asynchronously (a subscription reaching the publisher, a reconnect).
 * Rejects if the cap is reached.
 */
export async function pollUntil<T>(
  arrived: Promise<T>,
  attempt: () => Promise<unknown> | void,
  what: string,
  { every = 10, cap = 500 } = {},
): Promise<T> {
  let settled = false;
  const watched = arrived.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  for (let i = 0; i < cap && !settled; i++) {
    await attempt();
    if (settled) break;
    await Promise.race([watched.catch(() => undefined), pause(every)]);
  }
  if (!settled) {
    // Keep the abandoned promise from becoming an unhandled rejection when its socket closes.
    watched.catch(() => undefined);
    throw new Error(`Gave up after ${cap} attempts waiting for ${what}`);
  }
  return watched;
}

/**
 * Receives until a message whose frames satisfy `isLast` arrives, skipping
 * those that satisfy `skip`; returns the messages before the last one.
 * `first` is a receive already started, taken before any other.
 */
export async function receiveUntil(
  socket: Peer,
  isLast: (msg: Buffer[]) => boolean,
  skip: (msg: Buffer[]) => boolean = () => false,
  first?: Promise<Buffer[]>,
): Promise<Buffer[][]> {
  const got: Buffer[][] = [];
  for (let pending = first; ; pending = undefined) {
    const msg = await (pending ?? socket.receive());
    if (isLast(msg)) return got;
    if (!skip(msg)) got.push(msg);
  }
}

/** The message bodies every exchange carries: multipart, empty frames, a long frame, a 1 MiB frame. */
export function payloads(tag: string): Buffer[][] {
  const long = Buffer.alloc(300, 0x6c); // > 255 octets: the ZMTP long-size frame header (RFC 23 §"Framing")
  const big = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  big.write(tag, 0, "latin1");
  return [
    [Buffer.from(`${tag}-single`)],
    [Buffer.from(`${tag}-multi-1`), Buffer.from(`${tag}-multi-2`), Buffer.from(`${tag}-multi-3`)],
    [Buffer.alloc(0)],
    [Buffer.from(tag), Buffer.alloc(0), Buffer.from("after-empty"), Buffer.alloc(0)],
    [Buffer.from(tag), long],
    [Buffer.from(tag), big],
  ];
}

/** Compares frames exactly (without printing a 1 MiB diff on failure). */
export function sameFrames(actual: Buffer[], expected: Buffer[]): boolean {
  return actual.length === expected.length && actual.every((frame, i) => frame.equals(expected[i]!));
}

/** A short description of a message for failure output. */
export function show(msg: Buffer[]): string {
  return `[${msg.map((f) => (f.length > 40 ? `<${f.length} bytes>` : JSON.stringify(f.toString("latin1")))).join(", ")}]`;
}

export { zmq, skein };
