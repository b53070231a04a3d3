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
    // Our packages' built output (what a test's child process or another package loads) runs as
    // Node loads it, as users get it: not through Vite's transform, whose source map of the
    // 380 kB core bundle, decoded when a stack trace is first formatted, kept 15 MB in the test
    // process at a random moment (faults/ heap-flatness tests failed on it).
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
    // `vitest bench`: frame and envelope micro-benchmarks (run by `pnpm bench`).
    benchmark: { include: ["packages/*/bench/**/*.bench.ts"] },
  },
});
