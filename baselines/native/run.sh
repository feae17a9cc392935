#!/bin/sh
# run.sh W [ARGS...]: the "native" target: build/workloads/W as a plain host
# process, inside network namespace NETNS (a name from `ip netns`) when given,
# under timeout, exiting with the workload's status. For an app (no such
# workload, but build/native/W/, the app's cpio unpacked: make -C
# baselines/native apps), ARGS start with the program's absolute path and
# it runs chrooted into that tree, in a mount namespace of its own with a
# fresh tmpfs on /tmp and the host's /dev and /proc: the same files as on
# every target, the host's kernel. Launcher failures print one "native: ..."
# line and exit 255. Environment: BUILD, NETNS, TIMEOUT (60).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
TIMEOUT=${TIMEOUT:-60}
fail() { echo "native: $*" >&2; exit 255; }

[ $# -ge 1 ] || fail "usage: run.sh WORKLOAD [ARGS...]"
w=$1; shift
bin=$BUILD/workloads/$w
root=$BUILD/native/$w
if [ ! -x "$bin" ] && [ -f "$root/.app" ]; then
	case ${1:-} in /*) ;; *) fail "app $w: the first argument must be its program's absolute path" ;; esac
	[ -e "$root/$1" ] || fail "app $w: no $1 in $root"
	[ "$(id -u)" = 0 ] || fail "app $w: chroot needs root"
	# $0 of the inner shell is the root; "$@" the program and its arguments
	set -- unshare -m --propagation private sh -c 'r=$0
		mount -t tmpfs -o mode=1777,size=64m tmpfs "$r/tmp" &&
		mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
		exec chroot "$r" "$@"' "$root" "$@"
else
	[ -x "$bin" ] || fail "no workload binary $bin: unknown workload '$w'?"
	set -- "$bin" "$@"
fi
if [ -n "${NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || fail "joining network namespace $NETNS needs root"
	ip netns list | grep -q "^$NETNS\( \|$\)" || fail "no network namespace '$NETNS'"
	set -- ip netns exec "$NETNS" "$@"
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
