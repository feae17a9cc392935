#!/bin/sh
# run.sh W [ARGS...]: the "native" target: build/workloads/W as a plain host
# process, inside network namespace NETNS (a name from `ip netns`) when given,
# under timeout, exiting with the workload's status. Launcher failures print
# one "native: ..." line and exit 255. Environment: BUILD, NETNS, TIMEOUT (60).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
TIMEOUT=${TIMEOUT:-60}
fail() { echo "native: $*" >&2; exit 255; }

[ $# -ge 1 ] || fail "usage: run.sh WORKLOAD [ARGS...]"
w=$1; shift
bin=$BUILD/workloads/$w
[ -x "$bin" ] || fail "no workload binary $bin: unknown workload '$w'?"
if [ -n "${NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || fail "joining network namespace $NETNS needs root"
	ip netns list | grep -q "^$NETNS\( \|$\)" || fail "no network namespace '$NETNS'"
	set -- ip netns exec "$NETNS" "$bin" "$@"
else
	set -- "$bin" "$@"
fi
timeout -k 5 "$TIMEOUT" "$@" </dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; stopped=1' TERM INT HUP
stopped=0
wait $pid; st=$?
while kill -0 $pid 2>/dev/null; do wait $pid; st=$?; done
[ $stopped = 0 ] || fail "stopped by a signal; the workload was stopped"
case $st in 124|137) fail "timed out after ${TIMEOUT}s" ;; esac
exit $st
