import { defineConfig } from "vitest/config";

/** Tests against a real dnsmasq (Debian's package): run by .ci/suites/dns.sh, not by `pnpm test`. */
export default defineConfig({
  test: {
    include: ["packages/*/test/dnsmasq/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
