// The SqliteStorage suite: needs better-sqlite3 (SKEIN_BETTER_SQLITE3), so it is not in `pnpm test`; .ci/suites/actors-sqlite.sh runs it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/actor/*.sqlite.ts"],
    testTimeout: 30_000,
  },
});
