#!/bin/sh
# echo.sh: the echo workload over loopback, checked byte for byte by
# echo_client (TCP small and large messages, UDP), with the poll backend,
# several clients at once, an abrupt disconnect, and a clean SIGTERM exit.
. "$(dirname "$0")/lib.sh"
plan 10
C=$T/echo_client

if ! start_server echo; then
	report 1 "echo starts and prints its ready line"; # a kernel whose epoll_wait is missing: the loop must move to poll
if command -v strace >/dev/null && timeout 10 strace -o /dev/null true 2>/dev/null; then
	timeout -s KILL 60 strace -f -qq -o /dev/null -e inject=epoll_pwait,epoll_wait:error=ENOSYS \
		"$W/echo" --bind 127.0.0.1 --port 0 > "$TMP/nosys.out" 2>&1 &
	SPID=$!; PIDS="$PIDS $SPID"; PORT=""
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^ukbench: ready .* port=\([0-9]*\).*/\1/p' "$TMP/nosys.out")
		[ -n "$PORT" ] && break; sleep 0.05
	done
	[ -n "$PORT" ] && timeout 20 "$C" --port "$PORT" --count 200 >/dev/null 2>&1 &&
		timeout 20 "$C" --port "$PORT" --proto udp --count 50 >/dev/null 2>&1
	st=$?
	kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
	check "epoll_wait ENOSYS (injected): moves to poll, echoes, exits cleanly" sh -c \
		"[ $st -eq 0 ] && grep -q 'stopping (poll)' '$TMP/nosys.out'"
else
	skip "epoll_wait ENOSYS fallback" "strace cannot trace here"
fi
finish
fi
report 0 "echo starts and prints its ready line"
check "TCP: 2000 x 64-byte messages echoed exactly" timeout 30 "$C" --port "$PORT" --count 2000 --size 64
check "TCP: 20 x 1 MiB messages echoed exactly (backpressure)" timeout 30 "$C" --port "$PORT" --count 20 --size 1m
check "UDP: 2000 x 512-byte datagrams echoed exactly" timeout 30 "$C" --port "$PORT" --proto udp --count 2000 --size 512
pids=""
for i in 1 2 3 4; do timeout 30 "$C" --port "$PORT" --count 500 --size 300 >/dev/null 2>&1 & pids="$pids $!"; done
st=0; for p in $pids; do wait "$p" || st=1; done
check "TCP: 4 concurrent clients all echoed exactly" [ $st -eq 0 ]
# abrupt disconnects mid-message (the client exits with echoes unread: RST)
for i in 1 2 3; do timeout 5 "$T/rawtcp" --port "$PORT" --data "" --pad 100000 --idle-ms 1 >/dev/null; done
check "still serving after an abrupt disconnect" timeout 10 "$C" --port "$PORT" --count 10
stop_server
check "SIGTERM gives a clean exit 0" [ $? -eq 0 ]

if start_server echo --poll; then
	check "poll backend: TCP and UDP echoed exactly" sh -c \
		"timeout 20 '$C' --port $PORT --count 500 --size 1000 && timeout 20 '$C' --port $PORT --proto udp --count 500"
	stop_server
	check "poll backend: SIGTERM gives a clean exit 0" [ $? -eq 0 ]
else
	report 1 "poll backend starts"; report 1 "poll backend exit"
fi
# a kernel whose epoll_wait is missing: the loop must move to poll
if command -v strace >/dev/null && timeout 10 strace -o /dev/null true 2>/dev/null; then
	timeout -s KILL 60 strace -f -qq -o /dev/null -e inject=epoll_pwait,epoll_wait:error=ENOSYS \
		"$W/echo" --bind 127.0.0.1 --port 0 > "$TMP/nosys.out" 2>&1 &
	SPID=$!; PIDS="$PIDS $SPID"; PORT=""
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^ukbench: ready .* port=\([0-9]*\).*/\1/p' "$TMP/nosys.out")
		[ -n "$PORT" ] && break; sleep 0.05
	done
	[ -n "$PORT" ] && timeout 20 "$C" --port "$PORT" --count 200 >/dev/null 2>&1 &&
		timeout 20 "$C" --port "$PORT" --proto udp --count 50 >/dev/null 2>&1
	st=$?
	kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
	check "epoll_wait ENOSYS (injected): moves to poll, echoes, exits cleanly" sh -c \
		"[ $st -eq 0 ] && grep -q 'stopping (poll)' '$TMP/nosys.out'"
else
	skip "epoll_wait ENOSYS fallback" "strace cannot trace here"
fi
finish
