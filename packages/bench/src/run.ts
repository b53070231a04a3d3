/**
 * `pnpm bench`: runs every selected case for every implementation with
 * sender and receiver in separate processes, repeats each, prints the
 * medians as a table with ratios to the `zeromq` package and to raw
 * `node:net`, checks the targets, writes JSON and Markdown, and runs the
 * frame encoder/decoder micro-benchmarks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { CASES, type BenchCase } from "./cases.js";
import { parseOptions, USAGE, UsageError, type BenchOptions } from "./options.js";
import { runScenario, type RunSettings, type Sample } from "./scenarios.js";
import { ResultBook, type RowResult } from "./results.js";
import { UnavailableError } from "./worker-process.js";
import { compact, markdownTable, textTable } from "./table.js";
import { checkTargets } from "./targets.js";
import { describeMachine } from "./machine.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function selectCases(options: BenchOptions): BenchCase[] {
  return CASES.filter((c) => {
    if (options.filters.length > 0) {
      if (!options.filters.some((f) => c.id.toLowerCase().includes(f))) return false;
      return options.quick ? c.quick || c.kind !== "soak" : true;
    }
    return options.quick ? c.quick : c.full;
  }).map((c) => (options.impls.length === 0 ? c : { ...c, runs: c.runs.filter((r) => options.impls.includes(r.label)) }));
}

/**
 * Runs a scenario; a failure (not an n/a) gets one more try after a pause,
 * since the checkout is shared and a rebuild of a package's dist can break a
 * worker's import for a moment. The retry is recorded in the row's reason.
 */
async function runWithOneRetry(benchCase: BenchCase, run: BenchCase["runs"][number], settings: RunSettings, row: RowResult, tag: string): Promise<Sample> {
  try {
    return await runScenario(benchCase, run, settings);
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    console.error(`${tag}: failed once (${(error as Error).message}); retrying`);
    row.retries = (row.retries ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return runScenario(benchCase, run, settings);
  }
}

async function runSuite(options: BenchOptions, cases: BenchCase[], book: ResultBook): Promise<void> {
  const settings: RunSettings = { durationMs: options.durationMs, soakCount: options.soakCount, soakRate: options.soakRate };
  const total = cases.reduce((n, c) => n + c.runs.length * (c.kind === "soak" ? 1 : options.repeat), 0);
  let done = 0;
  for (const benchCase of cases) {
    const repeats = benchCase.kind === "soak" ? 1 : options.repeat;
    // Repeats outermost: noise that lasts a few seconds hits every implementation alike.
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const run of benchCase.runs) {
        const row = book.row(benchCase, run.label);
        done++;
        if (row.status === "n/a") continue;
        const tag = `[${done}/${total}] ${benchCase.id} / ${run.label}`;
        try {
          const sample = await runWithOneRetry(benchCase, run, settings, row, tag);
          row.samples.push(sample);
          const latency = sample.latency === undefined ? "" : `  p50 ${sample.latency.p50Us.toFixed(1)} µs`;
          console.error(`${tag}: ${compact(sample.msgsPerSec)} msgs/s, ${compact(sample.mbPerSec)} MB/s${latency}`);
        } catch (error) {
          if (error instanceof UnavailableError) {
            row.status = "n/a";
            row.reason = error.message;
            console.error(`${tag}: n/a (${error.message})`);
          } else {
            row.status = "failed";
            row.reason = (error as Error).message;
            console.error(`${tag}: FAILED ${(error as Error).message}`);
          }
        }
      }
    }
  }
}

function runMicroBenchmarks(jsonPath: string): void {
  console.log("\n== Micro-benchmarks (vitest bench) ==");
  const vitest = resolve(REPO_ROOT, "node_modules/.bin/vitest");
  const outcome = spawnSync(vitest, ["bench", "--run", "--outputJson", jsonPath], { cwd: REPO_ROOT, stdio: "inherit" });
  if (outcome.status !== 0) console.log(`micro-benchmarks exited with ${outcome.status ?? outcome.signal}`);
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const machine = describeMachine();
  const cases = selectCases(options);
  console.error(
    `skein bench: ${options.quick ? "quick" : "full"}, ${cases.length} cases, ${options.repeat} repeat(s), ${options.durationMs} ms per run; ` +
      `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`,
  );
  const book = new ResultBook();
  await runSuite(options, cases, book);
  book.finish();

  const targets = checkTargets(book, options.soakCount);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n== Results: median of ${options.repeat} repeat(s); ratios are msgs/s against the same case in this run ==`);
  console.log(textTable(cases, book));
  console.log("\n== Targets ==");
  for (const t of targets) console.log(`${t.status.padEnd(12)} ${t.target}: ${t.detail}`);
  const loadNow = Math.round(loadavg()[0]! * 100) / 100;
  console.log(
    `\n${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.date}; ` +
      `suite took ${seconds.toFixed(0)} s; load average ${machine.loadAverage} at start, ${loadNow} at end`,
  );

  const jsonPath = resolve(REPO_ROOT, options.json === "" ? "bench-results/latest.json" : options.json);
  mkdirSync(dirname(jsonPath), { recursive: true });
  const report = { machine, loadAverageAtEnd: loadNow, mode: options.quick ? "quick" : "full", options, seconds, rows: book.rows, targets };
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  const mdPath = jsonPath.replace(/\.json$/, "") + ".md";
  const md = [
    `Run: ${options.quick ? "quick" : "full"}, median of ${options.repeat}, ${options.durationMs} ms per run, ${machine.date}`,
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}; ` +
      `load average ${machine.loadAverage} at start, ${loadNow} at end; suite took ${seconds.toFixed(0)} s`,
    "",
    markdownTable(cases, book),
    "",
    "| target | status | measured |",
    "| --- | --- | --- |",
    ...targets.map((t) => `| ${t.target} | ${t.status} | ${t.detail} |`),
    "",
  ].join("\n");
  writeFileSync(mdPath, md);
  console.log(`results: ${jsonPath}\ntable:   ${mdPath}`);

  if (options.micro) runMicroBenchmarks(resolve(dirname(jsonPath), "micro.json"));
}

await main();
