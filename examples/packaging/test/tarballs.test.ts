/**
 * What npm users download: each published package packed with pnpm (./packed.ts), its file list
 * and its package.json as they are in the tarball, not as they are in the workspace.
 */
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PUBLISHED, type Packed, type Published, packed, run, statIfExists, workspace } from "./packed.js";

/** What each published package is: its npm name, its commands, whether it has a library entry (with CommonJS). */
const SPEC: Record<Published, { name: string; bin?: Record<string, string>; library: "esm+cjs" | "esm" | "none"; browser?: true }> = {
  // browser: a `browser` export condition (docs/browser.md) before import and require.
  core: { name: "@skein/core", library: "esm+cjs", browser: true },
  codec: { name: "@skein/codec", library: "esm+cjs", bin: { "skein-codegen": "./bin/skein-codegen.js" }, browser: true },
  patterns: { name: "@skein/patterns", library: "esm+cjs" },
  service: { name: "@skein/service", library: "esm+cjs" },
  cli: { name: "@skein/cli", library: "esm", bin: { skein: "./bin/skein.js" } },
  "create-skein": { name: "create-skein", library: "none", bin: { "create-skein": "./bin/create-skein.js" } },
};
/** The shared instances an app and @skein/service must agree on: peers, never dependencies. */
const SERVICE_PEERS = ["@opentelemetry/api", "inversify", "reflect-metadata"];
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^dist\/.+\.(js|cjs|d\.ts|d\.cts)$/,
  /^bin\/[^/]+\.js$/,
  /^proto\/.+\.proto$/,
];

interface Manifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  private?: boolean;
  engines?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  sideEffects?: boolean | string[];
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

let tarballs: Packed;
let unpacked = "";
const contents = new Map<Published, { files: string[]; manifest: Manifest; root: string }>();

beforeAll(async () => {
  tarballs = await packed();
  unpacked = await mkdtemp(join(tmpdir(), "skein-tarballs-"));
  for (const name of PUBLISHED) {
    const root = join(unpacked, name);
    await mkdir(root);
    await run("tar", ["-xzf", tarballs.tarball(name), "-C", root]);
    const { stdout } = await run("tar", ["-tzf", tarballs.tarball(name)]);
    const files = stdout.trim().split("\n").map((line) => line.replace(/^package\//, "")).sort();
    const manifest = JSON.parse(await readFile(join(root, "package/package.json"), "utf8")) as Manifest;
    contents.set(name, { files, manifest, root: join(root, "package") });
  }
}, 120_000);

afterAll(async () => {
  if (unpacked !== "") await rm(unpacked, { recursive: true, force: true });
});

function packedOf(name: Published): { files: string[]; manifest: Manifest; root: string } {
  return contents.get(name)!;
}

async function workspaceManifest(path: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(workspace, path, "package.json"), "utf8")) as Manifest;
}

/** Names of the workspace's private packages (packages/* and examples/*), which npm does not have. */
async function privateWorkspacePackages(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const parent of ["packages", "examples"]) {
    for (const folder of await readdir(join(workspace, parent))) {
      // A folder without a package.json is no package; any other failure is thrown.
      if ((await statIfExists(join(workspace, parent, folder, "package.json"))) === undefined) continue;
      const manifest = await workspaceManifest(`${parent}/${folder}`);
      if (manifest?.private === true) names.add(manifest.name);
    }
  }
  return names;
}

/** Files under `root/path`, as paths relative to `root` with forward slashes. */
async function filesUnder(root: string, path: string): Promise<string[]> {
  const entries = await readdir(join(root, path), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const child = posix.join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(root, child)));
    else files.push(child);
  }
  return files;
}

describe.each(PUBLISHED)("the tarball of packages/%s", (name) => {
  const spec = SPEC[name];

  test("ships only what a user needs: dist JS and types, README, LICENSE, package.json (bin, proto where used)", () => {
    const { files } = packedOf(name);
    expect(files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)))).toEqual([]);
    expect(files).not.toContain("dist/.tsbuildinfo");
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE"]));
    if (spec.library !== "none") expect(files).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts"]));
    if (spec.library === "esm+cjs") expect(files).toEqual(expect.arrayContaining(["dist/index.cjs", "dist/index.d.cts"]));
    expect(files.some((file) => file.startsWith("bin/"))).toBe(spec.bin !== undefined);
    expect(files.some((file) => file.startsWith("proto/"))).toBe(name === "codec");
  });

  test("every JS and declaration file the build wrote is shipped: no module an import needs is left out", async () => {
    const shipped = packedOf(name).files.filter((file) => file.startsWith("dist/"));
    if (spec.library === "none") {
      expect(shipped).toEqual([]);
      return;
    }
    const built = (await filesUnder(join(workspace, "packages", name), "dist")).filter((path) => /\.(js|cjs|d\.ts|d\.cts)$/.test(path));
    expect(shipped).toEqual(built.sort());
  });

  test("no shipped file points at a source map (none is shipped) or at the build machine's paths", async () => {
    const { files, root } = packedOf(name);
    const offending: string[] = [];
    for (const file of files.filter((path) => /\.(js|cjs|d\.ts|d\.cts)$/.test(path))) {
      const text = await readFile(join(root, file), "utf8");
      if (text.includes("//# sourceMappingURL=") || text.includes(workspace)) offending.push(file);
    }
    expect(offending).toEqual([]);
  });

  test("LICENSE is the Mozilla Public License 2.0 text of the repository root, in the tarball and in the package folder", async () => {
    const root = await readFile(join(workspace, "LICENSE"), "utf8");
    expect(root.startsWith("Mozilla Public License Version 2.0\n")).toBe(true);
    expect(await readFile(join(packedOf(name).root, "LICENSE"), "utf8")).toBe(root);
    // pnpm pack falls back to the workspace root's LICENSE; npm pack (and a copy of the folder) would not.
    expect(await readFile(join(workspace, "packages", name, "LICENSE"), "utf8")).toBe(root);
  });

  test("package.json names, describes, licenses and locates the package, with the Node it needs", async () => {
    const { manifest, files } = packedOf(name);
    const source = await workspaceManifest(`packages/${name}`);
    expect(manifest.name).toBe(spec.name);
    expect(manifest.version).toBe(source.version);
    expect(manifest.private).toBeUndefined();
    expect(manifest.description?.length ?? 0).toBeGreaterThan(20);
    expect(manifest.license).toBe("MPL-2.0");
    expect(manifest.engines).toEqual({ node: ">=20.10" });
    expect(manifest.repository).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: `packages/${name}` });
    if (spec.library !== "none") expect(manifest.sideEffects).toBeDefined();
    expect(manifest.bin).toEqual(spec.bin);
    for (const target of Object.values(manifest.bin ?? {})) expect(files).toContain(posix.normalize(target));
  });

  test("exports: import (and require where offered) each with its types, all shipped", () => {
    const { manifest, files } = packedOf(name);
    const entry = manifest.exports?.["."];
    if (spec.library === "esm+cjs") {
      expect(entry).toEqual({
        ...(spec.browser === true ? { browser: { types: "./dist/browser.d.ts", default: "./dist/browser.js" } } : {}),
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      });
      // The browser condition comes first: a bundler takes the first condition it knows.
      if (spec.browser === true) expect(Object.keys(entry as object)[0]).toBe("browser");
    } else if (spec.library === "esm") {
      expect(entry).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    } else {
      expect(manifest.exports).toBeUndefined();
    }
    // Every file an export condition points at (the values, not the subpath keys such as "./draft").
    const targets: string[] = [];
    const collect = (node: unknown): void => {
      if (typeof node === "string") targets.push(node);
      else if (node !== null && typeof node === "object") for (const value of Object.values(node)) collect(value);
    };
    collect(manifest.exports ?? {});
    for (const target of targets) expect(files).toContain(posix.normalize(target));
  });

  test("dependencies: no workspace: ranges, @skein packages at the released version, no private package", async () => {
    const { manifest } = packedOf(name);
    expect(JSON.stringify(manifest)).not.toContain("workspace:");
    const privateNames = await privateWorkspacePackages();
    expect(privateNames).toContain("@skein/example-codegen");
    const all = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies };
    expect(Object.keys(all).filter((dependency) => privateNames.has(dependency))).toEqual([]);
    for (const [dependency, range] of Object.entries(all)) {
      if (dependency.startsWith("@skein/")) {
        expect(Object.values(SPEC).map((published) => published.name)).toContain(dependency);
        expect(range).toBe(`^${manifest.version}`);
      }
    }
  });
});

test("@skein/service takes OpenTelemetry's API, inversify and reflect-metadata as peers: one instance, the app's", () => {
  const { manifest } = packedOf("service");
  expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(SERVICE_PEERS);
  for (const peer of SERVICE_PEERS) expect(manifest.dependencies?.[peer]).toBeUndefined();
  for (const other of PUBLISHED.filter((name) => name !== "service")) {
    expect(packedOf(other).manifest.peerDependencies).toBeUndefined();
  }
});
