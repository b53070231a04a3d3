/**
 * The warm-up before a req-rep or service case is timed, the same rule for
 * every implementation: calls are made (at the case's calls in flight) and
 * timed in windows until the process is at its steady state, so what the
 * case times is code V8 has optimised, not a process's first second.
 *
 * The rule ({@link WARM_UP_RULE}): windows of {@link WarmUpRule.windowCalls}
 * calls, or of {@link WarmUpRule.windowMs} if that comes first; the warm-up
 * ends once at least `minCalls` calls and `minMs` have passed and the p50 of
 * the last window is within `tolerance` of the window's before it, or at
 * `maxMs` whatever the windows say (the case then notes "not settled").
 * Measured on this 2-core VM (docs/benchmarks.md, "The runner's warm-up
 * (session 6)"): core REQ/REP and the greeter on `@skein/service` reach
 * their steady p50 after 5,000 to 15,000 calls; their first 1,000-call
 * window is 3-5x slower.
 */
import { appendFileSync } from "node:fs";
import { percentile } from "./stats.js";

/** When a warm-up ends. */
export interface WarmUpRule {
  /** Calls made before the warm-up may end, at least. */
  readonly minCalls: number;
  /** Milliseconds before the warm-up may end, at least. */
  readonly minMs: number;
  /** A window closes after this many calls... */
  readonly windowCalls: number;
  /** ...or after this many milliseconds, whichever comes first. */
  readonly windowMs: number;
  /** The last window's p50 may differ from the one before by this fraction of it, at most. */
  readonly tolerance: number;
  /** The warm-up ends here, settled or not (milliseconds). */
  readonly maxMs: number;
}

/** The runner's rule, for every implementation and every req-rep and service case. */
export const WARM_UP_RULE: WarmUpRule = Object.freeze({
  minCalls: 5_000,
  minMs: 1_000,
  windowCalls: 1_000,
  windowMs: 250,
  tolerance: 0.05,
  maxMs: 2_000,
});

/**
 * The rule a worker uses: {@link WARM_UP_RULE}, with any field overridden by
 * the JSON object in `SKEIN_BENCH_WARMUP` (for studying the rule, e.g.
 * `SKEIN_BENCH_WARMUP='{"maxMs":20000,"minCalls":1e9}'` to watch every
 * window of a long warm-up with `SKEIN_BENCH_WARMUP_TRACE=1`).
 */
export function warmUpRule(): WarmUpRule {
  const override = process.env.SKEIN_BENCH_WARMUP;
  return override === undefined || override === "" ? WARM_UP_RULE : { ...WARM_UP_RULE, ...(JSON.parse(override) as Partial<WarmUpRule>) };
}

/** What a warm-up did: reported with the case's result. */
export interface WarmUpSummary {
  /** Calls made during the warm-up. */
  readonly calls: number;
  /** How long it took, milliseconds. */
  readonly ms: number;
  /** The p50 of each closed window, µs, in order. */
  readonly windowP50Us: readonly number[];
  /** Whether it ended on the rule's p50 test (false: at `maxMs`). */
  readonly settled: boolean;
}

/**
 * Follows the calls of a warm-up window by window and says when the rule
 * ends it. Time is passed in, so the rule is testable without a clock.
 */
export class WarmUpWindows {
  readonly #rule: WarmUpRule;
  readonly #startedMs: number;
  #windowStartedMs: number;
  #window: number[] = [];
  #calls = 0;
  #endedMs = -1;
  #settled = false;
  readonly #p50s: number[] = [];

  readonly #onWindow: ((line: string) => void) | undefined;

  /** `onWindow` is told of each window as it closes (a line of text). */
  constructor(rule: WarmUpRule, nowMs: number, onWindow?: (line: string) => void) {
    this.#onWindow = onWindow;
    this.#rule = rule;
    this.#startedMs = nowMs;
    this.#windowStartedMs = nowMs;
  }

  /** Whether the warm-up has ended. */
  get done(): boolean {
    return this.#endedMs >= 0;
  }

  /** Records one call of `latencyUs` ending at `nowMs`; returns whether the warm-up has ended. */
  record(latencyUs: number, nowMs: number): boolean {
    if (this.done) return true;
    this.#calls++;
    this.#window.push(latencyUs);
    const rule = this.#rule;
    if (this.#window.length >= rule.windowCalls || nowMs - this.#windowStartedMs >= rule.windowMs) this.#closeWindow(nowMs);
    if (!this.done && nowMs - this.#startedMs >= rule.maxMs) this.#endedMs = nowMs;
    return this.done;
  }

  /** The warm-up so far (or as it ended). */
  summary(nowMs: number): WarmUpSummary {
    const end = this.done ? this.#endedMs : nowMs;
    return { calls: this.#calls, ms: end - this.#startedMs, windowP50Us: [...this.#p50s], settled: this.#settled };
  }

  #closeWindow(nowMs: number): void {
    const sorted = this.#window.sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    this.#window = [];
    this.#windowStartedMs = nowMs;
    const previous = this.#p50s.at(-1);
    this.#p50s.push(p50);
    this.#onWindow?.(`window ${this.#p50s.length}: ${sorted.length} calls, p50 ${p50.toFixed(1)} µs, at ${this.#calls} calls, ${(nowMs - this.#startedMs).toFixed(0)} ms`);
    const rule = this.#rule;
    if (previous === undefined || this.#calls < rule.minCalls || nowMs - this.#startedMs < rule.minMs) return;
    if (Math.abs(p50 - previous) <= rule.tolerance * previous) {
      this.#settled = true;
      this.#endedMs = nowMs;
    }
  }
}

/**
 * Warms `call` up by {@link warmUpRule} (or `rule`), keeping `inFlight`
 * calls going as the timed part of the case does, each call timed alone.
 * With `SKEIN_BENCH_WARMUP_TRACE=<file>`, each window's p50 is appended to
 * that file, after `label`.
 */
export async function warmUp(call: () => Promise<unknown>, inFlight: number, label: string, rule: WarmUpRule = warmUpRule()): Promise<WarmUpSummary> {
  const trace = process.env.SKEIN_BENCH_WARMUP_TRACE;
  const onWindow = trace === undefined || trace === "" ? undefined : (line: string): void => appendFileSync(trace, `${label} ${line}\n`);
  const windows = new WarmUpWindows(rule, performance.now(), onWindow);
  const loop = async (): Promise<void> => {
    while (!windows.done) {
      const t0 = process.hrtime.bigint();
      await call();
      windows.record(Number(process.hrtime.bigint() - t0) / 1000, performance.now());
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return windows.summary(performance.now());
}

/** A warm-up as the table's note says it: calls, seconds, and whether it settled. */
export function describeWarmUp(summary: WarmUpSummary): string {
  const calls = summary.calls >= 10_000 ? `${(summary.calls / 1000).toFixed(0)}k` : summary.calls.toLocaleString("en-US");
  return `warm-up ${calls} calls ${(summary.ms / 1000).toFixed(1)} s${summary.settled ? "" : " (not settled)"}`;
}
