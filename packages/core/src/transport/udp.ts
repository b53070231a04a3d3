/**
 * The udp:// transport of the draft RADIO, DISH and DGRAM sockets, framed as
 * libzmq's `udp_engine` frames it: one message a datagram, no handshake, no
 * connection.
 *
 * - RADIO/DISH: `group length (1 octet) | group | body`. A RADIO connects
 *   (sends to a host or a multicast group); a DISH binds or connects
 *   (receives; a multicast host is joined). JOIN and LEAVE do not travel:
 *   the DISH filters on receipt.
 * - DGRAM: the datagram is the body; a message is `[address, body]`, the
 *   address an `ip:port` frame naming where it goes or where it came from
 *   (received ones end with a zero octet, as libzmq's C string does).
 *
 * Each endpoint is one pipe to the socket, as libzmq's udp session; the pipe
 * takes every group (`subscribeToAll`).
 *
 * A datagram peer is nobody in particular, so what it can do is bounded
 * ({@link DatagramDrops} counts what was dropped): a datagram above
 * `maxDatagramSize` (default 8192, libzmq's `MAX_UDP_MSG`), a malformed one
 * (group length past the end, a zero octet in the group, for DGRAM a bad
 * address), one from a new sender above `maxNewSendersPerSecond`
 * (sender-gate.ts), and one arriving while the receive queue is at
 * `receiveHighWaterMark` are all dropped, and counted.
 */
import type { BindOptions, Socket as DgramSocket } from "node:dgram";
import { isIP } from "node:net";
import { ZmqError, toZmqError } from "../errors.js";
import type { EventType } from "../events.js";
import type { Msg, Pipe, PipeTransport } from "../pipe.js";
import { parseUdp, type UdpEndpoint } from "./endpoint.js";
import { SenderGate } from "./sender-gate.js";
import type { Connecter, Listener, Transport } from "./transport.js";
import { lazyRequire } from "../util/lazy-require.js";

/** node:dgram and node:dns/promises, required by the first udp:// or epgm:// bind or connect (util/lazy-require.ts). */
export const dgram = lazyRequire<typeof import("node:dgram")>("node:dgram");
const dnsPromises = lazyRequire<typeof import("node:dns/promises")>("node:dns/promises");

/** Datagrams a udp:// socket dropped, by cause (never silently: read them here). */
export interface DatagramDrops {
  /** Received datagrams above `maxDatagramSize`, and messages too large to send as one. */
  oversized: number;
  /** Received datagrams that break the framing (group past the end, zero octet in a group). */
  malformed: number;
  /** Received datagrams from new senders beyond `maxNewSendersPerSecond`. */
  rateLimited: number;
  /** Received datagrams that found the receive queue at `receiveHighWaterMark`. */
  queueFull: number;
  /** Datagrams the system refused to send, and socket errors (those also a `close:error` event). */
  sendFailed: number;
}

/** A fresh set of counters. */
export function datagramDrops(): DatagramDrops {
  return { oversized: 0, malformed: 0, rateLimited: 0, queueFull: 0, sendFailed: 0 };
}

/** What a udp:// endpoint needs from its socket. */
export interface UdpHost {
  readonly socketTypeName: string;
  option<T>(name: string): T;
  createPipe(outgoing: boolean, endpoint: string): Pipe;
  attachPipe(pipe: Pipe): boolean;
  emitEvent(type: EventType, address: string | undefined, extra?: { error?: ZmqError }): void;
  /** The socket's drop counters (RADIO, DISH, DGRAM have them). */
  readonly datagramDrops?: DatagramDrops;
}

/** libzmq's MAX_UDP_MSG: the most a datagram carries by default. */
export const MAX_UDP_MSG = 8192;
/** Stop writing while the kernel queue of a socket holds this many datagrams. */
const SEND_QUEUE_LIMIT = 1024;

interface Role {
  send: boolean;
  receive: boolean;
  /** DGRAM: `[address, body]` messages, no group. */
  raw: boolean;
}

function roleOf(host: UdpHost, bind: boolean, address: string): Role {
  switch (host.socketTypeName) {
    case "RADIO":
      if (bind) throw new ZmqError("ENOCOMPATPROTO", "A RADIO connects to udp:// endpoints (a DISH binds them)", address);
      return { send: true, receive: false, raw: false };
    case "DISH":
      return { send: false, receive: true, raw: false };
    case "DGRAM":
      return { send: true, receive: true, raw: true };
    default:
      throw new ZmqError("ENOCOMPATPROTO", `udp:// is for RADIO, DISH and DGRAM sockets, not ${host.socketTypeName}`, address);
  }
}

export function isMulticast(ip: string): boolean {
  if (isIP(ip) === 4) {
    const first = Number(ip.slice(0, ip.indexOf(".")));
    return first >= 224 && first <= 239;
  }
  return isIP(ip) === 6 && /^ff/i.test(ip);
}

/** Parses a DGRAM address frame, `ip:port` (IPv4 as libzmq; IPv6 in brackets too); null if it is not one. */
export function parseDatagramAddress(frame: Buffer): { ip: string; port: number } | null {
  // libzmq's address frames end with the C string's zero octet; accept both.
  const text = frame.toString("latin1", 0, frame.length > 0 && frame[frame.length - 1] === 0 ? frame.length - 1 : frame.length);
  const colon = text.lastIndexOf(":");
  if (colon < 0) return null;
  let ip = text.slice(0, colon);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (isIP(ip) === 0 || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return null;
  return { ip, port };
}

/**
 * One udp:// endpoint of a socket: a `node:dgram` socket and the pipe that
 * carries its messages. It is the pipe's transport.
 */
export class UdpSession implements PipeTransport {
  readonly host: UdpHost;
  /** The endpoint as given to bind() or connect(). */
  readonly address: string;
  /** The endpoint as bound (`udp://127.0.0.1:5555`, the port resolved). */
  endpoint: string;
  readonly #target: UdpEndpoint;
  readonly #role: Role;
  readonly #bind: boolean;
  #socket: DgramSocket | null = null;
  #pipe: Pipe | null = null;
  #targetIp = "";
  #ready = false;
  #closed = false;
  #flushScheduled = false;
  readonly #gate: SenderGate;
  readonly #maxSize: number;
  readonly #drops: DatagramDrops;
  readonly #flushBound = (): void => this.flushNow();

  constructor(host: UdpHost, address: string, target: UdpEndpoint, bind: boolean) {
    this.host = host;
    this.address = address;
    this.endpoint = address;
    this.#target = target;
    this.#bind = bind;
    this.#role = roleOf(host, bind, address);
    this.#gate = new SenderGate(host.option<number>("maxNewSendersPerSecond"));
    this.#maxSize = host.option<number>("maxDatagramSize");
    this.#drops = host.datagramDrops ?? datagramDrops();
  }

  get pipe(): Pipe | null {
    return this.#pipe;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves the host, opens and binds the socket. Rejects as libzmq's bind does. */
  async open(): Promise<void> {
    const target = this.#target;
    let ip = target.host;
    if (isIP(ip) === 0) {
      try {
        ip = (await dnsPromises().lookup(ip, { family: this.host.option<boolean>("ipv6") ? 0 : 4 })).address;
      } catch (error) {
        throw new ZmqError("EINVAL", `Cannot resolve ${target.host}: ${(error as Error).message}`, this.address);
      }
    }
    this.#targetIp = ip;
    const family = isIP(ip) === 6 ? "udp6" : "udp4";
    const multicast = isMulticast(ip);
    const socket = dgram().createSocket({ type: family, reuseAddr: this.#role.receive && multicast });
    // An idle endpoint holds no process, as tcp's do (a pending receive or send holds it: docs/compat.md).
    socket.unref();
    this.#socket = socket;
    socket.on("error", (error: NodeJS.ErrnoException) => this.#onError(error));
    if (this.#role.receive) socket.on("message", (datagram, rinfo) => this.#onDatagram(datagram, rinfo.address, rinfo.port));
    const bindIp = this.#role.receive ? (multicast ? (family === "udp6" ? "::" : "0.0.0.0") : ip) : undefined;
    const bindPort = this.#role.receive ? target.port : 0;
    await bindDatagramSocket(socket, { address: bindIp, port: bindPort, exclusive: !multicast }, this.address);
    if (this.#closed) return;
    if (multicast) {
      const iface = this.#target.iface ?? undefined;
      if (this.#role.receive) socket.addMembership(ip, iface);
      if (this.#role.send) {
        socket.setMulticastLoopback(true);
        const hops = this.host.option<number>("multicastHops");
        if (hops > 0) socket.setMulticastTTL(hops);
        if (iface !== undefined) socket.setMulticastInterface(iface);
      }
    }
    if (this.#role.receive) {
      const bound = socket.address();
      const shown = bound.family === "IPv6" || bound.address.includes(":") ? `[${multicast ? ip : bound.address}]` : multicast ? ip : bound.address;
      this.endpoint = `udp://${shown}:${bound.port}`;
    }
    this.#ready = true;
    if (this.#pipe !== null && this.#pipe.outbound.length > 0) this.flush();
  }

  /**
   * Attaches the endpoint's pipe to the socket: after a bind succeeded, or
   * at connect() at once, so what is sent before the socket is open waits
   * in the pipe (up to the high-water mark) rather than being lost.
   */
  attach(): void {
    const pipe = this.host.createPipe(!this.#bind, this.endpoint);
    pipe.subscribeToAll = true;
    pipe.peerAddress = this.endpoint;
    pipe.transport = this;
    this.#pipe = pipe;
    if (!this.host.attachPipe(pipe)) {
      this.#pipe = null;
      this.close(null);
      throw new ZmqError("EINVAL", `A ${this.host.socketTypeName} socket takes one udp:// endpoint`, this.address);
    }
    if (this.#ready && pipe.outbound.length > 0) this.flush();
  }

  // ---- receiving ----------------------------------------------------------------

  #onDatagram(datagram: Buffer, ip: string, port: number): void {
    const pipe = this.#pipe;
    if (pipe === null || pipe.terminated) return;
    const drops = this.#drops;
    if (this.#maxSize >= 0 && datagram.length > this.#maxSize) {
      drops.oversized++;
      return;
    }
    const sender = ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
    if (!this.#gate.admit(sender)) {
      drops.rateLimited++;
      return;
    }
    if (pipe.inboundFull) {
      drops.queueFull++;
      return;
    }
    if (this.#role.raw) {
      // As libzmq's udp_engine: `ip:port` with the C string's zero octet.
      pipe.deliver([Buffer.from(`${sender}\0`, "latin1"), datagram]);
      return;
    }
    // libzmq's udp_engine: the group's length, the group, then the body.
    if (datagram.length < 1 || datagram.length - 1 < datagram[0]!) {
      drops.malformed++;
      return;
    }
    const end = 1 + datagram[0]!;
    const group = datagram.subarray(1, end);
    if (group.indexOf(0) >= 0) {
      drops.malformed++;
      return;
    }
    pipe.deliver([group, datagram.subarray(end)]);
  }

  // ---- sending (PipeTransport) --------------------------------------------------

  flush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushBound);
  }

  flushNow(): void {
    this.#flushScheduled = false;
    const pipe = this.#pipe;
    const socket = this.#socket;
    if (pipe === null || socket === null || !this.#ready || this.#closed) return;
    let msg: Msg | undefined;
    while (socket.getSendQueueCount() < SEND_QUEUE_LIMIT && (msg = pipe.takeOutbound()) !== undefined) this.#sendOne(socket, msg);
    if (pipe.outbound.length > 0) this.flush();
  }

  #sendOne(socket: DgramSocket, msg: Msg): void {
    const drops = this.#drops;
    // A DISH's JOIN and LEAVE (one frame) do not travel over udp://: the DISH filters itself.
    if (!this.#role.send || msg.length !== 2) return;
    let datagram: Buffer;
    let ip = this.#targetIp;
    let port = this.#target.port;
    if (this.#role.raw) {
      const to = parseDatagramAddress(msg[0]!);
      if (to === null) {
        drops.malformed++;
        return;
      }
      ({ ip, port } = to);
      datagram = msg[1]!;
    } else {
      const group = msg[0]!;
      datagram = Buffer.allocUnsafe(1 + group.length + msg[1]!.length);
      datagram[0] = group.length;
      group.copy(datagram, 1);
      msg[1]!.copy(datagram, 1 + group.length);
    }
    if (this.#maxSize >= 0 && datagram.length > this.#maxSize) {
      drops.oversized++;
      return;
    }
    socket.send(datagram, port, ip, (error) => {
      if (error) drops.sendFailed++;
    });
  }

  resumeReading(): void {
    // A datagram socket cannot be paused: what arrives while the queue is full is dropped and counted.
  }

  /** The socket is done with the endpoint: send what is queued (UDP does not wait for anyone), then close. */
  shutdown(lingerMs: number): void {
    if (lingerMs !== 0) this.flushNow();
    this.close(null);
  }

  close(error: ZmqError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      // Datagrams handed to send() go out before close completes.
      socket.close();
    }
    const pipe = this.#pipe;
    this.#pipe = null;
    if (pipe !== null && !pipe.terminated) pipe.terminate();
    if (error !== null) this.host.emitEvent("close:error", this.endpoint, { error });
  }

  #onError(error: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    this.#drops.sendFailed++;
    this.host.emitEvent("close:error", this.endpoint, { error: toZmqError(error, this.address) });
  }
}

/** bind(udp://...): the endpoint opened, as the socket keeps it until unbind or close. */
export function bindUdp(host: UdpHost, endpoint: UdpEndpoint): Promise<Listener> {
  return listenDatagram(new UdpSession(host, endpoint.address, endpoint, true));
}

/** Opens a bound datagram session and attaches its pipe; the listener shuts it down. */
export async function listenDatagram(session: DatagramSession & { readonly endpoint: string }): Promise<Listener> {
  try {
    await session.open();
    session.attach();
  } catch (error) {
    session.close(null);
    throw error;
  }
  return { endpoint: session.endpoint, close: (_terminate, lingerMs) => session.shutdown(lingerMs) };
}

/** Binds a datagram socket; rejects with the coded error of the bind. */
export function bindDatagramSocket(socket: DgramSocket, options: BindOptions, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(toZmqError(error, address));
    socket.once("error", failed);
    socket.bind(options, () => {
      socket.off("error", failed);
      resolve();
    });
  });
}

/** What {@link datagramConnecter} drives: a udp:// or epgm:// session. */
export interface DatagramSession {
  readonly pipe: Pipe | null;
  attach(): void;
  open(): Promise<void>;
  shutdown(lingerMs: number): void;
  close(error: ZmqError | null): void;
}

/** The connecter of a datagram session: the pipe is attached at once; the socket opens in the background. */
export function datagramConnecter(host: Pick<UdpHost, "emitEvent">, session: DatagramSession, address: string): Connecter {
  return {
    get pipe() {
      return session.pipe;
    },
    start() {
      session.attach();
      session.open().catch((error: unknown) => {
        session.close(null);
        host.emitEvent("close:error", address, { error: error instanceof ZmqError ? error : toZmqError(error as NodeJS.ErrnoException, address) });
      });
    },
    close(lingerMs: number) {
      session.shutdown(lingerMs);
      return false;
    },
  };
}

/** connect(udp://...): the pipe is attached at once; the socket opens in the background. */
export function connectUdp(host: UdpHost, endpoint: UdpEndpoint): Connecter {
  const address = endpoint.address;
  return datagramConnecter(host, new UdpSession(host, address, endpoint, false), address);
}

/** udp:// in the transport table (registered by the Node entry): RADIO, DISH and DGRAM only. */
export const udp: Transport<UdpEndpoint> = {
  scheme: "udp",
  parse: parseUdp,
  bind: (host, endpoint) => bindUdp(host, endpoint),
  connect: (host, endpoint) => connectUdp(host, endpoint),
  isWildcard: (endpoint) => endpoint.port === 0,
};
