/** The `skein` command as a child process, with its output read as it comes. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { within } from "../../core/test/helpers.js";

export const SKEIN_BIN = fileURLToPath(new URL("../bin/skein.js", import.meta.url));

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running process: its output so far, a wait for a line, and its exit. */
export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The first match of `pattern` in stdout or stderr, waiting for it (15 s: a loaded machine starts node slowly; or until the process exits). */
  match(pattern: RegExp, stream?: "stdout" | "stderr"): Promise<RegExpExecArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
}

/** Starts `node <file> ...args` and follows its output. */
export function startProcess(file: string, args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const output = { stdout: "", stderr: "" };
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString();
    changed();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString();
    changed();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on("close", (code, signal) => {
      resolve({ code, signal, ...output });
      changed();
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  const match = (pattern: RegExp, stream: "stdout" | "stderr" = "stdout"): Promise<RegExpExecArray> =>
    within(
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = (): void => {
          const found = pattern.exec(output[stream]);
          if (found === null && !done) return;
          listeners.delete(check);
          if (found !== null) resolve(found);
          else reject(new Error(`exited without printing ${pattern} on ${stream}:\n${output.stdout}\n${output.stderr}`));
        };
        listeners.add(check);
        check();
      }),
      15_000,
      `${pattern} on ${stream}`,
    );
  return { child, stdout: () => output.stdout, stderr: () => output.stderr, match, exited };
}

/** Starts `skein ...args`. */
export function startSkein(args: readonly string[], env: Record<string, string> = {}): Running {
  return startProcess(SKEIN_BIN, args, env);
}

/** Runs `skein ...args` to its end. */
export function runSkein(args: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  return startSkein(args, env).exited;
}
