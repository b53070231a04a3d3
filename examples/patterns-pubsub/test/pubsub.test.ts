import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);

test("the pubsub example delivers snapshot then live, bounds a slow subscriber, and exits by itself", async () => {
  const script = fileURLToPath(new URL("../pubsub.js", import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 20_000, cwd: fileURLToPath(new URL("..", import.meta.url)) });
  const lines = stdout.trim().split("\n");
  expect(lines.slice(0, 4)).toEqual([
    "snapshot price.EURUSD#2 = 1.0842",
    "snapshot price.GBPUSD#1 = 1.2710",
    "live price.EURUSD#3 = 1.0845",
    "live price.GBPUSD#2 = 1.2712",
  ]);
  expect(stdout).toContain("slow subscriber: 899 dropped and reported, 100 queued (bounded by maxQueue 100)");
  expect(stdout).toContain("pubsub example finished");
});
