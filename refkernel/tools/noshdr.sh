#!/bin/sh
# noshdr.sh FILE — drop an ELF file's section headers (e_shoff, e_shnum,
# e_shstrndx = 0) and end it with its last loaded byte. For files that are
# only loaded by program headers: the images (QEMU's ELF loader) and the
# vDSO (libcs find its symbols through PT_DYNAMIC).
set -eu
[ $# -eq 1 ] || { echo "usage: noshdr.sh FILE" >&2; exit 2; }
end=0
for e in $(readelf -lW "$1" | awk '$1 == "LOAD" { print $2 "+" $5 }'); do
	[ $(($e)) -gt "$end" ] && end=$(($e))
done
[ "$end" -gt 0 ] || { echo "noshdr.sh: $1: no loaded bytes" >&2; exit 1; }
printf '\0\0\0\0\0\0\0\0' | dd of="$1" bs=1 seek=40 conv=notrunc status=none
printf '\0\0\0\0' | dd of="$1" bs=1 seek=60 conv=notrunc status=none
truncate -s "$end" "$1"
