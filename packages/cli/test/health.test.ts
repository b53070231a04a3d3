/**
 * `skein health` as an exec probe runs it: a real `skein` process against a
 * real app process (the service package's probe-app fixture), exit 0 or 1.
 */
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { freeAddress } from "../../core/test/helpers.js";
import { runSkein, startProcess, type Running } from "./skein-process.js";

const APP = fileURLToPath(new URL("../../service/test/fixtures/probe-app.mjs", import.meta.url));

const apps: Running[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) {
    app.child.kill("SIGTERM");
    expect((await app.exited).code).toBe(0);
  }
});

async function startApp(env: Record<string, string> = {}): Promise<string> {
  const app = startProcess(APP, [], env);
  apps.push(app);
  return (await app.match(/ready: rpc (tcp:\/\/\S+)/))[1]!;
}

test("health exits 0 and prints SERVING for a ready app, for readiness and for --live", async () => {
  const endpoint = await startApp();
  const ready = await runSkein(["health", endpoint]);
  expect(ready.stderr).toBe("");
  expect(ready.code).toBe(0);
  expect(ready.stdout).toMatch(/^SERVING probe-app up \d+ ms, \d+ in flight\n$/);
  expect((await runSkein(["health", endpoint, "--live"])).code).toBe(0);
});

test("health exits 1 for an app that answers but is not ready, and 0 with --live", async () => {
  const endpoint = await startApp({ NOT_READY: "1" });
  const ready = await runSkein(["health", endpoint]);
  expect(ready.code).toBe(1);
  expect(ready.stderr).toMatch(/^NOT_SERVING probe-app up \d+ ms, \d+ in flight: not ready\n$/);
  const live = await runSkein(["health", endpoint, "--live"]);
  expect(live.code).toBe(0);
  expect(live.stdout).toMatch(/^NOT_SERVING probe-app/);
});

test("health exits 1 when nothing answers within --timeout, for --live too", async () => {
  const nobody = await freeAddress("tcp");
  for (const args of [["health", nobody, "--timeout", "300"], ["health", nobody, "--timeout", "300", "--live"]]) {
    const { code, stderr } = await runSkein(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^no answer from ${nobody.replace(/[.]/g, "\\.")}: `));
  }
});

test("health exits 2 on a usage error", async () => {
  expect((await runSkein(["health"])).code).toBe(2);
  expect((await runSkein(["health", "tcp://127.0.0.1:1", "extra"])).code).toBe(2);
  expect((await runSkein(["health", "tcp://127.0.0.1:1", "--timeout", "soon"])).code).toBe(2);
});
