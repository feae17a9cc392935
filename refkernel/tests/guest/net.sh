#!/bin/bash
# Network guest tests: boot refkernel images with a virtio-net device on a tap
# inside a network namespace this script creates (10.77.0.0/24, nothing routed
# out), and drive them from the host's Linux stack inside that namespace.
# Prints TAP; skips (with the reason) when not root or without /dev/net/tun.
# PROT=ring3|ring3-kpti puts prot=$PROT first on every guest's command line.
# NET_MODE=thread|poll boots every guest with net=NET_MODE and runs a subset
# (13 of 23: echo, httpd, kvstore and the lossy path; not the transport
# variants, the 10 s ARP-expiry run nor the net=thread/inline comparison,
# which picks its modes itself); make netguest runs it under both after the
# full run under the default (inline).
set -u
B=${BUILD:?}/refkernel
KHZ=$("$B/tsckhz")
NS=rknet$$
HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2
n=0 fails=0 qpid=
out=$(mktemp)

cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "${apid:-}" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$out" "$out.client" "$out.relay" "$out.arp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/#   client: /' "$out.client" | tail -n 5
	tr -d '\r' < "$out" | cut -c1-200 | sed 's/^/#   guest: /' | tail -n 8
}
full() { [ -z "${NET_MODE:-}" ]; }
if full; then TESTS=23; else TESTS=13; fi
echo "1..$TESTS"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	for i in $(seq $TESTS); do echo "ok $i - network test $i # SKIP needs root and /dev/net/tun"; done
	exit 0
fi

ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" tuntap add dev tap0 mode tap && ip -n "$NS" addr add $HOST_IP/24 dev tap0 &&
	ip -n "$NS" link set tap0 up || { echo "Bail out! cannot set up namespace $NS"; exit 1; }

# guest IMAGE MACHINE "ARGS" [DEVICE] [NETDEV] [KERNEL_PARAMS]: start it in the namespace,
# wait for its ready line. Modern virtio-mmio unless MMIO_GLOBAL= (empty:
# QEMU 7.2's default, legacy version 1) says otherwise.
guest() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns exec "$NS" timeout 300 qemu-system-x86_64 -M "$2" -accel tcg -cpu max -m 64 -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 ${MMIO_GLOBAL--global virtio-mmio.force-legacy=false} \
		-netdev "${5:-tap,id=n0,ifname=tap0,script=no,downscript=no}" -device "${4:-virtio-net-device},netdev=n0" \
		-kernel "$1" -append "${PROT:+prot=$PROT }tsc_khz=$KHZ ip=$GUEST_IP/24 ${NET_MODE:+net=$NET_MODE} ${6:-} -- $3" > "$out" 2>&1 &
	qpid=$!
	for _ in $(seq 150); do grep -q "ukbench: ready" "$out" && return 0; sleep 0.2; done
	return 1
}
client() { ip netns exec "$NS" timeout 280 "$@" > "$out.client" 2>&1; }

guest "$B/echo.img" microvm "--port 7 --max-conns 2000"
if tr -d '\r' < "$out" | grep -q "^refkernel: virtio-net mmio version 2 at"; then
	ok "with force-legacy=false the boot line names virtio-mmio version 2"; else not_ok "virtio-mmio version 2 line"; fi
client ping -c 1000 -i 0.002 -W 2 -q $GUEST_IP
if grep -q " 0% packet loss" "$out.client"; then ok "1000 pings answered, none lost"; else not_ok "1000 pings"; fi
client "$B/netcheck" udp $GUEST_IP 7 10000
if [ $? -eq 0 ]; then ok "UDP echo of 10000 datagrams of mixed sizes ($(grep -o '[0-9]* resent' "$out.client"))"; else not_ok "UDP echo"; fi
client "$B/netcheck" tcp $GUEST_IP 7 $((64 << 20))
if [ $? -eq 0 ]; then ok "TCP echo of 64 MiB each way, sha256 equal ($(grep -o '[0-9.]* Mbit/s' "$out.client"))"; else not_ok "TCP echo 64 MiB"; fi
client "$B/netcheck" conns $GUEST_IP 7 1000
if [ $? -eq 0 ]; then ok "1000 concurrent TCP connections served and closed cleanly"; else not_ok "1000 connections"; fi

if full; then
guest "$B/echo.img" microvm,acpi=off "--port 7"
client "$B/netcheck" tcp $GUEST_IP 7 1000000
if [ $? -eq 0 ]; then ok "microvm with acpi=off: devices from the command line, TCP echo"; else not_ok "acpi=off TCP echo"; fi

# QEMU's default command line: legacy virtio-mmio (virtio spec §4.2.4)
MMIO_GLOBAL= guest "$B/echo.img" microvm "--port 7"
client "$B/netcheck" tcp $GUEST_IP 7 4000000
if [ $? -eq 0 ] && tr -d '\r' < "$out" | grep -q "^refkernel: virtio-net mmio version 1 (legacy) at"; then
	ok "default command line (legacy virtio-mmio, version 1 on the boot line): TCP echo of 4 MB"
else not_ok "legacy virtio-mmio TCP echo"; fi

guest "$B/echo.img" q35 "--port 7" virtio-net-pci,romfile=
client "$B/netcheck" tcp $GUEST_IP 7 1000000
if [ $? -eq 0 ]; then ok "q35 with virtio-net-pci (modern PCI transport, MSI-X): TCP echo"; else not_ok "q35 virtio-pci TCP echo"; fi
fi

guest "$B/httpd.img" microvm "--port 80"
client wrk -t1 -c10 -d3s http://$GUEST_IP/
if grep -q "Requests/sec" "$out.client" && ! grep -q "Non-2xx\|Socket errors" "$out.client"; then
	ok "httpd serves wrk ($(grep -o 'Requests/sec: *[0-9.]*' "$out.client"))"; else not_ok "httpd under wrk"; fi

if full; then
# ARP past its reachable time under load: the guest's entry for the host
# lasts 500 ms here (arp_reachable_ms=, default 60 s), so 10 s of wrk with 256
# connections run past it 20 times. The entry must be kept while the host's
# traffic confirms it: no wrk error, and the guest never asks for the host's
# MAC again (before the fix it forgot the entry at each expiry, asked by
# broadcast and dropped what exceeded 8 queued packets).
guest "$B/httpd.img" microvm "--port 80" "" "" "arp_reachable_ms=500"
ip netns exec "$NS" timeout 30 "$B/netcheck" arpwatch tap0 $GUEST_IP 11 > "$out.arp" 2>&1 &
apid=$!
client wrk -t2 -c256 -d10s http://$GUEST_IP/
wait "$apid"; apid=
arp_seen=$(grep -o '[0-9]* broadcast requests, [0-9]* unicast requests' "$out.arp")
if tr -d '\r' < "$out" | grep -q "refkernel: net arp_reachable_ms=500" && kill -0 "$qpid" 2>/dev/null &&
	grep -q "Requests/sec" "$out.client" && ! grep -q "Non-2xx\|Socket errors" "$out.client" &&
	grep -q "^netcheck: arp in 11 s: 0 broadcast requests" "$out.arp"; then
	ok "httpd under wrk -c256 for 10 s past a 500 ms ARP reachable time: no error, no re-resolution ($(grep -o 'Requests/sec: *[0-9.]*' "$out.client"); guest ARP: $arp_seen)"
else not_ok "ARP expiry under load (guest ARP: ${arp_seen:-not watched}; $(grep -o 'Socket errors.*\|Non-2xx.*' "$out.client"))"; fi
fi

guest "$B/kvstore.img" microvm "--port 6379"
client redis-benchmark -h $GUEST_IP -p 6379 -t ping,set,get,incr,mset -n 20000 -P 16 -q
if [ "$(grep -c 'requests per second' "$out.client")" -ge 5 ]; then ok "kvstore serves redis-benchmark"; else not_ok "kvstore under redis-benchmark"; fi

# Bad switch values: one line, a distinct exit status, no hang: 239
# (KEXIT_VALUE) for a value the switch does not know, 251 (KEXIT_CMDLINE) for
# a misplaced parameter.
refused() { # STATUS "KERNEL_PARAMS" "EXPECTED LINE"
	local want=$1; shift
	timeout 60 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 64 -nodefaults -no-user-config \
		-nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$B/echo.img" -append "tsc_khz=$KHZ $1 -- --port 7" > "$out" 2>&1
	st=$?
	if [ $st -eq "$want" ] && tr -d '\r' < "$out" | grep -qF "$2"; then ok "$1 is refused: \"$2\", status $want"
	else not_ok "$1: status $st, want $want and \"$2\""; fi
}
if full; then
refused 239 "net=fast" "net=fast: wants inline, thread or poll"
refused 251 "net=thread poll_us=20" "bad command line: poll_us= is for net=poll only"
fi

# net=thread against net=inline (issue 17): netbusy computes in both of its
# threads for 4 s after listen(), then echoes beside its compute thread. The
# slice is 2 s here, so that anything waiting for a time slice waits seconds,
# far above what a loaded host adds; the bounds are that loose.
# fast_pings N: how many of N pings (4 a second, from the first second of
# the window) came back within 500 ms.
fast_pings() {
	client ping -c "$1" -i 0.25 -W 2 $GUEST_IP
	grep -o 'time=[0-9.]*' "$out.client" | cut -d= -f2 | awk '$1 < 500 { n++ } END { print n + 0 }'
}
rtt_field() { grep -o " $1 [0-9]* us" "$out.client" | head -1 | cut -d' ' -f3; }
if full; then
guest "$B/tests/netbusy.img" microvm "4" "" "" "net=thread sched_slice_ms=2000"
t0=$(date +%s%N)
ip netns exec "$NS" timeout 3 bash -c "exec 3<>/dev/tcp/$GUEST_IP/7" 2>/dev/null; hs=$?
hs_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ $hs -eq 0 ] && [ $hs_ms -lt 2000 ]; then
	ok "net=thread: a TCP handshake completes while both program threads compute ($hs_ms ms)"
else not_ok "net=thread: handshake during the compute window (status $hs, $hs_ms ms)"; fi
fast=$(fast_pings 8)
if [ "$fast" -eq 8 ]; then
	ok "net=thread: 8 of 8 pings answered within 500 ms while both program threads compute"
else not_ok "net=thread: only $fast of 8 pings answered within 500 ms while the program computes"; fi
for _ in $(seq 50); do tr -d '\r' < "$out" | grep -q "netbusy: serving" && break; sleep 0.2; done
client "$B/netcheck" rtt $GUEST_IP 7 100
p50=$(rtt_field p50) max=$(rtt_field max)
if [ -n "$p50" ] && [ "$p50" -lt 50000 ] && [ "$max" -lt 1000000 ]; then
	ok "net=thread: 100 echoes beside a compute thread, p50 $p50 us, max $max us (bound: p50 < 50 ms, max < 1 s; a 2 s slice)"
else not_ok "net=thread: echoes beside a compute thread (p50 ${p50:-none} us, max ${max:-none} us)"; fi
guest "$B/tests/netbusy.img" microvm "4" "" "" "sched_slice_ms=2000"
fast=$(fast_pings 8)
if [ "$fast" -le 2 ]; then
	ok "net=inline, the same program: $fast of 8 pings answered within 500 ms while it computes (nothing runs the stack until a system call)"
else not_ok "net=inline: $fast of 8 pings answered within 500 ms during the compute window (expected them to wait)"; fi
fi

# A peer's worst: malformed frames, a closed port, a SYN burst, then 16 MiB
# through a path that drops 5%, reorders 25% and duplicates 1% of the frames
# toward the guest (lossyrelay between the tap and QEMU's dgram netdev: the
# host kernel here has no sch_netem). netsink exits after the transfer, so
# its exit line carries the counters.
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
for _ in 1 2 3 4 5 6 7 8 9 10; do # the last guest's QEMU may still hold tap0 for a moment
	ip netns exec "$NS" "$B/lossyrelay" tap0 40000 40001 5 25 1 200 > "$out.relay" 2>&1 &
	rpid=$!
	sleep 0.3
	kill -0 "$rpid" 2>/dev/null && break
	sed 's/^/# /' "$out.relay"
	sleep 0.5
done
guest "$B/tests/netsink.img" microvm "" virtio-net-device \
	"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=40001,remote.type=inet,remote.host=127.0.0.1,remote.port=40000"
# The refused connect first: its RST proves the path through the relay is up
# before anything is counted. What the host sends proves nothing by itself:
# the malformed frames and the SYN burst are judged by the guest's counters
# at its exit below.
client "$B/netcheck" refused $GUEST_IP 9001 0
if [ $? -eq 0 ]; then ok "a connect to a closed port is refused (RST)"; else not_ok "closed port"; fi
client "$B/netcheck" badframes tap0 $GUEST_IP 20
bad_sent=$(grep -o '[0-9]* malformed frames sent' "$out.client" | cut -d' ' -f1)
client "$B/netcheck" synflood $GUEST_IP 9000 10000
syn_sent=$(grep -o '[0-9]* SYNs sent' "$out.client" | cut -d' ' -f1)
client "$B/netcheck" send $GUEST_IP 9000 $((16 << 20))
sent_sha=$(grep -o 'sha256 [0-9a-f]*' "$out.client")
for _ in $(seq 150); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; rpid=
guest_sha=$(tr -d '\r' < "$out" | grep -o 'netsink: 16777216 bytes sha256 [0-9a-f]*' | grep -o 'sha256 [0-9a-f]*')
if [ -n "$sent_sha" ] && [ "$sent_sha" = "$guest_sha" ]; then
	ok "after the SYN burst, 16 MiB over a lossy, reordering, duplicating path arrive intact ($(grep -o '[0-9]* dropped' "$out.relay"))"
else not_ok "16 MiB over the lossy path (sent: $sent_sha, guest: $guest_sha)"; fi
counter() { tr -d '\r' < "$out" | grep -o " $1=[0-9]*" | cut -d= -f2; }
host_retx=$(ip netns exec "$NS" awk '/^Tcp:/ { if (h) print $13; h = 1 }' /proc/net/snmp)
if [ "$(counter tcp_ooo)" -gt 0 ] 2>/dev/null && [ "${host_retx:-0}" -gt 0 ]; then
	ok "losses recovered: the host retransmitted $host_retx segments, the guest queued $(counter tcp_ooo) out of order"
else not_ok "no recovery seen (host RetransSegs=$host_retx, guest tcp_ooo=$(counter tcp_ooo))"; fi
bad=0
for c in ip_drop_hdr ip_drop_csum ip_drop_frag tcp_drop_csum tcp_drop_bad; do
	[ "$(counter $c)" -gt 0 ] 2>/dev/null || bad=1
done
if [ $bad -eq 0 ]; then
	ok "malformed frames counted and dropped ($(for c in ip_drop_hdr ip_drop_csum ip_drop_frag tcp_drop_csum tcp_drop_bad; do printf '%s=%s ' $c "$(counter $c)"; done))"
else not_ok "malformed frames not all counted: $(for c in ip_drop_hdr ip_drop_csum ip_drop_frag tcp_drop_csum tcp_drop_bad; do printf '%s=%s ' $c "$(counter $c)"; done)"; fi
# Each malformed frame ends in one of these counters (the fragments wait in
# reassembly); the path loses about 5%, so at least 80% must be there.
num() { v=$(counter "$1"); echo "${v:-0}"; }
bad_seen=$(( $(num ip_drop_hdr) + $(num ip_drop_csum) + $(num ip_frag_rx) + $(num tcp_drop_csum) + $(num tcp_drop_bad) ))
if [ "${bad_sent:-0}" -eq 160 ] && [ "$bad_seen" -ge 128 ]; then
	ok "160 malformed frames sent at the guest, $bad_seen counted by it"
else not_ok "malformed frames: ${bad_sent:-none} sent, $bad_seen counted by the guest"; fi
# A SYN makes an embryo (SYN-ACK sent) that a later SYN evicts from the
# 16-entry SYN queue (tcp_syn_evict) unless the host resets it first
# (tcp_rst_rx). Most of the burst is lost before the guest (the tap, the
# relay and QEMU's socket cannot keep up: about 2,200-2,900 of the 10,000
# arrive here), so what is checked is that the guest took at least 500, 30
# times its SYN queue, and then the 16 MiB above.
syn_seen=$(( $(num tcp_rst_rx) + $(num tcp_syn_evict) + $(num tcp_syn_drop) ))
if [ "${syn_sent:-0}" -eq 10000 ] && [ "$syn_seen" -ge 500 ]; then
	ok "10000 SYNs in one burst, $syn_seen handled by the guest (rst_rx=$(num tcp_rst_rx) evict=$(num tcp_syn_evict) drop=$(num tcp_syn_drop))"
else not_ok "SYN burst: ${syn_sent:-none} sent, $syn_seen handled by the guest"; fi

echo "# $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
