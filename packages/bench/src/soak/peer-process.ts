/** The driver's handle on one forked soak peer: spawn, ask for samples, kill, stop. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DriverCommand, PeerConfig, PeerReport, PeerSample } from "./protocol.js";

/** A peer did not answer, reported an error, or exited when nobody asked it to. */
export class PeerFailedError extends Error {
  readonly code = "SOAK_PEER_FAILED";
}

export class PeerProcess {
  readonly config: PeerConfig;
  readonly child: ChildProcess;
  /** Set when the peer exits; `expected` when the driver killed or stopped it. */
  exit: { code: number | null; signal: string | null; expected: boolean } | null = null;
  readonly exited: Promise<void>;
  readonly errors: string[] = [];
  #expectExit = false;
  #waiters: { type: string; resolve: (report: PeerReport) => void }[] = [];
  #stderr = "";

  constructor(config: PeerConfig) {
    this.config = config;
    const file = fileURLToPath(new URL("./peer.js", import.meta.url));
    this.child = fork(file, [JSON.stringify(config)], { stdio: ["ignore", "inherit", "pipe", "ipc"], execArgv: ["--expose-gc"] });
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
    this.child.on("message", (report: PeerReport) => {
      if (report.type === "error") this.errors.push(report.message);
      const index = this.#waiters.findIndex((w) => w.type === report.type);
      if (index >= 0) this.#waiters.splice(index, 1)[0]!.resolve(report);
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal, expected: this.#expectExit };
        if (!this.#expectExit) this.errors.push(`exited unexpectedly (code ${code}, signal ${signal}): ${this.#stderr.trim()}`);
        for (const waiter of this.#waiters.splice(0)) waiter.resolve({ type: "error", message: "exited" });
        resolve();
      }),
    );
  }

  /** Resolves with the next report of `type`; rejects after `timeoutMs` or if the peer exits first. */
  next<T extends PeerReport["type"]>(type: T, timeoutMs: number): Promise<Extract<PeerReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new PeerFailedError(`${this.config.role} (pid ${this.child.pid}) sent no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (report: PeerReport) => {
          clearTimeout(timer);
          if (report.type === type) resolve(report as Extract<PeerReport, { type: T }>);
          else reject(new PeerFailedError(`${this.config.role} (pid ${this.child.pid}) ${report.type === "error" ? report.message : "answered out of turn"}`));
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends `command` and waits for the sample it answers with. */
  ask(command: Exclude<DriverCommand, { type: "stop" }>, timeoutMs: number): Promise<PeerSample> {
    const answer = this.next("sample", timeoutMs);
    this.child.send(command);
    return answer;
  }

  /** SIGKILL, then wait for the exit. */
  async kill(): Promise<void> {
    this.#expectExit = true;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Asks the peer to close its socket and exit; kills it if it has not within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#expectExit = true;
    if (this.exit !== null) return;
    this.child.send({ type: "stop" } satisfies DriverCommand);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
