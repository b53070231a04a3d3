/**
 * The multi-host harness: hosts are network namespaces made by hosts.sh (skmh-h1..N, address
 * 10.77.0.(10+N)), the cluster DNS is dnsmasq reading the hosts files in `$STATE/dns`. A process runs
 * on a host through `ip netns exec` (which execs, so the child's pid is the process's own and a
 * signal reaches it directly); its stdout lines are kept, and drivers answer JSON requests.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Polls the (possibly asynchronous) `condition` every few ms until it holds; fails after `timeoutMs`. */
export async function eventually(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Rejects if `promise` does not settle within `ms` (a hang becomes a clear failure). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The address of host `n` on the cluster's network. */
export function hostAddress(n: number): string {
  return `10.77.0.${10 + n}`;
}

/** A process running on one host. */
export class HostProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #answers = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #partial = "";

  constructor(readonly label: string, readonly host: number, script: string, env: Record<string, string>) {
    this.#child = spawn("ip", ["netns", "exec", `skmh-h${host}`, process.execPath, script], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.#child.once("exit", (code, signal) => resolve({ code, signal })));
    this.#child.stdout.on("data", (chunk: Buffer) => this.#read(chunk.toString()));
    this.#child.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.length > 0) this.lines.push(`stderr: ${line}`);
    });
    // A driver that dies fails every request waiting for its answer.
    void this.exited.then(({ code, signal }) => {
      for (const { reject } of this.#answers.values()) reject(new Error(`${label} exited (${code ?? signal}) before answering`));
      this.#answers.clear();
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Resolves once a stdout line matches `pattern` (one seen already counts). */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return within((async () => {
      let found: string | undefined;
      await eventually(() => (found = this.lines.find((line) => pattern.test(line))) !== undefined, `${this.label}: ${pattern}`, timeoutMs + 1000);
      return found!;
    })(), timeoutMs, `${this.label} printing ${pattern}`);
  }

  /** Sends a control request to a driver and resolves with its result. */
  request<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.#nextId++;
    const answer = new Promise<T>((resolve, reject) => this.#answers.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    this.#child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    return within(answer, timeoutMs, `${this.label} ${op}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  #read(text: string): void {
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith("{\"id\":")) {
        const answer = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
        const waiting = this.#answers.get(answer.id);
        this.#answers.delete(answer.id);
        if (answer.ok) waiting?.resolve(answer.result);
        else waiting?.reject(new Error(`${this.label}: ${answer.error}`));
      } else {
        this.lines.push(line);
      }
    }
  }
}

/** The hosts and their DNS: records per name, processes per host. */
export class Cluster {
  readonly processes: HostProcess[] = [];
  readonly #records = new Map<string, Set<number>>();

  constructor(readonly stateDir: string) {}

  /** Sets the hosts `name.skein.test` resolves to (each host's address), as dnsmasq will answer at once. */
  setRecords(name: string, hosts: Iterable<number>): void {
    this.#records.set(name, new Set(hosts));
    const lines = [...this.#records].flatMap(([service, set]) => [...set].sort().map((host) => `${hostAddress(host)} ${service}.skein.test`));
    // Written beside the watched folder and renamed in: dnsmasq never reads half a file.
    const staging = join(this.stateDir, "services.next");
    writeFileSync(staging, lines.length > 0 ? `${lines.join("\n")}\n` : "");
    renameSync(staging, join(this.stateDir, "dns", "services"));
  }

  records(name: string): number[] {
    return [...(this.#records.get(name) ?? [])];
  }

  /** Starts `script` on `host`. */
  run(label: string, host: number, script: string, env: Record<string, string>): HostProcess {
    const child = new HostProcess(label, host, script, env);
    this.processes.push(child);
    return child;
  }

  /**
   * Kills a host the way a machine dies: its link goes down first (no FIN or RST reaches its peers),
   * then every process in its namespace gets SIGKILL.
   */
  killHost(host: number): void {
    execFileSync("ip", ["link", "set", `skmh-h${host}`, "down"]);
    const pids = execFileSync("ip", ["netns", "pids", `skmh-h${host}`]).toString().split("\n").filter((pid) => pid.length > 0);
    for (const pid of pids) process.kill(Number(pid), "SIGKILL");
  }

  /** Ends every process still running (SIGKILL) and waits for them. */
  async stopAll(): Promise<void> {
    for (const child of this.processes) child.signal("SIGKILL");
    await Promise.all(this.processes.map((child) => child.exited));
  }
}
