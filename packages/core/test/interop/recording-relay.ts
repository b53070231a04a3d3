/**
 * A relay between two ZMTP peers that records the bytes each way after the
 * 64-octet greetings, over tcp or ipc: a test can see which commands crossed
 * the wire (PING and PONG, SUBSCRIBE) without touching either peer.
 * Subclasses may rewrite bytes on the way ({@link RecordingRelay.rewrite}).
 */
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/** Size of a ZMTP 3 greeting (RFC 23 §"Greeting"). */
const GREETING_SIZE = 64;

export class RecordingRelay {
  /** The endpoint to connect to instead of the target. */
  endpoint = "";
  /** Bytes from the connecting side to the target. */
  readonly upstream: Buffer[] = [];
  /** Bytes from the target to the connecting side. */
  readonly downstream: Buffer[] = [];
  readonly #server: net.Server;
  readonly #streams = new Set<net.Socket>();

  constructor(target: string) {
    this.#server = net.createServer((client) => this.#relay(client, connectOptions(target)));
  }

  /** Listens (tcp: an ephemeral loopback port; ipc: a fresh path) and relays to the `target` endpoint. */
  static async start<T extends RecordingRelay>(this: new (target: string) => T, target: string): Promise<T> {
    const relay = new this(target);
    const ipc = target.startsWith("ipc://") ? path.join(os.tmpdir(), `skein-relay-${process.pid}-${randomBytes(6).toString("hex")}.sock`) : null;
    await new Promise<void>((resolve, reject) => {
      relay.#server.once("error", reject);
      if (ipc !== null) relay.#server.listen(ipc, resolve);
      else relay.#server.listen({ host: "127.0.0.1", port: 0 }, resolve);
    });
    relay.endpoint = ipc !== null ? `ipc://${ipc}` : `tcp://127.0.0.1:${(relay.#server.address() as net.AddressInfo).port}`;
    return relay;
  }

  /** Everything recorded one way, after the greeting. */
  static joined(record: Buffer[]): Buffer {
    return Buffer.concat(record);
  }

  /** How many times `bytes` occur in what was recorded one way. */
  static count(record: Buffer[], bytes: Buffer): number {
    const all = Buffer.concat(record);
    let n = 0;
    for (let at = all.indexOf(bytes); at >= 0; at = all.indexOf(bytes, at + bytes.length)) n++;
    return n;
  }

  /** Stops listening and drops every relayed connection. */
  close(): Promise<void> {
    for (const stream of this.#streams) stream.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** The bytes to pass on for `chunk`, which starts `offset` octets into its direction's stream. */
  protected rewrite(chunk: Buffer, offset: number): Buffer {
    void offset;
    return chunk;
  }

  #relay(client: net.Socket, target: net.NetConnectOpts): void {
    const server = net.connect(target);
    this.#track(client);
    this.#track(server);
    this.#pipe(client, server, this.upstream);
    this.#pipe(server, client, this.downstream);
  }

  #track(stream: net.Socket): void {
    this.#streams.add(stream);
    stream.on("error", () => stream.destroy());
    stream.on("close", () => this.#streams.delete(stream));
  }

  #pipe(from: net.Socket, to: net.Socket, record: Buffer[]): void {
    let offset = 0;
    from.on("data", (data: Buffer) => {
      const chunk = this.rewrite(data, offset);
      const greetingLeft = Math.max(0, GREETING_SIZE - offset);
      if (chunk.length > greetingLeft) record.push(chunk.subarray(greetingLeft));
      offset += chunk.length;
      to.write(chunk);
    });
    from.on("close", () => to.destroy());
  }
}

function connectOptions(endpoint: string): net.NetConnectOpts {
  if (endpoint.startsWith("ipc://")) return { path: endpoint.slice("ipc://".length) };
  return { host: "127.0.0.1", port: Number(endpoint.slice(endpoint.lastIndexOf(":") + 1)) };
}
