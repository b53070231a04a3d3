#!/usr/bin/env bash
# epgm:// (PGM over UDP) against libzmq: Debian's python3-zmq (libzmq built with OpenPGM), both ways, with
# one multicast datagram in ten dropped on purpose (nftables) to show NAK/NCF/RDATA repair; and skein to skein.
# Two network namespaces joined by a veth pair, each with a multicast route: OpenPGM binds its port with
# SO_REUSEPORT, which Node 20 cannot share, so libzmq and skein each need a host of their own.
# Needs root (apt-get, ip netns, nft) and a built workspace; always tears the namespaces down. Arguments go to
# vitest (e.g. -t "NAK flood").
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c 'import zmq' >/dev/null 2>&1 || ! command -v nft >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends python3-zmq nftables iproute2 \
    || { apt-get update && apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends python3-zmq nftables iproute2; }
fi
/usr/bin/python3 -c 'import zmq, sys; sys.exit(0 if zmq.has("pgm") else "this libzmq has no pgm")'
A=skeinepgm$$a B=skeinepgm$$b
teardown() {
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap teardown EXIT
ip netns add "$A"
ip netns add "$B"
ip link add "ep$$a" type veth peer name "ep$$b"
ip link set "ep$$a" netns "$A"
ip link set "ep$$b" netns "$B"
ip -n "$A" addr add 10.77.0.1/24 dev "ep$$a"
ip -n "$B" addr add 10.77.0.2/24 dev "ep$$b"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "ep$$a" up multicast on
ip -n "$B" link set "ep$$b" up multicast on
ip -n "$A" route add 224.0.0.0/4 dev "ep$$a"
ip -n "$B" route add 224.0.0.0/4 dev "ep$$b"
npx -y pnpm@12.21.0 build
EPGM_NS_SKEIN="$A" EPGM_NS_PEER="$B" EPGM_IP_SKEIN=10.77.0.1 EPGM_IP_PEER=10.77.0.2 \
  ip netns exec "$A" npx vitest run -c vitest.epgm.config.ts "$@"
