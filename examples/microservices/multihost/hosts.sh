#!/usr/bin/env bash
# Several "hosts" on one machine for the multi-host test: one network namespace per host, each with a
# veth pair into one bridge, addresses 10.77.0.11.. on 10.77.0.0/24, and dnsmasq on the bridge
# (10.77.0.1) as the cluster DNS: it answers <name>.skein.test from the hosts files in $STATE/dns,
# re-read whenever the test rewrites them, with TTL 0 so that nothing caches a stale answer.
#
#   hosts.sh up STATE_DIR N     creates hosts skmh-h1..skmh-hN and starts dnsmasq
#   hosts.sh down STATE_DIR     removes all of it (safe to call twice, or after a partial `up`)
#
# Needs root (ip netns, a bridge, /etc/netns) and dnsmasq.
set -euo pipefail

PREFIX=skmh
BRIDGE=${PREFIX}-br0
SUBNET=10.77.0
cmd=${1:?usage: hosts.sh up|down STATE_DIR [N]}
state=${2:?usage: hosts.sh up|down STATE_DIR [N]}

down() {
  if [ -f "$state/dnsmasq.pid" ]; then
    kill "$(cat "$state/dnsmasq.pid")" 2>/dev/null || true
    rm -f "$state/dnsmasq.pid"
  fi
  for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}-h" || true); do
    # Every process still in the namespace (services of a failed run) goes with it.
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
    ip link del "$ns" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

up() {
  local n=${1:?usage: hosts.sh up STATE_DIR N}
  down
  mkdir -p "$state/dns"
  # dnsmasq drops root for its own user, which must still read the hosts files (mktemp makes 0700).
  chmod a+rx "$state" "$state/dns"
  ip link add "$BRIDGE" type bridge
  ip addr add "$SUBNET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in $(seq 1 "$n"); do
    local ns="${PREFIX}-h$i"
    ip netns add "$ns"
    ip link add "$ns" type veth peer name eth0 netns "$ns"
    ip link set "$ns" master "$BRIDGE" up
    ip -n "$ns" addr add "$SUBNET.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    # `ip netns exec` bind-mounts this over /etc/resolv.conf: the host's only DNS server is dnsmasq.
    mkdir -p "/etc/netns/$ns"
    echo "nameserver $SUBNET.1" > "/etc/netns/$ns/resolv.conf"
    echo "$SUBNET.$((10 + i)) h$i.skein.test" > "$state/dns/h$i"
  done
  : > "$state/dns/services"
  # Its own (empty) config file and pid file: never a path outside $state (dnsmasq replaces its pid
  # file as its unprivileged user, so --pid-file=/dev/null would turn /dev/null into a plain file).
  : > "$state/dnsmasq.conf"
  dnsmasq --keep-in-foreground --conf-file="$state/dnsmasq.conf" --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$SUBNET.1" --interface="$BRIDGE" --except-interface=lo \
    --hostsdir="$state/dns" --local-ttl=0 --neg-ttl=0 --local=/skein.test/ --log-facility="$state/dnsmasq.log" \
    --pid-file="$state/dnsmasq.own.pid" &
  echo $! > "$state/dnsmasq.pid"
  # Ready once it answers the first host's name; 10 s at most (each query bounded to 1 s).
  local deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$(cat "$state/dnsmasq.pid")" 2> /dev/null; do
    if timeout 1 ip netns exec "${PREFIX}-h1" getent ahostsv4 h1.skein.test > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "dnsmasq does not answer on $SUBNET.1 (running: $(kill -0 "$(cat "$state/dnsmasq.pid")" 2>/dev/null && echo yes || echo no))" >&2
  cat "$state/dnsmasq.log" >&2 2>/dev/null || true
  return 1
}

case "$cmd" in
  up) shift 2; up "$@" ;;
  down) down ;;
  *) echo "usage: hosts.sh up|down STATE_DIR [N]" >&2; exit 2 ;;
esac
