import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);

test("the rpc example fails over, serves two services through the broker and exits by itself", async () => {
  const script = fileURLToPath(new URL("../rpc.js", import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 20_000, cwd: fileURLToPath(new URL("..", import.meta.url)) });
  expect(stdout).toContain('fail-over: got "hello ada" after the first server timed out');
  expect(stdout).toContain("broker: echo -> ping, upper -> A,B,C");
  expect(stdout).toContain("rpc example finished");
});
