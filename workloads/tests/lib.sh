# lib.sh: sourced by the integration tests. TAP output (plan N, then check /
# skip per test, then finish), and servers started on 127.0.0.1 with a free
# port (--port 0, port read from the ready line) under timeout, killed on exit.
set -u
BUILD=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
W=${UKB_WORKLOADS:-$BUILD/workloads}
T=$BUILD/workloads-test
TMP=$(mktemp -d /tmp/ukb-wl-test.XXXXXX)
tapn=0
tapfail=0
PIDS=""

# PIDS holds our `timeout` processes; each leads its own process group
# (timeout calls setpgid), so killing the group takes its server with it.
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

plan() { echo "1..$1"; }

# report STATUS DESC: status 0 is ok.
report() {
	tapn=$((tapn + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tapn - $2"
	else echo "not ok $tapn - $2"; tapfail=$((tapfail + 1)); fi
}

# check DESC CMD...: runs CMD (output to the log), reports its status.
check() {
	d=$1; shift
	echo "## $d: $*" >> "$TMP/log"
	"$@" >> "$TMP/log" 2>&1
	st=$?
	report $st "$d"
	[ $st -eq 0 ] || { echo "# failed: $*"; tail -n 5 "$TMP/log" | sed 's/^/#   /'; }
	return $st
}

skip() { tapn=$((tapn + 1)); echo "ok $tapn - $1 # SKIP $2"; }

finish() {
	[ "$tapfail" -eq 0 ]
	exit $?
}

# start_server NAME ARGS...: starts $W/NAME --bind 127.0.0.1 --port 0 ARGS,
# waits (5 s max) for its ready line; sets SPID, PORT, SOUT (its output).
start_server() {
	name=$1; shift
	SOUT=$TMP/$name.$tapn.out
	timeout -s KILL 150 "$W/$name" --bind 127.0.0.1 --port 0 "$@" > "$SOUT" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	PORT=""
	for _ in $(seq 1 100); do
		PORT=$(sed -n 's/^ukbench: ready .* port=\([0-9]*\).*/\1/p' "$SOUT" 2>/dev/null | head -n1)
		[ -n "$PORT" ] && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# $name did not become ready:"; sed 's/^/#   /' "$SOUT"
	return 1
}

# stop_server: SIGTERM, then wait (5 s max) for a clean exit; returns its
# exit status (124+ when it had to be killed).
stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$SPID" 2>/dev/null; then
		kill -KILL "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		return 137
	fi
	wait "$SPID"
}

# result_of FILE TEST METRIC: prints the value of a "ukbench: result" line.
result_of() {
	sed -n "s/^ukbench: result $2 $3 \([0-9.eE+-]*\)$/\1/p" "$1" | head -n1
}
