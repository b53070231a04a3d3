/**
 * The bare raw `node:net` baseline for PUSH/PULL: no promise per message,
 * frames packed into 64 KiB writes on one side and cut into one `subarray`
 * view per message on the other. The practical ceiling for moving ZMTP-style
 * frames through Node's streams. No greeting or handshake: those are once per
 * connection and do not move a throughput figure.
 */
import { connect as netConnect, createServer, type Socket } from "node:net";
import { once } from "node:events";
import { FramePacker } from "./frame-packer.js";
import { FrameParser } from "./frame-parser.js";
import type { SendPlan } from "../workers/send-plan.js";
import type { RssSampler } from "../workers/rss-sampler.js";

/** `tcp://host:port` → listen/connect arguments; `ipc://path` → a path. */
export function netAddress(endpoint: string): { host: string; port: number } | { path: string } {
  const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint);
  if (tcp !== null) return { host: tcp[1]!, port: Number(tcp[2]) };
  if (endpoint.startsWith("ipc://")) return { path: endpoint.slice("ipc://".length) };
  throw new Error(`raw-net baseline supports tcp:// and ipc:// only, not "${endpoint}"`);
}

/** Opens a connection to a `tcp://` or `ipc://` endpoint. */
export async function connectTo(endpoint: string): Promise<Socket> {
  const address = netAddress(endpoint);
  const socket = "path" in address ? netConnect(address.path) : netConnect(address.port, address.host);
  await once(socket, "connect");
  socket.setNoDelay(true);
  return socket;
}

/**
 * Listens on `endpoint`, calls `ready` with the bound endpoint, and counts
 * messages on the first connection until an empty one ends the run.
 */
export async function receiveBare(
  endpoint: string,
  ready: (endpoint: string) => void,
  sampler: RssSampler | null,
): Promise<{ count: number; bytes: number; seconds: number }> {
  const server = createServer();
  const address = netAddress(endpoint);
  if ("path" in address) server.listen(address.path);
  else server.listen(address.port, address.host);
  await once(server, "listening");
  const bound = server.address();
  ready(typeof bound === "object" && bound !== null && "port" in address ? `tcp://${address.host}:${bound.port}` : endpoint);
  const [socket] = (await once(server, "connection")) as [Socket];
  server.close();
  let count = 0;
  let bytes = 0;
  let start = 0n;
  let end = 0n;
  const finished = new Promise<void>((resolve) => {
    const parser = new FrameParser((body) => {
      const size = body.length;
      if (size === 0) {
        end = process.hrtime.bigint();
        resolve();
        return;
      }
      if (count === 0) start = process.hrtime.bigint();
      count++;
      bytes += size;
      if (sampler !== null) sampler.count = count;
    });
    socket.on("data", (chunk: Buffer) => parser.feed(chunk));
  });
  await finished;
  socket.destroy();
  return { count, bytes, seconds: Number(end - start) / 1e9 };
}

/** Connects and sends `payload` per the plan, then an empty end-of-run message. */
export async function sendBare(endpoint: string, payload: Buffer, plan: SendPlan): Promise<Socket> {
  const socket = await connectTo(endpoint);
  const packer = new FramePacker(socket);
  for (let batch = plan.next(); batch > 0; batch = plan.next()) {
    const wait = plan.delayMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    let full = false;
    for (let i = 0; i < batch; i++) full = !packer.push(payload) || full;
    plan.sent += batch;
    if (full) {
      packer.flush();
      await once(socket, "drain");
    }
  }
  packer.push(Buffer.alloc(0));
  packer.flush();
  return socket;
}
