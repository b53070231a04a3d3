import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    // Chromium suites (.ci/suites/browser.sh, vitest.browser.config.ts), suites against a real
    // dnsmasq (.ci/suites/dns.sh, vitest.dnsmasq.config.ts) and epgm:// against pyzmq in network
    // namespaces (.ci/suites/epgm.sh, vitest.epgm.config.ts) need root or Debian packages; SWAP
    // at scale (.ci/suites/swap.sh, vitest.swap.config.ts) is too long for the plain run.
    exclude: ["**/node_modules/**", "**/*.browser.test.ts", "packages/*/test/dnsmasq/**", "**/*.root.test.ts", "**/*.long.test.ts"],
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
