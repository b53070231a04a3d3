/**
 * Peers for the engine's hostile tests: a hand-driven raw `node:net`
 * connection that speaks just enough ZMTP (tcp, ipc) or ZWS over WebSocket
 * (ws) to misbehave after a valid handshake, and a good PUSH that keeps
 * sending to the same socket in lock-step, recording how long each of its
 * messages took to arrive.
 *
 * The attacker lives in the test process: it honours its own back-pressure
 * (waits for 'drain') so that what the measurements see is what skein holds,
 * not the attacker's unsent bytes.
 */
import * as net from "node:net";
import { once } from "node:events";
import { Push, type Pull, type Socket } from "../../src/index.js";
import { Opcode, encodeFrame } from "../../src/transport/ws/websocket-frame.js";
import { encodeUpgradeRequest } from "../../src/transport/ws/websocket-handshake.js";
import { expect } from "vitest";
import { bindFresh, rawCommand, rawFrame, rawGreeting, rawProperties, until, within } from "../helpers.js";
import { describeFootprint, footprint, openFds, type Footprint } from "./measure.js";

/**
 * Transports a raw peer can attack: those with a connection underneath. A raw
 * peer of wss:// speaks plain TCP (it attacks the TLS handshake); the socket
 * attacked must have `wssCertPem`/`wssKeyPem` set, and its certificate is the
 * one the good peer trusts.
 */
export type HostileTransport = "tcp" | "ipc" | "ws" | "wss";
export const HOSTILE_TRANSPORTS: readonly HostileTransport[] = ["tcp", "ipc", "ws"];

/** ZMTP frame flags (RFC 23 §"Framing"). */
export const MORE = 0x01;
export const COMMAND = 0x04;

/** Binds `socket` on a fresh endpoint of `transport`; returns the address to connect to. */
export async function bindHostile(socket: Socket, transport: HostileTransport): Promise<string> {
  if (transport !== "ws" && transport !== "wss") return bindFresh(socket, transport);
  await socket.bind(`${transport}://127.0.0.1:0/hostile`);
  return socket.lastEndpoint!;
}

function connectOptions(address: string): net.NetConnectOpts {
  if (address.startsWith("ipc://")) return { path: address.slice("ipc://".length) };
  const match = /^(?:tcp|wss?):\/\/([^/]+):(\d+)/.exec(address)!;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

/** A raw connection to a skein endpoint, framing what it sends for its transport. */
export class HostilePeer {
  readonly stream: net.Socket;
  readonly transport: HostileTransport;
  /** Resolves once the connection is closed by either side. */
  readonly closed: Promise<void>;
  #received = 0;

  private constructor(stream: net.Socket, transport: HostileTransport) {
    this.stream = stream;
    this.transport = transport;
    this.closed = new Promise((resolve) => stream.once("close", () => resolve()));
    stream.on("error", () => {});
  }

  /**
   * Connects. With `read: false` the peer never reads what skein sends:
   * skein's output to it can only pile up on skein's side.
   */
  static async connect(address: string, transport: HostileTransport, options: { read?: boolean } = {}): Promise<HostilePeer> {
    const stream = net.connect(connectOptions(address));
    const peer = new HostilePeer(stream, transport);
    if (options.read !== false) stream.on("data", (chunk: Buffer) => (peer.#received += chunk.length));
    await within(once(stream, "connect"), 5000, "the raw peer to connect");
    return peer;
  }

  /** Octets received from skein (0 for a peer that does not read). */
  get received(): number {
    return this.#received;
  }

  /** What opens the connection before any command: the NULL greeting, or the WebSocket upgrade request. */
  opening(): Buffer {
    if (this.transport !== "ws") return rawGreeting();
    return encodeUpgradeRequest("/hostile", "127.0.0.1", "aG9zdGlsZSBwZWVyIGtleQ==", "ZWS2.0/NULL");
  }

  /** The opening bytes up to a completed NULL handshake as `socketType`: {@link opening}, then READY. */
  handshake(socketType = "PUSH"): Buffer {
    return Buffer.concat([this.opening(), this.command("READY", rawProperties({ "Socket-Type": socketType }))]);
  }

  /** One ZMTP frame: as is (tcp, ipc) or as a masked binary WebSocket message (RFC 45). */
  frame(flags: number, body: Buffer): Buffer {
    if (this.transport !== "ws") return rawFrame(flags, body);
    const zws = ((flags & MORE) !== 0 ? 0x01 : 0) | ((flags & COMMAND) !== 0 ? 0x02 : 0);
    return Buffer.concat(encodeFrame(Opcode.Binary, [Buffer.from([zws]), body], true));
  }

  /** One command frame. */
  command(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
    if (this.transport !== "ws") return rawCommand(name, data);
    return this.frame(COMMAND, Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "ascii"), data]));
  }

  /** A WebSocket control frame (ws only), masked as a client must (RFC 6455 §5.3). */
  control(opcode: Opcode, payload: Buffer): Buffer {
    return Buffer.concat(encodeFrame(opcode, [payload], true));
  }

  /** Writes, waiting for 'drain' when the kernel is full. False once the connection is gone. */
  async write(bytes: Buffer): Promise<boolean> {
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded) return false;
    if (stream.write(bytes)) return true;
    // Not events.once(): it would reject on the EPIPE of a connection skein dropped.
    const drained = new Promise<boolean>((resolve) => stream.once("drain", () => resolve(!stream.destroyed)));
    return Promise.race([drained, this.closed.then(() => false)]);
  }

  /** Writes `block` again and again up to `total` octets, or until skein closes the connection. Returns the octets written. */
  async flood(block: Buffer, total: number): Promise<number> {
    let sent = 0;
    while (sent < total && (await this.write(block))) sent += block.length;
    return sent;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** Repeats `unit` into a block of about `size` octets (whole units only). */
export function block(unit: Buffer, size = 256 * 1024): Buffer {
  // One allocation filled by doubling copies: the attacker's own work stays out of the latency figures.
  const out = Buffer.allocUnsafe(Math.max(1, Math.floor(size / unit.length)) * unit.length);
  let filled = unit.copy(out, 0);
  while (filled < out.length) {
    const n = Math.min(filled, out.length - filled);
    out.copyWithin(filled, 0, n);
    filled += n;
  }
  return out;
}

/** What a good peer saw while an attack ran. */
export interface GoodPeerReport {
  /** Payloads received by the attacked socket, in the order received. */
  received: string[];
  /** Milliseconds from each send() to its receive(). */
  latencies: number[];
  /** When each message was sent (performance.now()). */
  sentAt: number[];
}

/**
 * A good PUSH on the attacked PULL: sends "0", "1", ... one at a time, each
 * received before the next is sent, until `stop()`; then at least `minimum`
 * messages. The attacked socket must receive nothing else.
 */
export function goodPeer(pull: Pull, address: string, minimum = 50): { ready: Promise<void>; stop(): Promise<GoodPeerReport> } {
  // wss://: the attacked socket's certificate is self-signed; trust it.
  const push = new Push({ linger: 0, wssTrustPem: pull.wssCertPem });
  const received: string[] = [];
  const latencies: number[] = [];
  const sentTimes: number[] = [];
  let stopping = false;
  push.connect(address);
  const run = (async () => {
    for (let i = 0; !stopping || i < minimum; i++) {
      const sentAt = performance.now();
      await push.send(String(i));
      const [frame] = await within(pull.receive(), 15_000, `good message ${i}`);
      latencies.push(performance.now() - sentAt);
      sentTimes.push(sentAt);
      received.push(frame!.toString());
      // Paced (about one round trip a millisecond): an unpaced peer on a quiet machine makes hundreds of
      // thousands, and these arrays alone would then pass the heap bound the attack is measured by.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  // stop() awaits `run` and throws its error; until then it is kept here, not left unhandled.
  const runErrors: unknown[] = [];
  run.catch((error: unknown) => runErrors.push(error));
  // The first round trip proves the good peer is connected and served.
  const ready = (async () => {
    await until(() => received.length > 0 || stopping, "the good peer's first message", 10_000);
  })();
  return {
    ready,
    async stop() {
      stopping = true;
      try {
        await within(run, 30_000, "the good peer to finish");
      } finally {
        push.close();
      }
      return { received, latencies, sentAt: sentTimes };
    },
  };
}

/** The numbers 0..n-1 as strings: what the good peer must have delivered, in order. */
export function inOrder(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

/** Median, 99th percentile and maximum, in ms, for logs and docs/reliability.md. */
export function latencySummary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(1);
  return `good peer: ${latencies.length} messages, latency median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

/** What a socket may hold more than before the attack once the attacker is gone, heap or external. */
export const AFTER_ATTACK_BOUND = 8 * 1024 * 1024;

/**
 * Runs `attack` on a PULL (made with `options`, bound on `transport`) while
 * a good PUSH sends to it, then checks what every hostile test checks: the
 * good peer's messages all arrived, in order; the attacker's fds are released;
 * heap and external memory are back within {@link AFTER_ATTACK_BOUND}; the
 * socket still takes a new peer. Logs the figures for docs/reliability.md.
 */
export async function siege(
  label: string,
  pull: Pull,
  transport: HostileTransport,
  attack: (address: string, before: Footprint, attackOver: () => void) => Promise<void>,
): Promise<GoodPeerReport> {
  const address = await bindHostile(pull, transport);
  const good = goodPeer(pull, address);
  await good.ready;
  const before = await footprint();
  // The latency figures cover the attack only, not the forced collections of footprint().
  const start = performance.now();
  let end = Number.POSITIVE_INFINITY;
  await attack(address, before, () => (end = Math.min(end, performance.now())));
  end = Math.min(end, performance.now());
  const report = await good.stop();
  expect(report.received).toEqual(inOrder(report.received.length));
  const during = report.latencies.filter((_, i) => report.sentAt[i]! >= start && report.sentAt[i]! < end);
  await until(() => openFds() <= before.fds, "the attacker's fds to be released", 10_000);
  const after = await footprint();
  console.log(`${label}: ${latencySummary(during)} during the attack; after: ${describeFootprint(before, after)}`);
  expect(after.heap - before.heap).toBeLessThan(AFTER_ATTACK_BOUND);
  expect(after.external - before.external).toBeLessThan(AFTER_ATTACK_BOUND);
  const late = goodPeer(pull, address, 1);
  await within(late.ready, 10_000, "a new peer to be served");
  const served = (await late.stop()).received;
  expect(served.length).toBeGreaterThan(0);
  expect(served).toEqual(inOrder(served.length));
  return report;
}

/** Connects a raw peer to `socket` at `address` and completes a NULL handshake as `socketType` (default PUSH). */
export async function handshaken(
  socket: Socket,
  address: string,
  transport: HostileTransport,
  options: { read?: boolean; socketType?: string } = {},
): Promise<HostilePeer> {
  const peer = await HostilePeer.connect(address, transport, options);
  const ready = new Promise<void>((resolve) => {
    const listener = (): void => {
      socket.events.off("handshake", listener);
      resolve();
    };
    socket.events.on("handshake", listener);
  });
  await peer.write(peer.handshake(options.socketType));
  await within(ready, 5000, "the raw peer's handshake");
  return peer;
}

/**
 * One masked WebSocket frame of a single octet (RFC 6455 §5.2, §5.4): the first
 * of a binary message (`first`) or a continuation, final or not. The masking
 * key is zero, so the octet goes as is.
 */
export function fragment(first: boolean, fin: boolean, octet: number): Buffer {
  return Buffer.from([(fin ? 0x80 : 0) | (first ? 0x02 : 0x00), 0x80 | 1, 0, 0, 0, 0, octet]);
}
