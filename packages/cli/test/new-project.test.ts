/**
 * `skein new` without npm: what it writes and what it refuses. The generated project's own
 * `npm install && npm test` runs in examples/packaging/test/new-project.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, test } from "vitest";
import { newProject } from "../src/new-project.js";
import { TEMPLATE_THIRD_PARTY } from "../src/project-template.js";
import { UsageError } from "../src/exit-code.js";

const run = promisify(execFile);
const skein = fileURLToPath(new URL("../bin/skein.js", import.meta.url));
const workspace = fileURLToPath(new URL("../../../", import.meta.url));

let cwd = "";
const lines: string[] = [];
const io = { out: (line: string) => void lines.push(line), err: (line: string) => void lines.push(line) };

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "skein-new-unit-"));
  lines.length = 0;
});

afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function manifestOf(folder: string): Promise<{ dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> }> {
  return JSON.parse(await readFile(join(folder, "package.json"), "utf8"));
}

async function filesUnder(folder: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await filesUnder(folder, path)));
    else files.push(path);
  }
  return files.sort();
}

test("skein new writes a project that depends on the released @skein packages at the cli's version", async () => {
  await expect(newProject(["demo"], io, cwd)).resolves.toBe(0);
  const project = join(cwd, "demo");
  expect(await filesUnder(project)).toEqual([
    ".gitignore", "README.md", "package.json", "proto/greeter.proto", "src/app.ts", "src/client.ts", "src/greeter.ts", "src/main.ts",
    "test/greeter.test.ts", "tsconfig.build.json", "tsconfig.json",
  ]);
  const manifest = await manifestOf(project);
  const { version } = JSON.parse(await readFile(join(workspace, "packages/cli/package.json"), "utf8")) as { version: string };
  expect(manifest.dependencies).toEqual({ "@skein/codec": `^${version}`, "@skein/service": `^${version}`, ...TEMPLATE_THIRD_PARTY.dependencies });
  expect(manifest.scripts["generate"]).toBe("skein-codegen --out src/generated proto/*.proto");
  expect(manifest.scripts["build"]).toMatch(/^npm run generate && tsc /);
  expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(["build", "test", "start"]));
  expect(await readFile(join(project, "proto/greeter.proto"), "utf8")).toContain("package demo;");
  expect(lines).toEqual([`made ${project}`, "next: cd demo && npm install && npm test"]);
});

test("skein new --packages DIR takes every @skein package the project needs from the tarballs in DIR", async () => {
  const tarballs = join(cwd, "tarballs");
  await mkdir(tarballs);
  for (const name of ["core", "codec", "patterns", "service", "cli"]) await writeFile(join(tarballs, `skein-${name}-0.1.0.tgz`), "");
  await newProject(["my-service", "--packages", "tarballs"], io, cwd);
  const { dependencies } = await manifestOf(join(cwd, "my-service"));
  for (const name of ["core", "codec", "patterns", "service"]) {
    expect(dependencies[`@skein/${name}`]).toBe(`file:${join(tarballs, `skein-${name}-0.1.0.tgz`)}`);
  }
  expect(dependencies["@skein/cli"]).toBeUndefined();
});

test("skein new --packages fails naming the package whose tarball is missing, and writes nothing", async () => {
  const tarballs = join(cwd, "tarballs");
  await mkdir(tarballs);
  for (const name of ["core", "codec", "service"]) await writeFile(join(tarballs, `skein-${name}-0.1.0.tgz`), "");
  await expect(newProject(["demo", "--packages", tarballs], io, cwd)).rejects.toThrow(/expected one tarball of @skein\/patterns \(skein-patterns-<version>\.tgz\), found none/);
  expect(await readdir(cwd)).toEqual(["tarballs"]);
});

test("skein new refuses a folder that exists and leaves what is in it", async () => {
  await mkdir(join(cwd, "demo"));
  await writeFile(join(cwd, "demo", "mine.txt"), "keep me");
  const refused = newProject(["demo"], io, cwd);
  await expect(refused).rejects.toBeInstanceOf(UsageError);
  await expect(refused).rejects.toMatchObject({ message: `${join(cwd, "demo")} already exists` });
  expect(await readdir(join(cwd, "demo"))).toEqual(["mine.txt"]);
});

test.each(["Demo", "../escape", "@scope/demo", "-demo", ""])("skein new refuses %j as a project name", async (name) => {
  await expect(newProject([name], io, cwd)).rejects.toThrow(/is not a project name/);
  expect(await readdir(cwd)).toEqual([]);
});

test("skein new without a name prints the usage and exits 2", async () => {
  const failed = await run(process.execPath, [skein, "new"], { cwd }).then(() => undefined, (error: { code: number; stderr: string }) => error);
  expect(failed?.code).toBe(2);
  expect(failed?.stderr).toContain("skein new: a project name is required");
  expect(failed?.stderr).toContain("skein new <name> [--packages DIR]");
});

test("the template asks for the third-party versions the workspace builds and tests with", async () => {
  const root = JSON.parse(await readFile(join(workspace, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const service = JSON.parse(await readFile(join(workspace, "packages/service/package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const lowest = (range: string | undefined): string | undefined => range?.replace(/^[\^~]/, "");
  for (const [name, range] of Object.entries(TEMPLATE_THIRD_PARTY.dependencies)) expect(lowest(range), name).toBe(lowest(service.devDependencies[name]));
  for (const [name, range] of Object.entries(TEMPLATE_THIRD_PARTY.devDependencies)) expect(lowest(range), name).toBe(lowest(root.devDependencies[name]));
});
