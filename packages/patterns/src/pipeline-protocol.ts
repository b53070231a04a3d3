/**
 * The pipeline's protocol between {@link Worker} (DEALER) and
 * {@link WorkQueue} (ROUTER). Every message starts with a one-byte command
 * frame; documented frame by frame in docs/patterns.md ("Pipeline").
 *
 * Credit-based flow control: READY announces how many items the worker can
 * take now (absolute); every WORK spends one credit; every ACK or NACK gives
 * one back. The queue only sends to a worker with credit, so a slow worker
 * holds at most `concurrency` items and never starves the others (PUSH would
 * round-robin items into its queue regardless).
 */
import { Bytes } from "@skein/core";

/** Worker → queue: `[R, queue, credits(u32)]`: I serve `queue` and can take `credits` items now. */
export const READY = 0x52; // "R"
/** Queue → worker: `[W, itemId(u64), attempt(u32), ...frames]`: a work item. */
export const WORK = 0x57; // "W"
/** Worker → queue: `[A, itemId(u64), ...resultFrames]`: done; one credit back. */
export const ACK = 0x41; // "A"
/** Worker → queue: `[N, itemId(u64), reason]`: failed; redeliver; one credit back. */
export const NACK = 0x4e; // "N"
/** Both ways: `[H]`: I am alive (sent every `heartbeatInterval` ms). */
export const HEARTBEAT = 0x48; // "H"
/** Worker → queue: `[C]`: closing; send me nothing more, acks of what I hold still follow. */
export const CLOSING = 0x43; // "C"
/** Both ways: `[D]`: forget me (worker leaving) / I do not know you, send READY (queue). */
export const DISCONNECT = 0x44; // "D"

/** One-byte command frames, allocated once. */
export const FRAME = {
  READY: Bytes.from([READY]),
  WORK: Bytes.from([WORK]),
  ACK: Bytes.from([ACK]),
  NACK: Bytes.from([NACK]),
  HEARTBEAT: Bytes.from([HEARTBEAT]),
  CLOSING: Bytes.from([CLOSING]),
  DISCONNECT: Bytes.from([DISCONNECT]),
} as const;
