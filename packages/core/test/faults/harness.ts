/**
 * The fault tests' side of a peer process: fork a fixture (it runs the built
 * packages from dist), wait on its IPC reports, SIGKILL/SIGSTOP/SIGCONT it,
 * and keep the received sequence numbers of each incarnation as runs.
 * Shared by packages/core/test/faults and packages/patterns/test/faults.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

/** Kills per loop: 10 in CI, `FAULT_ROUNDS=100` (`pnpm faults`) for the long version. */
export const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 10);

/** A test's timeout for `rounds` kills of `perRoundMs` each, plus set-up. */
export function roundsTimeout(perRoundMs: number, rounds = ROUNDS): number {
  return 20_000 + rounds * perRoundMs;
}

const live = new Set<PeerProcess>();
afterEach(async () => {
  await Promise.all([...live].map((peer) => peer.kill()));
});

/** A report from a fixture: whatever JSON it sent with `process.send`. */
export type Report = Record<string, unknown>;

export class PeerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  #reports: Report[] = [];
  #listeners = new Set<(report: Report) => void>();
  #exited = false;

  /** Forks `script` with `args`; fails at once if the package it imports has not been built. */
  constructor(script: string, args: string[], distIndex: string) {
    if (!existsSync(distIndex)) throw new Error(`${distIndex} is missing: run \`pnpm build\` first (fault fixtures run the built packages)`);
    this.child = fork(script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
    live.add(this);
    this.exited = new Promise((resolve) =>
      this.child.once("exit", () => {
        this.#exited = true;
        live.delete(this);
        resolve();
      }),
    );
    this.child.on("message", (report: Report) => {
      this.#reports.push(report);
      for (const listener of this.#listeners) listener(report);
    });
  }

  /** Calls `listener` with every report from now on (and those already received). */
  onReport(listener: (report: Report) => void): void {
    for (const report of this.#reports) listener(report);
    this.#listeners.add(listener);
  }

  /** The first report that has `key` (waits for it; fails on exit or after `timeoutMs`). */
  next(key: string, timeoutMs = 15_000): Promise<Report> {
    return new Promise((resolve, reject) => {
      const done = (report: Report | null, error?: Error) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        if (report !== null) resolve(report);
        else reject(error);
      };
      const listener = (report: Report) => key in report && done(report);
      const timer = setTimeout(() => done(null, new Error(`no "${key}" report from pid ${this.child.pid} within ${timeoutMs} ms`)), timeoutMs);
      void this.exited.then(() => done(null, new Error(`pid ${this.child.pid} exited before reporting "${key}"`)));
      this.onReport(listener);
    });
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.#exited) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGSTOP: the process stops reading its sockets (the kernel buffers fill, then the sender's queue). */
  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }
}

/**
 * Sequence numbers a receiver reported, as [first, last] runs: the union of
 * the `got` reports of one incarnation.
 */
export class Runs {
  readonly runs: [number, number][] = [];
  count = 0;

  add(runs: [number, number][]): void {
    for (const [first, last] of runs) {
      this.count += last - first + 1;
      const tail = this.runs[this.runs.length - 1];
      if (tail !== undefined && tail[1] + 1 === first) tail[1] = last;
      else this.runs.push([first, last]);
    }
  }

  get first(): number {
    return this.runs[0]?.[0] ?? -1;
  }

  get last(): number {
    return this.runs[this.runs.length - 1]?.[1] ?? -1;
  }

  /** Follows a peer's `got` reports. */
  static of(peer: PeerProcess): Runs {
    const runs = new Runs();
    peer.onReport((report) => {
      if (Array.isArray(report.got)) runs.add(report.got as [number, number][]);
    });
    return runs;
  }
}

/** Resident set size of this process (bytes). */
export function rss(): number {
  return process.memoryUsage().rss;
}

/**
 * Messages the kernel can hold between two processes on one connection, at
 * most: the largest send buffer plus the largest receive buffer (tcp: the
 * third field of tcp_wmem/tcp_rmem; ipc: wmem_max/rmem_max and their defaults).
 */
export function kernelBufferBytes(transport: "tcp" | "ipc"): number {
  const read = (file: string) => readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
  if (transport === "tcp") return read("/proc/sys/net/ipv4/tcp_wmem")[2]! + read("/proc/sys/net/ipv4/tcp_rmem")[2]!;
  const core = (name: string) => read(`/proc/sys/net/core/${name}`)[0]!;
  return Math.max(core("wmem_max"), core("wmem_default")) * 2 + Math.max(core("rmem_max"), core("rmem_default")) * 2;
}

/** The path of a fixture next to a test file. */
export function fixture(base: string, name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, base));
}
