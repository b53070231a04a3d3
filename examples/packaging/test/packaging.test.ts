/**
 * The published packages, as a consumer outside the workspace gets them: @skein/core, codec,
 * patterns and service packed with pnpm (workspace: versions rewritten; ./packed.ts), installed with npm into a
 * fresh project in the OS temp folder, then loaded by an ES module, a CommonJS program, and
 * TypeScript compiled for CommonJS and for ES modules. The consumer's files are in ../consumer.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { outsideEnv as consumerEnv, packed, run, workspace } from "./packed.js";

const consumerFiles = fileURLToPath(new URL("../consumer/", import.meta.url));
/** The workspace's own TypeScript: nothing more to download. */
const tsc = join(workspace, "node_modules/.bin/tsc");
const PACKAGES = ["core", "codec", "patterns", "service"] as const;
const ROUND_TRIPS = [
  "core: hello over tcp",
  "codec: request demo.Greeter/Greet #7 ada",
  "patterns: hello ada",
  "service: Hello, Ada!",
];

let temp = "";
let project = "";

async function version(packageJson: string, dependency: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(workspace, packageJson), "utf8"));
  return manifest.dependencies?.[dependency] ?? manifest.devDependencies[dependency];
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "skein-packaging-"));
  project = join(temp, "consumer");
  await mkdir(project);
  const tarballs = await packed();
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "skein-consumer", private: true }));
  for (const file of await readdir(consumerFiles)) await copyFile(join(consumerFiles, file), join(project, file));
  // One TypeScript source, compiled as a CommonJS file and as an ES module under nodenext.
  await copyFile(join(project, "app.ts"), join(project, "app.cts"));
  await copyFile(join(project, "app.ts"), join(project, "app.mts"));
  const thirdParty = [
    `inversify@${await version("packages/service/package.json", "inversify")}`,
    `reflect-metadata@${await version("packages/service/package.json", "reflect-metadata")}`,
    `@types/node@${await version("package.json", "@types/node")}`,
  ];
  const packages = PACKAGES.map((name) => tarballs.tarball(name));
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packages, ...thirdParty], { cwd: project, env: consumerEnv });
}, 150_000);

afterAll(async () => {
  if (temp !== "") await rm(temp, { recursive: true, force: true });
});

/** Runs `node args...` in the consumer project; resolves with its stdout. */
async function node(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: project, env: consumerEnv, timeout: 30_000 });
  return stdout;
}

async function compile(tsconfig: string): Promise<void> {
  await run(tsc, ["-p", tsconfig], { cwd: project, env: consumerEnv, timeout: 60_000 });
}

function roundTrips(how: string): string[] {
  return ROUND_TRIPS.map((line) => `${how} ${line}`);
}

function lines(stdout: string): string[] {
  return stdout.trim().split("\n");
}

// A compile and two runs on a loaded 2-core machine can pass the default 30 s.
describe("the packed packages in a project outside the workspace", { timeout: 90_000 }, () => {
  test("an ES module program imports each package and does a round trip with it", async () => {
    expect(lines(await node("use.mjs"))).toEqual(roundTrips("mjs"));
  });

  test("a CommonJS program requires each package and does a round trip with it", async () => {
    expect(lines(await node("use.cjs"))).toEqual(roundTrips("cjs"));
  });

  test('TypeScript with "module": "commonjs" compiles against the require types and runs', async () => {
    await compile("tsconfig.commonjs.json");
    expect(lines(await node("out-commonjs/app.js", "ts-commonjs"))).toEqual(roundTrips("ts-commonjs"));
  });

  test('TypeScript with "module": "nodenext" compiles a .cts and a .mts and both run', async () => {
    await compile("tsconfig.nodenext.json");
    expect(lines(await node("out-nodenext/app.cjs", "ts-cts"))).toEqual(roundTrips("ts-cts"));
    expect(lines(await node("out-nodenext/app.mjs", "ts-mts"))).toEqual(roundTrips("ts-mts"));
  });

  test('TypeScript with "module": "node16" type-checks a CommonJS file against the require types', async () => {
    await expect(compile("tsconfig.node16.json")).resolves.toBeUndefined();
  });

  test.each(["one-copy.cjs", "one-copy.mjs"])(
    "%s loads each package by require and by import and gets one copy: classes, default context, inproc, errors, decorator metadata",
    async (script) => {
      expect(JSON.parse(await node(script))).toEqual({
        sameClasses: true,
        sameDefaultContext: true,
        inprocShared: true,
        errorInstanceof: true,
        decoratorMetadataShared: true,
      });
    },
  );

  test("on a Node without require(esm), require names the Node it needs and the import() alternative", async () => {
    const failed = node("--no-experimental-require-module", "use.cjs");
    const error = await failed.then(() => undefined, (reason: { stderr: string }) => reason);
    expect(error?.stderr).toContain('require("@skein/core") needs Node 20.19+ or 22.12+ (require of an ES module); upgrade Node, or load it with import("@skein/core")');
    expect(error?.stderr).toContain("code: 'ERR_REQUIRE_ESM'");
  });
});
