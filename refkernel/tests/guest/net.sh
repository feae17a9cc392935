#!/bin/bash
# Network guest tests: boot refkernel images with a virtio-net device on a tap
# inside a network namespace this script creates (10.77.0.0/24, nothing routed
# out), and drive them from the host's Linux stack inside that namespace.
# Prints TAP; skips (with the reason) when not root or without /dev/net/tun.
set -u
B=${BUILD:?}/refkernel
KHZ=$("$B/tsckhz")
NS=rknet$$
HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2
n=0 fails=0 qpid=
out=$(mktemp)

cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$out" "$out.client"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/#   client: /' "$out.client" | tail -n 5
	tr -d '\r' < "$out" | cut -c1-200 | sed 's/^/#   guest: /' | tail -n 8
}
TESTS=8
echo "1..$TESTS"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	for i in $(seq $TESTS); do echo "ok $i - network test $i # SKIP needs root and /dev/net/tun"; done
	exit 0
fi

ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" tuntap add dev tap0 mode tap && ip -n "$NS" addr add $HOST_IP/24 dev tap0 &&
	ip -n "$NS" link set tap0 up || { echo "Bail out! cannot set up namespace $NS"; exit 1; }

# guest IMAGE MACHINE "ARGS" [DEVICE]: start it in the namespace, wait for its ready line
guest() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns exec "$NS" timeout 300 qemu-system-x86_64 -M "$2" -accel tcg -cpu max -m 64 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -global virtio-mmio.force-legacy=false \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "${4:-virtio-net-device},netdev=n0" \
		-kernel "$1" -append "tsc_khz=$KHZ ip=$GUEST_IP/24 -- $3" > "$out" 2>&1 &
	qpid=$!
	for _ in $(seq 150); do grep -q "ukbench: ready" "$out" && return 0; sleep 0.2; done
	return 1
}
client() { ip netns exec "$NS" timeout 280 "$@" > "$out.client" 2>&1; }

guest "$B/echo.img" microvm "--port 7 --max-conns 2000"
client ping -c 1000 -i 0.002 -W 2 -q $GUEST_IP
if grep -q " 0% packet loss" "$out.client"; then ok "1000 pings answered, none lost"; else not_ok "1000 pings"; fi
client "$B/netcheck" udp $GUEST_IP 7 10000
if [ $? -eq 0 ]; then ok "UDP echo of 10000 datagrams of mixed sizes ($(grep -o '[0-9]* resent' "$out.client"))"; else not_ok "UDP echo"; fi
client "$B/netcheck" tcp $GUEST_IP 7 $((64 << 20))
if [ $? -eq 0 ]; then ok "TCP echo of 64 MiB each way, sha256 equal ($(grep -o '[0-9.]* Mbit/s' "$out.client"))"; else not_ok "TCP echo 64 MiB"; fi
client "$B/netcheck" conns $GUEST_IP 7 1000
if [ $? -eq 0 ]; then ok "1000 concurrent TCP connections served and closed cleanly"; else not_ok "1000 connections"; fi

guest "$B/echo.img" microvm,acpi=off "--port 7"
client "$B/netcheck" tcp $GUEST_IP 7 1000000
if [ $? -eq 0 ]; then ok "microvm with acpi=off: devices from the command line, TCP echo"; else not_ok "acpi=off TCP echo"; fi

guest "$B/echo.img" q35 "--port 7" virtio-net-pci,romfile=
client "$B/netcheck" tcp $GUEST_IP 7 1000000
if [ $? -eq 0 ]; then ok "q35 with virtio-net-pci (modern PCI transport, MSI-X): TCP echo"; else not_ok "q35 virtio-pci TCP echo"; fi

guest "$B/httpd.img" microvm "--port 80"
client wrk -t1 -c10 -d3s http://$GUEST_IP/
if grep -q "Requests/sec" "$out.client" && ! grep -q "Non-2xx\|Socket errors" "$out.client"; then
	ok "httpd serves wrk ($(grep -o 'Requests/sec: *[0-9.]*' "$out.client"))"; else not_ok "httpd under wrk"; fi

guest "$B/kvstore.img" microvm "--port 6379"
client redis-benchmark -h $GUEST_IP -p 6379 -t ping,set,get,incr,mset -n 20000 -P 16 -q
if [ "$(grep -c 'requests per second' "$out.client")" -ge 5 ]; then ok "kvstore serves redis-benchmark"; else not_ok "kvstore under redis-benchmark"; fi

echo "# $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
