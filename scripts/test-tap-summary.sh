#!/bin/sh
# tap-summary.sh's own checks: each broken TAP file below must fail the run
# with its reason, a sound one must pass. TAP on stdout.
set -u
here=$(dirname "$0")
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
n=0
case_() {	# name, expected exit (0|1), reason grep, TAP content ('-' = no file, expected)
	n=$((n + 1)); mkdir -p "$t/$n"
	printf '%s\n' "$5" > "$t/$n/expected.txt"
	[ "$4" = - ] || printf "$4" > "$t/$n/x.tap"
	out=$("$here/tap-summary.sh" "$t/$n" "$t/$n/expected.txt" 2>&1); st=$?
	if [ $st = "$2" ] && printf '%s' "$out" | grep -q "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (status $st: $(printf '%s' "$out" | tr '\n' ' '))"
	fi
}
echo "1..6"
case_ "a sound file passes" 0 "2 passed, 0 failed" '1..2\nok 1 - a\nok 2 - b\n' x.tap
case_ "fewer results than planned fail" 1 "1 planned test(s) did not report" '1..2\nok 1 - a\n' x.tap
case_ "more results than planned fail" 1 "3 results for a plan of 2" '1..2\nok 1 - a\nok 2 - b\nok 3 - c\n' x.tap
case_ "a plan after the results fails" 1 "plan comes after" 'ok 1 - a\n1..1\n' x.tap
case_ "no plan fails" 1 "no plan line" 'ok 1 - a\n' x.tap
case_ "an expected file that is missing fails" 1 "expected but missing" - x.tap
