/**
 * `skein bench`: runs the benchmark suite of `@skein/bench` (its driver,
 * `dist/run.js`, in a child process) with a progress bar on a terminal.
 * `@skein/bench` is private to the skein repository: elsewhere the command
 * says so.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { ExitCode } from "../exit-code.js";
import type { Output } from "../output.js";
import { parseProgressLine, ProgressBar, renderProgress } from "../progress-bar.js";
import type { Command } from "./command.js";

export const bench: Command = {
  name: "bench",
  summary: "run the benchmark suite of @skein/bench with a progress bar (in the skein repository)",
  usage: `usage: skein bench [--quick] [--filter TEXT]... [--impl LIST] [--repeat N] [--duration MS] [--json PATH] [--no-micro] [--micro]
  Runs the benchmark suite of @skein/bench (skein against the zeromq package and raw node:net, each
  sender and receiver in its own process), with a progress bar on a terminal; the table goes to stdout.
  The options are those of "pnpm bench" (packages/bench/README.md). @skein/bench is private to the
  skein repository: run this from a built checkout (or set SKEIN_BENCH_DIR to its packages/bench).
  Exit code: the suite's own (0 done, 2 a usage error), 1 when @skein/bench is not there.
example:
  skein bench --quick --filter "tcp 16 B"`,

  async run(argv, io) {
    const driver = findDriver();
    if (typeof driver !== "string") {
      io.err(`skein bench: ${driver.problem}`);
      return ExitCode.ERROR;
    }
    return runDriver(driver, argv, io);
  },
};

/** `dist/run.js` of `@skein/bench`, or why it cannot be run. */
function findDriver(): string | { problem: string } {
  let directory = process.env["SKEIN_BENCH_DIR"];
  if (directory === undefined) {
    try {
      directory = dirname(createRequire(import.meta.url).resolve("@skein/bench/package.json"));
    } catch {
      return {
        problem:
          "@skein/bench is not installed. It is the benchmark suite of the skein repository (private, not " +
          "published): in a checkout, run `npx -y pnpm@12.21.0 install && npx -y pnpm@12.21.0 build`, then " +
          "`npx -y pnpm@12.21.0 exec skein bench`.",
      };
    }
  }
  const driver = join(directory, "dist", "run.js");
  if (!existsSync(driver)) {
    return { problem: `@skein/bench at ${directory} is not built (no ${driver}): run \`npx -y pnpm@12.21.0 build\` first.` };
  }
  return driver;
}

/** Runs the driver; its "[n/total] …" progress lines on stderr drive the bar. */
function runDriver(driver: string, argv: readonly string[], io: Output): Promise<number> {
  const child = spawn(process.execPath, [driver, ...argv], { stdio: ["inherit", "inherit", "pipe"] });
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const lines = createInterface({ input: child.stderr });
  lines.on("line", (line) => {
    const progress = parseProgressLine(line);
    if (bar === null) io.err(line);
    else if (progress === null) bar.log(line);
    else {
      bar.log(line);
      bar.update(renderProgress(progress.done, progress.total, progress.label));
    }
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      bar?.clear();
      if (signal !== null) io.err(`skein bench: the suite was stopped by ${signal}`);
      resolve(code ?? ExitCode.ERROR);
    });
  });
}
