/**
 * `skein new <name> [--packages DIR]`: makes a standalone project in ./<name> (see
 * project-template.ts) whose `npm install && npm test` builds, generates, and tests a service.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "./args.js";
import { UsageError } from "./exit-code.js";
import type { Output } from "./output.js";
import { projectFiles } from "./project-template.js";

/** The @skein packages a project depends on: those it imports, and with tarballs the ones they need. */
const IMPORTED = ["codec", "service"] as const;
const NEEDED_BY_TARBALLS = ["core", "patterns"] as const;

/** An npm package name that is also a plain folder name: lowercase, no scope, no path. */
const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/;

/**
 * Runs `skein new` with the arguments after `new`, in `cwd`; resolves to the exit code.
 * Throws {@link UsageError} for a bad name or option, an existing folder, or a `--packages`
 * folder without the tarballs.
 */
export async function newProject(argv: readonly string[], io: Output, cwd: string = process.cwd()): Promise<number> {
  const args = parseArgs(argv, ["packages"], []);
  const [name, ...extra] = args.positionals;
  if (name === undefined) throw new UsageError("a project name is required");
  if (extra.length > 0) throw new UsageError(`one project name, got ${args.positionals.join(" ")}`);
  if (!PROJECT_NAME.test(name)) throw new UsageError(`"${name}" is not a project name: lowercase letters, digits, ".", "-" and "_", starting with a letter or digit`);
  const packages = args.options.get("packages")?.at(-1);
  const skein = packages === undefined ? await publishedRanges() : await tarballs(resolve(cwd, packages));

  const folder = join(cwd, name);
  try {
    await mkdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UsageError(`${folder} already exists`);
    throw error;
  }
  for (const [path, content] of projectFiles({ name, skein })) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), content);
  }
  io.out(`made ${folder}`);
  io.out(`next: cd ${name} && npm install && npm test`);
  return 0;
}

/** `^<version of this cli>` for each imported package: the @skein packages are released together. */
async function publishedRanges(): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return Object.fromEntries(IMPORTED.map((name) => [`@skein/${name}`, `^${manifest.version}`]));
}

/**
 * `file:` dependencies on the tarballs `pnpm pack` / `npm pack` wrote in `folder`
 * (`skein-<name>-<version>.tgz`), including the ones the imported packages depend on, so npm
 * takes none of them from the registry.
 */
async function tarballs(folder: string): Promise<Record<string, string>> {
  let files: string[];
  try {
    files = await readdir(folder);
  } catch (error) {
    throw new UsageError(`--packages ${folder}: ${(error as Error).message}`);
  }
  const dependencies: Record<string, string> = {};
  for (const name of [...IMPORTED, ...NEEDED_BY_TARBALLS]) {
    const found = files.filter((file) => new RegExp(`^skein-${name}-\\d[^/]*\\.tgz$`).test(file));
    if (found.length !== 1) {
      throw new UsageError(`--packages ${folder}: expected one tarball of @skein/${name} (skein-${name}-<version>.tgz), found ${found.length === 0 ? "none" : found.join(", ")}`);
    }
    dependencies[`@skein/${name}`] = `file:${join(folder, found[0]!)}`;
  }
  return dependencies;
}
