#!/bin/sh
# Native baseline tests (TAP to $BUILD/test-results/baselines-native.tap):
# hello's output and exit statuses through run.sh, in a namespace when root,
# and the one-line failures. (httpd natively: ../tests/net.sh.)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
res=$BUILD/test-results; tap=$res/baselines-native.tap
tmp=$(mktemp -d); ns=ukbt-nat-$$
trap 'rm -rf "$tmp"; ip netns del "$ns" 2>/dev/null' EXIT
mkdir -p "$res"; : > "$tap"
n=0; failed=0
emit() { echo "$1" | tee -a "$tap"; }
check() { n=$((n + 1)); if eval "$2"; then emit "ok $n - $1"; else failed=1; emit "not ok $n - $1"; sed 's/^/# /' "$tmp/log" | tee -a "$tap"; fi; }
run() { BUILD=$BUILD "$here/run.sh" "$@" > "$tmp/log" 2>&1; }

echo "1..3" | tee -a "$tap"
run hello; a=$?; grep -q '^hello from Linux' "$tmp/log"; g=$?
run hello 6; b=$?
check "hello natively prints 'hello from Linux', exits 0, and 6 from argv" "[ $a -eq 0 ] && [ $g -eq 0 ] && [ $b -eq 6 ]"
if [ "$(id -u)" = 0 ]; then
	ip netns add "$ns"
	NETNS=$ns run hello 4; st=$?
	check "hello 4 inside a network namespace returns 4" "[ $st -eq 4 ]"
else
	n=$((n + 1)); emit "ok $n - hello inside a network namespace # SKIP needs root"
fi
run no-such-workload; a=$?; la=$(wc -l < "$tmp/log")
NETNS=no-such-ns run hello; b=$?; lb=$(wc -l < "$tmp/log")
check "missing workload, missing namespace: one line each, exit 255" "[ $a -eq 255 ] && [ $la -eq 1 ] && [ $b -eq 255 ] && [ $lb -eq 1 ]"
exit $failed
