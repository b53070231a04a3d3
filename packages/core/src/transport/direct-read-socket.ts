/**
 * `net.Socket`s that read through a {@link DirectRead} (zmtp/direct-read.ts):
 * large frame bodies are read straight into their own buffers.
 *
 * A connecting socket gets Node's `onread` option at creation. An accepted
 * socket cannot: `net.Server` makes its sockets itself, without `onread`. So
 * the listener accepts with `pauseOnConnect` (nothing read yet) and a new
 * `net.Socket` takes over the accepted one's handle with `onread` set; the
 * accepted socket, left without a handle, is destroyed, which keeps the
 * server's connection count right.
 *
 * Node only: elsewhere (Bun, Deno), or where a socket has no handle to take,
 * the socket is left as it is and reads with 'data' events.
 */
import * as net from "node:net";
import { DirectRead } from "../zmtp/direct-read.js";

/** The native handle Node keeps on a socket (`_handle`): what is taken over. */
interface HandleOwner {
  _handle: { readStart?: unknown } | null;
}

const runtime = globalThis as { process?: { versions?: { node?: string; bun?: string } }; Deno?: unknown };

/** Whether this runtime's `net.Socket` honours `onread` (Node proper). */
export const directReadAvailable =
  typeof runtime.process?.versions?.node === "string" && runtime.process.versions.bun === undefined && runtime.Deno === undefined;

/** `net.connect` options that make the socket read through a new {@link DirectRead}. */
export function directReadConnectOptions(options: net.NetConnectOpts): { options: net.NetConnectOpts; reader: DirectRead | null } {
  if (!directReadAvailable) return { options, reader: null };
  const reader = new DirectRead();
  return { options: { ...options, onread: reader.onread } as unknown as net.NetConnectOpts, reader };
}

/**
 * A socket reading through a {@link DirectRead} in place of `accepted`, which
 * the server accepted with `pauseOnConnect` (nothing read yet); `accepted`
 * itself when its handle cannot be taken (it is resumed then).
 */
export function acceptWithDirectRead(accepted: net.Socket): net.Socket {
  const owner = accepted as unknown as HandleOwner;
  const handle = owner._handle;
  if (!directReadAvailable || handle === null || typeof handle.readStart !== "function") {
    accepted.resume();
    return accepted;
  }
  owner._handle = null;
  accepted.destroy();
  const reader = new DirectRead();
  const socket = new net.Socket({ handle, readable: true, writable: true, onread: reader.onread } as net.SocketConstructorOpts);
  reader.register(socket);
  return socket;
}
