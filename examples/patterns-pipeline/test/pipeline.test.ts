import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);

test("the pipeline example finishes its batch with a redelivery and exits by itself", async () => {
  const script = fileURLToPath(new URL("../pipeline.js", import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 20_000, cwd: fileURLToPath(new URL("..", import.meta.url)) });
  // 1² + 2² + ... + 30² = 30·31·61/6 = 9455
  expect(stdout).toContain("batch done: 30 items, sum of squares 9455");
  expect(stdout).toContain("slow worker took 1 item(s); redelivered 1");
  expect(stdout).toContain("pipeline example finished");
});
