#!/bin/bash
# run.sh W [ARGS...]: run build/container/W (rootfs shared read-only) as an OCI
# container with runc and exit with the workload's exit status. The config is
# generated per run (the workload's argv, NETNS, MEM) into a temporary bundle
# next to the built one; the container is deleted afterwards, even on timeout.
# Launcher failures print one "container: ..." line and exit 255.
# Environment: BUILD; RUNTIME=runc (or crun, or podman: podman with runc and
# the same settings as flags, on a copy of the rootfs); NETNS=/var/run/netns/X
# to join a network namespace; MEM=MiB memory limit; TIMEOUT (s, 60);
# CTR_ID= the container's name (default ukb-W-PID).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
out=$BUILD/container
RUNTIME=${RUNTIME:-runc}; TIMEOUT=${TIMEOUT:-60}
fail() { echo "container: $*" >&2; exit 255; }

[ $# -ge 1 ] || fail "usage: run.sh WORKLOAD [ARGS...]"
w=$1; shift
# An app's bundle (make apps) runs "$@" itself: its program's absolute
# path, then its arguments; it gets a tmpfs on /tmp.
app=0
if [ -f "$out/$w/app" ] && [ -d "$out/$w/rootfs" ]; then
	app=1
	case ${1:-} in /*) ;; *) fail "app $w: the first argument must be its program's absolute path" ;; esac
	[ -e "$out/$w/rootfs$1" ] || fail "app $w: no $1 in its rootfs"
else
	[ -f "$out/$w/config.json" ] && [ -f "$out/$w/rootfs/$w" ] ||
		fail "no bundle $out/$w: unknown workload '$w'? (make -C baselines/container)"
fi
command -v "$RUNTIME" >/dev/null || fail "$RUNTIME is not installed"
[ "$(id -u)" = 0 ] || fail "$RUNTIME needs root here (no rootless setup)"

id=${CTR_ID:-ukb-$w-$$}
run=$(mktemp -d "$out/.run.$id.XXXXXX")
err=$run/stderr
cleanup() { "$RUNTIME" delete -f "$id" >/dev/null 2>&1; rm -rf "$run"; }
trap cleanup EXIT
if [ "$RUNTIME" = podman ]; then
	# podman builds its own config from these flags (the same settings as
	# ocigen's) and writes into the rootfs (/etc/hostname, /run, ...): give
	# it a copy so the bundle stays as built.
	cp -a "$out/$w/rootfs" "$run/rootfs"
	cmd=(podman --runtime runc --cgroup-manager cgroupfs run --rm --name "$id"
		--read-only --cap-drop all --cap-add NET_BIND_SERVICE
		--security-opt no-new-privileges --ulimit nofile=1024:1024
		--ulimit nproc=4096:4096 --network "${NETNS:+ns:}${NETNS:-none}")
	[ -z "${MEM:-}" ] || cmd+=(--memory "${MEM}m")
	[ $app = 1 ] && cmd+=(--tmpfs /tmp --rootfs "$run/rootfs" "$@") ||
		cmd+=(--rootfs "$run/rootfs" "/$w" "$@")
	cleanup() { podman rm -f "$id" >/dev/null 2>&1; rm -rf "$run"; }
else
	opts=(--rootfs "$out/$w/rootfs" --out "$run/config.json")
	[ -z "${NETNS:-}" ] || opts+=(--netns "$NETNS")
	[ -z "${MEM:-}" ] || opts+=(--memory "$MEM")
	if [ $app = 1 ]; then
		"$out/ocigen" "${opts[@]}" --tmp -- "$@" || exit 255
	else
		"$out/ocigen" "${opts[@]}" -- "/$w" "$@" || exit 255
	fi
	cmd=("$RUNTIME" run --bundle "$run" "$id")
fi

timeout -k 5 "$TIMEOUT" "${cmd[@]}" </dev/null 2> >(tee "$err" >&2) &
rpid=$!
# Stopping run.sh stops the container (cleanup's delete -f kills it).
trap 'fail "stopped by a signal; the container was removed"' TERM INT HUP
wait $rpid; st=$?
wait	# for tee
case $st in
124|137) fail "timed out after ${TIMEOUT}s: the container never finished" ;;
esac
# runc's own failures exit 1, like many workloads, and log "level=error" or
# "runc run failed"; podman's exit 125-127 with "Error: ...". Only a status
# the runtime itself uses is checked, so a workload's own messages never count.
rerr=
case $RUNTIME:$st in
podman:12[567]) rerr=$(grep -m1 '^Error:' "$err") ;;
podman:*) ;;
*:1) rerr=$(grep -m1 -E 'level=error|run failed' "$err") ;;
esac
if [ -n "$rerr" ]; then
	[ "$RUNTIME" = crun ] && grep -q -i cgroup "$err" &&
		fail "crun failed on this host's cgroup layout (known: hybrid v1/v2), use RUNTIME=runc: $rerr"
	fail "$RUNTIME failed: $rerr"
fi
exit $st
