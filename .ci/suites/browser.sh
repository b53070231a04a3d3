#!/usr/bin/env bash
# The browser build in a real browser: Debian's chromium driven by playwright-core (playwright's own
# browser download cannot run here), pages built from the browser entries with esbuild, talking over
# ws:// to skein in Node and to libzmq (examples/browser/test/*.browser.test.ts).
# Needs root (apt-get) and a built workspace; runs after the README's test command (see README.md here).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium \
    || { apt-get update && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium; }
fi
npx -y pnpm@12.21.0 build
CHROMIUM_PATH="$(command -v chromium)" npx vitest run -c vitest.browser.config.ts
