#!/bin/sh
# Regenerate syscall/sysnames.txt (Linux x86-64 syscall names, for the
# one-line "unimplemented syscall" report and crash reports) from the host's
# <asm/unistd_64.h>: one name a line in number order, a gap an empty line.
# tools/bake.sh compresses them into the image's .ksyms (tools/symtok.c).
set -eu
hdr=${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}
awk '$1 == "#define" && $2 ~ /^__NR_/ { n = $2; sub(/^__NR_/, "", n); name[$3] = n; if ($3 > max) max = $3 }
     END { for (i = 0; i <= max; i++) print name[i] }' "$hdr" > syscall/sysnames.txt
