/** `npm create skein <name>` runs bin/create-skein.js: `skein new <name>` of @skein/cli. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, test } from "vitest";

const run = promisify(execFile);
const createSkein = fileURLToPath(new URL("../bin/create-skein.js", import.meta.url));
let cwd = "";

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "create-skein-"));
});

afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

test("create-skein <name> makes the project skein new makes, in ./<name>", async () => {
  const { stdout } = await run(process.execPath, [createSkein, "my-service"], { cwd });
  expect(stdout).toContain(`made ${join(cwd, "my-service")}`);
  const manifest = JSON.parse(await readFile(join(cwd, "my-service", "package.json"), "utf8")) as { name: string; scripts: Record<string, string> };
  expect(manifest.name).toBe("my-service");
  expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(["build", "test", "start"]));
});

test("create-skein without a name exits 2 and says a name is required", async () => {
  const failed = await run(process.execPath, [createSkein], { cwd }).then(() => undefined, (error: { code: number; stderr: string }) => error);
  expect(failed?.code).toBe(2);
  expect(failed?.stderr).toContain("a project name is required");
});
