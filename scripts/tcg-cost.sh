#!/bin/sh
# tcg-cost.sh [REPS]: what QEMU's TCG charges to translate guest code on
# this host, the model behind issue 13's boot figures (docs/results.md).
# Boots tiny PVH guests that run N distinct blocks of K instructions each
# (every block once, as a boot runs most of its code), times them in the
# guest with rdtsc, and fits time = N x (per-block + K x per-instruction).
# Prints the medians of REPS boots (default 5) and the fitted costs.
set -u
reps=${1:-5}
case $reps in ''|*[!0-9]*) echo "tcg-cost: REPS must be a number, got '$reps'" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
khz=$("${BUILD:-$root/build}/refkernel/tsckhz" 2>/dev/null) || { echo "tcg-cost: ${BUILD:-$root/build}/refkernel/tsckhz missing (make -C refkernel)" >&2; exit 1; }
gcc -m32 -c -o "$tmp/pvh.o" "$root/harness/guest/pvh_note.S" || exit 1
# guest N K: rdtsc; N blocks of K-1 adds and a jmp; rdtsc; the difference
# in 8 hex digits on the UART; exit through isa-debug-exit.
guest() {
	{
		printf '\t.code32\n\t.text\n\t.globl _start\n_start:\n\trdtsc\n\tmovl %%eax, %%esi\n'
		awk -v n="$1" -v k="$2" 'BEGIN { for (b = 0; b < n; b++) {
			printf "b%d:\n", b; for (i = 1; i < k; i++) printf "\taddl $%d, %%ebx\n", i
			printf "\tjmp b%d\n", b + 1 } printf "b%d:\n", n }'
		printf '\trdtsc\n\tsubl %%esi, %%eax\n\tmovl %%eax, %%ebx\n\tmovl $8, %%ecx\n\tmovw $0x3f8, %%dx\n'
		printf '1:\troll $4, %%ebx\n\tmovl %%ebx, %%eax\n\tandl $15, %%eax\n\tmovb hex(%%eax), %%al\n\toutb %%al, %%dx\n\tloop 1b\n'
		printf '\txorl %%eax, %%eax\n\toutb %%al, $0xf4\n2:\thlt\n\tjmp 2b\nhex: .ascii "0123456789abcdef"\n'
	} > "$tmp/g.S"
	gcc -m32 -c -o "$tmp/g.o" "$tmp/g.S" &&
		ld -m elf_i386 -n -s --no-warn-rwx-segments -T "$root/harness/guest/guest.ld" -o "$tmp/g$1x$2.elf" "$tmp/g.o" "$tmp/pvh.o"
}
# run N K -> median microseconds over $reps boots
run() {
	i=0
	while [ $i -lt "$reps" ]; do
		v=$(timeout 30 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 16 -smp 1 -nodefaults -no-user-config \
			-nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
			-kernel "$tmp/g$1x$2.elf" | tr -dc '0-9a-f')
		[ ${#v} -eq 8 ] || { echo "tcg-cost: guest $1x$2 printed '$v'" >&2; exit 1; }
		echo $(( 0x$v * 1000 / khz ))
		i=$((i + 1))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
guest 2000 2 && guest 2000 12 || exit 1
t2=$(run 2000 2) && t12=$(run 2000 12) || exit 1
awk -v t2="$t2" -v t12="$t12" 'BEGIN {
	ins = (t12 - t2) / 2000 / 10; blk = t2 / 2000 - 2 * ins
	printf "tcg-cost: 2000 blocks of 2 instructions: %d us; of 12: %d us (medians)\n", t2, t12
	printf "tcg-cost: %.2f us per block + %.2f us per guest instruction, translated once\n", blk, ins
}'
