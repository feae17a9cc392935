# tap.sh — the preamble and TAP helpers shared by the harness's test scripts
# (sourced after `set -u` and $tmp, the script's scratch folder, are set):
# $here (harness/), $root, $BUILD (the caller's, else build/) and $UK
# (ukbench); $tmp removed on exit (kept with KEEP=1) after cleanup(), which a
# script with more to remove defines. TAP goes to stdout: the script prints
# its plan and ends with `[ $failed = 0 ]`.
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-$root/build}
UK=$BUILD/ukbench
cleanup() { :; }
trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
n=0; failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# nok DESC [FILE]: a failure, with FILE's first lines as TAP comments
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; if [ -n "${2:-}" ] && [ -f "$2" ]; then sed 's/^/# /' "$2" | head -20; fi; return 0; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check DESC CMD...: ok when CMD succeeds, else its output as comments
check() { desc=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$desc"; else nok "$desc" "$tmp/out"; fi; }
# status CMD...: run it for $limit seconds at most (120 unless set), its exit
# status in $st, stdout in $tmp/out, stderr in $tmp/err
status() { timeout -k 5 "${limit:-120}" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?; }
