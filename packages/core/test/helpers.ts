/**
 * Test helpers for @skein/core: unique endpoints per transport, a socket
 * scope that closes everything a test opened (with `linger = 0`), waiting on
 * monitor events, bounded polling, and hand-written ZMTP bytes for raw peers.
 */
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { afterEach } from "vitest";
import type { Event, EventType, Socket } from "../src/index.js";

/** The transports every behaviour test runs over. */
export type Transport = "tcp" | "ipc" | "inproc" | "ws";
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "inproc", "ws"];
/** Transports with a real connection underneath (reconnects, linger, connection events). */
export const STREAM_TRANSPORTS: readonly ("tcp" | "ipc" | "ws")[] = ["tcp", "ipc", "ws"];
/** Transports a raw `node:net` peer speaks ZMTP over directly (see {@link rawConnect}). */
export const RAW_TRANSPORTS: readonly ("tcp" | "ipc")[] = ["tcp", "ipc"];

let counter = 0;
const RUN = `${process.pid}-${randomBytes(3).toString("hex")}`;

/** A fresh socket file path in the temporary directory. */
export function uniqueIpcPath(): string {
  return path.join(os.tmpdir(), `skein-test-${RUN}-${++counter}.ipc`);
}

/**
 * An address to bind on: `tcp://127.0.0.1:0` (read the real one from
 * `lastEndpoint`), a fresh ipc path, or a fresh inproc name.
 */
export function bindAddress(transport: Transport): string {
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:0";
    case "ipc":
      return `ipc://${uniqueIpcPath()}`;
    case "inproc":
      return `inproc://test-${RUN}-${++counter}`;
    case "ws":
      return "ws://127.0.0.1:0/zmq";
  }
}

/**
 * An address that nobody has bound yet and that peers can connect to
 * before the bind (tcp: a port just freed by the kernel).
 */
export async function freeAddress(transport: Transport): Promise<string> {
  if (transport !== "tcp" && transport !== "ws") return bindAddress(transport);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return transport === "ws" ? `ws://127.0.0.1:${port}/zmq` : `tcp://127.0.0.1:${port}`;
}

/** Binds `socket` on a fresh address of `transport` and returns the address to connect to. */
export async function bindFresh(socket: Socket, transport: Transport): Promise<string> {
  await socket.bind(bindAddress(transport));
  return socket.lastEndpoint!;
}

/**
 * Tracks sockets (and other things to undo) opened by the tests of a file;
 * after each test, every socket still open is closed with `linger = 0`.
 *
 * ```ts
 * const open = socketScope()
 * const push = open(new Push())
 * ```
 */
export function socketScope(): (<T extends Socket>(socket: T) => T) & { defer(fn: () => unknown): void } {
  const sockets: Socket[] = [];
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) {
      if (!socket.closed) {
        socket.linger = 0;
        socket.close();
      }
    }
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  const track = <T extends Socket>(socket: T): T => {
    sockets.push(socket);
    return socket;
  };
  return Object.assign(track, { defer: (fn: () => unknown) => void cleanups.push(fn) });
}

/** Resolves with the next monitor event of `type` on `socket` (rejects after `timeoutMs`). */
export function nextEvent(socket: Socket, type: EventType, timeoutMs = 5000): Promise<Event> {
  return new Promise<Event>((resolve, reject) => {
    const listener = (event: Event): void => {
      clearTimeout(timer);
      socket.events.off(type, listener);
      resolve(event);
    };
    const timer = setTimeout(() => {
      socket.events.off(type, listener);
      reject(new Error(`No ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.events.on(type, listener);
  });
}

/** Resolves once `count` events of `type` have happened on `socket` from now on. */
export function eventCount(socket: Socket, type: EventType, count: number, timeoutMs = 5000): Promise<Event[]> {
  return new Promise<Event[]>((resolve, reject) => {
    const seen: Event[] = [];
    const listener = (event: Event): void => {
      seen.push(event);
      if (seen.length < count) return;
      clearTimeout(timer);
      socket.events.off(type, listener);
      resolve(seen);
    };
    const timer = setTimeout(() => {
      socket.events.off(type, listener);
      reject(new Error(`Only ${seen.length} of ${count} ${type} events within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.events.on(type, listener);
  });
}

/** Collects every event of the given types from now on. */
export function recordEvents(socket: Socket, ...types: EventType[]): Event[] {
  const seen: Event[] = [];
  for (const type of types) socket.events.on(type, (event) => seen.push(event));
  return seen;
}

/** One turn of the timers phase: for bounded polling only, never to wait for an event. */
export function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Lets the event loop turn `count` times (one `setImmediate` each, no timer):
 * every microtask and immediate queued before, and those they queue in turn
 * up to `count - 1` deep, have run. For "nothing happened" checks where all
 * the work in question is synchronous or loop-local (inproc), never to wait for I/O.
 */
export async function loopTurns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await tick();
  }
}

/** Rejects if `promise` does not settle within `ms` (turns a hang into a clear failure). */
export function within<T>(promise: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Bytes one read of a tcp, ipc or ws connection hands the engine at most:
 * libuv reads into 64 KiB buffers.
 */
export const READ_SIZE = 64 * 1024;

/** A message's size on the wire: each frame's 2- or 9-octet header and its body (RFC 23 §3). */
export function wireSize(msg: readonly Buffer[]): number {
  let size = 0;
  for (const frame of msg) size += (frame.length <= 255 ? 2 : 9) + frame.length;
  return size;
}

/**
 * The most messages like `msg` a stream pipe's inbound queue holds when its
 * socket does not read: the engine decodes a whole read before it sees the
 * queue at `receiveHighWaterMark` and pauses the connection, so one read of
 * {@link READ_SIZE} bytes can pass the mark.
 */
export function streamInboundBound(receiveHighWaterMark: number, msg: readonly Buffer[]): number {
  return receiveHighWaterMark + Math.ceil(READ_SIZE / wireSize(msg));
}

/** Frames as strings, for readable assertions. */
export function strings(msg: Buffer[]): string[] {
  return msg.map((frame) => frame.toString());
}

/**
 * Waits until messages published on `topic` reach `sub`: publishes probes
 * (bounded), then a sync message, and drains everything up to the sync.
 * `send` publishes one message whose first frame is the topic.
 */
export async function awaitSubscription(
  send: (parts: string[]) => Promise<void>,
  sub: Socket,
  topic: string,
): Promise<void> {
  for (let i = 0; i < 1000 && !sub.readable; i++) {
    await send([topic, "probe"]);
    await tick(2);
  }
  await send([topic, "sync"]);
  for (;;) {
    const msg = await within(sub.receive(), 5000, "subscription sync");
    if (msg[1]?.toString() === "sync") return;
  }
}

// ---- raw ZMTP bytes, written by hand (RFC 23 §3, RFC 37) --------------------------------

/** A 64-octet greeting: signature, version, mechanism padded to 20, as-server, 31 zeros. */
export function rawGreeting(options: { mechanism?: string; major?: number; minor?: number } = {}): Buffer {
  const bytes = [0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, options.major ?? 3, options.minor ?? 1];
  const mechanism = Buffer.alloc(20);
  mechanism.write(options.mechanism ?? "NULL", "ascii");
  return Buffer.concat([Buffer.from(bytes), mechanism, Buffer.from([0]), Buffer.alloc(31)]);
}

/** One frame: flags, 1- or 8-octet size, body. */
export function rawFrame(flags: number, body: Buffer): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([flags, body.length]), body]);
  const header = Buffer.alloc(9);
  header[0] = flags | 0x02;
  header.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([header, body]);
}

/** Metadata properties: name length, name, 4-octet value length, value. */
export function rawProperties(properties: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(Buffer.byteLength(value));
    parts.push(Buffer.from([name.length]), Buffer.from(name, "ascii"), size, Buffer.from(value));
  }
  return Buffer.concat(parts);
}

/** A command frame: flags 0x04, size, name length, name, data. */
export function rawCommand(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  return rawFrame(0x04, Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "ascii"), data]));
}

/** A READY command announcing `socketType` (and any other properties). */
export function rawReady(socketType: string, extra: Record<string, string> = {}): Buffer {
  return rawCommand("READY", rawProperties({ "Socket-Type": socketType, ...extra }));
}

/**
 * The frames a raw peer received after the 64-octet greeting, parsed here
 * (RFC 23 §3: flags, 1- or 8-octet size, body) rather than by the decoder under test.
 */
export function rawFramesReceived(peer: RawPeer): { flags: number; body: Buffer }[] {
  const bytes = peer.received();
  const frames: { flags: number; body: Buffer }[] = [];
  let at = 64;
  for (;;) {
    if (at + 2 > bytes.length) return frames;
    const flags = bytes[at]!;
    const long = (flags & 0x02) !== 0;
    if (long && at + 9 > bytes.length) return frames;
    const size = long ? Number(bytes.readBigUInt64BE(at + 1)) : bytes[at + 1]!;
    const start = at + (long ? 9 : 2);
    if (start + size > bytes.length) return frames;
    frames.push({ flags, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
}

/** A raw TCP or ipc client, with everything it received collected. */
export interface RawPeer {
  stream: net.Socket;
  received(): Buffer;
  /** Resolves once the connection is closed by either side. */
  closed: Promise<void>;
}

/** Connects a raw `node:net` client to a bound skein endpoint. */
export function rawConnect(address: string): Promise<RawPeer> {
  const options: net.NetConnectOpts = address.startsWith("ipc://")
    ? { path: address.slice("ipc://".length) }
    : (() => {
        const match = /^tcp:\/\/(.+):(\d+)$/.exec(address)!;
        return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
      })();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = net.connect(options);
    const closed = new Promise<void>((done) => stream.on("close", () => done()));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.once("connect", () => resolve({ stream, received: () => Buffer.concat(chunks), closed }));
    stream.once("error", reject);
  });
}

/** A raw `node:net` listener on a fresh tcp or ipc address, whose accepted connections are {@link RawPeer}s. */
export interface RawListener {
  address: string;
  /** Resolves with the next connection accepted. */
  accepted(): Promise<RawPeer>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Listens with a raw `node:net` server, which answers nothing unless the test writes to a connection. */
export async function rawListen(transport: "tcp" | "ipc"): Promise<RawListener> {
  const streams: net.Socket[] = [];
  const waiting: ((peer: RawPeer) => void)[] = [];
  const ready: RawPeer[] = [];
  const server = net.createServer((stream) => {
    streams.push(stream);
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((done) => stream.on("close", () => done()));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    const peer: RawPeer = { stream, received: () => Buffer.concat(chunks), closed };
    const taker = waiting.shift();
    if (taker !== undefined) taker(peer);
    else ready.push(peer);
  });
  const path = transport === "ipc" ? uniqueIpcPath() : null;
  await new Promise<void>((resolve) => (path !== null ? server.listen(path, resolve) : server.listen(0, "127.0.0.1", resolve)));
  const address = path !== null ? `ipc://${path}` : `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    accepted: () => {
      const peer = ready.shift();
      return peer !== undefined ? Promise.resolve(peer) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      for (const stream of streams) stream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
