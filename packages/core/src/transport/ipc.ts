/**
 * The ipc:// transport: Unix domain sockets. `ipc:///path/to/socket`,
 * `ipc://@name` for a Linux abstract socket, `ipc://*` for a fresh path in
 * the temporary directory. A socket file left by a process that died is
 * removed on bind (nobody answers on it); one with a live listener is
 * `EADDRINUSE`. The file is removed again on unbind and close.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { nodeCrypto } from "../util/lazy-require.js";
import { ZmqError } from "../errors.js";
import { parseIpc, type IpcEndpoint } from "./endpoint.js";
import { StreamConnecter, StreamListener, type StreamHost } from "./stream.js";
import type { Listener, Transport } from "./transport.js";

/** Room in `sockaddr_un.sun_path`: 108 octets on Linux (104 on macOS), a NUL included for file paths. */
const SUN_PATH_SIZE = process.platform === "darwin" || process.platform.endsWith("bsd") ? 104 : 108;

/**
 * The path Node is given: abstract names start with a NUL byte. A path too
 * long for `sun_path` is refused with ENAMETOOLONG, as libzmq does: Node
 * would silently cut it and listen somewhere else.
 */
export function ipcPath(name: string, address = `ipc://${name}`): string {
  const socketPath = name.startsWith("@") ? `\0${name.slice(1)}` : name;
  const room = socketPath.startsWith("\0") ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1;
  if (Buffer.byteLength(socketPath) > room) {
    throw new ZmqError("ENAMETOOLONG", `ipc path of ${Buffer.byteLength(socketPath)} bytes is longer than the ${room} a Unix socket allows`, address);
  }
  return socketPath;
}

function isStale(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path: socketPath });
    probe.once("connect", () => {
      probe.destroy();
      resolve(false);
    });
    probe.once("error", (error: NodeJS.ErrnoException) => {
      probe.destroy();
      resolve(error.code === "ECONNREFUSED" || error.code === "ENOTSOCK");
    });
  });
}

export async function bindIpc(host: StreamHost, address: string, name: string): Promise<{ listener: StreamListener; file: string | null }> {
  if (name === "*") name = path.join(os.tmpdir(), `skein-${process.pid}-${nodeCrypto().randomBytes(6).toString("hex")}.ipc`);
  const socketPath = ipcPath(name, address);
  const file = name.startsWith("@") ? null : socketPath;
  const endpoint = `ipc://${name}`;
  const listen = async (): Promise<StreamListener> => {
    const listener = new StreamListener(host, "ipc");
    await listener.listen({ path: socketPath, backlog: host.option<number>("backlog") }, address, () => endpoint);
    return listener;
  };
  try {
    return { listener: await listen(), file };
  } catch (error) {
    if (file === null || (error as ZmqError).code !== "EADDRINUSE" || !(await isStale(file))) throw error;
    fs.rmSync(file, { force: true });
    return { listener: await listen(), file };
  }
}

export function connectIpc(host: StreamHost, address: string, name: string, routingId: Buffer | null): StreamConnecter {
  return new StreamConnecter(host, address, { path: ipcPath(name, address) }, "ipc", routingId);
}

/** Removes a socket file we created. */
export function unlinkIpc(file: string | null): void {
  if (file !== null) fs.rmSync(file, { force: true });
}

/** ipc:// in the transport table (registered by the Node entry). The listener removes its socket file on close. */
export const ipc: Transport<IpcEndpoint> = {
  scheme: "ipc",
  parse: (address, rest) => parseIpc(address, rest),
  async bind(host, endpoint): Promise<Listener> {
    const { listener, file } = await bindIpc(host, endpoint.address, endpoint.path);
    return {
      endpoint: listener.endpoint,
      close(terminateConnections, lingerMs) {
        listener.close(terminateConnections, lingerMs);
        unlinkIpc(file);
      },
    };
  },
  connect: (host, endpoint, routingId) => connectIpc(host, endpoint.address, endpoint.path, routingId),
  isWildcard: (endpoint) => endpoint.path === "*",
};
