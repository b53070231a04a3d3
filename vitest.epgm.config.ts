import { defineConfig } from "vitest/config";

// epgm:// with libzmq (pyzmq) and between skein sockets, in network namespaces: run by .ci/suites/epgm.sh as root.
export default defineConfig({
  test: {
    include: ["packages/core/test/epgm/**/*.root.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
