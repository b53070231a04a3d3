/**
 * The browser build as a site bundles it (scripts/browser-bundle.mjs:
 * esbuild, --platform=browser, the `browser` condition and field): no Node
 * built-in on its path, libsodium loaded on demand, and a size bound that a
 * Buffer polyfill or a Node transport creeping in would break. Bundles the
 * built package (dist), as a user's bundler would; `pnpm test` builds first.
 */
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, no types.
import { bundleForBrowser, splitChunks } from "../scripts/browser-bundle.mjs";

interface Chunk {
  path: string;
  text: string;
  bytes: number;
  gzip: number;
}

/** What a page loads at once must stay under this, gzipped (measured: see docs/browser.md). */
const INITIAL_GZIP_BOUND = 64 * 1024;

describe("@skein/core's browser entry", () => {
  it("bundles for the browser with no Node built-in on its path", async () => {
    const { nodeImports } = (await bundleForBrowser()) as { nodeImports: { path: string; importer: string }[] };
    expect(nodeImports).toEqual([]);
  });

  it("loads libsodium only on demand, and stays under its size bound", async () => {
    const { chunks } = (await bundleForBrowser()) as { chunks: Chunk[] };
    const { initial, lazy } = splitChunks(chunks) as { initial: { bytes: number; gzip: number }; lazy: Chunk[] };
    console.log(`browser entry: ${initial.bytes} octets minified, ${initial.gzip} gzipped; on demand: ${lazy.map((chunk) => `${chunk.path} ${chunk.gzip}`).join(", ")}`);
    expect(lazy.some((chunk) => chunk.text.includes("crypto_box_curve25519xsalsa20poly1305"))).toBe(true);
    expect(initial.gzip).toBeLessThan(INITIAL_GZIP_BOUND);
  });

  it("exports every socket a page can use, and no STREAM socket (raw TCP)", async () => {
    const core = await import("../src/browser.js");
    for (const name of ["Pair", "Publisher", "Subscriber", "XPublisher", "XSubscriber", "Request", "Reply", "Dealer", "Router", "Push", "Pull"]) {
      expect(core).toHaveProperty(name);
    }
    expect(core).not.toHaveProperty("Stream");
  });
});
