#!/bin/sh
# fuzz.sh: a short bounded libFuzzer run (FUZZ_SECONDS, default 3) of each
# parser target built by `make fuzz`; skipped when they could not be built.
. "$(dirname "$0")/lib.sh"
plan 2
S=${FUZZ_SECONDS:-3}
D=$(cd "$(dirname "$0")" && pwd)
for f in http resp; do
	if [ ! -x "$T/fuzz_$f" ]; then
		skip "fuzz $f parser for ${S} s" "fuzz target not built (clang with libFuzzer missing)"
		continue
	fi
	mkdir -p "$TMP/corpus_$f"
	check "fuzz $f parser for ${S} s: no crash, no disagreement" \
		timeout $((S + 30)) "$T/fuzz_$f" -max_total_time="$S" -max_len=4096 -artifact_prefix="$T/fuzz_$f-" \
		"$TMP/corpus_$f" "$D/fuzz/seeds_$f"
done
finish
