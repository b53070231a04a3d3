/**
 * Draft sockets of either library, made by RFC name, and the loops the
 * draft interop tests share. libzmq's come from the `zeromq` package's draft
 * build (`zeromq/draft`); PEER and CHANNEL, which `zeromq/draft` does not
 * export, are its native Socket with libzmq's type numbers (19, 20).
 */
import { createSocket } from "node:dgram";
import * as zmq from "zeromq";
import * as zmqDraft from "zeromq/draft.js";
import * as draft from "../../src/draft.js";
import * as extra from "../../src/draft-extra.js";
import { tick } from "../helpers.js";

export type Lib = "skein" | "libzmq";
export type DraftType = "SERVER" | "CLIENT" | "RADIO" | "DISH" | "SCATTER" | "GATHER" | "PEER" | "CHANNEL" | "DGRAM";

/** The API both libraries' draft sockets share, as the tests use it. */
export interface DraftSocket {
  send(message: unknown, options?: unknown): Promise<void>;
  receive(): Promise<unknown[]>;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  join?(...groups: Array<string | Buffer>): void;
  connectPeer?(address: string): number;
  readonly lastEndpoint: string | null;
  linger: number;
  receiveTimeout: number;
}

class LibzmqPeer extends (zmq.Socket as unknown as new (type: number) => object) {
  constructor() {
    super(19);
  }
}
class LibzmqChannel extends (zmq.Socket as unknown as new (type: number) => object) {
  constructor() {
    super(20);
  }
}

const SKEIN: Record<DraftType, new () => unknown> = {
  SERVER: draft.Server,
  CLIENT: draft.Client,
  RADIO: draft.Radio,
  DISH: draft.Dish,
  SCATTER: draft.Scatter,
  GATHER: draft.Gather,
  DGRAM: draft.Datagram,
  PEER: extra.Peer,
  CHANNEL: extra.Channel,
};

const LIBZMQ: Record<DraftType, new () => unknown> = {
  SERVER: zmqDraft.Server,
  CLIENT: zmqDraft.Client,
  RADIO: zmqDraft.Radio,
  DISH: zmqDraft.Dish,
  SCATTER: zmqDraft.Scatter,
  GATHER: zmqDraft.Gather,
  DGRAM: zmqDraft.Datagram,
  PEER: LibzmqPeer,
  CHANNEL: LibzmqChannel,
};

/** Owns the sockets of a test file; closeAll() closes them with linger 0. */
export class DraftSockets {
  readonly #all: DraftSocket[] = [];

  make(lib: Lib, type: DraftType): DraftSocket {
    const socket = new (lib === "skein" ? SKEIN : LIBZMQ)[type]() as DraftSocket;
    this.#all.push(socket);
    return socket;
  }

  closeAll(): void {
    for (const socket of this.#all.splice(0)) {
      socket.linger = 0;
      socket.close();
    }
  }
}

/** A udp port nobody holds now (the kernel's next ephemeral one). */
export async function freeUdpPort(): Promise<number> {
  const probe = createSocket("udp4");
  await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Sends `[body, { group }]` from `radio` every few ms until `receiving`
 * settles: a DISH's JOIN, or a udp:// socket, takes a moment to be in
 * place, and RADIO drops what nobody joined (RFC 48).
 */
export async function broadcastUntil<T>(radio: DraftSocket, messages: Array<[string, string]>, receiving: Promise<T>): Promise<T> {
  return resendUntil(async () => {
    for (const [group, body] of messages) await radio.send(body, { group });
  }, receiving);
}

/**
 * Sends again every turn until `receiving` settles: a datagram sent before the
 * peer's socket is open (libzmq opens it on its I/O thread after bind()
 * returns) is lost, as udp:// is meant to.
 */
export async function resendUntil<T>(send: () => Promise<unknown>, receiving: Promise<T>): Promise<T> {
  let done = false;
  const result = receiving.finally(() => {
    done = true;
  });
  while (!done) {
    await send();
    await tick();
  }
  return result;
}
