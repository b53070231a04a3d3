/**
 * Helpers for the socket-level security suite: sockets of either library
 * tracked for cleanup (linger 0), unique endpoints, RFC 27 ZAP handlers
 * written as ROUTER loops for both libraries, and a DEALER↔ROUTER round trip
 * with multipart messages both ways.
 */
import { randomBytes } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import * as skein from "../../src/index.js";

export type Transport = "tcp" | "ipc";
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc"];

/** What both libraries' DEALER/ROUTER sockets offer, as these tests use it. */
export interface AnySocket {
  send(message: Array<Buffer | string>): Promise<void>;
  receive(): Promise<Buffer[]>;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  readonly closed: boolean;
  readonly lastEndpoint: string | null;
  linger: number;
  receiveTimeout: number;
  reconnectInterval: number;
}

/** An address to bind on: tcp on an ephemeral loopback port, ipc on a fresh path. */
export function bindAddress(transport: Transport): string {
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  return `ipc://${path.join(os.tmpdir(), `skein-sec-${process.pid}-${randomBytes(6).toString("hex")}.sock`)}`;
}

/** Binds `socket` on a fresh endpoint and returns the address peers connect to. */
export async function bindFresh(socket: AnySocket, transport: Transport): Promise<string> {
  await socket.bind(bindAddress(transport));
  const endpoint = socket.lastEndpoint;
  if (endpoint === null) throw new Error("lastEndpoint is null after bind");
  return endpoint;
}

/** Owns the sockets of one test, of either library; {@link closeAll} closes them with linger 0. */
export class Sockets {
  readonly #all: AnySocket[] = [];

  /** Tracks a socket, sets linger 0, a short reconnect interval and a receive timeout (a broken case fails, never hangs). */
  add<T extends object>(socket: T): T & AnySocket {
    const s = socket as T & AnySocket;
    s.linger = 0;
    s.reconnectInterval = 20;
    s.receiveTimeout = 5000;
    this.#all.push(s);
    return s;
  }

  closeAll(): void {
    for (const socket of this.#all.splice(0)) {
      if (!socket.closed) {
        socket.linger = 0;
        socket.close();
      }
    }
  }
}

/** The decision an RFC 27 handler loop makes for one request. */
export interface ZapAnswer {
  statusCode: "200" | "300" | "400" | "500";
  userId?: string;
}

/** One parsed RFC 27 request, as the handler saw it (kept for assertions). */
export interface SeenZapRequest {
  domain: string;
  address: string;
  mechanism: string;
  credentials: Buffer[];
}

/**
 * Runs an RFC 27 ZAP handler on `router` (already bound at
 * `inproc://zeromq.zap.01`): every request is parsed, recorded in `seen`, and
 * answered with `decide(request)`. The loop ends when the router closes.
 */
export function serveZap(router: AnySocket, decide: (request: SeenZapRequest) => ZapAnswer): { seen: SeenZapRequest[]; done: Promise<void> } {
  const seen: SeenZapRequest[] = [];
  const done = (async () => {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        if (router.closed) return;
        continue; // receive timeout while idle
      }
      // RFC 27 §"Request": [peer, "", version, request id, domain, address, identity, mechanism, credentials...]
      const [peer, empty, version, requestId, domain, address, , mechanism, ...credentials] = frames;
      const request = {
        domain: domain!.toString(),
        address: address!.toString(),
        mechanism: mechanism!.toString(),
        credentials,
      };
      seen.push(request);
      const answer = decide(request);
      if (router.closed) return;
      // RFC 27 §"Reply": [version, request id, status code, status text, user id, metadata]
      await router.send([
        peer!,
        empty!,
        version!,
        requestId!,
        answer.statusCode,
        answer.statusCode === "200" ? "OK" : "Denied",
        answer.userId ?? "",
        Buffer.alloc(0),
      ]);
    }
  })();
  return { seen, done };
}

/**
 * A DEALER→ROUTER→DEALER round trip with multipart messages both ways (an
 * empty frame and a frame over 255 octets among them); checks every frame
 * and returns the routing id the ROUTER saw.
 */
export async function roundTrip(client: AnySocket, server: AnySocket, tag: string): Promise<Buffer> {
  const long = Buffer.alloc(300, tag.charCodeAt(0));
  const request = [Buffer.from(`${tag}-request`), Buffer.alloc(0), long];
  await client.send(request);
  const [peer, ...got] = await server.receive();
  if (got.length !== 3 || !got.every((frame, i) => frame.equals(request[i]!))) {
    throw new Error(`${tag}: server got ${JSON.stringify(got.map((f) => f.toString("latin1").slice(0, 20)))}`);
  }
  const reply = [Buffer.from(`${tag}-reply`), Buffer.from("second"), Buffer.alloc(0), long];
  await server.send([peer!, ...reply]);
  const back = await client.receive();
  if (back.length !== 4 || !back.every((frame, i) => frame.equals(reply[i]!))) {
    throw new Error(`${tag}: client got ${JSON.stringify(back.map((f) => f.toString("latin1").slice(0, 20)))}`);
  }
  return peer!;
}

export { zmq, skein };
