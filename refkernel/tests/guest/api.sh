#!/bin/bash
# The REST API (api=PORT, kernel/api.c) in a booted httpd.img: every endpoint
# curled while wrk loads httpd, the JSON checked with jq, bad requests
# answered 400/431 and closed, idle and surplus clients bounded, and httpd's
# req/s with the API on against a run without it in this same test (loose
# bound: TCG, one core shared). A tap in a network namespace of the test's own
# (10.78.0.0/24, nothing routed out). Prints TAP; skips without root or tun.
set -u
B=${BUILD:?}/refkernel
KHZ=$("$B/tsckhz")
NS=rkapi$$
HOST_IP=10.78.0.1 GUEST_IP=10.78.0.2 APORT=8081
API=http://$GUEST_IP:$APORT
n=0 fails=0 qpid= wpid=
out=$(mktemp)

cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$out" "$out".*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	[ -f "$out.c" ] && sed 's/^/#   client: /' "$out.c" | tail -n 5
	tr -d '\r' < "$out" | cut -c1-200 | sed 's/^/#   guest: /' | tail -n 6
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
TESTS=16
echo "1..$TESTS"
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	for i in $(seq $TESTS); do echo "ok $i - api test $i # SKIP needs root and /dev/net/tun"; done
	exit 0
fi
for t in jq wrk curl; do
	command -v $t >/dev/null || { echo "Bail out! $t not installed (scripts/deps.txt)"; exit 1; }
done

QEMU="qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 64 -smp 1 -nodefaults -no-user-config
	-nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4"

# Bad values and an image without the network: one line, a distinct status.
refused() { # IMAGE PARAMS STATUS LINE
	timeout 30 $QEMU -kernel "$1" -append "tsc_khz=$KHZ $2 -- --port 80" > "$out" 2>&1
	local s=$?
	[ $s -eq "$3" ] && tr -d '\r' < "$out" | grep -q "$4"
}
bad=0
for v in 0 65536 x8 -1 ""; do
	refused "$B/httpd.img" "api=$v" 251 "bad command line: api=$v (want a TCP port 1..65535)" || bad=1
done
check "api=0, 65536, x8, -1 and empty are refused with one line and status 251 (KEXIT_CMDLINE)" '[ $bad -eq 0 ]'
refused "$B/hello.img" "api=8081" 253 "api= given but this image was baked without the network"
check "api= in an image without the network (hello.img, NET=0) is refused (status 253)" '[ $? -eq 0 ]'

ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" tuntap add dev tap0 mode tap && ip -n "$NS" addr add $HOST_IP/24 dev tap0 &&
	ip -n "$NS" link set tap0 up || { echo "Bail out! cannot set up namespace $NS"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }

guest() { # KERNEL_PARAMS
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do # the last QEMU may still hold tap0 for a moment
		ip netns exec "$NS" timeout 300 $QEMU -global virtio-mmio.force-legacy=false \
			-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-device,netdev=n0 \
			-kernel "$B/httpd.img" -append "tsc_khz=$KHZ ip=$GUEST_IP/24 $1 -- --port 80" > "$out" 2>&1 &
		qpid=$!
		for _ in $(seq 150); do grep -q "ukbench: ready" "$out" && return 0; kill -0 $qpid 2>/dev/null || break; sleep 0.2; done
		wait $qpid 2>/dev/null; qpid=; sleep 0.3
	done
	return 1
}
rps() { grep -o 'Requests/sec: *[0-9.]*' "$1" | awk '{print int($2)}'; }
wrk_clean() { grep -q "Requests/sec" "$1" && ! grep -q "Non-2xx\|Socket errors" "$1"; }
get() { in_ns curl -s -m 10 "$API$1"; }

# httpd alone: the reference figure.
guest "" || { echo "Bail out! httpd.img did not start"; exit 1; }
in_ns timeout 60 wrk -t1 -c10 -d4s http://$GUEST_IP/ > "$out.base" 2>&1
base=$(rps "$out.base")

guest "api=$APORT" || { echo "Bail out! httpd.img with api=$APORT did not start"; tr -d "\r" < "$out" | sed "s/^/#   /" | tail -5; exit 1; }
check "the boot line names the API's port" 'tr -d "\r" < "$out" | grep -q "^refkernel: api port=$APORT"'

# Every endpoint while wrk loads httpd.
ip netns exec "$NS" timeout 60 wrk -t1 -c10 -d8s http://$GUEST_IP/ > "$out.load" 2>&1 &
wpid=$!
sleep 1
for e in version uptime memory threads counters; do get /os/$e > "$out.$e"; done
get / > "$out.page"
in_ns curl -s -m 10 -o /dev/null -w '%{http_code} %{content_type}' "$API/os/memory" > "$out.ct"
wait "$wpid"; wpid=
check "/os/version under load: name refkernel and a version" \
	'jq -e ".name == \"refkernel\" and (.version | length > 0)" "$out.version" >/dev/null'
check "/os/uptime: uptime_s > 0 and uptime_ns agrees" \
	'jq -e ".uptime_s > 0 and ((.uptime_ns / 1e6 | floor) - (.uptime_s * 1e3 | floor) | fabs) <= 1" "$out.uptime" >/dev/null'
check "/os/memory: total > free, used = total - free, breakdown (kernel, heap, ramfs, application) within used, application > 0 ($(jq -c '.breakdown' "$out.memory" 2>/dev/null))" \
	'jq -e ".total > .free and .free > 0 and .used == .total - .free and
		(.breakdown | .kernel + .heap + .ramfs + .application) <= .used and .breakdown.application > 0 and
		.breakdown.heap >= .heap_in_use" "$out.memory" >/dev/null'
check "/os/threads: the application's thread 1 and the kernel thread \"api\", each with state and CPU time" \
	'jq -e "(.list | map(select(.id == 1 and .kernel == false)) | length) == 1 and
		(.list | map(select(.name == \"api\" and .kernel == true)) | length) == 1 and
		(.list | all(has(\"state\") and .cpu_ns >= 0))" "$out.threads" >/dev/null'
check "/os/counters: the exit line's counters, live (syscalls, switches, tcp_rx > 0, clock)" \
	'jq -e ".syscalls > 0 and .switches > 0 and .tcp_rx > 0 and (.clock | type) == \"string\" and .api_port == $APORT" "$out.counters" >/dev/null'
check "/ is an HTML page that reloads itself, with the memory, threads and counters tables" \
	'grep -q "http-equiv=refresh" "$out.page" && [ "$(grep -c "<table>" "$out.page")" -eq 3 ] && grep -q "</html>" "$out.page"'
check "JSON is served as application/json with 200 ($(cat "$out.ct"))" 'grep -q "^200 application/json" "$out.ct"'
check "wrk saw no error while the API answered" 'wrk_clean "$out.load"'

# Bad requests: answered, then the connection is closed by the kernel.
raw() { # REQUEST -> the whole answer, until the server closes (bash /dev/tcp)
	in_ns timeout 10 bash -c "exec 3<>/dev/tcp/$GUEST_IP/$APORT; printf '%b' \"\$1\" >&3; cat <&3" _ "$1"
}
r400=$(raw 'GET\r\n\r\n'; echo "rc=$?")
r400b=$(raw 'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n'; echo "rc=$?")
check "a malformed request gets 400 and the connection closed" \
	'[[ "$r400" == "HTTP/1.1 400 "* && "$r400" == *"rc=0" && "$r400b" == "HTTP/1.1 400 "* && "$r400b" == *"rc=0" ]]'
big=$(head -c 4000 /dev/zero | tr '\0' a)
code=$(in_ns curl -s -m 10 -o "$out.431" -w '%{http_code}' -H "X-Big: $big" "$API/os/memory")
check "an oversized request head (4 KB header) gets 431 ($code)" '[ "$code" = 431 ] && jq -e ".status == 431" "$out.431" >/dev/null'
code=$(in_ns curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$GUEST_IP/")
code2=$(in_ns curl -s -m 10 -o /dev/null -w '%{http_code}' "$API/os/uptime")
check "after them httpd still serves ($code) and so does the API ($code2)" '[ "$code" = 200 ] && [ "$code2" = 200 ]'

# Four idle clients fill the API's connections: httpd is not held up, and
# a fifth client is served once the idle ones time out (5 s).
idle=
for i in 1 2 3 4; do
	ip netns exec "$NS" timeout 20 bash -c "exec 3<>/dev/tcp/$GUEST_IP/$APORT; cat <&3 >/dev/null" &
	idle="$idle $!"
done
sleep 1
code=$(in_ns curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$GUEST_IP/")
code2=$(in_ns curl -s -m 15 -o /dev/null -w '%{http_code}' "$API/os/version")
wait $idle
timeouts=$(get /os/counters | jq .api_timeouts)
check "4 idle API clients: httpd serves meanwhile ($code); a 5th API client is served after the idle ones time out ($code2, api_timeouts=$timeouts)" \
	'[ "$code" = 200 ] && [ "$code2" = 200 ] && [ "${timeouts:-0}" -ge 4 ]'

# httpd's figures with the API on, polled every 100 ms as ukbench does.
ip netns exec "$NS" timeout 60 wrk -t1 -c10 -d4s http://$GUEST_IP/ > "$out.with" 2>&1 &
wpid=$!
polls=0
while kill -0 $wpid 2>/dev/null; do get /os/memory > /dev/null && polls=$((polls + 1)); sleep 0.1; done
wait "$wpid"; wpid=
with=$(rps "$out.with")
check "httpd req/s with the API polled ($polls polls): ${with:-?} against ${base:-?} without it (bound: at least half)" \
	'wrk_clean "$out.with" && wrk_clean "$out.base" && [ -n "$base" ] && [ -n "$with" ] && [ $((with * 2)) -ge "$base" ]'
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
[ $n -eq $TESTS ] || echo "Bail out! ran $n tests, planned $TESTS"
exit $((fails > 0))
