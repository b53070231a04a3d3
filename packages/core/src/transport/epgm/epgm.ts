/**
 * The epgm:// transport: PGM (RFC 3208) encapsulated in UDP, as libzmq's
 * OpenPGM build speaks it, for PUB/XPUB (senders) and SUB/XSUB (receivers).
 * Bind and connect mean the same: join the group on the interface.
 *
 * Sender: ZMQ messages framed as libzmq frames them (zmq-v1-framing.ts) in
 * ODATA packets of at most `multicastMaxTransportDataUnit` octets, paced to
 * `rate` kbit/s; SPMs at start, after data and every second; the packets of
 * the last `recoveryInterval` ms kept (at most {@link MAX_WINDOW_PACKETS})
 * to answer NAKs with an NCF and the RDATA, within the bounds of
 * {@link RepairPolicy} (NAK elimination, `repairRate`).
 *
 * Receiver: per source (TSI), data delivered in sequence; a gap is NAKed
 * (to the NLA of the source's SPM, else the datagram's sender) and waited
 * for up to `recoveryInterval` ms, then counted lost and skipped (the
 * partial message is dropped, as libzmq does). Bounds against a hostile
 * network: `multicastMaxSources` sources, {@link MAX_WINDOW_PACKETS}
 * packets held out of order per source, `maxMessageSize` (and
 * {@link MAX_EPGM_MESSAGE}) per message, checksums verified; each drop is
 * counted in {@link PgmStatistics}.
 */
import { nodeCrypto } from "../../util/lazy-require.js";
import type { Socket as DgramSocket } from "node:dgram";
import { ZmqError, toZmqError } from "../../errors.js";
import type { Msg, Pipe, PipeTransport } from "../../pipe.js";
import { bindDatagramSocket, datagramConnecter, dgram, listenDatagram, type UdpHost } from "../udp.js";
import type { Connecter, Listener, Transport } from "../transport.js";
import { parseEpgm, type EpgmEndpoint } from "./epgm-endpoint.js";
import { decodePgm, encodeData, encodeNakOrNcf, encodeSpm, nakOrNcfLength, PGM_DATA_HEADER, PGM_NAK, PGM_NCF, PGM_ODATA, PGM_RDATA, PGM_SPM, sqnDiff, type PgmPacket, type PgmSource } from "./pgm-packet.js";
import { pgmStatistics, type PgmStatistics } from "./pgm-statistics.js";
import { RepairPolicy, type RepairSizes } from "./repair-policy.js";
import { burstOf, octetsPerMs, TokenBucket } from "./token-bucket.js";
import { NO_MESSAGE_START, V1Decoder, v1FrameHeader } from "./zmq-v1-framing.js";

/** Packets a sender keeps for repair, and a receiver holds out of order, per source at most. */
export const MAX_WINDOW_PACKETS = 16_384;
/** The largest message an epgm:// receiver reassembles when `maxMessageSize` is unlimited (64 MiB). */
export const MAX_EPGM_MESSAGE = 64 * 1024 * 1024;
/** IPv4 (20) + UDP (8) headers under each PGM packet. */
const IP_UDP_HEADERS = 28;
const AMBIENT_SPM_MS = 1000;
const HEARTBEAT_SPM_MS = 50;
/** How often the receiver looks for NAKs to repeat. */
const NAK_TICK_MS = 50;
/** A missing packet is NAKed again after this long without its repair. */
const NAK_RETRY_MS = 200;
/** NAKs a receiver sends per source per tick at most: a burst of loss cannot turn into a NAK storm. */
const NAKS_PER_TICK = 64;

/** What an epgm:// endpoint needs from its socket. */
export interface EpgmHost extends UdpHost {
  /** The socket's epgm:// counters. */
  readonly pgmStatistics?: PgmStatistics;
}

type Role = "send" | "receive";

function roleOf(host: EpgmHost, address: string): Role {
  switch (host.socketTypeName) {
    case "PUB":
    case "XPUB":
      return "send";
    case "SUB":
    case "XSUB":
      return "receive";
    default:
      throw new ZmqError("ENOCOMPATPROTO", `epgm:// is for PUB, XPUB, SUB and XSUB sockets, not ${host.socketTypeName}`, address);
  }
}

interface Sent {
  sqn: number;
  tsdu: Buffer;
  at: number;
}

interface Peer {
  /** Next sqn to deliver. */
  next: number;
  held: Map<number, Buffer>;
  /** Missing sqn -> when it was first missed and last NAKed. */
  missing: Map<number, { since: number; naked: number }>;
  nla: string | null;
  sourcePort: number;
  gsi: Buffer;
  decoder: V1Decoder;
}

/** One epgm:// endpoint of a socket: a UDP socket, the PGM session, the pipe. */
export class EpgmSession implements PipeTransport {
  readonly host: EpgmHost;
  readonly endpoint: string;
  readonly #target: EpgmEndpoint;
  readonly #role: Role;
  readonly #stats: PgmStatistics;
  #socket: DgramSocket | null = null;
  #pipe: Pipe | null = null;
  #ready = false;
  #closed = false;
  // sender
  readonly #source: PgmSource;
  #sqn = 0;
  #spmSqn = 0;
  readonly #window: Sent[] = [];
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #batchStart = NO_MESSAGE_START;
  readonly #maxTsdu: number;
  /** ODATA and RDATA together, paced to `rate`. */
  readonly #paced = new TokenBucket(0, Date.now());
  /** NAK elimination and the `repairRate` bucket. */
  readonly #repairs = new RepairPolicy(Date.now());
  readonly #repairSizes: RepairSizes = {
    rdata: (sqn) => {
      const sent = this.#windowed(sqn);
      return sent === undefined ? undefined : PGM_DATA_HEADER + sent.tsdu.length + IP_UDP_HEADERS;
    },
    ncf: (count) => (count === 0 ? 0 : nakOrNcfLength(count) + IP_UDP_HEADERS),
  };
  #flushTimer: NodeJS.Timeout | null = null;
  #flushScheduled = false;
  #ambient: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  // receiver
  readonly #peers = new Map<string, Peer>();
  #nakTimer: NodeJS.Timeout | null = null;

  constructor(host: EpgmHost, target: EpgmEndpoint) {
    this.host = host;
    this.endpoint = target.address;
    this.#target = target;
    this.#role = roleOf(host, target.address);
    this.#stats = host.pgmStatistics ?? pgmStatistics();
    this.#source = { gsi: nodeCrypto().randomBytes(6), sourcePort: nodeCrypto().randomInt(1024, 65536), destinationPort: target.port };
    this.#maxTsdu = Math.max(64, host.option<number>("multicastMaxTransportDataUnit") - IP_UDP_HEADERS - PGM_DATA_HEADER);
  }

  get pipe(): Pipe | null {
    return this.#pipe;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the UDP socket on the port, joins the group. */
  async open(): Promise<void> {
    const target = this.#target;
    // OpenPGM binds its port with SO_REUSEPORT: Node has it from 22.12 (`reusePort`), older ones ignore it.
    const socket = dgram().createSocket({ type: "udp4", reuseAddr: true, reusePort: true } as Parameters<typeof import("node:dgram").createSocket>[0]);
    // An idle endpoint holds no process, as tcp's do; the pacing timer holds it while data waits.
    socket.unref();
    this.#socket = socket;
    socket.on("error", (error: NodeJS.ErrnoException) => this.#onError(error));
    socket.on("message", (datagram, rinfo) => this.#onDatagram(datagram, rinfo.address));
    await bindDatagramSocket(socket, { address: "0.0.0.0", port: target.port, exclusive: false }, target.address);
    if (this.#closed) return;
    if (this.#role === "receive") socket.addMembership(target.group, target.iface);
    socket.setMulticastInterface(target.iface);
    socket.setMulticastTTL(this.host.option<number>("multicastHops"));
    socket.setMulticastLoopback(this.host.option<boolean>("multicastLoop"));
    this.#ready = true;
    if (this.#role === "send") {
      this.#sendSpm();
      this.#ambient = setInterval(() => this.#sendSpm(), AMBIENT_SPM_MS);
      this.#ambient.unref();
      this.flush();
    } else {
      this.#nakTimer = setInterval(() => this.#naks(), NAK_TICK_MS);
      this.#nakTimer.unref();
    }
  }

  /** Attaches the pipe: a sender's takes every message (libzmq's subscribe-to-all). */
  attach(): void {
    const pipe = this.host.createPipe(this.#role === "send", this.endpoint);
    pipe.subscribeToAll = true;
    pipe.peerAddress = this.endpoint;
    pipe.transport = this;
    this.#pipe = pipe;
    if (!this.host.attachPipe(pipe)) {
      this.#pipe = null;
      this.close(null);
      throw new ZmqError("EINVAL", `The ${this.host.socketTypeName} socket refused the epgm:// endpoint`, this.endpoint);
    }
    if (this.#ready && pipe.outbound.length > 0) this.flush();
  }

  // ---- sending ------------------------------------------------------------------

  flush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(() => this.flushNow());
  }

  flushNow(): void {
    this.#flushScheduled = false;
    const pipe = this.#pipe;
    if (pipe === null || !this.#ready || this.#closed) return;
    if (this.#role === "receive") {
      // A SUB's subscriptions do not travel over PGM: the SUB filters on receipt, as libzmq's.
      while (pipe.takeOutbound() !== undefined);
      return;
    }
    if (this.#flushTimer !== null) return;
    let msg: Msg | undefined;
    while (this.#tokensFor(this.#maxTsdu) && (msg = pipe.takeOutbound()) !== undefined) this.#frame(msg);
    if (pipe.outbound.length === 0 && this.#batchBytes > 0 && this.#tokensFor(this.#batchBytes)) this.#emit();
    if (pipe.outbound.length > 0 || this.#batchBytes > 0) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = null;
        this.flushNow();
      }, 2);
    }
  }

  /** Refills the `rate` bucket; true if `bytes` may go now (a burst of at most 100 ms is allowed). */
  #tokensFor(bytes: number): boolean {
    const perMs = octetsPerMs(this.host.option<number>("rate"));
    return this.#paced.refill(Date.now(), perMs, burstOf(perMs, this.#maxTsdu)) >= bytes;
  }

  /** The `repairRate` in octets a ms: -1 (the default) is a quarter of `rate`. */
  #repairPerMs(): number {
    const repairRate = this.host.option<number>("repairRate");
    return octetsPerMs(repairRate < 0 ? this.host.option<number>("rate") / 4 : repairRate);
  }

  #frame(msg: Msg): void {
    for (let i = 0; i < msg.length; i++) {
      const body = msg[i]!;
      const head = v1FrameHeader(body.length, i < msg.length - 1);
      if (i === 0 && this.#batchStart === NO_MESSAGE_START) this.#batchStart = this.#batchBytes;
      this.#append(head);
      this.#append(body);
    }
  }

  #append(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      const room = this.#maxTsdu - 2 - this.#batchBytes;
      const take = Math.min(room, bytes.length - at);
      this.#batch.push(bytes.subarray(at, at + take));
      this.#batchBytes += take;
      at += take;
      if (this.#batchBytes === this.#maxTsdu - 2) this.#emit();
    }
  }

  #emit(): void {
    const offset = Buffer.alloc(2);
    offset.writeUInt16BE(this.#batchStart, 0);
    const tsdu = Buffer.concat([offset, ...this.#batch]);
    this.#batch = [];
    this.#batchBytes = 0;
    this.#batchStart = NO_MESSAGE_START;
    const sqn = this.#sqn;
    this.#sqn = (this.#sqn + 1) >>> 0;
    this.#window.push({ sqn, tsdu, at: Date.now() });
    this.#trimWindow();
    this.#paced.spend(tsdu.length + PGM_DATA_HEADER + IP_UDP_HEADERS);
    this.#send(encodeData(this.#source, PGM_ODATA, sqn, this.#trail(), tsdu), this.#target.group);
    this.#stats.dataSent++;
    if (this.#heartbeat === null) {
      this.#heartbeat = setTimeout(() => {
        this.#heartbeat = null;
        this.#sendSpm();
      }, HEARTBEAT_SPM_MS);
      this.#heartbeat.unref();
    }
  }

  #trimWindow(): void {
    const oldest = Date.now() - this.host.option<number>("recoveryInterval");
    let drop = 0;
    while (drop < this.#window.length && (this.#window[drop]!.at < oldest || this.#window.length - drop > MAX_WINDOW_PACKETS)) drop++;
    if (drop > 0) this.#window.splice(0, drop);
  }

  #trail(): number {
    return this.#window.length > 0 ? this.#window[0]!.sqn : this.#sqn;
  }

  #sendSpm(): void {
    if (!this.#ready || this.#closed) return;
    this.#trimWindow();
    const lead = (this.#sqn - 1) >>> 0;
    this.#send(encodeSpm(this.#source, this.#spmSqn, this.#trail(), lead, this.#target.iface), this.#target.group);
    this.#spmSqn = (this.#spmSqn + 1) >>> 0;
  }

  /**
   * Answers a NAK (RFC 3208 §5.2, §5.3) as {@link RepairPolicy} decides: one
   * NCF naming every sqn confirmed (OpenPGM's answer to a NAK list), then the
   * RDATA of each sqn not repaired within the elimination interval, while the
   * `repairRate` bucket lasts; the rest is counted.
   */
  #onNak(packet: PgmPacket): void {
    if (packet.gsi !== this.#source.gsi.toString("hex") || packet.destinationPort !== this.#source.sourcePort) return;
    this.#stats.naksReceived++;
    this.#trimWindow();
    const sqns = packet.nakList.length === 0 ? [packet.sqn] : [packet.sqn, ...packet.nakList];
    const perMs = this.#repairPerMs();
    const answer = this.#repairs.answer(sqns, this.#repairSizes, Date.now(), perMs, burstOf(perMs, this.#maxTsdu + PGM_DATA_HEADER + IP_UDP_HEADERS));
    this.#stats.naksEliminated += answer.eliminated;
    this.#stats.naksRateLimited += answer.rateLimited;
    if (answer.confirm.length === 0) return;
    const ncf = encodeNakOrNcf(this.#source, PGM_NCF, answer.confirm[0]!, this.#target.iface, this.#target.group, answer.confirm.slice(1));
    this.#paced.spend(ncf.length + IP_UDP_HEADERS);
    this.#send(ncf, this.#target.group);
    for (const sqn of answer.repair) this.#repair(this.#windowed(sqn)!);
  }

  /** The packet of `sqn` still in the send window. */
  #windowed(sqn: number): Sent | undefined {
    const first = this.#window[0];
    if (first === undefined) return undefined;
    const index = sqnDiff(sqn, first.sqn);
    return index < 0 || index >= this.#window.length ? undefined : this.#window[index];
  }

  #repair(sent: Sent): void {
    const rdata = encodeData(this.#source, PGM_RDATA, sent.sqn, this.#trail(), sent.tsdu);
    // Repairs also share the `rate` budget with new data, as OpenPGM's do (TXW_MAX_RTE): a NAK storm slows ODATA, not the link.
    this.#paced.spend(rdata.length + IP_UDP_HEADERS);
    this.#send(rdata, this.#target.group);
    this.#stats.repairsSent++;
  }

  #send(packet: Buffer, ip: string): void {
    const socket = this.#socket;
    if (socket === null) return;
    socket.send(packet, this.#target.port, ip, (error) => {
      if (error) this.#stats.socketErrors++;
    });
  }

  // ---- receiving ----------------------------------------------------------------

  #onDatagram(datagram: Buffer, from: string): void {
    const packet = decodePgm(datagram);
    if (typeof packet === "string") {
      if (packet === "checksum") this.#stats.badChecksum++;
      else if (packet === "fragment") this.#stats.fragmented++;
      else this.#stats.malformed++;
      return;
    }
    if (this.#role === "send") {
      if (packet.type === PGM_NAK) this.#onNak(packet);
      return;
    }
    if (packet.destinationPort !== this.#target.port) return;
    const key = `${packet.gsi}:${packet.sourcePort}`;
    if (packet.type === PGM_SPM) {
      const peer = this.#peers.get(key);
      if (peer !== undefined) {
        peer.nla = packet.nla;
        // The lead shows data lost at the tail, which no later ODATA would reveal.
        const lead = sqnDiff(packet.lead, peer.next);
        if (lead >= 0 && lead < MAX_WINDOW_PACKETS) this.#missed(peer, (packet.lead + 1) >>> 0);
        this.#skipUnrecoverable(peer, packet.trail);
      }
      return;
    }
    if (packet.type !== PGM_ODATA && packet.type !== PGM_RDATA) return;
    let peer = this.#peers.get(key);
    if (peer === undefined) {
      if (packet.type === PGM_RDATA) return;
      if (this.#peers.size >= this.host.option<number>("multicastMaxSources")) {
        this.#stats.sourcesRefused++;
        return;
      }
      peer = {
        next: packet.sqn,
        held: new Map(),
        missing: new Map(),
        nla: from,
        sourcePort: packet.sourcePort,
        gsi: Buffer.from(packet.gsi, "hex"),
        decoder: new V1Decoder(this.host.option<number>("maxMessageSize"), MAX_EPGM_MESSAGE),
      };
      this.#peers.set(key, peer);
    }
    const ahead = sqnDiff(packet.sqn, peer.next);
    if (ahead < 0 || peer.held.has(packet.sqn)) return;
    if (ahead >= MAX_WINDOW_PACKETS) {
      this.#stats.outsideWindow++;
      return;
    }
    if (packet.type === PGM_RDATA) this.#stats.repairsReceived++;
    peer.missing.delete(packet.sqn);
    if (ahead > 0) {
      peer.held.set(packet.sqn, packet.data);
      this.#missed(peer, packet.sqn);
      this.#skipUnrecoverable(peer, packet.trail);
      return;
    }
    this.#consume(peer, packet.data);
    this.#drain(peer);
  }

  /** NAKs each sqn from the next expected up to `end` (excluded) that is neither held nor NAKed yet. */
  #missed(peer: Peer, end: number): void {
    const now = Date.now();
    let budget = NAKS_PER_TICK;
    for (let s = peer.next; s !== end; s = (s + 1) >>> 0) {
      if (!peer.held.has(s) && !peer.missing.has(s)) {
        // Beyond the budget, the tick NAKs it (naked: 0 is long ago).
        peer.missing.set(s, { since: now, naked: budget > 0 ? now : 0 });
        if (budget-- > 0) this.#nak(peer, s);
      }
    }
  }

  #consume(peer: Peer, tsdu: Buffer): void {
    peer.next = (peer.next + 1) >>> 0;
    const ok = peer.decoder.push(tsdu, (msg) => {
      const pipe = this.#pipe;
      if (pipe === null || pipe.terminated) return;
      if (pipe.inboundFull) this.#stats.queueFull++;
      else pipe.deliver(msg);
    });
    if (!ok) this.#stats.badFraming++;
  }

  #drain(peer: Peer): void {
    let tsdu: Buffer | undefined;
    while ((tsdu = peer.held.get(peer.next)) !== undefined) {
      peer.held.delete(peer.next);
      this.#consume(peer, tsdu);
    }
  }

  /** Gives up on what the source no longer has (before its trail) or was missed too long. */
  #skipUnrecoverable(peer: Peer, trail: number): void {
    const deadline = Date.now() - this.host.option<number>("recoveryInterval");
    while (peer.missing.size > 0 && !peer.held.has(peer.next)) {
      const since = peer.missing.get(peer.next)?.since;
      if (since === undefined || (sqnDiff(trail, peer.next) <= 0 && since >= deadline)) break;
      peer.missing.delete(peer.next);
      peer.next = (peer.next + 1) >>> 0;
      this.#stats.lost++;
      peer.decoder.reset();
      this.#drain(peer);
    }
  }

  #nak(peer: Peer, sqn: number): void {
    const socket = this.#socket;
    if (socket === null || peer.nla === null) return;
    const source: PgmSource = { gsi: peer.gsi, sourcePort: peer.sourcePort, destinationPort: this.#target.port };
    socket.send(encodeNakOrNcf(source, PGM_NAK, sqn, peer.nla, this.#target.group), this.#target.port, peer.nla, (error) => {
      if (error) this.#stats.socketErrors++;
    });
    this.#stats.naksSent++;
  }

  /** Re-NAKs what is still missing after {@link NAK_RETRY_MS} (at most {@link NAKS_PER_TICK}); skips what waited past `recoveryInterval`. */
  #naks(): void {
    const now = Date.now();
    for (const peer of this.#peers.values()) {
      if (peer.missing.size === 0) continue;
      let budget = NAKS_PER_TICK;
      for (const [sqn, state] of peer.missing) {
        if (budget === 0) break;
        if (now - state.naked < NAK_RETRY_MS) continue;
        state.naked = now;
        budget--;
        this.#nak(peer, sqn);
      }
      this.#skipUnrecoverable(peer, peer.next);
    }
  }

  // ---- closing ------------------------------------------------------------------

  resumeReading(): void {
    // A datagram socket cannot be paused: what arrives while the queue is full is dropped and counted.
  }

  shutdown(lingerMs: number): void {
    if (lingerMs !== 0 && this.#role === "send" && this.#ready && !this.#closed) {
      let msg: Msg | undefined;
      while (this.#pipe !== null && (msg = this.#pipe.takeOutbound()) !== undefined) this.#frame(msg);
      if (this.#batchBytes > 0) this.#emit();
    }
    this.close(null);
  }

  close(error: ZmqError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of [this.#ambient, this.#nakTimer]) if (timer !== null) clearInterval(timer);
    for (const timer of [this.#heartbeat, this.#flushTimer]) if (timer !== null) clearTimeout(timer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) socket.close();
    const pipe = this.#pipe;
    this.#pipe = null;
    if (pipe !== null && !pipe.terminated) pipe.terminate();
    if (error !== null) this.host.emitEvent("close:error", this.endpoint, { error });
  }

  #onError(error: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    this.#stats.socketErrors++;
    this.host.emitEvent("close:error", this.endpoint, { error: toZmqError(error, this.endpoint) });
  }
}

function open(host: EpgmHost, endpoint: EpgmEndpoint): EpgmSession {
  return new EpgmSession(host, endpoint);
}

/** bind(epgm://...): joins at once; the listener closes the session. */
function bindEpgm(host: EpgmHost, endpoint: EpgmEndpoint): Promise<Listener> {
  return listenDatagram(open(host, endpoint));
}

/** connect(epgm://...): the pipe is attached at once; the socket opens in the background. */
function connectEpgm(host: EpgmHost, endpoint: EpgmEndpoint): Connecter {
  return datagramConnecter(host, open(host, endpoint), endpoint.address);
}

/** epgm:// in the transport table (registered by the Node entry). */
export const epgm: Transport<EpgmEndpoint> = {
  scheme: "epgm",
  parse: (address, rest) => parseEpgm(address, rest),
  bind: (host, endpoint) => bindEpgm(host, endpoint),
  connect: (host, endpoint) => connectEpgm(host, endpoint),
  isWildcard: () => false,
};
