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
import { rmSync } from "node:fs";
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
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleForNode();
