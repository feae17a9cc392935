#!/bin/sh
# bake.sh KERNEL_O LDSCRIPT ELFCHECK BIN IMG — link the kernel with a static
# x86-64 binary embedded (.app) into one bootable PVH/multiboot image, the way
# rumprun-bake does. Two link passes: the second embeds the kernel's function
# symbol table in .ksyms (with the syscall names, token-compressed by
# tools/symtok.c) for crash reports; .ksyms sits after all code, so no
# function moves between passes (checked). IMG is stripped; IMG.elf keeps
# debug information for gdb. $MULTIBOOT_OBJ, when set, is linked first
# (the Multiboot header must be in the image's first 8 KiB); $NET_OBJ, when
# set, adds the network (otherwise kernel/nonet.c's stand-ins remain), and
# $FS_OBJ the file system (otherwise kernel/nofs.c's).
# BIN "-" bakes no program: the kernel runs the one named after "--" from
# its root, or $PROGRAM (an absolute path in the baked root) when set. $ROOTFS_CPIO, when set, is a cpio newc archive baked in as the
# root file system (.rootfs; an -initrd archive is laid over it at boot).
set -eu
[ $# -eq 5 ] || { echo "usage: bake.sh KERNEL_O LDSCRIPT ELFCHECK BIN IMG" >&2; exit 2; }
kobj=$1 lds=$2 elfcheck=$3 bin=$4 img=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
if [ "$bin" = - ]; then
	name=${PROGRAM:-} incbin= shift=0
else
	[ -f "$bin" ] || { echo "bake: $bin: no such file" >&2; exit 1; }
	"$elfcheck" "$bin" || exit 1
	# packed without page padding (tools/apppack.c); it sits $shift
	# bytes past a page boundary so that its pages can be mapped in place
	# (not under Multiboot: its a.out kludge loads the file as the memory
	# image, so the file keeps page alignment and the program its own)
	if [ -n "${MULTIBOOT_OBJ:-}" ]; then
		shift=0 && cp "$bin" "$tmp/app.bin"
	else
		shift=$("$(dirname "$elfcheck")/apppack" "$bin" "$tmp/app.bin") || exit 1
	fi
	name=$(basename "$bin") incbin=".incbin \"$tmp/app.bin\""
fi
rootfs= rootfs_align=
if [ -n "${ROOTFS_CPIO:-}" ]; then
	[ -f "$ROOTFS_CPIO" ] || { echo "bake: $ROOTFS_CPIO: no such file" >&2; exit 1; }
	rootfs_align=".balign 4096"
	rootfs=".incbin \"$(realpath "$ROOTFS_CPIO")\""
fi
cat > "$tmp/app.S" <<EOS
	.section .app, "a"
	$incbin
	.section .rootfs, "a"
	.globl _rootfs_start, _rootfs_end
	$rootfs_align
_rootfs_start:
	$rootfs
_rootfs_end:
	.section .rodata
	.globl app_name
app_name:
	.asciz "$name"
EOS
gcc -c -o "$tmp/app.o" "$tmp/app.S"
ksyms() { # $1: ELF or "" for no functions -> .S on stdout
	# kernel/ksyms.c reads it: the syscall names and the kernel's functions
	# (address order, distances and names), compressed with one token table
	if [ -n "$1" ]; then
		nm -n --defined-only "$1" | awk '$2 ~ /^[tT]$/ { print $1, $3 }' > "$tmp/funcs"
		"$symtok" "$sysnames" "$tmp/funcs"
	else
		"$symtok" "$sysnames"
	fi
}
# -n: segments need not be page-aligned in the file (QEMU's loader copies
# them), which saves the padding; Multiboot's a.out kludge needs the
# memory layout in the file, so it keeps page alignment.
ALIGN="-n"
[ -n "${MULTIBOOT_OBJ:-}" ] && ALIGN="-z max-page-size=4096"
LDFLAGS="-nostdlib -static --gc-sections $ALIGN --defsym=APP_SHIFT=$shift -z noexecstack --build-id=none -T $lds"
symtok=$(dirname "$elfcheck")/symtok sysnames=$(dirname "$0")/../syscall/sysnames.txt
ksyms "" > "$tmp/ks1.S"
gcc -c -o "$tmp/ks1.o" "$tmp/ks1.S"
ld $LDFLAGS -o "$tmp/pass1" ${MULTIBOOT_OBJ:-} "$kobj" ${NET_OBJ:-} ${FS_OBJ:-} "$tmp/app.o" "$tmp/ks1.o"
ksyms "$tmp/pass1" > "$tmp/ks2.S"
gcc -c -o "$tmp/ks2.o" "$tmp/ks2.S"
ld $LDFLAGS ${BAKE_MAP:+-Map=$BAKE_MAP} -o "$img.elf" ${MULTIBOOT_OBJ:-} "$kobj" ${NET_OBJ:-} ${FS_OBJ:-} "$tmp/app.o" "$tmp/ks2.o"
nm -n --defined-only "$tmp/pass1" | awk '$2 ~ /^[tT]$/' > "$tmp/s1"
nm -n --defined-only "$img.elf" | awk '$2 ~ /^[tT]$/' > "$tmp/s2"
cmp -s "$tmp/s1" "$tmp/s2" || { echo "bake: functions moved between link passes" >&2; exit 1; }
strip -o "$img" "$img.elf"
"$(dirname "$0")/noshdr.sh" "$img" # QEMU's loaders read program headers only
# The image's size, by part (make bake prints it; docs/architecture.md).
sec() { size -A "$img.elf" | awk -v s="$1" '$1 == s { print $2 }'; }
sym() { nm "$img.elf" | awk -v s="$1" '$3 == s { print substr($1, 9) }'; } # low 32 bits
app=$(( 0x$(sym _app_end) - 0x$(sym _app_start) ))
rfs=$(( 0x$(sym _rootfs_end) - 0x$(sym _rootfs_start) ))
total=$(stat -c %s "$img") text=$(sec .text) ro=$(sec .rodata) data=$(( $(sec .data) + $(sec .ksyms) ))
echo "bake: $(basename "$img") $total bytes: kernel text $text, rodata $ro, data $data" \
	"(symbols $(sec .ksyms)), program $app, rootfs $rfs, headers and padding $(( total - text - ro - data - app - rfs ))"
