import { Buffer } from "../util/buffer.js";
import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { RoutingIds } from "../routing/routing-ids.js";
import { defineOptions } from "../options.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

const EMPTY = Buffer.alloc(0);

/**
 * ROUTER (RFC 28): addresses peers by routing id. Each received message is
 * prefixed with the sending peer's routing id; the first frame of each sent
 * message names the peer to send to. A peer's routing id is what it
 * announced (`Identity` in READY, or the `routingId` given to `connect`),
 * else a generated 5-byte id (a zero byte and a 32-bit counter, as libzmq).
 */
export class Router extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    routingId: { kind: "binary", default: null, max: 255 },
    mandatory: { kind: "bool", default: false },
    probeRouter: { kind: "bool", default: false },
    handover: { kind: "bool", default: false },
  } as const;
  protected readonly fq = new FairQueue();
  /** Pipes by routing id (latin1 string of the id bytes). */
  protected readonly ids = new RoutingIds();

  constructor(options?: SocketOptions<Router>, type: SocketType = SocketType.Router) {
    super(type, options);
    this.sealIfExactly(Router);
  }

  /** Connects, optionally naming the routing id this ROUTER will use for that peer. */
  override connect(address: string, options?: { routingId?: string | Buffer }): void {
    super.connect(address, options);
  }

  protected override routesByIdentity(): boolean {
    return true;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    let id = pipe.routingId;
    if (id !== null && id.length > 0 && id[0] === 0) {
      // RFC 28 / libzmq: ids starting with a zero byte are reserved for generated ones.
      id = null;
    }
    if (id === null || id.length === 0) {
      id = this.ids.generate();
    } else {
      const existing = this.ids.get(id);
      if (existing !== undefined) {
        if (this.options.handover !== true) return false;
        this.ids.remove(existing);
        existing.terminate();
      }
    }
    pipe.routingId = id;
    this.ids.set(id, pipe);
    this.fq.attach(pipe);
    if (this.options.probeRouter === true && pipe.canWrite()) pipe.write([EMPTY]);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.ids.remove(pipe);
    this.fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    void pipe;
  }

  protected override xsend(msg: Msg): boolean {
    if (msg.length < 2) {
      throw new ZmqError("EINVAL", "A ROUTER message needs a routing id frame and at least one more frame");
    }
    const pipe = this.ids.get(msg[0]!);
    const mandatory = this.options.mandatory === true;
    if (pipe === undefined) {
      if (mandatory) throw new ZmqError("EHOSTUNREACH", `No peer with routing id ${msg[0]!.toString("hex")}`);
      return true;
    }
    if (!pipe.canWrite()) return !mandatory;
    pipe.write(msg.slice(1));
    return true;
  }

  protected override lastReceivedPipe(): Pipe | null {
    return this.fq.lastPipe;
  }
  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv();
    if (msg === undefined) return undefined;
    msg.unshift(this.fq.lastPipe?.routingId ?? EMPTY);
    return msg;
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    for (const pipe of this.ids.routes.values()) if (pipe.canWrite()) return true;
    return false;
  }
}
defineOptions(Router.prototype, Router.optionSpecs);

export interface Router {
  /** The routing id this socket announces to peers it connects to. */
  routingId: string | null;
  /** Fail sends to unknown peers with `EHOSTUNREACH` (and wait on full ones) instead of dropping. */
  mandatory: boolean;
  /** Send an empty message to each new peer. */
  probeRouter: boolean;
  /** A new peer with a routing id in use takes it over instead of being refused. */
  handover: boolean;
}
