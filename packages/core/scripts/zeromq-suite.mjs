#!/usr/bin/env node
// Runs the `zeromq` package's own mocha unit suite (zeromq.js test/unit) twice, once against the
// `zeromq` package and once against this workspace's @skein/core (packages/core/dist), and prints
// the counts side by side and every test whose outcome differs. See docs/compat.md.
//
// Fetches nothing: it takes a zeromq.js checkout and a harness folder (outside this repository)
// in which the suite's runtime dependencies were installed once with npm:
//
//   mkdir -p /tmp/zjs && cd /tmp/zjs && echo '{"private":true}' > package.json
//   npm install mocha@11 ts-node@10.9.2 typescript@4.9.5 chai@4 semver proper-lockfile \
//     fs-extra which zeromq@6.8.0
//
//   node packages/core/scripts/zeromq-suite.mjs <zeromq.js checkout> /tmp/zjs [--only skein|zeromq]
//
// Build packages/core first (`pnpm build`). Nothing of the suite is copied into this repository:
// the script copies its test/ folder into <harness>/<target>/ and writes a three-file shim there
// (src/index.ts, src/errors.ts, src/draft.ts, plus index.js for the suite's child processes)
// that points the suite's `../../src` imports at the package under test.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const NEEDED = ["mocha", "ts-node", "typescript", "chai", "semver", "proper-lockfile", "fs-extra", "which", "zeromq"];

/** Files of test/unit the harness does not run, and why (docs/compat.md repeats this list). */
const SKIPPED = {
  "typings-compatibility-test.ts": "installs old TypeScript versions from npm to compile zeromq.js's own lib/ typings",
};

const [checkout, harness, ...rest] = process.argv.slice(2);
if (!checkout || !harness) {
  console.error("usage: zeromq-suite.mjs <zeromq.js checkout> <harness folder> [--only skein|zeromq] [--grep TEXT]");
  process.exit(2);
}
const flag = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const only = flag("--only");
const grep = flag("--grep");
const harnessDir = resolve(harness);
const checkoutDir = resolve(checkout);
const missing = NEEDED.filter((p) => !existsSync(join(harnessDir, "node_modules", p, "package.json")));
if (missing.length > 0) {
  console.error(`${harnessDir} lacks ${missing.join(", ")}: install them there once (see the head of this script)`);
  process.exit(2);
}
if (!existsSync(join(checkoutDir, "test/unit/helpers.ts"))) {
  console.error(`${checkoutDir} is not a zeromq.js checkout (no test/unit/helpers.ts)`);
  process.exit(2);
}
const coreDist = resolve(dirname(fileURLToPath(import.meta.url)), "../dist");
if (!existsSync(join(coreDist, "index.cjs"))) {
  console.error(`${coreDist} has no build: run the workspace build first`);
  process.exit(2);
}

const TARGETS = {
  zeromq: { index: `"zeromq"`, draft: `export * from "zeromq/draft"\n` },
  skein: { index: JSON.stringify(join(coreDist, "index.cjs")), draft: `export * from ${JSON.stringify(join(coreDist, "draft.cjs"))}\n` },
};

function prepare(name) {
  const dir = join(harnessDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "tmp"), { recursive: true });
  cpSync(join(checkoutDir, "test"), join(dir, "test"), { recursive: true });
  cpSync(join(checkoutDir, "tsconfig.json"), join(dir, "tsconfig.json"));
  const { index, draft } = TARGETS[name];
  writeFileSync(join(dir, "src/index.ts"), `export * from ${index}\n`);
  writeFileSync(join(dir, "src/draft.ts"), draft);
  writeFileSync(
    join(dir, "src/errors.ts"),
    "export interface FullError extends Error { code?: string; errno?: number; address?: string }\n" +
      "export function isFullError(err: unknown): err is FullError { return err instanceof Error }\n",
  );
  // helpers.ts's createProcess()/createWorker() require the checkout's root folder.
  writeFileSync(join(dir, "index.js"), `module.exports = require(${index})\n`);
  return dir;
}

function run(name) {
  const dir = prepare(name);
  const files = readdirTests(join(dir, "test/unit"));
  const out = join(harnessDir, `${name}.json`);
  rmSync(out, { force: true });
  const args = [
    join(harnessDir, "node_modules/mocha/bin/mocha.js"),
    "--no-config", "--require", "ts-node/register", "--expose-gc", "--exit",
    "--timeout", "6000", "--retries", "3", // the suite's own .mocharc.js
    "--reporter", "json", "--reporter-option", `output=${out}`,
    ...(grep ? ["--grep", grep] : []),
    ...files,
  ];
  const started = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_PROJECT: join(dir, "tsconfig.json") },
    timeout: 30 * 60_000,
  });
  if (!existsSync(out)) throw new Error(`mocha wrote no report for ${name} (exit ${r.status}, ${r.signal ?? ""})`);
  const report = JSON.parse(readFileSync(out, "utf8"));
  report.seconds = Math.round((Date.now() - started) / 1000);
  return report;
}

function readdirTests(unitDir) {
  return readdirSync(unitDir)
    .filter((f) => f.endsWith("-test.ts") && !(f in SKIPPED))
    .sort()
    .map((f) => join(unitDir, f));
}

const outcome = (report) => {
  const map = new Map();
  for (const t of report.passes) map.set(t.fullTitle, { ok: true });
  for (const t of report.failures) map.set(t.fullTitle, { ok: false, err: t.err?.message ?? "" });
  return map;
};

const names = only ? [only] : ["zeromq", "skein"];
const reports = Object.fromEntries(names.map((n) => [n, run(n)]));
const zeromqVersion = JSON.parse(readFileSync(join(harnessDir, "node_modules/zeromq/package.json"), "utf8")).version;
// A checkout, or a folder extracted with `git archive` (no .git): then ZEROMQ_JS_COMMIT names the commit.
const commit = process.env.ZEROMQ_JS_COMMIT ?? spawnSync("git", ["-C", checkoutDir, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();

console.log(`zeromq.js suite ${commit || "(not a git work tree)"}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`skipped files: ${Object.keys(SKIPPED).join(", ")}`);
for (const [n, r] of Object.entries(reports)) {
  const label = n === "zeromq" ? `zeromq ${zeromqVersion}` : "@skein/core";
  console.log(`${label}: ${r.stats.passes} passed, ${r.stats.failures} failed, ${r.stats.pending} pending, of ${r.stats.tests} (${r.seconds} s)`);
}
if (reports.zeromq && reports.skein) {
  const z = outcome(reports.zeromq);
  const s = outcome(reports.skein);
  const diff = (title, a, b) => {
    const lines = [...a].filter(([t, o]) => o.ok && s.has(t) && z.has(t) && !b.get(t).ok);
    console.log(`\n${title} (${lines.length}):`);
    for (const [t] of lines) console.log(`  ${t}\n      ${b.get(t).err.split("\n")[0]}`);
  };
  diff("passes against zeromq, fails against skein", z, s);
  diff("passes against skein, fails against zeromq", s, z);
  const onlyIn = (a, b, label) => {
    const lines = [...a.keys()].filter((t) => !b.has(t));
    if (lines.length) console.log(`\nran only against ${label} (${lines.length}):\n  ${lines.join("\n  ")}`);
  };
  onlyIn(z, s, "zeromq");
  onlyIn(s, z, "skein");
} else {
  for (const [t, o] of outcome(reports[names[0]])) if (!o.ok) console.log(`  FAIL ${t}\n      ${o.err.split("\n")[0]}`);
}
