/**
 * The Node entries as one bundle (run by `pnpm build` after `tsc -b`): esbuild
 * bundles src/index.ts, src/draft.ts and src/draft-extra.ts over what tsc wrote,
 * as dist/index.js, dist/draft.js and dist/draft-extra.js with the code they
 * share in one chunk (dist/chunks/), so a program that loads `@skein/core`
 * reads three files instead of about 120, and a program that loads the main
 * and the draft entries, by import or require, still has one copy of every
 * module's state. Dependencies stay outside (tweetnacl and libsodium-wrappers
 * are required or imported on first use). Like tsc's output, the bundle ships
 * without source maps (examples/packaging checks the tarball has none); it is
 * not minified, and each module's code is headed by its src/ path, so a stack
 * trace stays readable. `SKEIN_SOURCEMAP=1` writes linked maps, with their
 * sources, for debugging a local build. tsc's per-file output stays in dist/ for the type
 * declarations and the browser entry (dist/browser.js), which is not bundled:
 * a site's bundler does that.
 *
 *     node packages/core/scripts/node-bundle.mjs
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The entries package.json exports for Node (`import`; the `require` entries load these). */
export const NODE_ENTRIES = ["index", "draft", "draft-extra"];

/** Bundles the Node entries into dist/ (see the file's header). */
export async function bundleForNode() {
  rmSync(`${packageDir}/dist/chunks`, { recursive: true, force: true });
  await build({
    absWorkingDir: packageDir,
    entryPoints: NODE_ENTRIES.map((name) => `src/${name}.ts`),
    outdir: "dist",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // Every module is kept as written: the entries import the transports and SWAP for their effect.
    ignoreAnnotations: true,
    chunkNames: "chunks/[name]-[hash]",
    // Classes and functions keep their names (a socket's constructor.name is in its warnings and errors).
    keepNames: true,
    sourcemap: process.env.SKEIN_SOURCEMAP === "1",
    logLevel: "warning",
  });
  const files = [...NODE_ENTRIES.map((name) => `${packageDir}/dist/${name}.js`), ...readdirSync(`${packageDir}/dist/chunks`).filter((name) => name.endsWith(".js")).map((name) => `${packageDir}/dist/chunks/${name}`)];
  for (const file of files) writeFileSync(file, restoreClassNames(readFileSync(file, "utf8")));
}

/**
 * V8 names a class by the name in its class expression, or else by the
 * variable it is assigned to, in its own messages ("Class constructor Dealer
 * cannot be invoked without 'new'", "Cannot set property p of #<Socket> which
 * has only a getter") and in stack traces. esbuild writes each top-level
 * `class X` as `var X = class _X` when the class refers to itself (its body
 * then says `_X`), and as `var X2 = class` when it renamed the binding (export
 * `X2 as X`); both would name the class differently from tsc's per-file output
 * and from `zeromq`. Each gets its own name back: `_X` becomes `X` (the inner
 * binding and the outer `var` are the same class), and `var X2 = class X`
 * when nothing else in the file says `X`. Left as esbuild wrote it otherwise.
 */
export function restoreClassNames(code) {
  const declaredOnce = (name) => (code.match(new RegExp(`\\b(?:var|let|const|function|class) ${name}\\b`, "g")) ?? []).length === 1;
  const inner = [...code.matchAll(/\bvar (\w+) = class _\1\b/g)].map((match) => match[1]).filter((name) => declaredOnce(`_${name}`));
  let out = inner.length === 0 ? code : code.replace(new RegExp(`(?<![.\\w$])_(${inner.join("|")})(?![\\w$])`, "g"), "$1");
  // A renamed binding: keepNames' `__name(this, "X")` heads the body with the class's own name.
  const renamed = /^var (\w+) = class ((?:extends [\w$.]+ )?\{\n\s*static \{\n\s*__name\(this, "(\w+)"\);)/gm;
  out = out.replace(renamed, (match, binding, rest, name, offset) => {
    if (binding === name) return match;
    const end = out.indexOf("\n};", offset);
    const body = withoutStringsAndComments(out.slice(offset + match.length, end));
    return new RegExp(`(?<![.\\w$])${name}(?![\\w$])`).test(body) ? match : `var ${binding} = class ${name} ${rest}`;
  });
  return out;
}

/** `code` with its string and template literals and comments emptied (approximately: enough to look for an identifier). */
function withoutStringsAndComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleForNode();
