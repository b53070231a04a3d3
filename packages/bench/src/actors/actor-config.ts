import type { Impl } from "../library.js";

/** Where the actors of an actor benchmark run. */
export type ActorPlacement =
  /** Caller and actors in one thread. */
  | "local"
  /** Actors in 2 worker threads (members on inproc:// across threads), the caller in the main thread. */
  | "threads"
  /** Actors in 2 child processes (members over tcp loopback), the caller in the parent. */
  | "processes"
  /** CPU-bound turns on 1 worker thread (inproc://). */
  | "cpu-one"
  /** CPU-bound turns on one worker thread per core. */
  | "cpu-all"
  /** Turns of a per-turn state save through FileStorage (one thread). */
  | "storage-file"
  /** Turns of a per-turn state save through SqliteStorage (better-sqlite3 from SKEIN_BETTER_SQLITE3). */
  | "storage-sqlite";

/** Configuration of the actor-bench worker. */
export interface ActorBenchConfig {
  impl: Impl;
  placement: ActorPlacement;
  durationMs: number;
  /** Calls in flight at once, each on its own key. */
  concurrency: number;
  /** Busy-work iterations per turn for the cpu placements. */
  iterations: number;
}
