/**
 * The broker's protocol ("majordomo"-style, after RFC 7/MDP, with credits
 * and one-byte commands). Documented frame by frame in docs/patterns.md.
 *
 * Clients (front ROUTER) speak the {@link RpcClient} wire with a service
 * frame: `[correlationId(8), service, ...frames]`, and get
 * `[correlationId(8), ...replyFrames]` back.
 *
 * Workers (back ROUTER, each a DEALER) speak:
 */
import { Bytes } from "@skein/core";

/** Worker → broker: `[R, service, credits(u32)]`: I serve `service`, and can take `credits` requests now. */
export const READY = 0x52; // "R"
/** Broker → worker: `[Q, clientId, correlationId(8), ...frames]`: a request. */
export const REQUEST = 0x51; // "Q"
/** Worker → broker: `[P, clientId, correlationId(8), ...replyFrames]`: a reply; one credit back. */
export const REPLY = 0x50; // "P"
/** Worker → broker: `[F, clientId, correlationId(8)]`: the handler failed, no reply (the client times out); one credit back. */
export const FAIL = 0x46; // "F"
/** Both ways: `[H]`: alive. */
export const HEARTBEAT = 0x48; // "H"
/** Both ways: `[D]`: worker leaving / broker: "I do not know you, send READY". */
export const DISCONNECT = 0x44; // "D"

/** The built-in service a client asks whether a service has workers (RFC 8, MMI): replies "200" or "404". */
export const MMI_SERVICE = "mmi.service";

export const FRAME = {
  READY: Bytes.from([READY]),
  REQUEST: Bytes.from([REQUEST]),
  REPLY: Bytes.from([REPLY]),
  FAIL: Bytes.from([FAIL]),
  HEARTBEAT: Bytes.from([HEARTBEAT]),
  DISCONNECT: Bytes.from([DISCONNECT]),
} as const;
