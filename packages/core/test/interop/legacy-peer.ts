/**
 * A ZeroMQ peer from before ZMTP 3.0, written byte by byte from the RFCs
 * (not from skein's code): ZMTP/1.0 (RFC 13, the libzmq 2.x generation)
 * and ZMTP/2.0 (RFC 15, libzmq 3.x, JeroMQ before 0.4). It speaks over a
 * raw `node:net` socket, as the connecting or the listening side, and knows
 * nothing of sockets' routing: a test drives it frame by frame.
 *
 * ZMTP/1.0 (RFC 13):
 *   greeting    = one frame: our identity (empty for anonymous)
 *   frame       = length flags body, length = OCTET / (%xFF 8OCTET), counting flags
 *   flags       = %x00 final / %x01 more
 *   The first frame from the other side is its identity, whatever its flags
 *   (RFC 15 §"Backwards Interoperability" relies on a 1.0 peer reading a
 *   newer peer's signature as a long-length identity frame, flags %x7F).
 *
 * ZMTP/2.0 (RFC 15):
 *   greeting    = signature revision socket-type identity
 *   signature   = %xFF 8OCTET %x7F; revision = %x01
 *   identity    = %x00 OCTET body (final-short)
 *   frame       = flags length body, flags bit 0 MORE, bit 1 LONG (8-octet length)
 *   "eager": everything at once, as the grammar reads; "stepwise": what
 *   §"Backwards Interoperability" describes for implementations that also
 *   talk to 1.0 peers (libzmq 3.x): the signature carries the identity
 *   length plus one, and the rest follows once the other side's signature
 *   has arrived.
 */
import * as net from "node:net";

export type LegacyVersion = "1.0" | "2.0" | "2.0-eager";

/** RFC 15 socket type numbers. */
export const OLD_TYPES = { PAIR: 0, PUB: 1, SUB: 2, REQ: 3, REP: 4, DEALER: 5, ROUTER: 6, PULL: 7, PUSH: 8 } as const;
export type OldType = keyof typeof OLD_TYPES;

/** RFC 15 §"Socket Compatibility". */
const ACCEPTS: Record<OldType, OldType[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB"],
  SUB: ["PUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PULL: ["PUSH"],
  PUSH: ["PULL"],
};

export interface LegacyPeerOptions {
  version: LegacyVersion;
  type: OldType;
  identity?: string;
}

export class OldPeer {
  readonly stream: net.Socket;
  readonly version: LegacyVersion;
  readonly type: OldType;
  readonly identity: Buffer;
  /** The other side's identity frame, once read. */
  peerIdentity: Buffer | null = null;
  /** The other side's revision and socket type octets (ZMTP/2.0), once read. */
  peerRevision = -1;
  peerType = -1;
  /** Complete messages received after the identity. */
  readonly messages: Buffer[][] = [];
  /** Why this peer stopped reading, if it did (a protocol error on the other side's bytes). */
  error: string | null = null;
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #greetingRead = false;
  #restSent = false;
  #parts: Buffer[] = [];
  #waiters: Array<() => void> = [];

  constructor(stream: net.Socket, options: LegacyPeerOptions) {
    this.stream = stream;
    this.version = options.version;
    this.type = options.type;
    this.identity = Buffer.from(options.identity ?? "");
    this.closed = new Promise((resolve) => stream.on("close", () => resolve()));
    stream.on("error", () => {});
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#open();
  }

  /** Connects to `address` (tcp://host:port or ipc://path). */
  static connect(address: string, options: LegacyPeerOptions): Promise<OldPeer> {
    return new Promise((resolve, reject) => {
      const stream = net.connect(netOptions(address));
      stream.once("error", reject);
      stream.once("connect", () => {
        stream.off("error", reject);
        resolve(new OldPeer(stream, options));
      });
    });
  }

  /** Listens on `address`; `accepted` resolves with the peer of the first connection. */
  static async listen(address: string, options: LegacyPeerOptions): Promise<{ server: net.Server; accepted: Promise<OldPeer> }> {
    let accept!: (peer: OldPeer) => void;
    const accepted = new Promise<OldPeer>((resolve) => (accept = resolve));
    const server = net.createServer((stream) => accept(new OldPeer(stream, options)));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(netOptions(address), () => resolve());
    });
    return { server, accepted };
  }

  /** Sends one message, frame by frame. */
  send(frames: Array<Buffer | string>): void {
    const out: Buffer[] = [];
    frames.forEach((frame, i) => out.push(this.#frame(Buffer.from(frame), i < frames.length - 1)));
    this.stream.write(Buffer.concat(out));
  }

  /** Resolves with the next message received (in order). */
  async receive(timeoutMs = 5000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.error !== null) throw new Error(`old peer stopped: ${this.error}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("old peer: no message within the deadline");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift()!;
  }

  /** Resolves once the other side's identity frame has arrived. */
  async greeted(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.peerIdentity === null) {
      if (this.error !== null) throw new Error(`old peer stopped: ${this.error}`);
      if (Date.now() > deadline) throw new Error("old peer: no greeting within the deadline");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  // ---- greeting ----------------------------------------------------------------------------

  #open(): void {
    const id = this.identity;
    if (this.version === "1.0") {
      // RFC 13: the greeting is our identity frame.
      this.stream.write(this.#frame(id, false));
    } else if (this.version === "2.0-eager") {
      this.stream.write(Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]), this.#rest2()]));
      this.#restSent = true;
    } else {
      // RFC 15 §"Backwards Interoperability": the padding is our identity length plus one.
      const signature = Buffer.alloc(10);
      signature[0] = 0xff;
      signature.writeBigUInt64BE(BigInt(id.length + 1), 1);
      signature[9] = 0x7f;
      this.stream.write(signature);
    }
  }

  /** Revision, socket type, identity (final-short). */
  #rest2(): Buffer {
    return Buffer.concat([Buffer.from([0x01, OLD_TYPES[this.type], 0x00, this.identity.length]), this.identity]);
  }

  #onData(chunk: Buffer): void {
    if (this.error !== null) return;
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    try {
      if (!this.#greetingRead && this.version !== "1.0" && !this.#readGreeting2()) return;
      this.#readFrames();
    } catch (error) {
      this.error = (error as Error).message;
      this.stream.destroy();
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** ZMTP/2.0: reads signature, revision and socket type. Returns false while incomplete. */
  #readGreeting2(): boolean {
    const buffer = this.#buffer;
    if (buffer.length >= 10) {
      if (buffer[0] !== 0xff || (buffer[9]! & 0x01) === 0) throw new Error("not a ZMTP/2.0 signature");
      if (!this.#restSent) {
        this.#restSent = true;
        this.stream.write(this.#rest2());
      }
    }
    if (buffer.length < 12) return false;
    this.peerRevision = buffer[10]!;
    this.peerType = buffer[11]!;
    if (this.peerRevision < 1) throw new Error(`revision ${this.peerRevision} is older than ZMTP/2.0`);
    const type = (Object.keys(OLD_TYPES) as OldType[]).find((name) => OLD_TYPES[name] === this.peerType);
    // RFC 15: "SHOULD enforce that an incoming connection has a valid socket type".
    if (type === undefined || !ACCEPTS[this.type].includes(type)) throw new Error(`socket type ${this.peerType} refused by ${this.type}`);
    this.#buffer = buffer.subarray(12);
    this.#greetingRead = true;
    return true;
  }

  // ---- frames ------------------------------------------------------------------------------

  #frame(body: Buffer, more: boolean): Buffer {
    if (this.version === "1.0") {
      const length = body.length + 1;
      const header =
        length < 255 ? Buffer.from([length, more ? 1 : 0]) : Buffer.concat([Buffer.from([0xff]), u64(length), Buffer.from([more ? 1 : 0])]);
      return Buffer.concat([header, body]);
    }
    const header =
      body.length <= 255 ? Buffer.from([more ? 0x01 : 0x00, body.length]) : Buffer.concat([Buffer.from([more ? 0x03 : 0x02]), u64(body.length)]);
    return Buffer.concat([header, body]);
  }

  #readFrames(): void {
    for (;;) {
      const frame = this.version === "1.0" ? this.#nextFrame1() : this.#nextFrame2();
      if (frame === null) return;
      if (this.peerIdentity === null) {
        this.peerIdentity = frame.body;
        continue;
      }
      this.#parts.push(frame.body);
      if (!frame.more) {
        this.messages.push(this.#parts);
        this.#parts = [];
      }
    }
  }

  #nextFrame1(): { more: boolean; body: Buffer } | null {
    const buffer = this.#buffer;
    if (buffer.length < 2) return null;
    const long = buffer[0] === 0xff;
    const headerLength = long ? 10 : 2;
    if (buffer.length < headerLength) return null;
    const length = long ? Number(buffer.readBigUInt64BE(1)) : buffer[0]!;
    if (length === 0) throw new Error("frame length 0");
    if (buffer.length < headerLength + length - 1) return null;
    const flags = buffer[headerLength - 1]!;
    this.#buffer = buffer.subarray(headerLength + length - 1);
    return { more: (flags & 0x01) !== 0, body: Buffer.from(buffer.subarray(headerLength, headerLength + length - 1)) };
  }

  #nextFrame2(): { more: boolean; body: Buffer } | null {
    const buffer = this.#buffer;
    if (buffer.length < 2) return null;
    const flags = buffer[0]!;
    if ((flags & 0xfc) !== 0) throw new Error(`reserved flag bits in 0x${flags.toString(16)}`);
    const long = (flags & 0x02) !== 0;
    const headerLength = long ? 9 : 2;
    if (buffer.length < headerLength) return null;
    const length = long ? Number(buffer.readBigUInt64BE(1)) : buffer[1]!;
    if (buffer.length < headerLength + length) return null;
    this.#buffer = buffer.subarray(headerLength + length);
    return { more: (flags & 0x01) !== 0, body: Buffer.from(buffer.subarray(headerLength, headerLength + length)) };
  }
}

function u64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

function netOptions(address: string): net.NetConnectOpts & net.ListenOptions {
  if (address.startsWith("ipc://")) return { path: address.slice("ipc://".length) };
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(address)!;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}
