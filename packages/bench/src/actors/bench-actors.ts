/**
 * The actors the actor benchmarks call, and the CPU-bound work they do. The
 * same work runs in the postMessage and nact baselines.
 */
import "reflect-metadata";
import { Actor, ActorBase } from "@skein/service";

/** About `iterations` multiply-xor steps of busy work (no allocation), returned so it is not optimised away. */
export function busyWork(iterations: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < iterations; i++) hash = Math.imul(hash ^ i, 0x01000193);
  return hash >>> 0;
}

/** A counter per key: the cheapest stateful actor. */
export class BenchCounter extends ActorBase<{ count: number }> {
  state = { count: 0 };
  add(by: number): number {
    this.state.count += by;
    return this.state.count;
  }
  work(iterations: number): number {
    this.state.count++;
    return busyWork(iterations);
  }
}
Actor({ name: "BenchCounter", idleTimeout: 0, mailboxCapacity: 100_000 })(BenchCounter);
