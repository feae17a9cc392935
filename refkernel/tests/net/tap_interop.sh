#!/bin/sh
# tap_interop.sh — our stack (net-interop, a host process on a tap device)
# against the host's Linux stack, inside a network namespace this script
# creates and always deletes. Prints TAP with the plan first: 9 checks from
# "basic" (run with a 250 ms ARP reachable time, so it goes past the
# expiry many times), 2 from "lossy"; a check a crashed run did not print is
# "not ok". Skips without root, /dev/net/tun or iproute2; as root, failing
# to create the namespace or the tap is a failure. The lossy part adds netem
# on the tap when the kernel has it.
# Usage: tap_interop.sh PATH/TO/net-interop
BIN=$1
NS=netstk-$$
OURS=10.77.0.2
PEER=10.77.0.1
PLAN=11

[ -x "$BIN" ] || { echo "tap_interop.sh: no binary $BIN" >&2; exit 2; }
echo "1..$PLAN"
# all_lines OK|NOT_OK REASON: every check of the plan with one verdict.
all_lines() {
	i=1
	while [ $i -le $PLAN ]; do
		if [ "$1" = ok ]; then echo "ok $i - net interop check $i # SKIP $2"
		else echo "not ok $i - net interop check $i: $2"; fi
		i=$((i + 1))
	done
}
skip() { all_lines ok "$1"; exit 0; }
broken() { all_lines not_ok "$1"; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace and a tap device"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip >/dev/null 2>&1 || skip "no iproute2"

cleanup() { ip netns del "$NS" 2>/dev/null; rm -f "$OUT"; }
OUT=$(mktemp)
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || broken "cannot create network namespace $NS as root"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap || broken "cannot create a tap device in $NS"
ip -n "$NS" addr add "$PEER/24" dev tap0
ip -n "$NS" link set tap0 up

status=0
NET_ARP_REACHABLE_MS=250 timeout 180 ip netns exec "$NS" "$BIN" tap0 "$OURS" "$PEER" basic >>"$OUT" 2>&1
rc=$?
[ $rc -eq 0 ] || { status=1; echo "# basic: exit status $rc" >>"$OUT"; }
# The program impairs the link itself; netem adds delay and more when the
# kernel has it.
ip netns exec "$NS" tc qdisc add dev tap0 root netem delay 1ms loss 5% \
	reorder 25% 50% duplicate 1% 2>/dev/null && echo "# netem on the tap as well" >>"$OUT"
timeout 180 ip netns exec "$NS" "$BIN" tap0 "$OURS" "$PEER" lossy >>"$OUT" 2>&1
rc=$?
[ $rc -eq 0 ] || { status=1; echo "# lossy: exit status $rc" >>"$OUT"; }
awk -v plan=$PLAN '
	/^(not )?ok - / { n++; sub(/ok - /, "ok " n " - ") } { print }
	END {
		for (i = n + 1; i <= plan; i++) print "not ok " i " - missing: the run ended before this check"
		if (n > plan) print "Bail out! " n " checks ran, the plan says " plan
	}' "$OUT"
n=$(grep -c '^\(not \)\?ok - ' "$OUT")
grep -q '^not ok' "$OUT" && status=1
[ "$n" -eq $PLAN ] || status=1
exit $status
