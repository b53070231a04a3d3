/**
 * skein under Bun and Deno: runs the smoke scripts with each runtime's
 * binary (installed from npm as devDependencies of this package) against the
 * built packages, and checks that every feature printed `ok`. The interop
 * checks talk to libzmq in a Node child process (this Node).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const here = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string): string => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

const CORE_FEATURES = ["tcp", "tcp-req-rep", "ipc", "ws", "wss", "wss-untrusted", "wss-hostname", "pub-sub", "curve", "rpc-patterns", "libzmq-peer", "interop-tcp", "interop-ws-curve"];
const SERVICE_FEATURES = ["service-unary", "service-stream"];

/** How each runtime runs a script: Deno with every permission and only the workspace's node_modules (no download). */
const RUNTIMES = {
  bun: (script: string) => [bin("bun"), [script]] as const,
  deno: (script: string) => [bin("deno"), ["run", "--allow-all", "--cached-only", script]] as const,
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: here, timeout: 40_000, env: { ...process.env, SKEIN_NODE: process.execPath, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

/** The `ok`/`FAIL` lines a smoke script printed, and the runtime it says it ran on. */
function report(output: string): { features: string[]; runtime: string } {
  const lines = output.split("\n");
  return {
    features: lines.filter((line) => /^(ok|FAIL) /.test(line)),
    runtime: lines.find((line) => line.startsWith("runtime: ")) ?? "",
  };
}

/** Runs `script` under the runtime and expects an `ok` line for each of `features`, and exit 0. */
async function expectAllOk(name: string, command: (script: string) => readonly [string, readonly string[]], script: string, features: string[]): Promise<void> {
  const [binary, args] = command(script);
  const result = await run(binary, args);
  const { features: seen, runtime } = report(result.stdout);
  expect({ features: seen, stderr: result.code === 0 ? "" : result.stderr }).toEqual({ features: features.map((feature) => `ok ${feature}`), stderr: "" });
  expect(runtime).toMatch(new RegExp(`^runtime: ${name} \\d`));
  expect(result.code).toBe(0);
}

describe.each(Object.entries(RUNTIMES))("under %s", (name, command) => {
  test("core: tcp, ipc, ws, wss (and its TLS errors), PUB/SUB, CURVE, the RPC pattern and interop with libzmq under Node all work", async () => {
    await expectAllOk(name, command, "smoke/core.mjs", CORE_FEATURES);
  }, 60_000);

  test("service: a decorated @Service class answers unary and streaming calls of the typed client", async () => {
    await expectAllOk(name, command, "smoke/service.ts", SERVICE_FEATURES);
  }, 60_000);
});
