#!/bin/sh
# slurm.sh: ukbench on Slurm end to end (issue 19), TAP on stdout. Bad input
# first (sbatch missing, a folder a task cannot write), then a one-node
# cluster (scripts/slurm-local.sh) runs experiments/smoke.ini with --slurm
# --wait; the merged set must hold the same (target, workload, metric) rows as
# a plain `ukbench bench` of the file, with its host recorded and no task
# failure. A block that cannot write its folder is retried once, then
# reported with its Slurm job and task. `down` must leave nothing behind.
set -u
tmp=$(mktemp -d /tmp/ukb-slurm-it.XXXXXX)
. "$(dirname "$0")/tap.sh"
conf=
cleanup() {
	[ -n "$conf" ] && "$root/scripts/slurm-local.sh" down "${conf%/slurm.conf}" >/dev/null 2>&1
}
limit=60
smoke=$root/experiments/smoke.ini
# rows of a result set: target,workload,metric of summary.csv, sorted
rows() { awk -F, 'NR > 1 {print $3 "," $4 "," $5}' "$1/summary.csv" | sort -u; }
fails() { awk -F, 'NR > 1 {print $3 "," $4}' "$1/failures.csv" | sort -u; }

echo "1..14"

# ---- bad input: nothing starts ----
status env PATH=/nonexistent "$UK" bench --slurm -o "$tmp/nosb" "$smoke"
[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "sbatch not found" "$tmp/err" && [ ! -e "$tmp/nosb" ] &&
	ok "sbatch missing: one line, exit 2, nothing created" || nok "sbatch missing (got $st)" "$tmp/err"
status "$UK" bench --slurm --dry-run --nodes 3 --partition batch -o "$tmp/dry" "$smoke"
[ $st = 0 ] && grep -q "^  0  boot/hello: refkernel, container, null-guest, native" "$tmp/out" &&
	grep -q "^  1  httpd/httpd: container, native" "$tmp/out" && grep -q '^#SBATCH --array=0-1%3$' "$tmp/out" &&
	grep -q '^#SBATCH --partition=batch$' "$tmp/out" && grep -q 'bench --block "$SLURM_ARRAY_TASK_ID"' "$tmp/out" &&
	[ ! -e "$tmp/dry" ] &&
	ok "--dry-run: the block list and the sbatch script, nothing submitted" || nok "--dry-run (got $st)" "$tmp/out"
touch "$tmp/afile"
status "$UK" bench --block 0 -o "$tmp/afile/parts" "$smoke"
[ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "cannot write $tmp/afile/parts/block-0.*every node sees" "$tmp/err" &&
	ok "a task that cannot write the result folder: one line naming it, exit 2" || nok "unwritable folder (got $st)" "$tmp/err"
status "$UK" bench --block 9 -o "$tmp/p" "$smoke"
[ $st = 2 ] && grep -q "has 2 blocks" "$tmp/err" && ok "--block out of range: exit 2" || nok "--block 9 (got $st)" "$tmp/err"

# ---- the one-node cluster ----
if [ "$(id -u)" != 0 ]; then
	for t in "cluster up" "smoke.ini on Slurm" "same rows as a plain run" "hosts recorded" "no task failures" \
		 "report and compare of the merged set" "merge from the parts again" "retry, then reported" \
		 "Ctrl-C cancels the array" "cluster down"
	do skip "$t" "needs root (slurmd runs the jobs)"; done
	exit 0
fi
limit=60
status "$root/scripts/slurm-local.sh" up
conf=$(sed -n 's/^SLURM_CONF=//p' "$tmp/out")
[ $st = 0 ] && [ -f "$conf" ] && SLURM_CONF=$conf timeout 10 sinfo -h -o %T | grep -q idle &&
	ok "slurm-local.sh up: one idle node ($conf)" || nok "slurm-local.sh up (got $st)" "$tmp/err"
export SLURM_CONF=$conf

limit=600
status "$UK" bench -o "$tmp/plain" "$smoke"; plain_st=$st
status "$UK" bench --slurm --wait -o "$tmp/sl" "$smoke"
[ $st = $plain_st ] && [ -s "$tmp/sl/samples.csv" ] && [ -d "$tmp/sl/parts/block-0" ] && [ -d "$tmp/sl/parts/block-1" ] &&
	ok "smoke.ini with --slurm --wait: two blocks merged (exit $st, as the plain run's)" ||
	nok "smoke.ini with --slurm --wait (got $st, plain $plain_st)" "$tmp/err"
rows "$tmp/plain" >"$tmp/rows.plain"; rows "$tmp/sl" >"$tmp/rows.sl"
[ -s "$tmp/rows.plain" ] && cmp -s "$tmp/rows.plain" "$tmp/rows.sl" &&
	ok "the same (target, workload, metric) rows as a plain bench ($(wc -l <"$tmp/rows.sl"))" ||
	{ diff "$tmp/rows.plain" "$tmp/rows.sl" >"$tmp/diff"; nok "same rows as a plain bench" "$tmp/diff"; }
python3 - "$tmp/sl/meta.json" "$(uname -n)" >"$tmp/py" 2>&1 <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
hosts = m["hosts"]; blocks = m["blocks"]
assert [h["name"] for h in hosts] == [sys.argv[2]], hosts
assert hosts[0]["cpu"] and hosts[0]["kernel"] and hosts[0]["accel"] == "tcg" and "QEMU" in hosts[0]["qemu"], hosts
assert len(blocks) == 2 and all(b["host"] == sys.argv[2] and b["slurm_job"] and b["slurm_task"] != "" for b in blocks), blocks
assert not any(b["accel_differs"] for b in blocks)
EOF
[ $? = 0 ] && ok "meta.json: the host (CPU, kernel, QEMU, accelerator) and every block's Slurm job, task and host" ||
	nok "hosts recorded" "$tmp/py"
fails "$tmp/plain" >"$tmp/f.plain"; fails "$tmp/sl" >"$tmp/f.sl"
! grep -q "slurm job" "$tmp/sl/failures.csv" && cmp -s "$tmp/f.plain" "$tmp/f.sl" &&
	ok "no task failures (failed samples: $(wc -l <"$tmp/f.sl"), as in the plain run)" || nok "no task failures" "$tmp/sl/failures.csv"
limit=60
status "$UK" report "$tmp/sl"; rst=$st
grep -q "^| hello | boot_to_ready | ms |" "$tmp/out" && ! grep -q "^Hosts (" "$tmp/out"; rmd=$?
status "$UK" report --html "$tmp/sl"; hst=$st
status "$UK" compare "$tmp/plain" "$tmp/sl"; cst=$st
[ $rst = 0 ] && [ $rmd = 0 ] && [ $hst = 0 ] && grep -q "<table" "$tmp/sl/report.html" &&
	{ [ $cst = 0 ] || [ $cst = 3 ]; } && grep -q "compared:" "$tmp/out" &&
	ok "report (markdown, --html) and compare read the merged set (one host: one table, ratios to the plain run)" ||
	nok "report / compare of the merged set (report $rst/$rmd, html $hst, compare $cst)" "$tmp/err"
status "$UK" merge "$tmp/again" "$tmp/sl"
[ $st = $plain_st ] && cmp -s "$tmp/sl/samples.csv" "$tmp/again/samples.csv" &&
	ok "ukbench merge OUT DIR: the parts again give the same samples.csv" || nok "merge again (got $st)" "$tmp/err"

# a block that cannot write its folder (a file is in the way): retried once, then reported
printf '[experiment]\nname = tiny\nreps = 1\nwarmup = 0\ntimeout = 20\n[run boot]\ntargets = native\nworkloads = hello, compute\n' >"$tmp/tiny.ini"
mkdir -p "$tmp/re/parts" && touch "$tmp/re/parts/block-1"
limit=300
status "$UK" bench --slurm --wait -o "$tmp/re" "$tmp/tiny.ini"
[ $st = 1 ] && grep -q '^tiny,boot,native,compute,1,"slurm job [0-9]* task 1 on .*FAILED.*retried as slurm job [0-9]* task 1.*cannot write' "$tmp/re/failures.csv" &&
	grep -q "block 1 did not run" "$tmp/err" && grep -q "^tiny,boot,native,hello," "$tmp/re/samples.csv" &&
	ok "a failed task: retried once, then in failures.csv with its Slurm job and task id" ||
	nok "retry, then reported (got $st)" "$tmp/re/failures.csv"

# Ctrl-C while waiting: the array is cancelled, its blocks reported (compute: ~2 s a launch under load)
printf '[experiment]\nname = slow\nreps = 10\nwarmup = 0\ntimeout = 20\n[run boot]\ntargets = native\nworkloads = compute, hello\n' >"$tmp/slow.ini"
timeout -k 5 --preserve-status -s INT 3 "$UK" bench --slurm --wait -o "$tmp/int" "$tmp/slow.ini" >"$tmp/out" 2>"$tmp/err"; st=$?
i=0; while [ $i -lt 20 ] && [ -n "$(timeout 5 squeue -h 2>/dev/null)" ]; do sleep 0.5; i=$((i + 1)); done
[ $st = 1 ] && grep -q "interrupted waiting for job [0-9]*: cancelled" "$tmp/err" && [ -z "$(timeout 5 squeue -h)" ] &&
	grep -q '^slow,boot,native,hello,1,"slurm job [0-9]* task 1' "$tmp/int/failures.csv" &&
	ok "Ctrl-C during --wait: the array cancelled, its blocks in failures.csv, exit 1" ||
	nok "Ctrl-C during --wait (got $st)" "$tmp/err"

limit=60
d=${conf%/slurm.conf}
unset SLURM_CONF
status "$root/scripts/slurm-local.sh" down "$d"
left=$(for e in /proc/[0-9]*/environ; do { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "SLURM_CONF=$conf" && echo "${e#/proc/}"; done)
[ $st = 0 ] && [ ! -e "$d" ] && [ -z "$left" ] && ok "slurm-local.sh down: no Slurm or munge process, no temp directory" ||
	nok "slurm-local.sh down (got $st; left: $left)" "$tmp/err"
conf=
[ $failed = 0 ]
