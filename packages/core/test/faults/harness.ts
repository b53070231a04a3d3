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
import { until } from "../helpers.js";
import { describeFootprint, footprint, mb, type Footprint } from "../hostile/measure.js";

/** Kills per loop: 10 in CI, `FAULT_ROUNDS=100` (`pnpm faults`) for the long version. */
export const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 10);

/** Growth a survivor may show over a kill loop, measured from the end of its first round. */
export const BOUNDS = { fds: 2, heapAndExternal: 8 * 1024 * 1024, rss: 64 * 1024 * 1024 } as const;

/** A sequence number or id as a 4-byte frame (u32 big-endian). */
export function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

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

/** What a ZMTP engine hands to Node's stream before it waits for `drain` (WRITE_LIMIT in zmtp/engine.ts). */
const ENGINE_WRITE_BUFFER = 256 * 1024;

/**
 * Bytes in flight between two processes on one connection, at most: the
 * sender's engine write buffer plus the kernel's largest send and receive
 * buffers (tcp: the third field of tcp_wmem/tcp_rmem; ipc: wmem/rmem, max
 * and default, doubled as the kernel does).
 */
export function inFlightBytes(transport: "tcp" | "ipc"): number {
  const read = (file: string) => readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
  if (transport === "tcp") return ENGINE_WRITE_BUFFER + read("/proc/sys/net/ipv4/tcp_wmem")[2]! + read("/proc/sys/net/ipv4/tcp_rmem")[2]!;
  const core = (name: string) => read(`/proc/sys/net/core/${name}`)[0]!;
  return ENGINE_WRITE_BUFFER + Math.max(core("wmem_max"), core("wmem_default")) * 2 + Math.max(core("rmem_max"), core("rmem_default")) * 2;
}

/** The path of a fixture next to a test file. */
export function fixture(base: string, name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, base));
}

/** The survivor's footprint and RSS after the first kill, to compare with the end of the loop. */
export interface Baseline {
  before: Footprint;
  rssBefore: number;
}

/**
 * The kill loop: starts `rounds + 1` peer processes one after another; each
 * must advance `progress(round)` by `midStream` (so it dies mid-stream) and
 * is then SIGKILLed, except the last, which is left running. The survivor's
 * footprint is taken once the second peer is going (after the first
 * kill and reconnect), as the baseline for {@link expectFlat}.
 */
export async function killLoop(options: {
  start(round: number): PeerProcess;
  progress(round: number): number;
  midStream: number;
  what: string;
  /** Awaited after each kill (e.g. the survivor's `disconnect` event). */
  afterKill?(round: number): Promise<unknown>;
  rounds?: number;
}): Promise<Baseline> {
  const rounds = options.rounds ?? ROUNDS;
  let baseline: Baseline | null = null;
  for (let round = 0; round <= rounds; round++) {
    const peer = options.start(round);
    await peer.next("ready");
    const base = options.progress(round);
    await until(() => options.progress(round) >= base + options.midStream, `${options.what} ${round}`, 20_000);
    if (round === 1) baseline = { before: await footprint(), rssBefore: rss() };
    if (round === rounds) break;
    const killed = options.afterKill?.(round);
    await peer.kill();
    await killed;
  }
  return baseline ?? { before: await footprint(), rssBefore: rss() };
}

/** The survivor's fds, heap + external and RSS grew no more than {@link BOUNDS} since `baseline`; returns one line for the log. */
export async function expectFlat(baseline: Baseline, expect: (actual: number, message: string) => { toBeLessThanOrEqual(n: number): void }): Promise<string> {
  const after = await footprint();
  const rssAfter = rss();
  const { before, rssBefore } = baseline;
  expect(after.fds - before.fds, "fds growth").toBeLessThanOrEqual(BOUNDS.fds);
  expect(after.heap + after.external - before.heap - before.external, "heap + external growth").toBeLessThanOrEqual(BOUNDS.heapAndExternal);
  expect(rssAfter - rssBefore, "RSS growth").toBeLessThanOrEqual(BOUNDS.rss);
  return `${describeFootprint(before, after)}, rss ${mb(rssBefore)} -> ${mb(rssAfter)}`;
}

/** What the fill helpers need of a sending socket. */
interface Sender {
  readonly writable: boolean;
  send(message: Buffer[]): Promise<void>;
}

/**
 * Sends numbered messages (`message(seq)`, from `seq`) one per turn until
 * `runs` has received `count` of them; returns the next sequence number.
 */
export async function sendUntilFlowing(socket: Sender, seq: number, message: (seq: number) => Buffer[], runs: Runs, count = 10): Promise<number> {
  while (runs.count < count) {
    await socket.send(message(seq++));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seq;
}

/**
 * Sends numbered messages until the socket stops being writable: with its
 * reader stopped, the kernel buffers fill, then its queue up to the HWM.
 * Fails if that does not happen within `timeoutMs` (the HWM does not hold).
 * Returns the next sequence number.
 */
export async function sendUntilBlocked(socket: Sender, seq: number, message: (seq: number) => Buffer[], timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (socket.writable) {
    if (Date.now() > deadline) throw new Error(`still writable after ${seq} messages: the high-water mark does not hold`);
    await socket.send(message(seq++));
    if (seq % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return seq;
}
