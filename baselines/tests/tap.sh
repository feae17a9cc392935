# tap.sh — TAP helpers shared by the baselines' test scripts (sourced after
# $tap, the TAP file, and $tmp, a scratch folder, are set; a failure shows
# the last lines of $tmp/log). The script prints its plan and ends with
# `exit $failed`.
n=0; failed=0
: > "$tap"
emit() { echo "$1" | tee -a "$tap"; }
ok() { n=$((n + 1)); emit "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; emit "not ok $n - $1"; [ -f "$tmp/log" ] && sed 's/^/# /' "$tmp/log" | tail -n 15 | tee -a "$tap"; }
skip() { n=$((n + 1)); emit "ok $n - $1 # SKIP $2"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
# one_line CMD...: true when CMD fails with exactly one line on stderr
one_line() { "$@" >/dev/null 2>"$tmp/err"; local st=$?; cp "$tmp/err" "$tmp/log"; [ $st -ne 0 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ]; }
