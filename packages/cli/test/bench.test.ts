import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { parseProgressLine, renderProgress } from "../src/progress-bar.js";
import { runSkein } from "./skein-process.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "skein-cli-bench-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("bench runs the suite of @skein/bench: progress on stderr, the table on stdout", async () => {
  const json = join(await tempDir(), "results.json");
  const { code, stdout, stderr } = await runSkein(["bench", "--quick", "--filter", "inproc 16 B", "--impl", "skein", "--duration", "100", "--json", json]);
  expect(code).toBe(0);
  expect(stderr).toMatch(/^\[1\/1\] push-pull inproc 16 B \/ skein: /m);
  expect(stdout).toContain("== Results");
  expect(stdout).toContain(`results: ${json}`);
});

test("bench passes a usage error of the suite through with its exit code 2", async () => {
  const { code, stderr } = await runSkein(["bench", "--repeat", "zero"]);
  expect(code).toBe(2);
  expect(stderr).toContain("--repeat needs a positive number");
});

test("bench without a built @skein/bench says what to do and exits with 1", async () => {
  const { code, stderr } = await runSkein(["bench", "--quick"], { SKEIN_BENCH_DIR: await tempDir() });
  expect(code).toBe(1);
  expect(stderr).toMatch(/@skein\/bench at .* is not built .* run `npx -y pnpm@12\.21\.0 build` first/);
});

test("the progress bar fills with the runs done and reads the driver's progress lines", () => {
  expect(renderProgress(0, 4, "a", 8)).toBe("[░░░░░░░░] 0/4   0% a");
  expect(renderProgress(1, 4, "b", 8)).toBe("[██░░░░░░] 1/4  25% b");
  expect(renderProgress(4, 4, "c", 8)).toBe("[████████] 4/4 100% c");
  expect(parseProgressLine("[3/40] push-pull tcp 16 B / skein: 1.2M msgs/s")).toEqual({ done: 3, total: 40, label: "push-pull tcp 16 B / skein" });
  expect(parseProgressLine("skein bench: quick, 1 cases")).toBeNull();
});
