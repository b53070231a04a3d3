import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const program = fileURLToPath(new URL("../program.js", import.meta.url));

async function output(library: string): Promise<string> {
  const { stdout } = await run(process.execPath, [program, library], { timeout: 20_000 });
  return stdout;
}

test("a program written for the zeromq package prints the same on zeromq and on @skein/core", async () => {
  const [theirs, ours] = await Promise.all([output("zeromq"), output("@skein/core")]);
  expect(ours).toContain("request-reply: ping -> PING");
  expect(ours).toContain("router: worker-1 says hello");
  expect(ours).toBe(theirs);
});
