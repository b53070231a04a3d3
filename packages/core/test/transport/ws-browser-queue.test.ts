/**
 * The browser's ws:// transport (transport/ws/browser-websocket.ts) under Node 20, which has no
 * WebSocket API: {@link NodeWebSocket} is one on node:net that, like a browser's, reads everything
 * the server sends whether or not the page reads. The server is a real skein ws:// socket sending
 * faster than the paused socket reads: what arrives while paused is bounded by
 * `maxWebSocketQueueSize`, past which the connection is dropped with ENOBUFS, and the socket reconnects.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { registerTransport } from "../../src/transport/transport.js";
import { browserWs, type WebSocketLike } from "../../src/transport/ws/browser-websocket.js";
import { Opcode, WebSocketDecoder, encodeFrame } from "../../src/transport/ws/websocket-frame.js";
import { checkUpgradeResponse, encodeUpgradeRequest, newKey, parseHttpHead } from "../../src/transport/ws/websocket-handshake.js";
import { ws } from "../../src/transport/ws/ws.js";
import { nextEvent, socketScope, until, within } from "../helpers.js";

/** Messages every {@link NodeWebSocket} has received: what a test waits on before it reads. */
let messagesArrived = 0;

/** A client WebSocket (RFC 6455) on node:net with the part of the WHATWG API the transport uses; it never stops reading. */
class NodeWebSocket implements WebSocketLike {
  binaryType = "blob";
  protocol = "";
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #socket: net.Socket;
  #head: Buffer | null = Buffer.alloc(0);
  #closeCode: number | null = null;
  readonly #decoder = new WebSocketDecoder(
    {
      onMessage: (payload) => {
        messagesArrived++;
        this.onmessage?.({ data: payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length) });
      },
      onControl: (opcode, payload) => {
        if (opcode === Opcode.Ping) this.#write(Opcode.Pong, payload);
        if (opcode !== Opcode.Close) return;
        this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.#write(Opcode.Close, payload.subarray(0, 2));
        this.#socket.end();
      },
    },
    false,
  );

  constructor(url: string, protocols: string[]) {
    const { hostname, port, pathname } = new URL(url);
    const key = newKey();
    const protocol = protocols[0]!;
    this.#socket = net.connect(Number(port), hostname, () => this.#socket.write(encodeUpgradeRequest(pathname, `${hostname}:${port}`, key, protocol)));
    this.#socket.on("data", (chunk: Buffer) => {
      if (this.#head === null) {
        this.#decoder.write(chunk);
        return;
      }
      const parsed = parseHttpHead(Buffer.concat([this.#head, chunk]));
      if (parsed === null) {
        this.#head = Buffer.concat([this.#head, chunk]);
        return;
      }
      this.#head = null;
      checkUpgradeResponse(parsed.head, key, protocol);
      this.protocol = parsed.head.headers.get("sec-websocket-protocol") ?? "";
      this.onopen?.({});
      if (parsed.rest.length > 0) this.#decoder.write(parsed.rest);
    });
    this.#socket.on("error", (error) => this.onerror?.(error));
    this.#socket.on("close", () => {
      const code = this.#closeCode ?? 1006;
      this.onclose?.({ code, reason: "", wasClean: this.#closeCode !== null });
    });
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  send(data: Uint8Array): void {
    this.#write(Opcode.Binary, Buffer.from(data.buffer, data.byteOffset, data.length));
  }

  close(code = 1000): void {
    if (this.#socket.destroyed || this.#closeCode !== null) return;
    this.#closeCode = code;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.#write(Opcode.Close, payload);
    this.#socket.end();
  }

  #write(opcode: Opcode, payload: Buffer): void {
    if (this.#socket.writable) for (const chunk of encodeFrame(opcode, [payload], true)) this.#socket.write(chunk);
  }
}

// Servers bind with Node's ws://; sockets connect with the browser's (the WebSocket API above).
beforeAll(() => {
  (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;
  registerTransport({ ...ws, connect: browserWs.connect } as unknown as typeof browserWs);
});

afterAll(() => {
  registerTransport(ws);
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

const PART = Buffer.alloc(16 * 1024, 0x61);
/** What the server sends: 4 MiB, 16 times the bound of the tests. */
const FLOOD = 256;
const BOUND = 256 * 1024;

/** Pushes FLOOD messages of PART, then "after", with no regard for the reader; resolves once all were sent. */
async function flood(push: Push): Promise<void> {
  for (let i = 0; i < FLOOD; i++) await push.send(PART);
  await push.send("after");
}

/** Reads until "after"; returns how many flood messages came. */
async function drain(pull: Pull): Promise<number> {
  let count = 0;
  for (;;) {
    const [frame] = await within(pull.receive(), 10_000, "receive");
    if (frame!.length !== PART.length) return count;
    count++;
  }
}

describe("browser ws:// under a peer faster than the socket reads", () => {
  it("drops the connection with ENOBUFS past maxWebSocketQueueSize while paused, reconnects, and the socket reads on", async () => {
    const open = socketScope();
    const push = open(new Push({ sendHighWaterMark: FLOOD + 1 }));
    await push.bind("ws://127.0.0.1:*/flood");
    const pull = open(new Pull({ receiveHighWaterMark: 4, maxWebSocketQueueSize: BOUND, reconnectInterval: 10 }));
    const handshake = nextEvent(pull, "handshake");
    pull.connect(push.lastEndpoint!);
    await handshake;
    const disconnect = nextEvent(pull, "disconnect", 10_000);
    const sent = flood(push);
    const event = await disconnect;
    expect(event.error?.code).toBe("ENOBUFS");
    expect(event.error?.detail).toMatch(/maxWebSocketQueueSize/);
    // What the server wrote to the dropped connection is lost (as when libzmq loses a peer); the
    // socket reconnects and reads what comes next.
    await nextEvent(pull, "handshake", 10_000);
    await within(sent, 10_000, "the flood sent");
    await push.send("still working");
    let last = "";
    while (last !== "still working") last = (await within(pull.receive(), 10_000, "receive after"))[0]!.toString();
  });

  it("keeps the connection of a socket that reads, under the same flood", async () => {
    const open = socketScope();
    const push = open(new Push({ sendHighWaterMark: FLOOD + 1 }));
    await push.bind("ws://127.0.0.1:*/flood");
    const pull = open(new Pull({ receiveHighWaterMark: 4, maxWebSocketQueueSize: BOUND }));
    const handshake = nextEvent(pull, "handshake");
    pull.connect(push.lastEndpoint!);
    await handshake;
    let disconnects = 0;
    pull.events.on("disconnect", () => disconnects++);
    const sent = flood(push);
    expect(await drain(pull)).toBe(FLOOD);
    await within(sent, 10_000, "the flood sent");
    expect(disconnects).toBe(0);
  });

  it("counts only what waits: bursts each under the bound, read in between, keep the connection", async () => {
    const open = socketScope();
    const push = open(new Push({ sendHighWaterMark: FLOOD + 1 }));
    await push.bind("ws://127.0.0.1:*/bursts");
    const pull = open(new Pull({ receiveHighWaterMark: 4, maxWebSocketQueueSize: BOUND }));
    const handshake = nextEvent(pull, "handshake");
    pull.connect(push.lastEndpoint!);
    await handshake;
    let disconnects = 0;
    pull.events.on("disconnect", () => disconnects++);
    // 12 parts of 16 KiB (192 KiB) a burst, under the 256 KiB bound; 10 bursts are 1.9 MiB in all.
    const BURST = 12;
    for (let burst = 0; burst < 10; burst++) {
      const arrived = messagesArrived + BURST;
      for (let i = 0; i < BURST; i++) await push.send(PART);
      // The whole burst waits in the paused socket (4 in its queue, the rest in the WebSocket's) before it reads.
      await until(() => messagesArrived >= arrived, "the burst arrived");
      for (let i = 0; i < BURST; i++) expect((await within(pull.receive(), 5000, "receive"))[0]!.length).toBe(PART.length);
    }
    expect(disconnects).toBe(0);
  });

  it("queues without limit when maxWebSocketQueueSize is -1", async () => {
    const open = socketScope();
    const push = open(new Push({ sendHighWaterMark: FLOOD + 1 }));
    await push.bind("ws://127.0.0.1:*/flood");
    const pull = open(new Pull({ receiveHighWaterMark: 4, maxWebSocketQueueSize: -1 }));
    const handshake = nextEvent(pull, "handshake");
    pull.connect(push.lastEndpoint!);
    await handshake;
    let disconnects = 0;
    pull.events.on("disconnect", () => disconnects++);
    // The whole flood is sent (and so has arrived in the WebSocket) before the socket reads.
    await within(flood(push), 10_000, "the flood sent");
    expect(await drain(pull)).toBe(FLOOD);
    expect(disconnects).toBe(0);
  });
});
