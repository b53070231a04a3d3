#!/usr/bin/env bash
# Resolution of tcp+dns:// and tcp+srv:// endpoints against a real DNS server: dnsmasq from Debian,
# started by the tests on a loopback port with A, AAAA and SRV answers that change during each test.
# Needs root (apt-get) and a built workspace; runs after the README's test command (see README.md here).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v dnsmasq >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends dnsmasq-base \
    || { apt-get update && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends dnsmasq-base; }
fi
npx -y pnpm@12.21.0 build
npx vitest run -c vitest.dnsmasq.config.ts
