import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { Stream, ZmqError } from "../../src/index.js";
import { bindFresh, socketScope, within } from "../helpers.js";

const open = socketScope();

/** A plain TCP client connected to a `tcp://host:port` endpoint. */
async function tcpClient(endpoint: string): Promise<net.Socket> {
  const { hostname, port } = new URL(endpoint.replace("tcp://", "http://"));
  const client = net.connect({ host: hostname, port: Number(port) });
  open.defer(() => client.destroy());
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  return client;
}

/** Reads from a plain socket until `predicate` holds on everything read so far. */
function readUntil(client: net.Socket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer): void => {
      text += chunk.toString("latin1");
      if (predicate(text)) {
        client.off("data", onData);
        resolve(text);
      }
    };
    client.on("data", onData);
    client.once("error", reject);
  });
}

/** Receives from the STREAM until the bytes of one peer satisfy `predicate`. */
async function receiveBytesUntil(stream: Stream, predicate: (text: string) => boolean): Promise<{ id: Buffer; text: string }> {
  let text = "";
  for (;;) {
    const [id, data] = await stream.receive();
    text += data!.toString("latin1");
    if (data!.length > 0 && predicate(text)) return { id: id!, text };
  }
}

/** A plain TCP server on a free loopback port; resolves with it and its endpoint. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<{ server: net.Server; endpoint: string }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as net.AddressInfo;
  return { server, endpoint: `tcp://127.0.0.1:${port}` };
}

describe("Stream", () => {
  it("announces an accepted TCP client with an empty message under a 5-byte generated routing id", async () => {
    const stream = open(new Stream());
    const endpoint = await bindFresh(stream, "tcp");
    await tcpClient(endpoint);
    const [id, data] = await within(stream.receive());
    expect(id!.length).toBe(5);
    expect(id![0]).toBe(0);
    expect(data!.length).toBe(0);
  });

  it("serves an HTTP-style request from a plain TCP client and closes the connection on an empty frame", async () => {
    const stream = open(new Stream());
    const endpoint = await bindFresh(stream, "tcp");
    const client = await tcpClient(endpoint);
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.write("GET /hello HTTP/1.0\r\nHost: x\r\n\r\n");
    const { id, text } = await within(receiveBytesUntil(stream, (t) => t.includes("\r\n\r\n")));
    expect(text.startsWith("GET /hello HTTP/1.0\r\n")).toBe(true);
    const body = "hello from skein";
    await stream.send([id, `HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`]);
    await stream.send([id, ""]);
    let received = "";
    client.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    await within(closed);
    expect(received).toBe(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });

  it("writes a reply sent just before close() with linger 0, as the ZMTP engine writes the first message of a turn at once", async () => {
    const stream = open(new Stream({ linger: 0 }));
    const client = await tcpClient(await bindFresh(stream, "tcp"));
    client.write("GET / HTTP/1.0\r\n\r\n");
    const { id } = await within(receiveBytesUntil(stream, (text) => text.endsWith("\r\n\r\n")));
    const reply = "HTTP/1.0 200 OK\r\n\r\nHello";
    const ended = new Promise<string>((resolve) => {
      let text = "";
      client.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      client.on("close", () => resolve(text));
    });
    await stream.send([id, reply]);
    stream.close();
    // What linger 0 drops is what the connection has not taken yet: here the reply went out at send().
    expect(await within(ended)).toBe(reply);
  });

  it("writes to a TCP client by routing id and delivers an empty message when the client disconnects", async () => {
    const stream = open(new Stream());
    const endpoint = await bindFresh(stream, "tcp");
    const client = await tcpClient(endpoint);
    const [id] = await within(stream.receive());
    const welcome = readUntil(client, (t) => t === "welcome");
    await stream.send([id!, "welcome"]);
    expect(await within(welcome)).toBe("welcome");
    client.write("bye");
    const [id2, data] = await within(stream.receive());
    expect(id2!.equals(id!)).toBe(true);
    expect(data!.toString()).toBe("bye");
    client.end();
    const [id3, gone] = await within(stream.receive());
    expect(id3!.equals(id!)).toBe(true);
    expect(gone!.length).toBe(0);
  });

  it("with notify off delivers only data, no connect or disconnect messages", async () => {
    const stream = open(new Stream({ notify: false }));
    const endpoint = await bindFresh(stream, "tcp");
    const client = await tcpClient(endpoint);
    client.write("first");
    const [, data] = await within(stream.receive());
    expect(data!.toString()).toBe("first");
    client.end();
    client.destroy();
    // After the disconnect, the next message is from a new client, not an empty notification.
    const other = await tcpClient(endpoint);
    other.write("second");
    const [, next] = await within(stream.receive());
    expect(next!.toString()).toBe("second");
  });

  it("connects to a plain TCP server with a given routing id and exchanges bytes both ways", async () => {
    const { endpoint } = await tcpServer((socket) => {
      socket.on("data", (chunk) => socket.write(`echo:${chunk.toString()}`));
    });
    const stream = open(new Stream());
    stream.connect(endpoint, { routingId: "server-1" });
    const [id, hello] = await within(stream.receive());
    expect(id!.toString()).toBe("server-1");
    expect(hello!.length).toBe(0);
    await stream.send(["server-1", "ping"]);
    const { text } = await within(receiveBytesUntil(stream, (t) => t === "echo:ping"));
    expect(text).toBe("echo:ping");
  });

  it("carries a large payload to a TCP server intact", async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    let got = 0;
    let matches = true;
    let resolveAll!: () => void;
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    const { endpoint } = await tcpServer((socket) => {
      socket.on("data", (chunk) => {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] !== payload[got + i]) matches = false;
        got += chunk.length;
        if (got >= payload.length) resolveAll();
      });
    });
    const stream = open(new Stream({ notify: true }));
    stream.connect(endpoint, { routingId: "big" });
    await within(stream.receive());
    await stream.send(["big", payload]);
    await within(all);
    expect(got).toBe(payload.length);
    expect(matches).toBe(true);
  });

  it("rejects a send to an unknown routing id with EHOSTUNREACH", async () => {
    const stream = open(new Stream());
    await expect(stream.send(["nobody", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
  });

  it("rejects a message that is not exactly routing id and data with EINVAL", async () => {
    const stream = open(new Stream());
    await expect(stream.send(["only-id"])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(stream.send(["id", "a", "b"])).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("refuses inproc endpoints with EPROTONOSUPPORT", async () => {
    const stream = open(new Stream());
    await expect(stream.bind("inproc://stream-test")).rejects.toBeInstanceOf(ZmqError);
    expect(() => stream.connect("inproc://stream-test")).toThrow(expect.objectContaining({ code: "EPROTONOSUPPORT", detail: expect.stringMatching(/raw TCP/) }));
  });
});
