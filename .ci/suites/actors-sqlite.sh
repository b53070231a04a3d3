#!/usr/bin/env bash
# SqliteStorage (packages/service/src/actor/sqlite-storage.ts) against a real better-sqlite3 12.
# better-sqlite3 is not a dependency of the workspace: with no prebuilt binary reachable it compiles
# from source (node-gyp, a C++ compiler, about 2-3 minutes on 2 cores), which the README's install
# must not cost every user. It goes into a cache folder outside the clone, reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${SKEIN_SUITE_CACHE:-/var/tmp/skein-suites}/better-sqlite3-12"
if ! node -e "new (require('$CACHE/node_modules/better-sqlite3'))(':memory:')" 2>/dev/null; then
  if ! command -v g++ >/dev/null || ! command -v make >/dev/null || ! command -v python3 >/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ make python3 >/dev/null
  fi
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  (cd "$CACHE" && npm init -y >/dev/null && npm install --no-audit --no-fund better-sqlite3@12 >/dev/null)
fi
cd packages/service
SKEIN_BETTER_SQLITE3="$CACHE/node_modules/better-sqlite3" npx vitest run --config vitest.sqlite.config.ts
