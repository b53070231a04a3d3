import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    // Against a real dnsmasq (root, Debian packages): .ci/suites/dns.sh runs them with vitest.dnsmasq.config.ts.
    // epgm:// against pyzmq in network namespaces (root, Debian packages): .ci/suites/epgm.sh runs *.root.test.ts.
    exclude: ["**/node_modules/**", "packages/*/test/dnsmasq/**", "**/*.root.test.ts"],
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
