/**
 * A TCP relay that makes two ZMTP 3.1 peers see each other as ZMTP 3.0: it
 * rewrites the minor version octet of each side's greeting (RFC 23
 * §"Version Negotiation": a peer talks the lower version) and copies every
 * other byte unchanged. libzmq 4.3.5 only speaks 3.1 itself, but it does
 * downgrade for a 3.0 peer, so this reaches real libzmq's 3.0 behaviour
 * (subscriptions as `\x01`/`\x00` messages instead of SUBSCRIBE/CANCEL
 * commands, RFC 37 §"SUBSCRIBE").
 *
 * It also records the bytes each way after the greetings, so a test can
 * check which form the subscriptions took.
 */
import * as net from "node:net";

/** Offset of the minor version in the 64-octet greeting: signature (10), major (1). */
const MINOR_OFFSET = 11;

export class Zmtp30Proxy {
  /** `tcp://127.0.0.1:port` to connect to instead of the target. */
  endpoint = "";
  /** Bytes from the connecting side to the target. */
  readonly upstream: Buffer[] = [];
  /** Bytes from the target to the connecting side. */
  readonly downstream: Buffer[] = [];
  readonly #server: net.Server;
  readonly #streams = new Set<net.Socket>();

  private constructor(targetPort: number) {
    this.#server = net.createServer((client) => this.#relay(client, targetPort));
  }

  /** Listens on an ephemeral loopback port and relays to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<Zmtp30Proxy> {
    const proxy = new Zmtp30Proxy(targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once("error", reject);
      proxy.#server.listen({ host: "127.0.0.1", port: 0 }, resolve);
    });
    proxy.endpoint = `tcp://127.0.0.1:${(proxy.#server.address() as net.AddressInfo).port}`;
    return proxy;
  }

  /** Port of a `tcp://host:port` endpoint. */
  static port(endpoint: string): number {
    return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
  }

  #relay(client: net.Socket, targetPort: number): void {
    const target = net.connect({ host: "127.0.0.1", port: targetPort });
    this.#track(client);
    this.#track(target);
    this.#pipe(client, target, this.upstream);
    this.#pipe(target, client, this.downstream);
  }

  #track(stream: net.Socket): void {
    this.#streams.add(stream);
    stream.on("error", () => stream.destroy());
    stream.on("close", () => this.#streams.delete(stream));
  }

  /** Copies `from` to `to`, lowering the greeting's minor version to 0. */
  #pipe(from: net.Socket, to: net.Socket, record: Buffer[]): void {
    let offset = 0;
    from.on("data", (chunk: Buffer) => {
      if (offset <= MINOR_OFFSET && offset + chunk.length > MINOR_OFFSET) {
        chunk = Buffer.from(chunk);
        chunk[MINOR_OFFSET - offset] = 0;
      }
      const greetingLeft = Math.max(0, 64 - offset);
      if (chunk.length > greetingLeft) record.push(chunk.subarray(greetingLeft));
      offset += chunk.length;
      to.write(chunk);
    });
    from.on("close", () => to.destroy());
  }

  /** Everything recorded one way, after the greeting. */
  static joined(record: Buffer[]): Buffer {
    return Buffer.concat(record);
  }

  /** Stops listening and drops every relayed connection. */
  close(): Promise<void> {
    for (const stream of this.#streams) stream.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
