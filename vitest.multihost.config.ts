import { defineConfig } from "vitest/config";

/**
 * The multi-host test (examples/microservices/multihost): needs root, network namespaces and
 * dnsmasq, so it runs only from .ci/suites/multihost.sh, never from `pnpm test`.
 */
export default defineConfig({
  test: {
    include: ["examples/microservices/multihost/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
