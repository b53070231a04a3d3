/**
 * Actor-system members in real worker threads and child processes
 * (fixtures/actor-member.mjs), driven by messages, and a temporary storage folder.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Member } from "../../src/index.js";
import { within } from "../fixtures.js";

const MEMBER_SCRIPT = new URL("./fixtures/actor-member.mjs", import.meta.url);

/** A message a member fixture sent. */
export interface MemberEvent {
  event: string;
  [field: string]: unknown;
}

/** A member running in a worker thread or a child process. */
export class MemberHandle {
  readonly events: MemberEvent[] = [];
  member!: Member;
  readonly #waiters: { match: (event: MemberEvent) => boolean; resolve: (event: MemberEvent) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(readonly id: string, readonly worker: Worker | undefined, readonly child: ChildProcess | undefined) {
    const receive = (event: MemberEvent): void => {
      this.events.push(event);
      for (const waiter of [...this.#waiters]) {
        if (waiter.match(event)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    };
    if (worker !== undefined) {
      worker.on("message", receive);
      this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    } else {
      child!.on("message", receive);
      this.exited = new Promise((resolve) => child!.once("exit", () => resolve()));
    }
  }

  send(message: object): void {
    if (this.worker !== undefined) this.worker.postMessage(message);
    else this.child!.send(message);
  }

  /** The first event (already received or to come) that `match` accepts. */
  next(match: (event: MemberEvent) => boolean, what: string, ms = 10_000): Promise<MemberEvent> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return within(new Promise((resolve) => this.#waiters.push({ match, resolve })), ms, `${this.id}: ${what}`);
  }

  /** A new event (not yet received) that `match` accepts. */
  nextNew(match: (event: MemberEvent) => boolean, what: string, ms = 10_000): Promise<MemberEvent> {
    return within(new Promise((resolve) => this.#waiters.push({ match, resolve })), ms, `${this.id}: ${what}`);
  }

  async setMembers(members: Member[]): Promise<void> {
    const done = this.nextNew((event) => event.event === "members" || event.event === "error", "members set");
    this.send({ op: "members", members });
    const event = await done;
    if (event.event === "error") throw new Error(String(event.message));
  }

  /** Kills it at once: a worker terminated, a process sent SIGKILL. */
  async kill(): Promise<void> {
    if (this.worker !== undefined) await this.worker.terminate();
    else this.child!.kill("SIGKILL");
    await this.exited;
  }

  /** Closes its system (state saved) and waits for it to exit. */
  async close(): Promise<void> {
    this.send({ op: "close" });
    await within(this.exited, 10_000, `${this.id} exit`);
  }
}

let inprocNames = 0;

/**
 * Starts a member over the storage folder `storage`: a thread binds
 * `inproc://` (reached across threads), a process `tcp://127.0.0.1`, unless `transport` says otherwise.
 */
export async function startMember(kind: "thread" | "process", id: string, storage: string, transport: "inproc" | "tcp" = kind === "thread" ? "inproc" : "tcp"): Promise<MemberHandle> {
  const handle = kind === "thread"
    ? new MemberHandle(id, new Worker(MEMBER_SCRIPT), undefined)
    : new MemberHandle(id, undefined, fork(MEMBER_SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] }));
  const bind = transport === "inproc" ? `inproc://skein-actor-test-${process.pid}-${++inprocNames}-${id}` : "tcp://127.0.0.1:0";
  handle.send({ op: "start", id, storage, bind });
  // Starting a thread or process imports the package: slow on a loaded machine, so a long deadline.
  const started = await handle.next((event) => event.event === "started" || event.event === "error", "start", 60_000);
  if (started.event === "error") throw new Error(String(started.message));
  handle.member = started.member as Member;
  return handle;
}

/** A fresh storage folder, removed by the returned function. */
export function temporaryFolder(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "skein-actors-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
