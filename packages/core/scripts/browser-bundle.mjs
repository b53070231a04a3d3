/**
 * Bundles @skein/core's browser entry the way a site would (esbuild,
 * `--platform=browser`, the `browser` export condition and package.json
 * `browser` field, ES modules with code splitting, minified) and measures
 * it. Used by test/browser-bundle.test.ts and, from a shell, prints the
 * figures docs/browser.md quotes:
 *
 *   node packages/core/scripts/browser-bundle.mjs
 *
 * Any Node built-in on the entry's path (`node:net`, `fs`, ...) is recorded,
 * not bundled: the test fails on it.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const builtins = new Set(builtinModules);

/** What a page imports: everything the entry exports, so nothing is tree-shaken away. */
const EVERYTHING = 'import * as core from "@skein/core"; globalThis.skein = core;';

/**
 * Bundles `source` (resolved from packages/core, so `@skein/core` is this
 * package) for the browser. Returns the chunks (`path`, `bytes`, `gzip`)
 * and every Node built-in something imported (`path`, `importer`).
 */
export async function bundleForBrowser(source = EVERYTHING) {
  const nodeImports = [];
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    conditions: ["browser"],
    splitting: true,
    outdir: "/virtual",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "record-node-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, async (args) => {
            if (args.pluginData === "resolving") return undefined;
            const bare = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
            if (!args.path.startsWith("node:") && !builtins.has(bare)) return undefined;
            // A package's `browser` field may turn a built-in off (libsodium's and tweetnacl's crypto): esbuild decides.
            const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "resolving" });
            if (resolved.errors.length === 0) return undefined;
            nodeImports.push({ path: args.path, importer: args.importer.replace(packageDir, "") });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const outputs = result.metafile.outputs;
  const chunks = result.outputFiles.map((file) => {
    const path = file.path.replace("/virtual/", "");
    return {
      path,
      text: file.text,
      bytes: file.contents.byteLength,
      gzip: gzipSync(file.contents, { level: 9 }).byteLength,
      imports: Object.entries(outputs).find(([key]) => key.endsWith(`virtual/${path}`))?.[1].imports ?? [],
    };
  });
  return { chunks, nodeImports };
}

/**
 * The chunks a page loads at once (the entry and what it imports
 * statically) and the ones loaded on demand (dynamic imports: libsodium, on
 * the first CURVE connection).
 */
export function splitChunks(chunks) {
  const byPath = new Map(chunks.map((chunk) => [chunk.path, chunk]));
  const entry = chunks.find((chunk) => chunk.path.startsWith("stdin"));
  const initial = new Set([entry]);
  const visit = (chunk) => {
    for (const imported of chunk.imports) {
      if (imported.kind !== "import-statement") continue;
      const next = byPath.get(imported.path.replace(/^.*virtual\//, ""));
      if (next !== undefined && !initial.has(next)) {
        initial.add(next);
        visit(next);
      }
    }
  };
  visit(entry);
  const total = (list) => list.reduce((sum, chunk) => ({ bytes: sum.bytes + chunk.bytes, gzip: sum.gzip + chunk.gzip }), { bytes: 0, gzip: 0 });
  const lazy = chunks.filter((chunk) => !initial.has(chunk));
  return { initial: total([...initial]), lazy, lazyTotal: total(lazy) };
}

/** Minified and gzipped size of a module that imports only `name` from `specifier` (for comparisons). */
export async function sizeOf(source) {
  const { chunks } = await bundleForBrowser(source);
  return chunks.reduce((sum, chunk) => ({ bytes: sum.bytes + chunk.bytes, gzip: sum.gzip + chunk.gzip }), { bytes: 0, gzip: 0 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  const { chunks, nodeImports } = await bundleForBrowser();
  const { initial, lazy } = splitChunks(chunks);
  console.log(`loaded with the page (every export of @skein/core): ${kib(initial.bytes)} minified, ${kib(initial.gzip)} gzipped`);
  for (const chunk of lazy) console.log(`loaded on demand, ${chunk.path}: ${kib(chunk.bytes)} minified, ${kib(chunk.gzip)} gzipped`);
  const request = splitChunks((await bundleForBrowser('import { Request } from "@skein/core"; globalThis.Request = Request;')).chunks).initial;
  console.log(`loaded with a page importing only Request: ${kib(request.bytes)} minified, ${kib(request.gzip)} gzipped`);
  const portable = await sizeOf('import { PortableBuffer } from "./dist/util/buffer.js"; globalThis.b = PortableBuffer;');
  // "buffer/": the npm package, not Node's built-in of that name.
  const polyfill = await sizeOf('import { Buffer } from "buffer/"; globalThis.b = Buffer;');
  console.log(`core's byte helper (util/buffer.js): ${kib(portable.bytes)} minified, ${kib(portable.gzip)} gzipped`);
  console.log(`the buffer polyfill (npm "buffer"):  ${kib(polyfill.bytes)} minified, ${kib(polyfill.gzip)} gzipped`);
  console.log(nodeImports.length === 0 ? "no Node built-in on the path" : `Node built-ins: ${JSON.stringify(nodeImports)}`);
}
