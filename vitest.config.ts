import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    // Chromium suites: .ci/suites/browser.sh runs them (vitest.browser.config.ts).
    exclude: ["**/node_modules/**", "**/*.browser.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Sockets and child processes: keep parallelism within a 2-core machine.
    pool: "forks",
    maxWorkers: 2,
    // hostile/ tests measure heap after a peer is gone: they call global.gc().
    execArgv: ["--expose-gc"],
    // `vitest bench`: frame and envelope micro-benchmarks (run by `pnpm bench`).
    benchmark: { include: ["packages/*/bench/**/*.bench.ts"] },
  },
});
