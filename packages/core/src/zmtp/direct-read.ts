/**
 * Reading a connection into buffers the engine chooses, through Node's
 * `net.Socket` `onread` option ({ buffer, callback }): Node calls `buffer()`
 * for the target of every read, so each read can go somewhere else.
 *
 * - While a large frame body is in progress (more than 64 KiB of it still
 *   missing, frame-body.ts), the read goes straight into that body's own
 *   buffer: the kernel copies the octets once, to where the user will
 *   receive them, as libzmq's decoder does (`decoder_base_t::get_buffer`).
 *   The 'data' path instead gets a fresh 64 KiB chunk per read and copies
 *   every chunk of the body once more.
 * - Otherwise the read goes into the free end of a 64 KiB slab, and the
 *   engine decodes it as it decodes a 'data' chunk. A slab region is never
 *   written twice, so frames handed out as views of it stay valid; a new
 *   slab is taken when less than {@link SLAB_MIN_ROOM} is left (a message
 *   kept by the user keeps its slab alive, as Node's Buffer pool does).
 * - Right after a body read this way, at a frame boundary, the next read is
 *   given {@link LEAD_READ} octets only: a large message tends to follow a
 *   large one, and its header then comes with a few KiB of its body (copied
 *   into the body) instead of 64 KiB; the rest is read straight into it.
 *
 * Only tcp:// and ipc:// connections of a ZMTP engine read this way
 * (transport/direct-read-socket.ts sets it up); ws://, wss:// and STREAM
 * sockets keep 'data' events. This file imports no `node:` module.
 */
import { Buffer } from "../util/buffer.js";

/** What a {@link DirectRead} feeds: the ZMTP engine. */
export interface DirectReadSink {
  /** The missing part of a large body in progress, to read into; null to read a chunk. */
  readTarget(): Buffer | null;
  /** `n` octets were read into the last {@link readTarget}. */
  bodyRead(n: number): void;
  /** Octets read into a slab; views of them may be kept (they are never overwritten). */
  chunkRead(chunk: Buffer): void;
  /** True between frames (no header or body in progress). */
  atFrameBoundary(): boolean;
}

/** Octets of one slab: Node's own read size. */
const SLAB_SIZE = 64 * 1024;
/** A slab with less room than this left is replaced, so a read is never starved for room. */
const SLAB_MIN_ROOM = 16 * 1024;
/** The read after a body read directly, when it starts a frame: its header and the start of its body. */
const LEAD_READ = 4 * 1024;

const registered = new WeakMap<object, DirectRead>();

/** The {@link DirectRead} a stream was created with, if any. */
export function directReadOf(stream: object): DirectRead | undefined {
  return registered.get(stream);
}

export class DirectRead {
  #sink: DirectReadSink | null = null;
  /** Chunks read before the engine attached (none in practice: reading starts on a later turn). */
  #early: Buffer[] = [];
  #slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  #slabAt = 0;
  /** Whether the target handed out last is a body's buffer (else the slab's free end). */
  #intoBody = false;

  /** Node's `onread` option: pass it to `net.connect` or `new net.Socket`. */
  readonly onread = {
    buffer: (): Buffer => this.#nextTarget(),
    callback: (nread: number): void => this.#onRead(nread),
  };

  /** Links this reader to the stream it was created for (see {@link directReadOf}). */
  register(stream: object): void {
    registered.set(stream, this);
  }

  /** Starts feeding `sink`, with what was read before. */
  attach(sink: DirectReadSink): void {
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) sink.chunkRead(chunk);
  }

  #nextTarget(): Buffer {
    const sink = this.#sink;
    const target = sink?.readTarget() ?? null;
    if (target !== null) {
      this.#intoBody = true;
      return target;
    }
    const lead = this.#intoBody && sink!.atFrameBoundary();
    this.#intoBody = false;
    if (SLAB_SIZE - this.#slabAt < SLAB_MIN_ROOM) {
      this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.#slabAt = 0;
    }
    const at = this.#slabAt;
    return lead ? this.#slab.subarray(at, at + LEAD_READ) : this.#slab.subarray(at);
  }

  #onRead(nread: number): void {
    if (this.#intoBody) {
      this.#sink!.bodyRead(nread);
      return;
    }
    const at = this.#slabAt;
    const chunk = this.#slab.subarray(at, at + nread);
    this.#slabAt = at + nread;
    if (this.#sink === null) this.#early.push(chunk);
    else this.#sink.chunkRead(chunk);
  }
}
