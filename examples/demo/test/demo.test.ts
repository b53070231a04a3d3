import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);

test("the demo runs the three patterns and exits by itself", async () => {
  const script = fileURLToPath(new URL("../demo.js", import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 20_000 });
  expect(stdout).toContain('pipeline: PULL got "task 3"');
  expect(stdout).toContain('request-reply: "2 + 3" = 5');
  expect(stdout).toContain("pub-sub: subscriber got weather.paris = 18C");
  expect(stdout).toContain("demo finished");
});
