#!/bin/sh
# Sum up every TAP file in $1 (build/test-results) and print the closing line
# "N passed, N failed, N skipped". Exit 1 if anything failed or nothing ran.
# A file counts as failed tests where it breaks its plan: no plan, a plan
# after the first result (counted from what survived, it hides a crash), fewer
# results than planned (a crash) or more (a miscount, or one check reported
# twice); every file named in $2 (default scripts/tap-expected.txt) must exist.
set -eu
dir=${1:-build/test-results}
expected=${2:-$(dirname "$0")/tap-expected.txt}
pass=0; fail=0; skip=0
if [ -f "$expected" ]; then
	for e in $(grep -v '^#' "$expected"); do
		[ -f "$dir/$e" ] || { echo "$e: expected but missing (the suite did not run, or died before writing it)"; fail=$((fail + 1)); }
	done
fi
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	b=$(basename "$f")
	# "ok 3 - name" (ours) and "ok - name" (Criterion) alike
	p=$(grep -Ec '^ok( |$)' "$f" || true)
	s=$(grep -Eic '^ok( |$).*# *skip' "$f" || true)
	n=$(grep -Ec '^not ok( |$)' "$f" || true)
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
	first=$(grep -Ev '^(#|TAP version|[[:space:]]*$)' "$f" | head -n1)
	if [ -z "$plan" ]; then
		echo "$b: no plan line (1..N)"
		n=$((n + 1))
	elif [ "${first#1..}" = "$first" ]; then
		echo "$b: the plan comes after the results (a plan must be printed first)"
		n=$((n + 1))
	elif [ $((p + n)) -lt "$plan" ]; then
		echo "$b: $((plan - p - n)) planned test(s) did not report"
		n=$((plan - p))
	elif [ $((p + n)) -gt "$plan" ]; then
		echo "$b: $((p + n)) results for a plan of $plan"
		n=$((n + p + n - plan))
	fi
	grep -E '^not ok' "$f" | sed "s|^|$b: |" || true
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + n))
done
if [ -f "$dir/failed-components" ]; then
	while read -r c; do echo "component failed to build or run its tests: $c"; fail=$((fail + 1)); done < "$dir/failed-components"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ $((pass + skip)) -gt 0 ]
