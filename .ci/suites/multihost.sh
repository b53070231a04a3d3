#!/usr/bin/env bash
# Multi-host test of the microservice template (issue 14, docs/deploy.md): four hosts as network
# namespaces on one machine, dnsmasq as their DNS, the template's services as separate processes run
# from the production bundle the image holds. Needs root. The namespaces, the bridge and dnsmasq are
# removed on every exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v dnsmasq > /dev/null 2>&1 || ! command -v ip > /dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base iproute2 > /dev/null
fi

hosts=examples/microservices/multihost/hosts.sh
state=$(mktemp -d /tmp/skein-multihost.XXXXXX)
cleanup() {
  local code=$?
  bash "$hosts" down "$state" || code=1
  rm -rf "$state"
  if ip netns list | grep -q '^skmh-' || ip link show skmh-br0 > /dev/null 2>&1; then
    echo "multihost: namespaces or the bridge are left after teardown (ip netns list)" >&2
    code=1
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

npx -y pnpm@12.21.0 build
# The services run from what the Dockerfile's build stage puts in the image.
npx -y pnpm@12.21.0 --filter @skein/example-microservices deploy --prod "$state/app" > /dev/null
bash "$hosts" up "$state" 4
MULTIHOST_STATE="$state" MULTIHOST_APP="$state/app" timeout 480 npx vitest run --config vitest.multihost.config.ts "$@"
if [ -n "${MULTIHOST_FIGURES:-}" ]; then cp "$state/figures.json" "$MULTIHOST_FIGURES"; fi
