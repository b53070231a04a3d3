/**
 * An app in a real process, stopped the way an orchestrator stops it:
 * SIGTERM, with `stopOnSignals`. Readiness turns false at once while the
 * call in flight finishes; the process exits 0 once drained, and within
 * `drainTimeout` when a call never finishes.
 */
import { type ChildProcess, fork } from "node:child_process";
import { afterEach, describe, expect, test } from "vitest";
import { connect, RpcError } from "../src/index.js";
import { deferred, within } from "./fixtures.js";
// @ts-expect-error a plain .mjs fixture, shared with the process it runs in
import { SlowService } from "./fixtures/slow-service.mjs";

const APP = new URL("./fixtures/probe-app.mjs", import.meta.url);

interface Started {
  child: ChildProcess;
  rpc: string;
  probe: string;
  working: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

async function startApp(env: Record<string, string> = {}): Promise<Started> {
  const child = fork(APP, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [], env: { ...process.env, ...env } });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const ready = deferred<{ rpc: string; probe: string }>();
  const working = deferred();
  child.on("message", (message: { rpc?: string; probe?: string; working?: string }) => {
    if (message.rpc !== undefined) ready.resolve({ rpc: message.rpc, probe: message.probe! });
    if (message.working !== undefined) working.resolve();
  });
  const { rpc, probe } = await within(Promise.race([ready.promise, exited.then(() => Promise.reject(new Error("the app exited before it was ready")))]), 15_000, "the app to start");
  return { child, rpc, probe, working: working.promise, exited };
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe("an app stopped by SIGTERM (stopOnSignals)", () => {
  test("turns unready at once, stays live, finishes the call in flight, and exits 0", async () => {
    const app = await startApp();
    expect(await status(`${app.probe}/readyz`)).toBe(200);
    const slow = connect(SlowService, { endpoints: [app.rpc], timeout: 15_000 });
    try {
      const call = slow.client.work({ name: "in flight" });
      await within(app.working, 10_000, "the call to reach its handler");
      app.child.kill("SIGTERM");
      // Each probe a fresh request, as a kubelet makes them, until one says not ready.
      await within((async () => {
        while ((await status(`${app.probe}/readyz`)) !== 503);
      })(), 10_000, "readiness to turn false");
      expect(await status(`${app.probe}/livez`)).toBe(200);
      app.child.send("release");
      expect(await call).toEqual({ done: "in flight" });
      expect(await within(app.exited, 10_000, "the process to exit")).toEqual({ code: 0, signal: null });
    } finally {
      await slow.close();
    }
  });

  test("exits within its drainTimeout when a call never finishes, and the call fails", async () => {
    const app = await startApp({ DRAIN_TIMEOUT: "300" });
    const slow = connect(SlowService, { endpoints: [app.rpc], timeout: 15_000 });
    try {
      const call = slow.client.work({ name: "never done" });
      const failed = call.then(() => null, (error: unknown) => error);
      await within(app.working, 10_000, "the call to reach its handler");
      app.child.kill("SIGTERM");
      expect(await within(app.exited, 10_000, "the process to exit")).toEqual({ code: 0, signal: null });
      expect(await failed).toBeInstanceOf(RpcError);
    } finally {
      await slow.close();
    }
  });
});
