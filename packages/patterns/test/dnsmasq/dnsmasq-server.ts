/**
 * A real DNS server for the resolution tests: dnsmasq from Debian, on a
 * loopback UDP port of its own, authoritative for `.test` (NXDOMAIN for
 * every name it does not hold, no upstream). A and AAAA records live in an
 * `--addn-hosts` file that `setHosts` rewrites and reloads with SIGHUP
 * (dnsmasq re-reads hosts files on SIGHUP, not its configuration); SRV
 * records are configuration (`--srv-host`), so `setSrv` restarts it on the
 * same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One SRV record: `_rpc._tcp.greeter.test` → `target:port`. */
export interface SrvRecord {
  name: string;
  target: string;
  port: number;
  priority?: number;
  weight?: number;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

export class Dnsmasq {
  /** `127.0.0.1:<port>`, for `resolve.servers`. */
  readonly server: string;
  readonly #port: number;
  readonly #dir: string;
  readonly #hosts: string;
  #srv: SrvRecord[] = [];
  #child: ChildProcess | null = null;
  #log = "";
  #reloads = 0;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(port: number, dir: string) {
    this.#port = port;
    this.#dir = dir;
    this.#hosts = join(dir, "hosts");
    this.server = `127.0.0.1:${port}`;
  }

  /** Starts dnsmasq with `hosts` lines (`"127.0.0.2 greeter.test"`) and `srv` records. */
  static async start(hosts: readonly string[] = [], srv: readonly SrvRecord[] = []): Promise<Dnsmasq> {
    const dir = await mkdtemp(join(tmpdir(), "skein-dnsmasq-"));
    // The port is free when picked; another process may take it before dnsmasq binds: pick again.
    for (let attempt = 1; ; attempt++) {
      const dns = new Dnsmasq(await freeUdpPort(), dir);
      await writeFile(dns.#hosts, hosts.join("\n") + "\n");
      dns.#srv = [...srv];
      try {
        await dns.#spawn();
        return dns;
      } catch (error) {
        if (attempt === 5 || !/Address already in use/.test(String(error))) {
          await rm(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  /** Replaces the A/AAAA records and waits until dnsmasq has re-read them (SIGHUP). */
  async setHosts(hosts: readonly string[]): Promise<void> {
    await writeFile(this.#hosts, hosts.join("\n") + "\n");
    const reloads = this.#reloads;
    this.#child!.kill("SIGHUP");
    await this.#until(() => this.#reloads > reloads, "dnsmasq to re-read its hosts file");
  }

  /** Replaces the SRV records: a restart on the same port (SIGHUP does not re-read configuration). */
  async setSrv(srv: readonly SrvRecord[]): Promise<void> {
    this.#srv = [...srv];
    await this.#kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.#kill();
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    const args = [
      "--keep-in-foreground", "--no-daemon", "--log-facility=-",
      `--port=${this.#port}`, "--listen-address=127.0.0.1", "--bind-interfaces",
      "--no-resolv", "--no-hosts", "--no-poll", `--addn-hosts=${this.#hosts}`,
      "--local=/test/", "--local-ttl=0", "--cache-size=0", "--user=root", "--group=root", "--pid-file=",
      ...this.#srv.map((r) => `--srv-host=${r.name},${r.target},${r.port},${r.priority ?? 0},${r.weight ?? 0}`),
    ];
    const child = spawn("dnsmasq", args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    this.#log = "";
    this.#reloads = 0;
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.#log += chunk;
      this.#reloads = this.#log.split(`read ${this.#hosts}`).length - 1;
      this.#wake();
    });
    const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`dnsmasq exited (${code}): ${this.#log}`))));
    // Ready once it has read the hosts file (after binding its port).
    await Promise.race([this.#until(() => this.#reloads > 0, "dnsmasq to start"), exited]);
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
    this.#child = null;
  }

  #until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}; log:\n${this.#log}`)), timeoutMs);
      this.#waiters.push({ check, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }
}

/**
 * A TCP port free on every one of `hosts` (instances of one service listen
 * on one port, each on its own address). Ports picked by the OS for one
 * address may be taken on another (a listener on every address elsewhere
 * on the machine): each candidate is tried on all of them.
 */
export async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const servers: NetServer[] = [];
    const listen = (host: string, port: number): Promise<boolean> => new Promise((resolve) => {
      const server = createNetServer();
      server.once("error", () => resolve(false));
      server.listen(port, host, () => {
        servers.push(server);
        resolve(true);
      });
    });
    let ok = await listen(hosts[0]!, 0);
    const port = ok ? (servers[0]!.address() as AddressInfo).port : 0;
    for (const host of hosts.slice(1)) if (ok) ok = await listen(host, port);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    if (ok) return port;
  }
  throw new Error(`No port free on all of ${hosts.join(", ")} after 50 tries`);
}
