#!/bin/sh
# density.sh: `density = N` in a [run] (LightVM's density, issue 18), TAP on
# stdout. Refusals (an instance that exits, too many, not enough memory), then
# refkernel echo servers under TCG with N = 1 and 4 already up: while ukbench
# runs, its QEMU children are counted (N + 1 at most, and N + 1 seen while the
# extra one is measured), the samples say density_up = N; after it, and after
# a background instance that never comes up (a hung guest, timed out) and
# after Ctrl-C with instances up, no QEMU, namespace or temp dir of the run is
# left. Each step is bounded by `timeout`.
set -u
tmp=$(mktemp -d /tmp/ukb-dn.XXXXXX)
. "$(dirname "$0")/tap.sh"
started=
cleanup() {
	for p in $started; do
		kill -9 "$p" 2>/dev/null
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^ukb${p}n"); do ip netns del "$ns"; done
		pkill -9 -f "ukbench\.$p\." 2>/dev/null
	done
}
trap 'exit 1' INT TERM
# leftovers PID: QEMUs (their QMP socket is in /tmp/ukbench.PID.*), namespaces, temp dirs
leftovers() {
	{ pgrep -f "ukbench\.$1\." || true
	  ip netns list 2>/dev/null | awk '{print $1}' | grep "^ukb$1n" || true
	  ls -d /tmp/ukbench."$1".* 2>/dev/null || true; } | wc -l
}
leftlist() {	# what leftovers counted, as TAP comments
	{ pgrep -af "ukbench\.$1\." || true
	  ip netns list 2>/dev/null | awk '{print $1}' | grep "^ukb$1n" || true
	  ls -d /tmp/ukbench."$1".* 2>/dev/null || true; } | sed 's/^/# /' | cut -c1-200
}
# running PID: alive and not yet a zombie (kill -0 succeeds on zombies)
running() { ps -o stat= -p "$1" 2>/dev/null | grep -qv '^Z'; }
# watch PID: the most QEMU children of PID seen at once, every 50 ms until it exits
watch_qemu() {
	max=0
	while running "$1"; do
		c=$(pgrep -c -P "$1" -f qemu-system-x86_64 || true)
		[ "${c:-0}" -gt "$max" ] && max=$c
		sleep 0.05
	done
	echo "$max"
}

echo "1..12"

ini() {	# ini NAME TARGET WORKLOAD DENSITY [more lines]
	f=$tmp/$1.ini; shift
	printf '[experiment]\nreps = 1\nwarmup = 0\ntimeout = 30\naccel = tcg\nduration = 1\nmem = 64\npcap = off\n' >"$f"
	printf '[run d]\ntargets = %s\nworkloads = %s\ndensity = %s\n' "$1" "$2" "$3" >>"$f"
	shift 3
	for l in "$@"; do printf '%s\n' "$l" >>"$f"; done
}

# ---- refusals: one line, exit 2, nothing started ----
ini exits refkernel hello 2
status "$UK" bench -o "$tmp/r-exits" "$tmp/exits.ini"
[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "density needs instances that stay up" "$tmp/err" &&
	[ ! -e "$tmp/r-exits" ] &&
	ok "density with a workload that exits: refused, one line, exit 2" || nok "density with hello: exit 2 (got $st)" "$tmp/err"
ini many refkernel echo 65
status "$UK" bench -o "$tmp/r-many" "$tmp/many.ini"
[ $st = 2 ] && grep -q "many.ini:12: density must be an integer from 0 to 64" "$tmp/err" &&
	ok "density 65: file:line, exit 2" || nok "density 65: exit 2 (got $st)" "$tmp/err"
ini huge refkernel echo 64 "mem = 65536"
status "$UK" bench -o "$tmp/r-huge" "$tmp/huge.ini"
[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "65 instances x 65536 MiB.*MemAvailable" "$tmp/err" &&
	ok "N x mem beyond MemAvailable: refused, one line, exit 2" || nok "density beyond memory: exit 2 (got $st)" "$tmp/err"

if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$BUILD/refkernel/echo.img" ]; then
	for d in "N+1 QEMUs while the extra one is measured" "density_up = N, pss_per_instance, names -nN" \
		 "meta.json records density" "QEMU's PSS split" "nothing left after the run" "hung background: fails, one reason" \
		 "hung background: nothing left" "Ctrl-C with instances up: exits" "Ctrl-C: nothing left"; do
		skip "$d" "qemu-system-x86_64 or build/refkernel/echo.img missing (make -C refkernel)"
	done
	exit 0
fi

# ---- N = 1 and 4 refkernel echo servers up around the measured launch ----
ini up refkernel echo "1, 4"
"$UK" bench -o "$tmp/r-up" "$tmp/up.ini" >"$tmp/out" 2>"$tmp/err" &
pid=$!; started="$started $pid"
max=$(watch_qemu $pid)
wait $pid; st=$?
[ $st = 0 ] && [ "$max" = 5 ] && ok "N+1 QEMUs while the extra one is measured (most at once: $max)" ||
	nok "N = 4: 5 QEMUs at once (saw $max, exit $st)" "$tmp/err"
sm=$tmp/r-up/summary.csv
grep -q '^[^,]*,d,refkernel-n1,echo,density_up,count,1,1,' "$sm" &&
	grep -q '^[^,]*,d,refkernel-n4,echo,density_up,count,1,4,' "$sm" &&
	awk -F, '$5 == "pss_per_instance" && $8 > 1000 { k++ } END { exit k != 2 }' "$sm" &&
	grep -q '^[^,]*,d,refkernel-n4,echo,boot_to_ready,' "$sm" &&
	ok "density_up = N, pss_per_instance, targets named refkernel-nN" || nok "density samples" "$sm"
# QEMU's PSS split at readiness: guest RAM + the VMM's own = pss_ready
awk -F, '$3 == "refkernel-n4" { v[$5] = $8 } END { exit !(v["pss_guest_ram"] > 0 && v["pss_vmm"] > 1000 &&
	v["pss_guest_ram"] + v["pss_vmm"] == v["pss_ready"] && v["pss_tcg_buffer"] > 0) }' "$sm" &&
	ok "QEMU's PSS split: pss_guest_ram + pss_vmm = pss_ready, TCG buffer seen" || nok "pss split" "$sm"
grep -q '"target": "refkernel-n4".*"density": 4' "$tmp/r-up/meta.json" &&
	ok "meta.json records density per job" || nok "meta.json density" "$tmp/r-up/meta.json"
[ "$(leftovers $pid)" = 0 ] && ok "nothing left after the run (QEMU, namespaces, temp dirs)" ||
	{ nok "leftovers after the run: $(leftovers $pid)"; leftlist $pid; }

# ---- a background instance that never answers: timed out, everything stopped ----
ini hung hung echo 2 "timeout = 3" "[target hung]" "kind = qemu-image" \
	"kernel = $BUILD/harness/hang.elf" "machine = microvm" "ready = port:7777"
"$UK" bench -o "$tmp/r-hung" "$tmp/hung.ini" >"$tmp/out" 2>"$tmp/err" &
pid=$!; started="$started $pid"
wait $pid; st=$?
[ $st = 1 ] && grep -q "density 2: background instance 1 did not come up: timed out" "$tmp/r-hung/failures.csv" &&
	ok "hung background instance: the launch fails with its reason" || nok "hung background (exit $st)" "$tmp/err"
[ "$(leftovers $pid)" = 0 ] && ok "hung background instance: nothing left" ||
	nok "hung background: leftovers $(leftovers $pid)"

# ---- Ctrl-C while instances are up ----
ini intr refkernel echo 4 "duration = 20"
"$UK" bench -o "$tmp/r-intr" "$tmp/intr.ini" >"$tmp/out" 2>"$tmp/err" &
pid=$!; started="$started $pid"
i=0
while [ $i -lt 400 ] && [ "$(pgrep -c -P $pid -f qemu-system-x86_64 || true)" -lt 3 ]; do sleep 0.05; i=$((i + 1)); done
up=$(pgrep -c -P $pid -f qemu-system-x86_64 || true)
kill -INT $pid
i=0
while [ $i -lt 300 ] && running $pid; do sleep 0.1; i=$((i + 1)); done
running $pid && { kill -9 $pid; alive=1; } || alive=0
wait $pid; st=$?
[ "$up" -ge 3 ] && [ $alive = 0 ] && [ $st = 1 ] && grep -q "interrupted" "$tmp/err" &&
	ok "Ctrl-C with $up instances up: ukbench exits 1, interrupted" || nok "Ctrl-C (up $up, alive $alive, exit $st)" "$tmp/err"
[ "$(leftovers $pid)" = 0 ] && ok "Ctrl-C: nothing left (QEMU, namespaces, temp dirs)" ||
	{ nok "leftovers after Ctrl-C: $(leftovers $pid)"; leftlist $pid; }

[ $failed = 0 ]
