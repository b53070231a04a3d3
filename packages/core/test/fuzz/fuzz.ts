/**
 * A small seeded mutational fuzzer, in the spirit of libzmq's OSS-Fuzz
 * targets (tests/test_*_fuzzer.cpp): one target per parser that reads peer
 * bytes, fed mutations of a corpus of valid inputs (bit flips, byte
 * insert/delete, length-field tweaks, splices).
 *
 * Every target runs in two modes with the same code:
 * - bounded (CI): `FUZZ_RUNS` unset, a few thousand inputs per target;
 * - long: `pnpm fuzz` (`FUZZ_RUNS=1000000`, `FUZZ_SEED=<n>`, optionally
 *   `FUZZ_TARGETS=<regex>` of target names), one line per target with
 *   inputs, time, heap start/end and failures.
 *
 * For each input the runner checks: only the target's documented typed
 * errors come out, the input finishes within a deadline, no promise
 * rejection goes unhandled; over the run the heap after GC stays bounded.
 */
import { appendFileSync } from "node:fs";
import { expect, it } from "vitest";

/** Deterministic random numbers (sfc32), so a seed replays a whole run. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** Values that sit on the edges of length fields (1, 2, 4 and 8 octets). */
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Writes `value` big-endian into `width` octets at `at` (clipped to the buffer). */
function writeField(data: Buffer, at: number, width: number, value: number): void {
  for (let i = width - 1; i >= 0 && at + i >= 0; i--) {
    if (at + i < data.length) data[at + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
}

/**
 * One mutation of `input`: a bit flip, an interesting byte, an insert or a
 * delete, a length field set to an edge value (or to the bytes left, plus or
 * minus one), a splice with another seed, a truncation or a repeated range.
 */
export function mutateOnce(input: Buffer, random: Random, seeds: readonly Buffer[]): Buffer {
  const n = input.length;
  const at = random.below(n + 1);
  switch (random.below(9)) {
    case 0: {
      if (n === 0) return random.bytes(1 + random.below(8));
      const out = Buffer.from(input);
      out[random.below(n)]! ^= 1 << random.below(8);
      return out;
    }
    case 1: {
      if (n === 0) return Buffer.from([random.pick(INTERESTING) & 0xff]);
      const out = Buffer.from(input);
      out[random.below(n)] = random.chance(0.5) ? random.pick(INTERESTING) & 0xff : random.next() & 0xff;
      return out;
    }
    case 2:
      return Buffer.concat([input.subarray(0, at), random.bytes(1 + random.below(16)), input.subarray(at)]);
    case 3:
      return Buffer.concat([input.subarray(0, at), input.subarray(Math.min(n, at + 1 + random.below(16)))]);
    case 4: {
      const out = Buffer.from(input);
      const width = random.pick([1, 2, 4, 8]);
      const left = n - at - width;
      const value = random.chance(0.5) ? random.pick(INTERESTING) : Math.max(0, left + random.below(3) - 1);
      writeField(out, at, width, value);
      return out;
    }
    case 5: {
      const other = random.pick(seeds);
      return Buffer.concat([input.subarray(0, at), other.subarray(random.below(other.length + 1))]);
    }
    case 6:
      return input.subarray(0, at);
    case 7: {
      const end = Math.min(n, at + 1 + random.below(32));
      const copies = 1 + random.below(4);
      const parts = [input.subarray(0, end)];
      for (let i = 0; i < copies; i++) parts.push(input.subarray(at, end));
      parts.push(input.subarray(end));
      return Buffer.concat(parts);
    }
    default:
      return random.bytes(random.below(64));
  }
}

/** A seed, unchanged one time in sixteen, else with one to four mutations. */
export function mutate(random: Random, seeds: readonly Buffer[]): Buffer {
  let input = random.pick(seeds);
  if (random.chance(1 / 16)) return input;
  for (let i = 1 + random.below(4); i > 0; i--) input = mutateOnce(input, random, seeds);
  return input;
}

/** Cuts `data` into one to eight chunks at random points, as a kernel might hand them out. */
export function randomChunks(data: Buffer, random: Random): Buffer[] {
  if (data.length === 0) return [data];
  if (random.chance(0.25)) return [data];
  if (data.length <= 2048 && random.chance(0.1)) return [...data].map((byte) => Buffer.from([byte]));
  const cuts = new Set<number>();
  for (let i = random.below(8); i > 0; i--) cuts.add(1 + random.below(data.length));
  const sorted = [...cuts].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of sorted) {
    chunks.push(data.subarray(from, cut));
    from = cut;
  }
  if (from < data.length) chunks.push(data.subarray(from));
  return chunks;
}

/** A parser to fuzz. */
export interface FuzzTarget {
  /** Shown in the report, e.g. `"ZMTP frame decoder"`. */
  name: string;
  /** Valid inputs the mutations start from. */
  seeds: Buffer[];
  /**
   * Feeds one input. Throws (or rejects with) only errors that `allowed`
   * accepts; anything else, or a broken invariant (an `expect` failing), is a finding.
   */
  run(input: Buffer, random: Random): void | Promise<void>;
  /** True for the target's documented typed errors. */
  allowed(error: unknown): boolean;
  /** Builds the input from the random source instead of {@link mutate} (structure-aware targets). */
  generate?(random: Random): Buffer;
  /** Inputs in bounded (CI) mode; default {@link CI_RUNS}. */
  ciRuns?: number;
}

/** One input that broke a rule. */
export interface FuzzFailure {
  input: string;
  error: string;
}

/** What a run measured, per target. */
export interface FuzzReport {
  target: string;
  seed: number;
  inputs: number;
  ms: number;
  heapStart: number;
  heapEnd: number;
  /** Buffers outside the V8 heap (external + array buffers), after GC. */
  externalStart: number;
  externalEnd: number;
  failures: number;
  examples: FuzzFailure[];
  /** How inputs ended: "ok" or the error's code (or name), with counts: shows how deep inputs reach. */
  outcomes: Record<string, number>;
}

/** Inputs per target in CI: a few thousand, so the whole set stays well under a minute. */
export const CI_RUNS = 3000;
/** Heap may end at most this much above where it started (after GC). */
export const HEAP_BOUND = 16 * 1024 * 1024;
/** No single input may take longer than this. */
export const INPUT_DEADLINE_MS = 2000;

const envRuns = Number(process.env.FUZZ_RUNS ?? "");
const envSeed = Number(process.env.FUZZ_SEED ?? "");
/** True when `FUZZ_RUNS` asks for a long run (`pnpm fuzz`). */
export const LONG = Number.isSafeInteger(envRuns) && envRuns > 0;
/** `FUZZ_SEED`, or 0: every run, CI or long, replays the same inputs unless told otherwise. */
export const SEED = Number.isSafeInteger(envSeed) ? envSeed : 0;

async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("fuzz targets need --expose-gc (set in vitest.config.ts execArgv)");
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

function external(): number {
  const usage = process.memoryUsage();
  return usage.external + usage.arrayBuffers;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code !== undefined ? ` ${String(code)}` : ""}: ${error.message}`;
  }
  return String(error);
}

/** A per-input deadline for targets that return a promise. */
function withDeadline(promise: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded()), INPUT_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

class DeadlineExceeded extends Error {
  constructor() {
    super(`input did not finish within ${INPUT_DEADLINE_MS} ms`);
    this.name = "DeadlineExceeded";
  }
}

/** Runs `runs` inputs through a target and reports what happened. */
export async function fuzz(target: FuzzTarget, runs: number, seed: number): Promise<FuzzReport> {
  const random = new Random(seed);
  const examples: FuzzFailure[] = [];
  let failures = 0;
  let current: Buffer = Buffer.alloc(0);
  const outcomes: Record<string, number> = {};
  const outcome = (key: string): void => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  const record = (input: Buffer, error: unknown): void => {
    failures++;
    if (examples.length < 5) examples.push({ input: input.subarray(0, 256).toString("hex"), error: describeError(error) });
  };
  const onRejection = (reason: unknown): void => record(current, new Error(`unhandled rejection: ${describeError(reason)}`));
  process.on("unhandledRejection", onRejection);
  // Errors are made by the hundred thousand and only their name, code and
  // message are kept: capturing no stack frames spares the source-mapped
  // formatting vitest installs, which Node's streams run on every
  // destroy(error) (they read err.stack) and which was a third of a stream
  // target's time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  // Warm up (JIT, lazily built tables) before the first heap sample.
  const warmup = Math.min(200, Math.floor(runs / 10));
  let heapStart = 0;
  let externalStart = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < runs; i++) {
      if (i === warmup) {
        heapStart = await settledHeap();
        externalStart = external();
      }
      const input = target.generate !== undefined ? target.generate(random) : mutate(random, target.seeds);
      current = input;
      const t0 = performance.now();
      try {
        const result = target.run(input, random);
        if (result !== undefined) await withDeadline(result);
        outcome("ok");
      } catch (error) {
        outcome(String((error as { code?: unknown }).code ?? (error as Error).name ?? "thrown"));
        if (error instanceof DeadlineExceeded || !target.allowed(error)) record(input, error);
      }
      // A synchronous input cannot be interrupted: it is timed instead (async ones already raced the deadline).
      if (performance.now() - t0 > INPUT_DEADLINE_MS && outcomes.DeadlineExceeded === undefined) record(input, new DeadlineExceeded());
      if (LONG && i > 0 && i % 10_000 === 0) {
        // Enough to record a run stopped before its end: inputs, time, heap (not settled), outcomes.
        const heap = mb(process.memoryUsage().heapUsed);
        console.log(`[fuzz] ${target.name}: ${i} inputs, ${Math.round((performance.now() - started) / 1000)} s, heap ${heap}, failures ${failures} (${formatOutcomes(outcomes)})`);
        // A synchronous target never yields: without this turn its progress lines would reach the terminal only at the end.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    // Rejections are reported on the next turns: let them arrive before the listener goes.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off("unhandledRejection", onRejection);
    Error.stackTraceLimit = stackTraceLimit;
  }
  const ms = performance.now() - started;
  const heapEnd = await settledHeap();
  const externalEnd = external();
  return { target: target.name, seed, inputs: runs, ms, heapStart, heapEnd, externalStart, externalEnd, failures, examples, outcomes };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Outcome counts, most frequent first: `ok 12, EPROTO 3`. */
function formatOutcomes(outcomes: Record<string, number>): string {
  return Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ${count}`)
    .join(", ");
}

/** One line per target, the shape docs/reliability.md tabulates. */
export function formatReport(report: FuzzReport): string {
  const seconds = (report.ms / 1000).toFixed(1);
  const examples = report.examples.map((example) => `\n    ${example.error}\n    input ${example.input}`).join("");
  const outcomes = formatOutcomes(report.outcomes);
  return `[fuzz] ${report.target}: ${report.inputs} inputs, ${seconds} s, heap ${mb(report.heapStart)} -> ${mb(report.heapEnd)}, external ${mb(report.externalStart)} -> ${mb(report.externalEnd)}, failures ${report.failures} (${outcomes})${examples}`;
}

/**
 * Declares the vitest test of a target: bounded in CI, `FUZZ_RUNS` inputs
 * under `pnpm fuzz` (which also appends each report to `FUZZ_REPORT`, a JSON-lines file).
 */
export function fuzzTest(target: FuzzTarget): void {
  // `FUZZ_TARGETS=<regex>` (long runs) declares only the targets whose name matches.
  if (process.env.FUZZ_TARGETS && !new RegExp(process.env.FUZZ_TARGETS, "i").test(target.name)) return;
  const runs = LONG ? envRuns : (target.ciRuns ?? CI_RUNS);
  it(
    `${target.name}: ${runs} mutated inputs throw only typed errors, finish in time, leave the heap bounded`,
    async () => {
      const report = await fuzz(target, runs, SEED);
      console.log(formatReport(report));
      if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(report)}\n`);
      expect(report.examples).toEqual([]);
      expect(report.heapEnd - report.heapStart).toBeLessThan(HEAP_BOUND);
      expect(report.externalEnd - report.externalStart).toBeLessThan(HEAP_BOUND);
    },
    LONG ? 48 * 3600_000 : 60_000,
  );
}

/** True for an error of `type` whose `code` is one of `codes`. */
export function typedError(error: unknown, type: abstract new (...args: never[]) => Error, codes: readonly string[]): boolean {
  return error instanceof type && codes.includes((error as { code?: string }).code ?? "");
}

/**
 * True when a ZmqError only wraps an untyped failure: the engine turns a
 * thrown non-ZmqError into `String(error)`, a mechanism into "Security
 * handshake failed: ...". A fuzzer finding either way.
 */
export function wrapsUntyped(error: { message: string }): boolean {
  return /^(TypeError|RangeError|ReferenceError|SyntaxError|Error)\b|Security handshake failed:|Cannot read prop|is not a function|undefined/.test(
    error.message,
  );
}

/** An invariant of a target; cheaper than `expect` on a million inputs. */
export class InvariantBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantBroken";
  }
}

/** Throws {@link InvariantBroken} (always a finding) when `condition` is false. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantBroken(message);
}
