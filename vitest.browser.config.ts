import { defineConfig } from "vitest/config";

/**
 * The Chromium suites (`*.browser.test.ts`): run by .ci/suites/browser.sh, which installs Debian's
 * chromium first; the root config leaves them out so `pnpm test` needs no browser.
 */
export default defineConfig({
  test: {
    include: ["examples/*/test/**/*.browser.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
