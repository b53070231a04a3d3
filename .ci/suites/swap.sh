#!/usr/bin/env bash
# SWAP at scale (packages/core/test/swap/swap-gib.long.test.ts): about 1 GiB of messages through a PUSH
# whose spill is bounded by swapMaxBytes (256 MiB), a consumer that comes late: every message arrives in
# order, the files never hold more than swapMaxBytes, the heap stays flat (forced GC), no file is left.
# Needs neither root nor Debian packages, only time and disk (at most 256 MiB under $TMPDIR): too long for
# `pnpm test`. Under a minute on 2 cores when the page cache holds the spill, up to about 3 when it does not.
set -euo pipefail
cd "$(dirname "$0")/../.."
free=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $4 }')
if [ "$free" -lt $((512 * 1024)) ]; then
  echo "swap.sh: needs 512 MiB free under ${TMPDIR:-/tmp}, has $((free / 1024)) MiB" >&2
  exit 1
fi
npx vitest run -c vitest.swap.config.ts
