#!/bin/sh
# tap_interop.sh — our stack (net-interop, a host process on a tap device)
# against the host's Linux stack, inside a network namespace this script
# creates and always deletes. Prints TAP. Skips (not fails) without root,
# /dev/net/tun or iproute2. The lossy part adds netem on the tap.
# Usage: tap_interop.sh PATH/TO/net-interop
BIN=$1
NS=netstk-$$
OURS=10.77.0.2
PEER=10.77.0.1

skip() {
	echo "1..1"
	echo "ok 1 - net interop # SKIP $1"
	exit 0
}
[ -x "$BIN" ] || { echo "tap_interop.sh: no binary $BIN" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace and a tap device"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip >/dev/null 2>&1 || skip "no iproute2"

cleanup() { ip netns del "$NS" 2>/dev/null; rm -f "$OUT"; }
OUT=$(mktemp)
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap || skip "cannot create a tap device"
ip -n "$NS" addr add "$PEER/24" dev tap0
ip -n "$NS" link set tap0 up

status=0
timeout 180 ip netns exec "$NS" "$BIN" tap0 "$OURS" "$PEER" basic >>"$OUT" 2>&1 || status=1
# The program impairs the link itself; netem adds delay and more when the
# kernel has it.
ip netns exec "$NS" tc qdisc add dev tap0 root netem delay 1ms loss 5% \
	reorder 25% 50% duplicate 1% 2>/dev/null && echo "# netem on the tap as well" >>"$OUT"
timeout 180 ip netns exec "$NS" "$BIN" tap0 "$OURS" "$PEER" lossy >>"$OUT" 2>&1 || status=1
awk '/^(not )?ok - / { n++; sub(/ok - /, "ok " n " - ") } { print } END { print "1.." n }' "$OUT"
grep -q '^not ok' "$OUT" && status=1
exit $status
