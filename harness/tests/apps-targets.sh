#!/bin/sh
# apps-targets.sh: Debian's nginx and redis-server on all four targets, the
# same files everywhere: `ukbench run -t refkernel,linux-vm,container,native
# -w nginx,redis --reps 2` writes req_per_s for nginx and SET/GET ops_per_s
# (-P 1 and -P 16) for redis on every target, or a failures.csv row with its
# reason for a target that cannot run it (never silently absent); the
# refkernel rows must be there. meta.json shows one program sha256 for all
# four, the host file's. One load second per sample. TAP on stdout.
set -u
BUILD=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
U=$BUILD/ukbench
TARGETS="refkernel linux-vm container native"
echo "1..4"
if [ "$(id -u)" != 0 ] || ! command -v wrk >/dev/null || ! command -v redis-benchmark >/dev/null; then
	for i in 1 2 3 4; do echo "ok $i # SKIP needs root (namespaces, chroot), wrk and redis-benchmark"; done
	exit 0
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
timeout 600 "$U" run -t refkernel,linux-vm,container,native -w nginx,redis --reps 2 --duration 1 \
	-o "$t/res" > "$t/out" 2>&1
st=$?
S=$t/res/summary.csv F=$t/res/failures.csv

# row TARGET WORKLOAD METRIC: a median, or a failure with its reason
row() {
	if grep -q "^run,run,$1,$2,$3,[^,]*,2," "$S" 2>/dev/null; then echo ok
	elif grep -q "^run,run,$1,${2%%/*},[0-9]*,..*" "$F" 2>/dev/null; then echo failed
	else echo absent; fi
}
# check WORKLOAD METRIC: every target has it (the refkernel measured)
check() {
	missing=""
	for tg in $TARGETS; do
		v=$(row "$tg" "$1" "$2")
		if [ "$v" = absent ] || { [ "$tg" = refkernel ] && [ "$v" != ok ]; }; then
			missing="$missing $tg:$v"
		fi
	done
	[ -z "$missing" ]
}

if check nginx req_per_s; then
	echo "ok 1 - nginx: req_per_s (n=2) on every target, or its failure with a reason; measured on the refkernel"
else
	echo "not ok 1 - nginx req_per_s missing:$missing (ukbench exit $st)"
	tail -n 5 "$t/out" | sed 's/^/# /'
	sed 's/^/# failures: /' "$F" 2>/dev/null | head -n 5
fi
ok=1 why=""
for m in SET-P1 GET-P1 SET-P16 GET-P16; do
	check "redis/$m" ops_per_s || { ok=0; why="$why redis/$m:$missing"; }
done
if [ $ok = 1 ]; then
	echo "ok 2 - redis: SET and GET ops_per_s at -P 1 and -P 16 on every target, or its failure; measured on the refkernel"
else
	echo "not ok 2 - redis ops_per_s missing:$why"
	sed 's/^/# failures: /' "$F" 2>/dev/null | head -n 5
fi

if ! command -v python3 >/dev/null; then
	echo "ok 3 # SKIP python3 missing (reads meta.json)"
	echo "ok 4 # SKIP python3 missing (reads meta.json)"
	exit 0
fi
for w in nginx:/usr/sbin/nginx redis:/usr/bin/redis-server; do
	n=$((${n:-2} + 1)) app=${w%%:*} prog=${w#*:}
	host=$(sha256sum "$(readlink -f "$prog")" | cut -d' ' -f1)
	got=$(python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
print(" ".join(sorted("%s=%s" % (j["target"], j["workload_sha256"]) for j in m["jobs"] if j["workload"] == sys.argv[2])))' \
		"$t/res/meta.json" "$app" 2>&1)
	want=$(for tg in $TARGETS; do echo "$tg=$host"; done | sort | tr '\n' ' ')
	if [ "$got " = "$want" ]; then
		echo "ok $n - $app: meta.json shows the host's $prog sha256 for all four targets"
	else
		echo "not ok $n - $app: program sha256 per target: $got (host: $host)"
	fi
done
