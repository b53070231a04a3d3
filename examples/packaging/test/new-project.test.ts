/**
 * `skein new` as a new user runs it, before the packages are published: `skein new demo --packages
 * <tarballs>` in a folder outside the workspace, then the generated project's own
 * `npm install && npm test` (code generation, compile, type-check, a vitest test that starts the
 * service and calls it). npm fetches only the third-party dependencies.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { outsideEnv, packed, type Packed, run, workspace } from "./packed.js";

const skein = join(workspace, "packages/cli/bin/skein.js");
let temp = "";
let tarballs: Packed;

beforeAll(async () => {
  tarballs = await packed();
  temp = await mkdtemp(join(tmpdir(), "skein-new-"));
}, 120_000);

afterAll(async () => {
  if (temp !== "") await rm(temp, { recursive: true, force: true });
});

test("the project skein new makes from the packed packages installs and passes its own npm test", { timeout: 240_000 }, async () => {
  const made = await run(process.execPath, [skein, "new", "demo", "--packages", tarballs.folder], { cwd: temp, env: outsideEnv });
  expect(made.stdout).toContain(`made ${join(temp, "demo")}`);
  const project = join(temp, "demo");
  const manifest = JSON.parse(await readFile(join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const name of ["core", "codec", "patterns", "service"] as const) {
    expect(manifest.dependencies[`@skein/${name}`]).toBe(`file:${tarballs.tarball(name)}`);
  }

  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: project, env: outsideEnv, timeout: 150_000 });
  const tested = await run("npm", ["test"], { cwd: project, env: { ...outsideEnv, CI: "1", NO_COLOR: "1" }, timeout: 120_000 });
  expect(tested.stdout).toContain("skein-codegen: wrote 2 files to src/generated");
  expect(tested.stdout).toMatch(/Tests\s+3 passed \(3\)/);
});
