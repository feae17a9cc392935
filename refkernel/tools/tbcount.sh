#!/bin/sh
# tbcount.sh IMG [QEMU ARGS...] — how much code QEMU's TCG translates to run
# an image to its exit: the translated blocks (TBs) and guest instructions,
# split into firmware, kernel and program, and per kernel function (from
# IMG.elf's symbols, which `make bake` keeps beside IMG). Under TCG a boot's
# time is mostly this translation (each block once), so the counts are the
# deterministic side of `cont`-to-exit (docs/results.md, issue 13).
#   tools/tbcount.sh build/refkernel/hello.img -append "tsc_khz=2000000 --"
# TOP=n functions are listed (default 25). Exit status: QEMU's.
set -u
[ $# -ge 1 ] || { echo "usage: tbcount.sh IMG [QEMU ARGS...]" >&2; exit 2; }
img=$1; shift
[ -f "$img" ] || { echo "tbcount: $img: no such file" >&2; exit 2; }
elf=$img.elf; [ -f "$elf" ] || elf=$img
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
timeout 60 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 128 -smp 1 -nodefaults \
	-no-user-config -nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$img" -d in_asm -D "$tmp/log" "$@" >/dev/null
rc=$?
[ -s "$tmp/log" ] || { echo "tbcount: QEMU wrote no translation log (status $rc)" >&2; exit 1; }
nm -n "$elf" 2>/dev/null | awk '$2 ~ /^[tTwW]$/ && length($1) == 16 && $1 ~ /^ffffffff/ { print substr($1, 9), $3 }' > "$tmp/syms"
# Kernel addresses are compared by their low 32 bits (the kernel lives in
# the top 2 GiB); awk's numbers are doubles, exact to 2^53.
awk -v top="${TOP:-25}" -v symfile="$tmp/syms" '
function hex(s,   i, v) { v = 0; s = tolower(s)
	for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v }
BEGIN { n = 0; while ((getline l < symfile) > 0) { split(l, w, " "); a[n] = hex(w[1]); s[n] = w[2]; n++ } }
function region(addr,   lo, hi, mid, v) {
	if (length(addr) == 16 && substr(addr, 1, 8) == "ffffffff") {
		v = hex(substr(addr, 9)); lo = 0; hi = n - 1
		if (n == 0 || v < a[0]) return "kernel"
		while (lo < hi) { mid = int((lo + hi + 1) / 2); if (a[mid] <= v) lo = mid; else hi = mid - 1 }
		return "kernel " s[lo] }
	v = hex(addr)
	if (v >= 983040 && v < 1048576 || v >= 4293918720) return "firmware"
	if (v >= 4194304 && v < 16777216 || length(addr) > 8) return "program"
	return "kernel (boot)"
}
/^IN:/ { fresh = 1; next }
/^0x[0-9a-f]+:/ { addr = substr($1, 3, length($1) - 3); r = region(addr); sub(/^0*/, "", addr)
	k = r; sub(/ .*/, "", k); ins[k]++; if (r ~ / /) fins[r]++
	if (fresh) { tbs[k]++; if (r ~ / /) ftbs[r]++; total++; fresh = 0 }
	itotal++ }
END {
	printf "tbcount: %d TBs, %d guest instructions translated\n", total, itotal
	for (k in tbs) printf "tbcount: %-9s %5d TBs %6d instructions\n", k, tbs[k], ins[k] | "sort -k2,2"
	close("sort -k2,2")
	for (f in ftbs) printf "%5d TBs %6d instructions  %s\n", ftbs[f], fins[f], substr(f, 8) | "sort -rn | head -n " top
}' "$tmp/log"
exit $rc
