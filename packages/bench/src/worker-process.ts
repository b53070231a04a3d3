import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WorkerReport } from "./worker-channel.js";

/** A worker reported that its implementation cannot run this case. */
export class UnavailableError extends Error {
  readonly code = "BENCH_UNAVAILABLE";
}

/** A worker failed, exited early or overran the case deadline. */
export class WorkerFailedError extends Error {
  readonly code = "BENCH_WORKER_FAILED";
}

/**
 * The driver's handle on one forked worker: typed waits for its reports, a
 * hard deadline after which it is killed, and the tail of its stderr for the
 * failure message.
 */
export class WorkerProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #deadline: number;
  readonly #queued: WorkerReport[] = [];
  #waiter: { kind: string; resolve: (m: WorkerReport) => void; reject: (e: Error) => void } | null = null;
  #stderr = "";
  #exited = false;
  readonly #exit: Promise<void>;

  /** Forks `dist/workers/<name>.js` with `config` as its JSON argument; it must finish by `deadline`. */
  constructor(name: string, config: object, deadline: number) {
    this.name = name;
    this.#deadline = deadline;
    const file = fileURLToPath(new URL(`./workers/${name}.js`, import.meta.url));
    this.#child = fork(file, [JSON.stringify(config)], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    this.#child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
    this.#child.on("message", (message: WorkerReport) => this.#onReport(message));
    this.#exit = new Promise((resolve) => {
      this.#child.on("exit", (code, signal) => {
        this.#exited = true;
        const waiter = this.#waiter;
        this.#waiter = null;
        waiter?.reject(new WorkerFailedError(`${name} exited (${signal ?? code}) before "${waiter.kind}": ${this.#stderr.trim().split("\n").slice(-3).join(" | ")}`));
        resolve();
      });
    });
  }

  /** Resolves with the next report of `kind`; rejects on error, unavailability, exit or deadline. */
  next(kind: string): Promise<WorkerReport> {
    const at = this.#queued.findIndex((m) => m.kind === kind || m.kind === "error" || m.kind === "unavailable");
    if (at >= 0) return this.#settle(kind, this.#queued.splice(at, 1)[0]!);
    if (this.#exited) return Promise.reject(new WorkerFailedError(`${this.name} exited before "${kind}": ${this.#stderr.trim()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new WorkerFailedError(`${this.name} gave no "${kind}" before the case deadline`));
      }, Math.max(0, this.#deadline - performance.now()));
      this.#waiter = {
        kind,
        resolve: (m) => {
          clearTimeout(timer);
          this.#settle(kind, m).then(resolve, reject);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Sends a command (`go`, `stop`) if the worker is still there. */
  send(kind: string): void {
    if (!this.#exited && this.#child.connected) this.#child.send({ kind });
  }

  /** Waits up to `graceMs` for the worker to exit by itself, then kills it. */
  async finish(graceMs = 3000): Promise<void> {
    if (this.#exited) return;
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }

  /** Kills the worker now. */
  kill(): void {
    if (!this.#exited) this.#child.kill("SIGKILL");
  }

  #settle(kind: string, message: WorkerReport): Promise<WorkerReport> {
    if (message.kind === "unavailable") return Promise.reject(new UnavailableError(String(message.message)));
    if (message.kind === "error") return Promise.reject(new WorkerFailedError(`${this.name}: ${String(message.message)}`));
    void kind;
    return Promise.resolve(message);
  }

  #onReport(message: WorkerReport): void {
    const waiter = this.#waiter;
    if (waiter !== null && (message.kind === waiter.kind || message.kind === "error" || message.kind === "unavailable")) {
      this.#waiter = null;
      waiter.resolve(message);
    } else {
      this.#queued.push(message);
    }
  }
}
