#!/bin/sh
# Sum up every TAP file in $1 (build/test-results) and print the closing line
# "N passed, N failed, N skipped". Exit 1 if anything failed or nothing ran.
set -eu
dir=${1:-build/test-results}
pass=0; fail=0; skip=0
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	# "ok 3 - name" (ours) and "ok - name" (Criterion) alike
	p=$(grep -Ec '^ok( |$)' "$f" || true)
	s=$(grep -Eic '^ok( |$).*# *skip' "$f" || true)
	n=$(grep -Ec '^not ok( |$)' "$f" || true)
	# a TAP file whose plan promises more tests than it reports lost some (crash)
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
	if [ -n "$plan" ] && [ $((p + n)) -lt "$plan" ]; then
		echo "$(basename "$f"): $((plan - p - n)) planned test(s) did not report"
		n=$((n + plan - p - n))
	fi
	[ "$n" -gt 0 ] && grep -E '^not ok' "$f" | sed "s|^|$(basename "$f"): |"
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + n))
done
if [ -f "$dir/failed-components" ]; then
	while read -r c; do echo "component failed to build or run its tests: $c"; fail=$((fail + 1)); done < "$dir/failed-components"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ $((pass + skip)) -gt 0 ]
