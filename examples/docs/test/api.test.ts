/**
 * The API reference builds: TypeDoc (with TypeScript 5.9, beside the
 * workspace's TypeScript 7) reads the TSDoc of @skein/core, codec, patterns
 * and service, as `pnpm docs:api` does, and writes a page per package that
 * links its main classes. Every exported symbol must carry TSDoc: TypeDoc's
 * `notDocumented` validation is on and its warnings fail the build.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunResult, runProgram } from "./snippet-runner.js";

const here = dirname(fileURLToPath(import.meta.url));
const docsPackage = resolve(here, "..");
const typedoc = join(docsPackage, "node_modules", "typedoc", "bin", "typedoc");
/** A kill guard for a loaded machine; the build takes about 30 s of CPU. */
const DEADLINE_MS = 240_000;

const MAIN_CLASSES: Record<string, string[]> = {
  core: ["Context", "Socket", "Push", "Pull", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pair", "Proxy", "Poller", "ZmqError"],
  codec: ["TypeRegistry", "CodecError"],
  patterns: ["RpcClient", "RpcServer", "WorkQueue", "Worker", "Broker", "SnapshotPublisher", "TopicSubscriber"],
  service: ["App", "RpcError", "EventPublisher", "ServiceConnection"],
};

let out = "";
let build: RunResult;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "skein-api-"));
  build = await runProgram(typedoc, ["--out", out], docsPackage, DEADLINE_MS);
}, DEADLINE_MS + 10_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

// TypeDoc colours its log when it thinks it writes to a terminal.
const log = (): string => (build.stdout + build.stderr).replace(/\x1b\[[0-9;]*m/g, "");

describe("API reference", () => {
  it("builds without an error or a warning", () => {
    expect(build.timedOut).toBe(false);
    const problems = log().split("\n").filter((line) => /^\[(error|warning)\]/.test(line));
    expect(problems).toEqual([]);
    expect(build.code, log()).toBe(0);
  });

  it("has a page per package that links its main classes, each with a page of its own", () => {
    for (const [name, classes] of Object.entries(MAIN_CLASSES)) {
      const modulePage = join(out, "modules", `_skein_${name}.html`);
      expect(existsSync(modulePage), modulePage).toBe(true);
      const html = readFileSync(modulePage, "utf8");
      for (const className of classes) {
        const page = `_skein_${name}.${className}.html`;
        expect(html, `@skein/${name} does not link ${className}`).toContain(`classes/${page}`);
        expect(existsSync(join(out, "classes", page)), page).toBe(true);
      }
    }
  });

  it("shows the TSDoc of a class and of its options", () => {
    const push = readFileSync(join(out, "classes", "_skein_core.Push.html"), "utf8");
    expect(push).toContain("sendHighWaterMark");
    expect(push).toContain("round-robin");
    const rpcClient = readFileSync(join(out, "classes", "_skein_patterns.RpcClient.html"), "utf8");
    expect(rpcClient).toContain("request");
  });
});
