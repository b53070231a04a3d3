import { spawn } from "node:child_process";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { rawGreeting, rawReady } from "./helpers.js";

const coreEntry = fileURLToPath(new URL("../dist/index.js", import.meta.url));

test("closing a socket whose queued messages keep the process alive prints a warning", async () => {
  // A peer that completes the handshake and then never reads: the PUSH cannot flush.
  const connections: net.Socket[] = [];
  const server = net.createServer((stream) => {
    connections.push(stream);
    stream.write(Buffer.concat([rawGreeting(), rawReady("PULL")]));
    stream.once("data", () => stream.pause());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const program = `
    import { Push } from ${JSON.stringify(coreEntry)};
    const push = new Push({ sendHighWaterMark: 0 });
    const connected = new Promise((resolve) => push.events.on("handshake", resolve));
    push.connect("tcp://127.0.0.1:${port}");
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) await push.send(big);
    // Closed while connected: the queued messages wait on a peer that does not read.
    await connected;
    push.close();
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no warning; stderr: ${stderr}`)), 10_000);
      child.stderr.on("data", () => {
        if (stderr.includes("SKEIN_LINGER")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(stderr).toMatch(/closed Push socket still has \d+ queued message/);
  } finally {
    child.kill();
    for (const stream of connections) stream.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
