import { defineConfig } from "vitest/config";

/**
 * SWAP at scale (packages/core/test/swap/*.long.test.ts): about 1 GiB through a spill, a minute or
 * two on 2 cores, so it runs only from .ci/suites/swap.sh, never from `pnpm test`.
 */
export default defineConfig({
  test: {
    include: ["packages/core/test/swap/**/*.long.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 1,
    // The heap is measured after forced collections.
    execArgv: ["--expose-gc"],
  },
});
