#!/bin/bash
# Debian's own servers on the bare kernel: build/refkernel/refkernel.img with
# an app's root file system (build/apps/<app>.cpio, built from
# workloads/apps/<app>/) as -initrd and the program's command line after
# "--", on a tap inside a network namespace this script creates (10.79.0.0/24,
# nothing routed out), driven from the host's Linux stack there. Before each
# boot the program inside the cpio is checked byte for byte against the
# host's file. Also the socket calls that need no wire (sockets.img, over the
# loopback interface). Prints TAP; the network cases skip (with the reason)
# when not root or without /dev/net/tun.
set -u
B=${BUILD:?}/refkernel
APPS=$BUILD/apps
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
KHZ=$("$B/tsckhz")
NS=rkapps$$
HOST_IP=10.79.0.1 GUEST_IP=10.79.0.2
n=0 fails=0 qpid=
out=$(mktemp)

cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$out" "$out.client" "$out.body"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/#   client: /' "$out.client" 2>/dev/null | tail -n 5
	tr -d '\r' < "$out" | cut -c1-200 | sed 's/^/#   guest: /' | tail -n 8
}
QEMU=(qemu-system-x86_64 -M microvm -accel tcg -cpu max -smp 1 -nodefaults -no-user-config
	-nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)

TESTS=12
echo "1..$TESTS"

# 1-2: sockets.img needs no wire
timeout 60 "${QEMU[@]}" -m 64 -kernel "$B/tests/sockets.img" -append "tsc_khz=$KHZ" 2>&1 | tr -d '\r' > "$out"
rc=${PIPESTATUS[0]}
if grep -q "^sockets: [0-9]* checks, 0 failed" "$out" && [ "$rc" -eq 1 ]; then
	ok "sockets without a wire: loopback TCP/UDP (one thread and two), AF_UNIX, EAFNOSUPPORT, EPIPE ($(grep -o '[0-9]* checks' "$out"))"
else not_ok "sockets guest test (rc=$rc)"; fi
timeout 60 "${QEMU[@]}" -m 64 -kernel "$B/tests/sockets.img" -append "tsc_khz=$KHZ -- sigpipe" 2>&1 | tr -d '\r' > "$out"
rc=${PIPESTATUS[0]}
if grep -q "^refkernel: exit status=141 " "$out" && ! grep -q "survived" "$out" && [ "$rc" -eq $(((141 << 1 | 1) & 255)) ]; then
	ok "a write to a closed socket with SIGPIPE's default action ends the program: status 141"
else not_ok "SIGPIPE default action (rc=$rc)"; fi

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
	for i in $(seq $((n + 1)) $TESTS); do echo "ok $i - app test $i # SKIP needs root and /dev/net/tun"; done
	exit 0
fi
ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip -n "$NS" tuntap add dev tap0 mode tap && ip -n "$NS" addr add $HOST_IP/24 dev tap0 &&
	ip -n "$NS" link set tap0 up || { echo "Bail out! cannot set up namespace $NS"; exit 1; }

# same_program APP PATH: the program inside the cpio is the host's file
# (PATH may be a symbolic link, as /usr/bin/redis-server is: its target then)
same_program() {
	local inside host real
	[ -f "$APPS/$1.cpio" ] || { echo "no $APPS/$1.cpio (make -C workloads/apps)" > "$out.client"; return 1; }
	real=$(readlink -f "$2")
	inside=$(cpio -i --quiet --to-stdout "*${real#/}" < "$APPS/$1.cpio" | sha256sum | cut -d' ' -f1)
	host=$(sha256sum "$real" | cut -d' ' -f1)
	echo "$real: cpio $inside host $host" > "$out.client"
	[ "$inside" = "$host" ] && [ "$inside" != "$(sha256sum < /dev/null | cut -d' ' -f1)" ]
}

# app CPIO MEM "CMDLINE" PORT: boot it in the namespace, wait until PORT answers
app() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	ip netns exec "$NS" timeout 300 "${QEMU[@]}" -m "$2" \
		-global virtio-mmio.force-legacy=false \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-device,netdev=n0 \
		-kernel "$B/refkernel.img" -initrd "$APPS/$1.cpio" \
		-append "tsc_khz=$KHZ ip=$GUEST_IP/24 -- $3" > "$out" 2>&1 &
	qpid=$!
	for _ in $(seq 150); do
		ip netns exec "$NS" timeout 1 bash -c "exec 3<>/dev/tcp/$GUEST_IP/$4" 2>/dev/null && return 0
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
client() { ip netns exec "$NS" timeout 120 "$@" > "$out.client" 2>&1; }

# nginx (nginx-light): the 612-byte page to curl, then to wrk with no error
if same_program nginx /usr/sbin/nginx; then ok "nginx: the program in nginx.cpio is the host's /usr/sbin/nginx, byte for byte"
else not_ok "nginx: program in the cpio differs from the host's"; fi
page=$ROOT/workloads/apps/nginx/rootfs/srv/www/index.html
if app nginx 32 "/usr/sbin/nginx -c /etc/nginx/nginx.conf" 8080 &&
	ip netns exec "$NS" timeout 10 curl -sS -o "$out.body" -w '%{http_code} %{size_download}\n' \
		http://$GUEST_IP:8080/ > "$out.client" 2>&1 &&
	grep -q "^200 612$" "$out.client" && cmp -s "$out.body" "$page"; then
	ok "nginx on refkernel.img + -initrd serves the 612-byte page to curl (-m 32)"
else not_ok "nginx serves curl"; fi
client wrk -t1 -c8 -d3s --timeout 2s http://$GUEST_IP:8080/
if grep -q "Requests/sec" "$out.client" && ! grep -q "Non-2xx\|Socket errors" "$out.client" &&
	kill -0 "$qpid" 2>/dev/null; then
	ok "nginx serves wrk -c8 for 3 s with no error ($(grep -o 'Requests/sec: *[0-9.]*' "$out.client"))"
else not_ok "nginx under wrk"; fi
if tr -d '\r' < "$out" | grep -q "using the \"epoll\" event method" &&
	! tr -d '\r' < "$out" | grep -q "\[crit\]\|\[alert\]"; then
	ok "nginx's log: epoll, no alert or critical line"
else not_ok "nginx's log"; fi

# redis-server: redis-cli and redis-benchmark
if same_program redis /usr/bin/redis-server; then ok "redis: the program in redis.cpio is the host's /usr/bin/redis-server"
else not_ok "redis: program in the cpio differs from the host's"; fi
if app redis 128 "/usr/bin/redis-server /etc/redis/redis.conf" 6379 &&
	client sh -c "redis-cli -h $GUEST_IP ping && redis-cli -h $GUEST_IP set k refkernel && redis-cli -h $GUEST_IP get k" &&
	[ "$(tr '\n' ' ' < "$out.client")" = "PONG OK refkernel " ]; then
	ok "redis-server answers redis-cli: PING, SET, GET"
else not_ok "redis-cli"; fi
client redis-benchmark -h $GUEST_IP -p 6379 -n 20000 -c 8 -t set,get -q
if [ "$(grep -c 'requests per second' "$out.client")" -eq 2 ] && kill -0 "$qpid" 2>/dev/null; then
	ok "redis-server serves redis-benchmark SET and GET ($(tr '\r' '\n' < "$out.client" | grep -o '^[A-Z]*: [0-9.]* requests per second' | tr '\n' ' '))"
else not_ok "redis-benchmark"; fi
client redis-benchmark -h $GUEST_IP -p 6379 -n 20000 -c 8 -P 16 -t set,get -q
if [ "$(grep -c 'requests per second' "$out.client")" -eq 2 ] && kill -0 "$qpid" 2>/dev/null; then
	ok "redis-server serves redis-benchmark -P 16"
else not_ok "redis-benchmark -P 16"; fi

# memcached: a set/get exchange in its text protocol
if same_program memcached /usr/bin/memcached; then ok "memcached: the program in memcached.cpio is the host's"
else not_ok "memcached: program in the cpio differs from the host's"; fi
if app memcached 128 "/usr/bin/memcached -u root -l 0.0.0.0 -p 11211 -U 0 -t 1 -m 64 -c 1024" 11211 &&
	ip netns exec "$NS" timeout 10 bash -c "exec 3<>/dev/tcp/$GUEST_IP/11211; printf 'set k 0 0 5\r\nhello\r\nget k\r\nquit\r\n' >&3; cat <&3" \
		> "$out.client" 2>&1 && [ "$(tr -d '\r' < "$out.client" | tr '\n' ' ')" = "STORED VALUE k 0 5 hello END " ]; then
	ok "memcached answers a set/get exchange"
else not_ok "memcached set/get"; fi
[ "$n" -eq "$TESTS" ] || { echo "Bail out! ran $n of $TESTS"; exit 1; }
exit $((fails > 0))
