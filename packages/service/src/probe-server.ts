/**
 * The HTTP endpoint of an app's probes, for orchestrators that probe over
 * HTTP (Kubernetes `httpGet`, load balancers): `GET /livez` and
 * `GET /readyz` answer 200 with `ok` while the app is live / ready, 503
 * with its status otherwise; anything else is 404. `node:http` with tight
 * limits: the port is open to the pod network, and a peer that holds
 * connections open must not make the probes fail.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Where the probe endpoint listens, and its limits. */
export interface ProbeHttpOptions {
  /** TCP port (`0` picks a free one: see `App.probeUrl`). */
  port: number;
  /** Address to listen on (default: every address, as Node's `listen` does, so the kubelet reaches it on the pod IP). */
  host?: string;
  /** Connections open at once, at most (default 32); more are refused until one closes. */
  maxConnections?: number;
  /** Milliseconds a connection may take to send a request's headers, and idle between requests, before it is closed (default 2000). */
  requestTimeout?: number;
}

/** What the probes answer from: called on every request, so cheap. */
export interface ProbeState {
  /** Whether the app is live: `/livez` answers 200 when true, else 503. */
  live(): boolean;
  /** Whether the app is ready for traffic: `/readyz` answers 200 when true, else 503. */
  ready(): boolean;
  /** The app's status name (`SERVING`, `STOPPING`...), the body of a 503. */
  status(): string;
}

/** A listening probe endpoint. */
export class ProbeServer {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on `options.port`; resolves once listening. Rejects with the listen error (EADDRINUSE, ...). */
  static async listen(options: ProbeHttpOptions, state: ProbeState): Promise<ProbeServer> {
    const timeout = options.requestTimeout ?? 2000;
    const server = createServer({
      maxHeaderSize: 4096, requestTimeout: timeout, headersTimeout: timeout, keepAliveTimeout: timeout,
      // Node checks the two timeouts above on this period (30 s by default): often enough to hold them.
      connectionsCheckingInterval: Math.max(50, Math.floor(timeout / 4)),
    }, (request, response) => {
      const path = (request.url ?? "").split("?")[0];
      const check = path === "/livez" ? state.live : path === "/readyz" ? state.ready : null;
      const ok = check?.() ?? false;
      const status = check === null ? 404 : ok ? 200 : 503;
      const body = check === null ? "not found: GET /livez or /readyz\n" : ok ? "ok\n" : `${state.status()}\n`;
      response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      response.end(request.method === "HEAD" ? undefined : body);
    });
    server.maxConnections = options.maxConnections ?? 32;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: options.port, ...(options.host === undefined ? {} : { host: options.host }) }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new ProbeServer(server);
  }

  /** `http://host:port` it listens on (`127.0.0.1` for an every-address listen). */
  get url(): string {
    const { address, port, family } = this.#server.address() as AddressInfo;
    const host = address === "::" || address === "0.0.0.0" ? "127.0.0.1" : family === "IPv6" ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.#server.close((error) => (error === undefined ? resolve() : reject(error))));
    this.#server.closeAllConnections();
    await closed;
  }
}
