#!/bin/sh
# papers.sh: the published figures' experiment files (experiments/papers/,
# docs/reproduce.md) and what they rely on, TAP on stdout:
#   every file passes `ukbench bench --dry-run` (parsed, listed, estimated);
#   --dry-run refuses a bad file like a real run (file:line, exit 2) and
#   starts nothing; it counts sweeps and repetitions; ${NAME:-default} in a
#   path follows the environment; an optional target whose image is absent
#   is skipped with its reason, printed once and in failures.csv, and is no
#   failed measurement, while a target that is not optional fails;
#   scripts/reproduce.sh refuses an unknown figure.
# Only the last two launch anything: native hello (a host process) and a
# qemu-image whose kernel is absent (nothing boots). Bounded by `timeout`.
set -u
tmp=$(mktemp -d /tmp/ukb-papers.XXXXXX)
. "$(dirname "$0")/tap.sh"

papers=$(ls "$root"/experiments/papers/*.ini)
np=$(echo "$papers" | wc -l)
echo "1..$((np + 9))"

# ---- every figure's file: parsed, its jobs listed, a duration estimated ----
for f in $papers; do
	b=$(basename "$f")
	status "$UK" bench --dry-run "$f"
	nj=$(sed -n 's/^\([0-9]*\) jobs, [0-9]* launches.*/\1/p' "$tmp/out")
	rows=$(sed '$d' "$tmp/out" | grep -c ' ok$\| ok; \|skipped (optional = yes)\|would fail')
	if [ $st = 0 ] && [ -n "$nj" ] && [ "$nj" -gt 0 ] && [ "$rows" = "$nj" ] &&
	   grep -q "estimated ~" "$tmp/out" && grep -q " 0 would fail;" "$tmp/out"; then
		ok "papers/$b: --dry-run lists its $nj jobs, none would fail"
	else
		nok "papers/$b: --dry-run (status $st, $nj jobs, $rows rows)" "$tmp/out"
		sed 's/^/# /' "$tmp/err" | head -5
	fi
done

# ---- the other experiment files parse (their files may not be built yet) ----
bad=
for f in "$root"/experiments/*.ini; do
	status "$UK" bench --dry-run "$f"
	[ $st = 0 ] && grep -q "estimated ~" "$tmp/out" || bad="$bad $(basename "$f")"
done
[ -z "$bad" ] && ok "every experiments/*.ini passes --dry-run (architecture.ini among them)" ||
	nok "experiments/*.ini refused by --dry-run:$bad" "$tmp/err"

# ---- a bad file: the same file:line as a real run, exit 2, nothing started ----
printf '[experiment]\nreps = 2\n[run a]\ntargets = native\nworkloads = hello\nbogus = 1\n' >"$tmp/bad.ini"
status "$UK" bench --dry-run -o "$tmp/never" "$tmp/bad.ini"
if [ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "bad.ini:6: unknown key 'bogus' in \[run\]" "$tmp/err" &&
   [ ! -s "$tmp/out" ] && [ ! -e "$tmp/never" ]; then
	ok "--dry-run: a bad file is file:line, exit 2, nothing written"
else
	nok "--dry-run on a bad file (status $st)" "$tmp/err"
fi

# ---- counting: a mem sweep is one job per value, launches = (warmup + reps) each ----
printf '[experiment]\nreps = 3\nwarmup = 1\n[target g]\nkind = qemu-image\nkernel = %s/harness/null.elf\nready = exit\nexit_status = 1\n[run s]\ntargets = g, native\nworkloads = hello\nmem = 64, 128\n' "$BUILD" >"$tmp/sweep.ini"
status "$UK" bench --dry-run "$tmp/sweep.ini"
if [ $st = 0 ] && grep -q '^4 jobs, 16 launches' "$tmp/out" && grep -q '^s  *g-m64  *hello  *3  *1  *64 ' "$tmp/out" &&
   grep -q '^s  *native-m128 ' "$tmp/out"; then
	ok "--dry-run: 2 targets x 2 memory sizes = 4 jobs, 16 launches with warm-ups"
else
	nok "--dry-run counts (status $st)" "$tmp/out"
fi

# ---- ${NAME:-default} in paths; optional targets ----
mkdir -p "$tmp/peers/x"
cp "$BUILD/harness/null.elf" "$tmp/peers/x/k.elf"
printf '[experiment]\nreps = 2\nwarmup = 0\naccel = tcg\n[target peer]\nkind = qemu-image\nkernel = ${TEST_PEERS:-nowhere}/x/k.elf\nready = exit\nexit_status = 1\noptional = yes\n[run r]\ntargets = peer, native\nworkloads = hello\n' >"$tmp/opt.ini"
status env -u TEST_PEERS "$UK" bench --dry-run "$tmp/opt.ini"
st1=$st; cp "$tmp/out" "$tmp/out1"
status env TEST_PEERS="$tmp/peers" "$UK" bench --dry-run "$tmp/opt.ini"
if [ $st1 = 0 ] && grep -q "peer .*skipped (optional = yes): $tmp/nowhere/x/k.elf not found" "$tmp/out1" &&
   grep -q '1 skipped, 0 would fail' "$tmp/out1" && [ $st = 0 ] && grep -q '^r  *peer  *hello .* ok$' "$tmp/out"; then
	ok "\${NAME:-default}: the default relative to the file, the variable when set"
else
	nok "\${NAME:-default} (status $st1, $st)" "$tmp/out1"
fi
printf '[experiment]\nreps = 1\n[target t]\nkind = qemu-image\nkernel = /x\noptional = maybe\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
status "$UK" bench --dry-run "$tmp/bad.ini"
if [ $st = 2 ] && grep -q "bad.ini:6: optional must be yes or no, not 'maybe'" "$tmp/err"; then
	ok "optional takes yes or no: file:line"
else
	nok "optional = maybe (status $st)" "$tmp/err"
fi

# A real run: the absent peer is skipped (said once, a row per rep), native
# hello measured, exit 0; the same target without optional fails (exit 1).
status env -u TEST_PEERS "$UK" bench -o "$tmp/set" "$tmp/opt.ini"
if [ $st = 0 ] && [ "$(grep -c 'hello on peer skipped: .*k.elf not found: kernel of target peer (optional = yes)' "$tmp/err")" = 1 ] &&
   [ "$(grep -c '^opt,r,peer,hello,[12],"skipped: ' "$tmp/set/failures.csv")" = 2 ] &&
   grep -q '^opt,r,native,hello,boot_to_ready,' "$tmp/set/summary.csv"; then
	ok "an optional target's absent image: skipped with the reason, printed once, in failures.csv for each rep, exit 0"
else
	nok "optional target skipped (status $st)" "$tmp/err"
	sed 's/^/# /' "$tmp/set/failures.csv" 2>/dev/null | head -5
fi
sed 's/^optional = yes$//' "$tmp/opt.ini" >"$tmp/req.ini"
status env -u TEST_PEERS "$UK" bench -o "$tmp/set2" "$tmp/req.ini"
if [ $st = 1 ] && grep -q 'hello on peer, rep 1 failed: .*k.elf not found' "$tmp/err" &&
   ! grep -q skipped "$tmp/set2/failures.csv"; then
	ok "the same image, not optional: a failed measurement (exit 1), not a skip"
else
	nok "non-optional absent image (status $st)" "$tmp/err"
fi

# ---- make reproduce's script ----
status env FIG=no-such-figure "$root/scripts/reproduce.sh"
if [ $st = 2 ] && grep -q "no figure 'no-such-figure'; there are: .*unikraft-fig10-boot" "$tmp/err"; then
	ok "reproduce.sh: an unknown FIG is refused, naming the figures there are"
else
	nok "reproduce.sh unknown FIG (status $st)" "$tmp/err"
fi
# the paper-form plot of a tiny set of our own (gnuplot draws it)
if command -v gnuplot >/dev/null; then
	mkdir -p "$tmp/fig"
	printf 'experiment,job,target,workload,metric,unit,n,median,min,max,p25,p75,ci_lo,ci_hi,ci_level\nx,r,refkernel,hello,min_mem,MiB,1,1.25,1.25,1.25,1.25,1.25,1.25,1.25,1\nx,r,linux-vm,hello,min_mem,MiB,1,71,71,71,71,71,71,71,1\nx,r,refkernel,redis,min_mem,MiB,1,9,9,9,9,9,9,9,1\n' >"$tmp/fig/summary.csv"
	status "$root/scripts/reproduce.sh" --plot unikraft-fig11-min-mem "$tmp/fig"
	if [ $st = 0 ] && [ -s "$tmp/fig/paper-unikraft-fig11-min-mem.svg" ] &&
	   grep -qx 'refkernel 1.25 ? 9' "$tmp/fig/paper-unikraft-fig11-min-mem.dat" &&
	   grep -qx 'linux-vm 71 ? ?' "$tmp/fig/paper-unikraft-fig11-min-mem.dat"; then
		ok "reproduce.sh --plot: the figure's medians pivoted (system x app, '?' where absent) and drawn"
	else
		nok "reproduce.sh --plot (status $st)" "$tmp/err"
	fi
else
	ok "reproduce.sh --plot # SKIP gnuplot is not installed"
fi
[ $failed = 0 ]
