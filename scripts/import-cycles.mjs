#!/usr/bin/env node
/**
 * Fails on any circular import in the sources of the workspace's packages
 * (packages/{name}/src): a module that, through its imports, imports itself.
 * Such a cycle makes a module's value depend on which file loads first (a
 * class that is still undefined, a `let` in its temporal dead zone), and it
 * is how a "browser" entry ends up pulling Node modules it never names.
 *
 * Counted: static `import`/`export ... from`, side-effect imports, dynamic
 * `import("...")` and `import x = require("...")` of relative paths. Not
 * counted: `import type` / `export type` and imports whose every name is
 * `type` (erased by the compiler, so they load nothing). Packages import
 * each other through their public entries only; a cycle between packages is
 * checked on their package.json dependencies.
 *
 * Usage: node scripts/import-cycles.mjs [root]  (exit 1 and the cycles printed when there are any)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = /\.(?:ts|mts|cts|tsx)$/;
const DECLARATION = /\.d\.(?:ts|mts|cts)$/;

/** Every TypeScript source file under `dir`. */
function sourceFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (SOURCE.test(entry.name) && !DECLARATION.test(entry.name)) files.push(full);
  }
  return files;
}

/** Drops comments and the contents of template literals, so an example in a TSDoc block is not an import. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Whether the clause of an import or export (what stands between the keyword and `from`) loads nothing. */
function typeOnly(clause) {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([\s\S]*)\}$/.exec(c);
  if (braces === null) return false;
  const names = braces[1].split(",").map((n) => n.trim()).filter((n) => n.length > 0);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** The relative specifiers a file loads at run time. */
export function runtimeImports(text) {
  const code = stripComments(text);
  const found = [];
  const fromClause = /(?:^|[;\n}])\s*(import|export)\s+([^;'"]*?)\s+from\s+["']([^"']+)["']/g;
  for (let m; (m = fromClause.exec(code)) !== null; ) if (!typeOnly(m[2])) found.push(m[3]);
  const bare = /(?:^|[;\n}])\s*import\s+["']([^"']+)["']/g;
  for (let m; (m = bare.exec(code)) !== null; ) found.push(m[1]);
  const dynamic = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (let m; (m = dynamic.exec(code)) !== null; ) found.push(m[1]);
  const required = /\bimport\s+(type\s+)?\w+\s*=\s*require\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (let m; (m = required.exec(code)) !== null; ) if (m[1] === undefined) found.push(m[2]);
  return found.filter((s) => s.startsWith("."));
}

/** The source file a relative specifier names (`./x.js` is `./x.ts`), or null when it is not a source of ours. */
function resolve(from, specifier, files) {
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(?:js|mjs|cjs|ts|mts|cts)$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.tsx`, path.join(base, "index.ts")];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** Strongly connected components of more than one file, or of one file importing itself (Tarjan). */
function cyclesOf(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One import chain through a component, from its first file back to it: what a reader follows to break it. */
function chain(component, graph) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const cycle = [start];
        for (let u = v; u !== start; u = previous.get(u)) cycle.splice(1, 0, u);
        return [...cycle, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The cycles among the files of `srcDir`: each an import chain that ends where it starts. */
export function fileCycles(srcDir) {
  const files = new Set(sourceFiles(srcDir));
  const graph = new Map();
  for (const file of files) {
    const targets = runtimeImports(fs.readFileSync(file, "utf8"))
      .map((s) => resolve(file, s, files))
      .filter((t) => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return cyclesOf(graph).map((component) => chain(component, graph));
}

/** The cycles among the workspace's packages, on their package.json dependencies. */
export function packageCycles(packagesDir) {
  const manifests = fs
    .readdirSync(packagesDir)
    .map((name) => path.join(packagesDir, name, "package.json"))
    .filter((file) => fs.existsSync(file))
    .map((file) => JSON.parse(fs.readFileSync(file, "utf8")));
  const names = new Set(manifests.map((m) => m.name));
  const graph = new Map();
  for (const m of manifests) {
    const deps = Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies });
    graph.set(m.name, deps.filter((d) => names.has(d)));
  }
  return cyclesOf(graph).map((component) => chain(component, graph));
}

function main() {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
  const packagesDir = path.join(root, "packages");
  const problems = [];
  let checked = 0;
  for (const name of fs.readdirSync(packagesDir).sort()) {
    const src = path.join(packagesDir, name, "src");
    if (!fs.existsSync(src)) continue;
    checked++;
    for (const cycle of fileCycles(src)) problems.push(`packages/${name}: ${cycle.map((f) => path.relative(src, f)).join(" -> ")}`);
  }
  for (const cycle of packageCycles(packagesDir)) problems.push(`package dependencies: ${cycle.join(" -> ")}`);
  if (problems.length > 0) {
    console.error(`Circular imports (${problems.length}); break each one (move what both sides need into a module of its own, or import a type only):`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  console.log(`No circular imports in the src of ${checked} packages.`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
