/**
 * ZAP, the ZeroMQ Authentication Protocol (RFC 27): how a server-side
 * security mechanism asks the application whether to accept a peer.
 *
 * Two ways to answer, checked in this order for every handshake:
 * 1. a typed handler set on the context (`context.zapHandler = async (request) => ...`);
 * 2. an RFC 27 handler: any socket bound at `inproc://zeromq.zap.01` in the
 *    same context (usually a ROUTER), exactly as with libzmq, so existing
 *    ZAP handlers work unchanged.
 * With neither, the request is unanswered (`null`): CURVE then accepts every
 * client that knows the server key, and PLAIN refuses, as libzmq 4.3 does.
 */
import { ProtocolError, ZmqError } from "./errors.js";
import type { ZapReply, ZapRequest } from "./mechanism/mechanism.js";
import { decodeMetadata, type Metadata } from "./zmtp/metadata.js";

export type { ZapReply, ZapRequest } from "./mechanism/mechanism.js";

/** The answer of a typed ZAP handler. */
export interface ZapDecision {
  /** Accept (true) or refuse (false). Shorthand for statusCode "200" / "400". */
  allow: boolean;
  /** Overrides `allow`: "200" accept, "300" temporary failure, "400" refuse, "500" internal error. */
  statusCode?: "200" | "300" | "400" | "500";
  statusText?: string;
  /** The authenticated user id; it appears as `User-Id` in the peer's message properties. */
  userId?: string;
  /** Extra properties for the peer's messages. */
  metadata?: Record<string, string | Buffer>;
}

/** A typed ZAP handler: sees mechanism, address, domain and credentials, decides. */
export type ZapHandler = (request: ZapRequest) => ZapDecision | Promise<ZapDecision>;

/** RFC 27's well-known endpoint. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_VERSION = "1.0";

/** What the ZAP client needs of a context. */
export interface ZapContext {
  readonly zapHandler: ZapHandler | null;
  readonly inproc: { isBound(name: string): boolean };
}

interface Pending {
  resolve(reply: ZapReply): void;
  reject(error: ZmqError): void;
}

interface DealerLike {
  linger: number;
  connect(address: string): void;
  send(frames: Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly closed: boolean;
  readonly writable: boolean;
}

/** Sends ZAP requests for the sockets of one context. */
export class ZapClient {
  readonly #context: ZapContext;
  #dealer: DealerLike | null = null;
  #pending = new Map<string, Pending>();
  #nextId = 1;

  constructor(context: ZapContext) {
    this.#context = context;
  }

  /** Asks for a decision; `null` when no handler is installed. */
  async authenticate(request: ZapRequest): Promise<ZapReply | null> {
    request = { ...request, address: zapAddress(request.address) };
    const handler = this.#context.zapHandler;
    if (handler !== null) return fromDecision(await handler(request));
    if (!this.#context.inproc.isBound("zeromq.zap.01")) return null;
    return this.#viaSocket(request);
  }

  async #viaSocket(request: ZapRequest): Promise<ZapReply> {
    const dealer = await this.#ensureDealer();
    const id = String(this.#nextId++);
    const reply = new Promise<ZapReply>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    // RFC 27 §"Request": the handler is a REP-like peer, so the request starts with an empty delimiter.
    await dealer.send([
      Buffer.alloc(0),
      Buffer.from(ZAP_VERSION),
      Buffer.from(id),
      Buffer.from(request.domain),
      Buffer.from(request.address),
      request.identity,
      Buffer.from(request.mechanism),
      ...request.credentials,
    ]);
    return reply;
  }

  async #ensureDealer(): Promise<DealerLike> {
    // A handler that closed and was bound again is a new peer: reconnect, as libzmq's per-session ZAP client does.
    if (this.#dealer !== null && !this.#dealer.closed && this.#dealer.writable) return this.#dealer;
    this.#dealer?.close();
    // Loaded lazily: the Dealer class depends on socket-base, which depends on this file.
    const { Dealer } = await import("./socket/dealer.js");
    // Handshakes ask concurrently: their requests queue rather than fail with EBUSY.
    const dealer = new Dealer({ context: this.#context as never, linger: 0, maxPendingSends: 0 }) as unknown as DealerLike;
    dealer.connect(ZAP_ENDPOINT);
    this.#dealer = dealer;
    void this.#readReplies(dealer);
    return dealer;
  }

  async #readReplies(dealer: DealerLike): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await dealer.receive();
      } catch {
        for (const pending of this.#pending.values()) pending.reject(new ZmqError("ETERM", "ZAP client closed"));
        this.#pending.clear();
        return;
      }
      // [empty, version, request id, status code, status text, user id, metadata]
      const at = frames[0]?.length === 0 ? 1 : 0;
      const id = frames[at + 1]?.toString();
      const malformed = frames.length !== at + 6;
      // A reply too short to name its request answers the oldest one (handlers answer in order).
      const key = id !== undefined && this.#pending.has(id) ? id : malformed ? this.#pending.keys().next().value : undefined;
      const pending = key === undefined ? undefined : this.#pending.get(key);
      if (pending === undefined) continue;
      this.#pending.delete(key!);
      const status = frames[at + 2]?.toString() ?? "";
      // The checks and codes of libzmq's zap_client (and zeromq's handshake:error:protocol events).
      if (malformed) {
        pending.reject(new ProtocolError("ERR_ZAP_MALFORMED_REPLY", `Malformed ZAP reply: ${frames.length} frames`));
        continue;
      }
      if (frames[at]!.toString() !== ZAP_VERSION) {
        pending.reject(new ProtocolError("ERR_ZAP_BAD_VERSION", `ZAP reply of version ${JSON.stringify(frames[at]!.toString())}, expected ${ZAP_VERSION}`));
        continue;
      }
      if (!["200", "300", "400", "500"].includes(status)) {
        pending.reject(new ProtocolError("ERR_ZAP_INVALID_STATUS_CODE", `ZAP reply with status code ${JSON.stringify(status)}`));
        continue;
      }
      let metadata: Metadata = new Map();
      try {
        metadata = decodeMetadata(frames[at + 5]!);
      } catch {
        pending.reject(new ProtocolError("ERR_ZAP_MALFORMED_REPLY", "Malformed metadata in ZAP reply"));
        continue;
      }
      pending.resolve({
        statusCode: status as ZapReply["statusCode"],
        statusText: frames[at + 3]!.toString(),
        userId: frames[at + 4]!.toString(),
        metadata,
      });
    }
  }

  /** Closes the client's socket (context close). */
  close(): void {
    this.#dealer?.close();
    this.#dealer = null;
  }
}

/**
 * RFC 27 §"Request": the address frame is "the origin network IP address",
 * which libzmq sends bare (`127.0.0.1`, `::1`), without scheme or port; so a
 * handler that allow-lists IPs works for both libraries. Others pass as they are.
 */
export function zapAddress(peerAddress: string): string {
  const tcp = /^tcp:\/\/\[?([^\]]*?)\]?:\d+$/.exec(peerAddress);
  return tcp === null ? peerAddress : tcp[1]!;
}

function fromDecision(decision: ZapDecision): ZapReply {
  const statusCode = decision.statusCode ?? (decision.allow ? "200" : "400");
  const metadata: Metadata = new Map();
  for (const [name, value] of Object.entries(decision.metadata ?? {})) {
    metadata.set(name, typeof value === "string" ? Buffer.from(value) : value);
  }
  return {
    statusCode,
    statusText: decision.statusText ?? (statusCode === "200" ? "OK" : "Access denied"),
    userId: decision.userId ?? "",
    metadata,
  };
}
