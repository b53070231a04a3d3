/**
 * Runs Markdown code blocks as programs: writes them into a folder inside the
 * workspace (so `@skein/core` and the other packages resolve as they do for a
 * user's program), type-checks and compiles the TypeScript ones with the
 * workspace's compiler in one pass, then runs each with node under a deadline.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Snippet } from "./markdown-snippets.js";

/** The file a snippet is written to, and the one node runs. */
export interface SnippetFiles {
  source: string;
  program: string;
}

/** How a program ended. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The deadline passed and the program was killed. */
  timedOut: boolean;
}

/** A file name that says where the snippet comes from: `docs-guide-pipeline.md` line 12 → `docs-guide-pipeline-L12`. */
export function snippetName(snippet: Snippet): string {
  return `${snippet.file.replace(/\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-")}-L${snippet.line}`;
}

/** Writes the snippets and a tsconfig into `dir`; returns each snippet's files. */
export function writeSnippets(dir: string, repositoryRoot: string, snippets: readonly Snippet[]): Map<Snippet, SnippetFiles> {
  const files = new Map<Snippet, SnippetFiles>();
  for (const snippet of snippets) {
    const name = snippetName(snippet);
    if (snippet.lang === "ts") {
      files.set(snippet, { source: join(dir, `${name}.ts`), program: join(dir, "out", `${name}.js`) });
    } else {
      const extension = /\brequire\(/.test(snippet.code) ? "cjs" : "mjs";
      const path = join(dir, `${name}.${extension}`);
      files.set(snippet, { source: path, program: path });
    }
    writeFileSync(files.get(snippet)!.source, snippet.code);
  }
  const tsconfig = {
    extends: join(repositoryRoot, "tsconfig.base.json"),
    compilerOptions: {
      rootDir: ".",
      outDir: "out",
      composite: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
    },
    include: ["*.ts"],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  return files;
}

/**
 * Type-checks and compiles every .ts file of `dir` with the workspace's tsc.
 * Returns the error lines by file name (`pipeline-L12.ts`); the JavaScript is
 * emitted even for files with errors, so each snippet fails on its own.
 */
export async function compileSnippets(dir: string, repositoryRoot: string): Promise<Map<string, string[]>> {
  const tsc = join(repositoryRoot, "node_modules", "typescript", "bin", "tsc");
  const result = await runProgram(tsc, ["-p", dir, "--pretty", "false"], dir, 120_000);
  if (result.timedOut) throw new Error("tsc did not finish within 120 s");
  const errors = new Map<string, string[]>();
  for (const line of result.stdout.split("\n")) {
    const match = /^(?:.*[\\/])?([^\\/()]+\.ts)\(\d+,\d+\): error /.exec(line);
    if (!match) continue;
    const list = errors.get(match[1]!) ?? [];
    list.push(line);
    errors.set(match[1]!, list);
  }
  if (result.code !== 0 && errors.size === 0) throw new Error(`tsc failed: ${result.stdout}${result.stderr}`);
  return errors;
}

/** Runs `node script ...args` in `cwd`; kills it (SIGKILL) when `deadlineMs` passes. */
export function runProgram(script: string, args: string[], cwd: string, deadlineMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, deadlineMs);
    child.on("error", (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** At most `slots` tasks at once; the others wait their turn in order. */
export function limiter(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
