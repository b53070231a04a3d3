import { defineConfig } from "vitest/config";

/**
 * `pnpm fuzz`: the fuzz targets of packages/core/test/fuzz and
 * packages/codec/test/fuzz, with FUZZ_RUNS inputs each (default 1,000,000)
 * and FUZZ_SEED. One worker per core; each target prints one line.
 */
export default defineConfig({
  test: {
    include: ["packages/*/test/fuzz/**/*.fuzz.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    execArgv: ["--expose-gc"],
    testTimeout: 48 * 3600_000,
    hookTimeout: 60_000,
    silent: false,
  },
});
