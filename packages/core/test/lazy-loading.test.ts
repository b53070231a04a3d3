/**
 * What `import "@skein/core"` loads, and what it leaves for first use
 * (docs/benchmarks.md, "Import time (session 5)"): the built package (dist/,
 * what users load) in a fresh Node process. The Node entries are a bundle of
 * a few files (scripts/node-bundle.mjs); node:crypto, TweetNaCl, node:tls,
 * node:dgram, node:dns/promises and node:zlib are required only by the
 * ipc://* bind, the CURVE key pair or handshake, the wss:// connect, the
 * udp:// bind and the SWAP spill that need them, and those still work when
 * they do.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { checkBuild } from "./worker-thread.js";

const distDir = fileURLToPath(new URL("../dist", import.meta.url));

/** The files a module pulls in through its relative static imports, itself included. */
function relativeGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const [, specifier] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;"']*?["'](\.{1,2}\/[^"']+)["']/g)) {
    relativeGraph(join(dirname(file), specifier!), seen);
  }
  return seen;
}

/** Runs `body` (an async ES module body with `core`, `draft`, `loaded()` in scope) in a fresh Node; returns what it printed as JSON. */
function runChild(body: string): Promise<Record<string, Loaded>> {
  const source = `
import { createRequire } from "node:module";
const core = await import(${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)});
const draft = await import(${JSON.stringify(new URL("../dist/draft.js", import.meta.url).href)});
const require = createRequire(import.meta.url);
const loaded = () => ({
  builtins: process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)),
  commonjs: Object.keys(require.cache),
});
const report = {};
${body}
process.stdout.write(JSON.stringify(report));
`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", source], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`child failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, Loaded>);
    });
  });
}

interface Loaded {
  builtins: string[];
  commonjs: string[];
}

const LAZY_BUILTINS = ["tls", "dgram", "dns/promises", "zlib", "crypto"];
const hasTweetnacl = (loaded: Loaded): boolean => loaded.commonjs.some((path) => /[\\/]tweetnacl[\\/]/.test(path));

describe("loading @skein/core", () => {
  test("each Node entry (import, and require through index.cjs) reads at most four files of the package: the bundle, not one file per module", () => {
    checkBuild();
    for (const entry of ["index.js", "draft.js", "draft-extra.js"]) {
      const files = [...relativeGraph(join(distDir, entry))].map((file) => relative(distDir, file));
      expect({ entry, files: files.length <= 4 ? "at most 4" : files }).toEqual({ entry, files: "at most 4" });
    }
    expect(readFileSync(join(distDir, "index.cjs"), "utf8")).toMatch(/require\("\.\/index\.js"\)/);
  });

  test("leaves node:crypto, TweetNaCl, node:tls, node:dgram, node:dns/promises and node:zlib unloaded until ipc://*, CURVE, wss://, udp:// and SWAP need them, which then work", async () => {
    checkBuild();
    const report = await runChild(`
report.atImport = loaded();
const dish = new draft.Dish();
await dish.bind("udp://127.0.0.1:0");
report.afterUdpBind = loaded();
const pull = new core.Pull({ linger: 0 });
await pull.bind("ipc://*");
report.afterIpcBind = loaded();
const server = core.curveKeyPair();
report.afterKeyPair = loaded();
const rep = new core.Reply({ curveServer: true, curveSecretKey: server.secretKey, linger: 0 });
await rep.bind("tcp://127.0.0.1:0");
const client = core.curveKeyPair();
const req = new core.Request({ curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey, linger: 0 });
req.connect(rep.lastEndpoint);
await req.send("over curve");
const [question] = await rep.receive();
await rep.send(question);
report.curveReply = String((await req.receive())[0]);
const dealer = new core.Dealer({ linger: 0 });
dealer.connect("wss://127.0.0.1:1/");
report.afterWssConnect = loaded();
const { mkdtempSync, rmSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");
const dir = mkdtempSync(join(tmpdir(), "skein-lazy-"));
const push = new core.Push({ sendHighWaterMark: 1, swapDirectory: dir, linger: 0 });
push.connect("tcp://127.0.0.1:1");
for (let i = 0; i < 4; i++) await push.send("spilled");
report.spilled = push.swapStats.spilled;
report.afterSwap = loaded();
for (const socket of [pull, rep, req, dealer, dish, push]) socket.close();
rmSync(dir, { recursive: true, force: true });
`);
    const lazyLoaded = (loaded: Loaded): string[] => LAZY_BUILTINS.filter((name) => loaded.builtins.includes(name));
    expect({ builtins: lazyLoaded(report.atImport!), tweetnacl: hasTweetnacl(report.atImport!) }).toEqual({ builtins: [], tweetnacl: false });
    expect(lazyLoaded(report.afterIpcBind!)).toContain("crypto");
    expect(hasTweetnacl(report.afterKeyPair!)).toBe(true);
    expect(report.curveReply).toBe("over curve");
    expect(lazyLoaded(report.afterWssConnect!)).toContain("tls");
    expect(lazyLoaded(report.afterUdpBind!)).toContain("dgram");
    expect(report.spilled).toBeGreaterThan(0);
    expect(lazyLoaded(report.afterSwap!)).toContain("zlib");
  });
});
