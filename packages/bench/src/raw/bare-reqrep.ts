/**
 * The bare raw `node:net` baseline for REQ/REP: an echo server and a client
 * that writes one frame and resolves when the echoed frame is parsed, with
 * no socket abstraction in between.
 */
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { FrameParser } from "./frame-parser.js";
import { headerSize, writeHeader } from "./wire-format.js";
import { connectTo, netAddress } from "./bare-throughput.js";

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(headerSize(body.length) + body.length);
  body.copy(out, writeHeader(out, 0, body.length, false));
  return out;
}

/** Listens on `endpoint` and echoes every frame back on its connection. */
export async function serveBareEcho(endpoint: string, ready: (endpoint: string) => void): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => socket.destroy());
    const parser = new FrameParser((body) => socket.write(frame(body)));
    socket.on("data", (chunk: Buffer) => parser.feed(chunk));
  });
  const address = netAddress(endpoint);
  if ("path" in address) server.listen(address.path);
  else server.listen(address.port, address.host);
  await once(server, "listening");
  const bound = server.address();
  ready(typeof bound === "object" && bound !== null && "port" in address ? `tcp://${address.host}:${bound.port}` : endpoint);
  return server;
}

/** One connection doing strict request/reply round trips. */
export class BareEchoClient {
  readonly #socket: Socket;
  #resolve: ((body: Buffer) => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const parser = new FrameParser((body) => {
      const resolve = this.#resolve;
      this.#resolve = null;
      resolve?.(body);
    });
    socket.on("data", (chunk: Buffer) => parser.feed(chunk));
  }

  /** Connects to an echo server. */
  static async connect(endpoint: string): Promise<BareEchoClient> {
    return new BareEchoClient(await connectTo(endpoint));
  }

  /** Sends `body` and resolves with the reply. */
  roundTrip(body: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#socket.write(frame(body));
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }
}
