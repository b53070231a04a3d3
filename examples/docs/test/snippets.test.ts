/**
 * The docs work as written: every code block of the guide (docs/guide/), the
 * root README and the package READMEs is type-checked against the packages'
 * public API and run as a program that must exit 0 within its deadline and,
 * where the page states it, print what the page says. Fragments are marked
 * `<!-- not-run: reason -->` and only counted.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSnippets, type Snippet } from "./markdown-snippets.js";
import { compileSnippets, limiter, runProgram, type SnippetFiles, writeSnippets } from "./snippet-runner.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const guide = "docs/guide";
const guidePages = readdirSync(join(root, guide)).filter((name) => name.endsWith(".md")).sort().map((name) => `${guide}/${name}`);
const packageReadmes = readdirSync(join(root, "packages"))
  .map((name) => `packages/${name}/README.md`)
  .filter((file) => existsSync(join(root, file)));
const markdownFiles = ["README.md", ...packageReadmes, ...guidePages];
const snippets = markdownFiles.flatMap((file) => readSnippets(root, file));
const runnable = snippets.filter((snippet) => snippet.notRun === null);

/** Per program: a snippet starts a few sockets and exits; a loaded machine gets room. */
const DEADLINE_MS = 30_000;
/** Two programs at a time: the CI machine has two cores. */
const slot = limiter(2);

let dir = "";
let files = new Map<Snippet, SnippetFiles>();
let typeErrors = new Map<string, string[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(here, "..", ".snippets-"));
  files = writeSnippets(dir, root, runnable);
  typeErrors = await compileSnippets(dir, root);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docs code blocks", () => {
  it("the guide has pages and most blocks are programs that run", () => {
    expect(guidePages.length).toBeGreaterThanOrEqual(10);
    const fragments = snippets.filter((snippet) => snippet.notRun !== null);
    expect(fragments.every((snippet) => snippet.notRun!.length > 0)).toBe(true);
    expect(runnable.length).toBeGreaterThan(fragments.length * 2);
  });

  it("no guide page has a block marked not-run: the guide's code is whole programs", () => {
    const fragments = snippets.filter((snippet) => snippet.file.startsWith(guide) && snippet.notRun !== null);
    expect(fragments.map((snippet) => `${snippet.file}:${snippet.line}`)).toEqual([]);
  });

  for (const snippet of runnable) {
    it.concurrent(`${snippet.file}:${snippet.line} runs and exits 0`, async () => {
      const { source, program } = files.get(snippet)!;
      expect(typeErrors.get(basename(source)) ?? []).toEqual([]);
      const result = await slot(() => runProgram(program, [], dir, DEADLINE_MS));
      expect(result.timedOut, `still running after ${DEADLINE_MS} ms\n${result.stdout}${result.stderr}`).toBe(false);
      expect(result.code, result.stderr).toBe(0);
      if (snippet.output !== null) expect(result.stdout.trim()).toBe(snippet.output);
    }, DEADLINE_MS * 3 + 180_000);
  }
});

describe("docs links", () => {
  it("the root README links the guide's index, and the index links every page", () => {
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("](docs/guide/README.md)");
    const index = readFileSync(join(root, guide, "README.md"), "utf8");
    for (const page of guidePages.filter((file) => !file.endsWith("/README.md"))) {
      expect(index, `${page} is not linked from the guide's index`).toContain(`](${basename(page)})`);
    }
  });

  it("every relative link of the guide names a file that exists", () => {
    const broken: string[] = [];
    for (const page of guidePages) {
      const text = readFileSync(join(root, page), "utf8");
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!.split("#")[0]!;
        if (target === "" || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(root, dirname(page), target))) broken.push(`${page}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
