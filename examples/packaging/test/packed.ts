/**
 * The published @skein packages packed once (`pnpm pack`, which rewrites `workspace:` ranges),
 * shared by the tests that need tarballs: they run in separate vitest workers, so the tarballs are
 * cached in the OS temp folder under a hash of everything a pack reads (package.json, README,
 * LICENSE, dist/, bin/, proto/). A rebuild changes the hash; an unchanged build reuses the folder.
 * Folders no run has used for an hour are removed when a new one is packed.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const run = promisify(execFile);
export const workspace = fileURLToPath(new URL("../../../", import.meta.url));
/** The packages published to npm, by folder under packages/. */
export const PUBLISHED = ["core", "codec", "patterns", "service", "cli", "create-skein"] as const;
export type Published = (typeof PUBLISHED)[number];

/** What a pack reads from a package folder. */
const PACKED_INPUTS = ["package.json", "README.md", "LICENSE", "dist", "bin", "proto"];
const COMPLETE = ".complete";
/** Cached tarball folders unused for this long are removed by the next pack (each use touches its folder). */
const STALE_MS = 60 * 60 * 1000;

/**
 * The environment of a project outside the workspace: without the `npm_*` variables a
 * `pnpm test` run sets, which npm would read as its own configuration.
 */
export const outsideEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_")),
);

/** The tarballs: the folder, and the path of each package's tarball (by its folder under packages/). */
export interface Packed {
  folder: string;
  tarball(name: Published): string;
}

/** Packs the published packages (after `pnpm build`), or reuses the tarballs of the same build. */
export async function packed(): Promise<Packed> {
  const folder = join(tmpdir(), `skein-packed-${await inputsHash()}`);
  if (await exists(join(folder, COMPLETE))) await utimes(folder, new Date(), new Date());
  else await packInto(folder);
  const files = await readdir(folder);
  const fileNames = new Map<Published, string>();
  for (const name of PUBLISHED) {
    // pnpm names a tarball after the package: @skein/core 0.1.0 -> skein-core-0.1.0.tgz.
    const manifest = JSON.parse(await readFile(join(workspace, "packages", name, "package.json"), "utf8")) as { name: string; version: string };
    fileNames.set(name, `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`);
  }
  return {
    folder,
    tarball(name) {
      const file = files.find((candidate) => candidate === fileNames.get(name));
      if (file === undefined) throw new Error(`no tarball of packages/${name} in ${folder}`);
      return join(folder, file);
    },
  };
}

/** Packs into a fresh folder, then renames it to `folder`: a concurrent pack that won keeps its own. */
async function packInto(folder: string): Promise<void> {
  await removeStale();
  const staging = await mkdtemp(join(tmpdir(), "skein-packing-"));
  try {
    await Promise.all(PUBLISHED.map((name) =>
      run("npx", ["-y", "pnpm@12.21.0", "pack", "--pack-destination", staging], { cwd: join(workspace, "packages", name), env: outsideEnv })));
    await writeFile(join(staging, COMPLETE), "");
    await rename(staging, folder);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await exists(join(folder, COMPLETE)))) return;
    throw error;
  }
}

async function inputsHash(): Promise<string> {
  const hash = createHash("sha256");
  for (const name of PUBLISHED) {
    for (const input of PACKED_INPUTS) await hashTree(hash, join(workspace, "packages"), join(name, input));
  }
  return hash.digest("hex").slice(0, 20);
}

async function hashTree(hash: ReturnType<typeof createHash>, root: string, path: string): Promise<void> {
  const full = join(root, path);
  const info = await statIfExists(full);
  if (info === undefined) return;
  if (info.isDirectory()) {
    for (const entry of (await readdir(full)).sort()) await hashTree(hash, root, join(path, entry));
    return;
  }
  hash.update(`${path}\0`);
  hash.update(await readFile(full));
}

async function removeStale(): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith("skein-packed-")) continue;
    const path = join(tmpdir(), entry);
    const info = await statIfExists(path);
    if (info !== undefined && now - info.mtimeMs > STALE_MS) await rm(path, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** `stat`, or undefined for a path that does not exist (any other failure is thrown). */
export async function statIfExists(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
