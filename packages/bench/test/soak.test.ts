/**
 * Smoke test of `pnpm soak`: a few seconds of the real thing (14 processes,
 * kills and restarts included) against the built package, to prove the
 * command works end to end. The 10-minute figures are in docs/reliability.md.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSoakOptions } from "../src/soak/options.js";
import { Ledger } from "../src/soak/ledger.js";

const SOAK = fileURLToPath(new URL("../dist/soak.js", import.meta.url));

describe("pnpm soak", () => {
  it("carries every pair's traffic through kills and restarts and writes the summary", async () => {
    if (!existsSync(SOAK)) throw new Error("packages/bench/dist is missing: run `pnpm build` first (the soak runs the built package)");
    const dir = mkdtempSync(path.join(os.tmpdir(), "skein-soak-test-"));
    const json = path.join(dir, "soak.json");
    try {
      const args = [SOAK, "--minutes", "0.05", "--restart-seconds", "1", "--sample-seconds", "0.5", "--rate", "200", "--json", json];
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, args, { timeout: 90_000 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
      });
      expect(stderr, stdout).toBe("");
      expect(code).toBe(0);
      const summary = JSON.parse(readFileSync(json, "utf8")) as {
        restarts: number;
        failures: string[];
        directions: { pair: string; sent: number; received: number; lost: number; duplicated: number }[];
        peers: { peer: string; fds: { start: number; end: number } }[];
      };
      expect(summary.failures).toEqual([]);
      expect(summary.restarts).toBeGreaterThanOrEqual(1);
      const pairs = new Set(summary.directions.map((d) => d.pair));
      expect([...pairs].map((p) => p.split(" ")[0])).toEqual(["PAIR", "PUB/SUB", "XPUB/XSUB", "REQ/REP", "DEALER/ROUTER", "PUSH/PULL", "STREAM"]);
      for (const direction of summary.directions) {
        expect(direction.received, `${direction.pair}`).toBeGreaterThan(0);
        expect(direction.lost + direction.received).toBe(direction.sent);
      }
      expect(summary.peers).toHaveLength(14);
      expect(stdout).toContain("| pair | direction | sent | received | lost |");
      expect(stdout).toMatch(/^SOAK-SUMMARY \{/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("counts a message lost when no receiver reported it, and a duplicate when a sequence comes again", () => {
    const ledger = new Ledger();
    ledger.addSender(1, "PUSH/PULL ipc", "push→pull");
    ledger.update(1, 5, {});
    ledger.update(2, 0, { "1": { count: 3, maxSeq: 6, duplicates: 1 } });
    // The receiver saw sequence 6: the sender sent at least 7, though its last sample said 5.
    expect(ledger.totals()).toEqual([{ pair: "PUSH/PULL ipc", direction: "push→pull", sent: 7, received: 3, lost: 4, duplicated: 1 }]);
  });

  it("reads --minutes, --restart-seconds, --sample-seconds, --rate and --json", () => {
    expect(parseSoakOptions(["--minutes", "0.5", "--restart-seconds", "3", "--sample-seconds", "2", "--rate", "50", "--json", "x.json"])).toEqual({
      minutes: 0.5,
      restartSeconds: 3,
      sampleSeconds: 2,
      rate: 50,
      json: "x.json",
      help: false,
    });
    expect(() => parseSoakOptions(["--minutes", "0"])).toThrow(/positive/);
    expect(() => parseSoakOptions(["--bogus"])).toThrow(/unknown option/);
  });
});
