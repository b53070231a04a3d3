/**
 * The rendezvous of inproc:// across worker threads: how a socket in one
 * thread finds a socket bound in another, over a process-wide
 * `BroadcastChannel` that every thread of the process can open without
 * anyone setting it up.
 *
 * The exchange is a small protocol of notes (docs/threads.md):
 * - `connect`: a socket connects to a name bound in no socket of its thread.
 *   The thread that has it bound answers; nobody answers when nobody has it.
 * - `bound`: a thread bound a name; threads with connects to it waiting ask
 *   again, so peers start in any order.
 * - `accept`: the binder took the connection, with the two rings (one per
 *   direction) it allocated; `refuse`: the connecter no longer wants it
 *   (linked elsewhere meanwhile, or closed), or the binder's socket refused it.
 * - `exit`: a thread ended; links to it are disconnected peers.
 *
 * A `BroadcastChannel` carries SharedArrayBuffers but not MessagePorts (no
 * transfer list), which is one reason the data path is a shared ring (see
 * thread-ring.ts). The channel is unref'd: it keeps no thread alive.
 */
import { BroadcastChannel, threadId, isMainThread } from "node:worker_threads";
import type { RingMemory } from "./thread-ring.js";

/** The channel's name; the version changes if the notes do. */
const CHANNEL = "skein:inproc:1";

/** A note on the channel. */
export type ExchangeNote =
  | { op: "bound"; from: number; name: string }
  | { op: "connect"; from: number; name: string; id: string; socketType: string; routingId: Uint8Array | null }
  | {
      op: "accept";
      from: number;
      to: number;
      id: string;
      socketType: string;
      routingId: Uint8Array | null;
      /** Connecter to binder. */
      up: RingMemory;
      /** Binder to connecter. */
      down: RingMemory;
    }
  | { op: "refuse"; from: number; to: number; id: string }
  | { op: "exit"; from: number; thread: number };

/** What receives the notes meant for this thread. */
export type NoteHandler = (note: ExchangeNote) => void;

let channel: BroadcastChannel | null = null;
let handler: NoteHandler | null = null;

function open(): BroadcastChannel {
  if (channel !== null) return channel;
  const opened = new BroadcastChannel(CHANNEL);
  opened.onmessage = (event: unknown) => {
    const note = (event as { data: ExchangeNote }).data;
    if (note.from === threadId) return;
    if ("to" in note && note.to !== threadId) return;
    handler?.(note);
  };
  opened.unref();
  channel = opened;
  return opened;
}

/**
 * Starts taking notes for this thread (the default context's inproc
 * registry). In a worker, `beforeExit` runs when the thread ends on its own,
 * before the others are told.
 */
export function listen(onNote: NoteHandler, beforeExit: () => void): void {
  handler = onNote;
  open();
  if (!isMainThread) watchOwnExit(beforeExit);
}

/** Posts a note to every other thread. */
export function post(note: ExchangeNote): void {
  open().postMessage(note);
}

/** This thread's id, as notes name it. */
export const thisThread = threadId;

let ownExitWatched = false;

/**
 * A worker that ends on its own writes what its sockets still hold for
 * other threads, then says it has gone, for the case its parent has not
 * loaded skein (otherwise the parent reports it, terminate() included).
 */
function watchOwnExit(beforeExit: () => void): void {
  if (ownExitWatched) return;
  ownExitWatched = true;
  process.once("exit", () => {
    beforeExit();
    post({ op: "exit", from: threadId, thread: threadId });
  });
}

/**
 * Every thread reports the exit of the workers it starts (terminate()
 * included, when the worker runs no more code of its own), so their peers
 * in other threads see a disconnect.
 */
function watchWorkers(): void {
  process.on("worker", (worker) => {
    const id = worker.threadId;
    worker.once("exit", () => {
      const note: ExchangeNote = { op: "exit", from: threadId, thread: id };
      // This thread may hold links to the worker too: it takes its own note.
      handler?.(note);
      // Posted even by a thread that uses no inproc itself: its workers may be linked to each other.
      post(note);
    });
  });
}

watchWorkers();
