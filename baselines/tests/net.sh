#!/bin/bash
# Network tests of the baselines (TAP to $BUILD/test-results/baselines-net.tap):
# in a network namespace this test creates ("bench"), httpd answers an HTTP GET
# on linux-vm (tap + virtio-net, eth0 set by our init from ip=/gw=), in a runc
# container (its own netns joined via config.json, reached over a veth pair)
# and natively. Everything is torn down on exit. Needs root and httpd.
# Background jobs are started directly (not through shell functions) so that
# their pids are the launchers themselves, which stop what they started.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(cd "$here/.." && pwd)/build}
res=$BUILD/test-results
tmp=$(mktemp -d)
bench=ukbt-bench-$$; ctr=ukbt-ctr-$$; tapif=ukbt$$
pids=()
mkdir -p "$res"
tap=$res/baselines-net.tap
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
	ip netns del "$bench" 2>/dev/null; ip netns del "$ctr" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
inb() { ip netns exec "$bench" "$@"; }
# wait_ready LOG SECONDS: until the workload prints its ready line
wait_ready() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q '^ukbench: ready httpd port=' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# get DESC ADDR LOG: one HTTP GET from the bench namespace
get() {
	local port
	if wait_ready "$3" "$4"; then
		port=$(sed -n 's/^ukbench: ready httpd port=\([0-9]*\).*/\1/p' "$3" | head -n1)
		# bash's /dev/tcp: no HTTP client needed
		inb timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
			printf "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3 &&
			head -n1 <&3' "$2" "$port" > "$tmp/code" 2>&1
		if grep -q '^HTTP/1.1 200 ' "$tmp/code"; then ok "$1"; return; fi
		echo "GET http://$2:$port/ gave '$(head -n1 "$tmp/code")'" >> "$3"
	else
		echo "(no ready line within $4 s)" >> "$3"
	fi
	cp "$3" "$tmp/log"; notok "$1"
}

echo "1..4" | tee -a "$tap"
why=
[ "$(id -u)" = 0 ] || why="needs root for network namespaces, taps and runc"
[ -n "$why" ] || [ -x "$BUILD/workloads/httpd" ] || why="no build/workloads/httpd"
[ -n "$why" ] || [ -e /dev/net/tun ] || why="no /dev/net/tun"
if [ -n "$why" ]; then
	skip "httpd on linux-vm answers a GET from the bench namespace" "$why"
	skip "httpd in a runc container answers a GET over a veth pair" "$why"
	skip "httpd natively in the bench namespace answers a GET" "$why"
	skip "everything torn down" "$why"
	exit 0
fi

# bench namespace: a tap for the VM, veth to the container's namespace
ip netns add "$bench" && ip netns add "$ctr" || { echo "cannot create namespaces" >&2; exit 1; }
inb ip link set lo up
inb ip tuntap add dev "$tapif" mode tap
inb ip addr add 10.213.0.1/24 dev "$tapif"
inb ip link set "$tapif" up
inb ip link add veth-b type veth peer name veth-c
inb ip link set veth-c netns "$ctr"
inb ip addr add 10.213.1.1/24 dev veth-b
inb ip link set veth-b up
ip netns exec "$ctr" ip link set lo up
ip netns exec "$ctr" ip addr add 10.213.1.2/24 dev veth-c
ip netns exec "$ctr" ip link set veth-c up
ip netns exec "$ctr" ip route add default via 10.213.1.1

# 1: linux-vm, QEMU inside the bench namespace on the tap
make -s -C "$here/linux" all W=httpd BUILD="$BUILD" > "$tmp/build" 2>&1 || cat "$tmp/build" >&2
ip netns exec "$bench" env TAP="$tapif" IP=10.213.0.2/24 GW=10.213.0.1 TIMEOUT=60 BUILD="$BUILD" \
	"$here/linux/run.sh" httpd > "$tmp/vm.log" 2>&1 &
pids+=($!)
get "httpd on linux-vm answers a GET from the bench namespace (tap, virtio-net, ip= from init)" 10.213.0.2 "$tmp/vm.log" 40

# 2: container joined to its namespace, reached over the veth pair
make -s -C "$here/container" all W=httpd BUILD="$BUILD" > "$tmp/build" 2>&1 || cat "$tmp/build" >&2
NETNS=/var/run/netns/$ctr BUILD=$BUILD "$here/container/run.sh" httpd > "$tmp/ctr.log" 2>&1 &
pids+=($!)
ctrpid=$!
get "httpd in a runc container answers a GET over a veth pair" 10.213.1.2 "$tmp/ctr.log" 10

# 3: native, a plain process in the bench namespace
NETNS=$bench TIMEOUT=30 BUILD=$BUILD "$here/native/run.sh" httpd > "$tmp/nat.log" 2>&1 &
pids+=($!)
get "httpd natively in the bench namespace answers a GET" 127.0.0.1 "$tmp/nat.log" 10

# 4: stopping the launchers leaves no QEMU, container or namespace behind
cleanup
sleep 0.5
q=$(pgrep -fc "ifname=$tapif,"); c=$(runc list -q 2>/dev/null | grep -c "^ukb-httpd-$ctrpid$")
ns=$(ip netns list | grep -cE "^($bench|$ctr)( |$)")
mkdir -p "$tmp"; echo "left: qemu=$q container=$c netns=$ns" > "$tmp/log"
if [ "$q" -eq 0 ] && [ "$c" -eq 0 ] && [ "$ns" -eq 0 ]; then ok "everything torn down (QEMU, container, namespaces, tap)"; else notok "everything torn down (QEMU, container, namespaces, tap)"; fi
exit $failed
