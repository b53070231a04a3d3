/**
 * Debian's Chromium (`/usr/bin/chromium`, installed by .ci/suites/browser.sh)
 * driven by playwright-core: playwright's own browser download cannot run
 * here. Each launch gets a fresh profile folder, removed on close.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where the suite expects Chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** A headless Chromium (its one browser context) and the profile folder it owns. */
export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), "skein-chromium-"));
  // A fresh --user-data-dir: playwright passes the profile folder as that flag.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // These keep Chromium off the network (but for the page's own loopback), the GPU and the sandbox.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
