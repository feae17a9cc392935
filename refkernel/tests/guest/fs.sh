#!/bin/bash
# Guest tests of the root file system: the bare kernel (refkernel.img) runs
# the program named after "--" from an -initrd cpio archive, from one baked
# into the image (.rootfs), and from the initrd laid over the baked one;
# bad archives and programs give one line and their own exit status.
# Prints TAP. Archives are made with the host's cpio(1) (-H newc).
set -u
B=${BUILD:?}/refkernel
T=$B/tests
KHZ=$("$B/tsckhz")
QEMU=(qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 64 -smp 1 -nodefaults -no-user-config
	-nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)
n=0 fails=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

boot() { # IMAGE APPEND [QEMU ARGS...] -> $out, $rc
	local img=$1 app=$2; shift 2
	timeout "${TMO:-60}" "${QEMU[@]}" -kernel "$img" "$@" -append "tsc_khz=$KHZ $app" 2>&1 | tr -d '\r' > "$out"
	rc=${PIPESTATUS[0]}
}
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$out" | tail -n 20; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d (rc=$rc)"; fi; }
has() { grep -qE -- "$1" "$out"; }
count() { grep -cE -- "$1" "$out"; }
# cpio DIR FILE: a newc archive of DIR's tree
cpio_of() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$2"; }

echo "1..17"
mkdir -p "$tmp/a/bin" "$tmp/a/etc" "$tmp/b/bin"
cp "$B/../workloads/hello" "$tmp/a/bin/prog"
echo "not a program" > "$tmp/a/etc/motd"
cp "$T/enosys" "$tmp/b/bin/prog"
cpio_of "$tmp/a" "$tmp/a.cpio"
cpio_of "$tmp/b" "$tmp/b.cpio"

boot "$B/refkernel.img" "-- /bin/prog 7" -initrd "$tmp/a.cpio"
check "refkernel.img runs /bin/prog from the -initrd archive (argv after it, exit 7)" eval \
	'has "^hello from refkernel" && [ $rc -eq 15 ]'

ROOTFS_CPIO=$tmp/a.cpio NET_OBJ= FS_OBJ=$B/fs.o ./tools/bake.sh "$B/kernel.o" arch/x86_64/kernel.ld "$B/elfcheck" - \
	"$tmp/baked.img" > "$out" 2>&1
boot "$tmp/baked.img" "-- /bin/prog 9"
check "a root baked into the image (.rootfs): /bin/prog runs without -initrd" eval \
	'has "^hello from refkernel" && [ $rc -eq 19 ]'
boot "$tmp/baked.img" "-- /bin/prog" -initrd "$tmp/b.cpio"
check "the -initrd archive is laid over the baked one (its /bin/prog wins)" eval \
	'has "^enosys: ok" && ! has "^hello from" && [ $rc -eq 1 ]'

head -c 300 "$tmp/a.cpio" > "$tmp/cut.cpio"
boot "$B/refkernel.img" "-- /bin/prog" -initrd "$tmp/cut.cpio"
check "a truncated initrd: one line naming it and the byte, status 245" eval \
	'[ "$(count "^refkernel: error: initrd: malformed cpio archive at byte [0-9]+")" -eq 1 ] && [ $rc -eq 245 ]'
boot "$B/refkernel.img" "-- /bin/nothing" -initrd "$tmp/a.cpio"
check "a missing program: one line naming it, status 243" eval \
	'has "^refkernel: error: /bin/nothing: " && [ $rc -eq 243 ]'
boot "$B/refkernel.img" "-- /etc/motd" -initrd "$tmp/a.cpio"
check "a program that is not ELF: one line, status 243" eval \
	'has "^refkernel: error: /etc/motd: .*not an ELF" && [ $rc -eq 243 ]'
boot "$B/refkernel.img" "" -initrd "$tmp/a.cpio"
check "no program after --: one line, status 243" eval 'has "^refkernel: error: no program" && [ $rc -eq 243 ]'
boot "$T/enosys.img" "" -initrd "$tmp/a.cpio"
check "an image with a baked program runs it, whatever the initrd holds" eval \
	'has "^enosys: ok" && [ $rc -eq 1 ]'
boot "$B/hello.img" "" -initrd "$tmp/a.cpio"
check "an image baked without the file system refuses -initrd with one line, status 245" eval \
	'has "^refkernel: error: -initrd given but this image was baked without the file system" && [ $rc -eq 245 ]'

# The file system calls: tests/guest/files.c, the same output as natively.
mkdir -p "$tmp/f/bin" "$tmp/f/tmp/t" "$tmp/native"
cp "$T/files" "$tmp/f/bin/files"
cpio_of "$tmp/f" "$tmp/f.cpio"
"$T/files" "$tmp/native" > "$tmp/native.out" 2>&1
boot "$B/refkernel.img" "-- /bin/files /tmp/t" -initrd "$tmp/f.cpio"
grep -v "^refkernel: " "$out" > "$tmp/guest.out"
if cmp -s "$tmp/native.out" "$tmp/guest.out" && [ $rc -eq 1 ] && grep -q "^files: 0 wrong" "$tmp/guest.out"; then
	ok "file syscalls (open flags, pread/pwrite/preadv, truncate, links, rename, *at, stat/statx, getdents64, /dev, memfd, sendfile, locks): output equal to Linux's ($(wc -l < "$tmp/native.out") lines)"
else
	not_ok "file syscalls: output equal to Linux's (rc=$rc)"
	diff "$tmp/native.out" "$tmp/guest.out" | head -30 | sed 's/^/#   /'
fi

# A dynamic glibc PIE built with the host's gcc: its interpreter (PT_INTERP)
# and the libraries it needs (DT_NEEDED, from the host's multiarch dir).
dyn=$T/dynamic_pie
interp=$(readelf -l "$dyn" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
mkdir -p "$tmp/g/bin" "$tmp/g$(dirname "$interp")"
cp "$dyn" "$tmp/g/bin/dynamic_pie"
cp -L "$interp" "$tmp/g$interp"
for lib in $(readelf -d "$dyn" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	p=$(gcc -print-file-name="$lib"); mkdir -p "$tmp/g$(dirname "$p")"; cp -L "$p" "$tmp/g$p"
done
cpio_of "$tmp/g" "$tmp/g.cpio"
boot "$B/refkernel.img" "-- /bin/dynamic_pie" -initrd "$tmp/g.cpio"
check "a dynamic glibc PIE (ET_DYN + PT_INTERP $interp, libc mmap'ed from the root) runs" eval \
	'[ "$(grep -v "^refkernel: " "$out")" = "$("$dyn")" ] && [ $rc -eq 1 ]'
# ld.so's MAP_PRIVATE mappings of libc are copied a page at its first touch,
# not whole at mmap (which cost nginx most of its boot): the run takes fewer
# page faults than half libc's pages (copied whole it took about twice them).
libc_pages=$(( $(stat -Lc %s "$(gcc -print-file-name=libc.so.6)") / 4096 ))
pf=$(sed -n 's/^refkernel: exit .* page_faults=\([0-9]*\).*/\1/p' "$out")
check "the dynamic PIE's libc is paged in, not copied: page_faults=${pf:-?} < $libc_pages/2" eval \
	'[ -n "$pf" ] && [ "$pf" -lt $((libc_pages / 2)) ]'
# make bake of the same program: its interpreter and libraries (the rootfs
# tool's closure) baked in as the root, run by its path, no -initrd.
if make -s -C "$(dirname "$0")/../.." bake BIN="$dyn" IMG="$tmp/dyn.img" > "$tmp/bake.log" 2>&1; then
	boot "$tmp/dyn.img" ""
	check "make bake of a dynamic PIE: the image holds its closure and runs it, no -initrd" eval \
		'[ "$(grep -v "^refkernel: " "$out")" = "$("$dyn")" ] && [ $rc -eq 1 ]'
else
	not_ok "make bake BIN=$dyn failed: $(tail -n 1 "$tmp/bake.log")"
fi

# tests/guest/progabi.c (signals, eventfd/timerfd/epoll, mmap of files,
# mremap/mincore, rlimits, ids, prctl, /proc; the glibc build dlopen()s
# libdso.so): static musl and glibc PIE, each against its own native run.
cmp_native() { # NAME NATIVE-OUTPUT -> ok/not ok on $out and $rc
	grep -v "^refkernel: " "$out" > "$tmp/guest.out"
	if cmp -s "$2" "$tmp/guest.out" && [ $rc -eq 1 ] && grep -q "^progabi: 0 wrong" "$tmp/guest.out"; then
		ok "$1: output equal to Linux's ($(wc -l < "$2") lines)"
	else
		not_ok "$1: output equal to Linux's (rc=$rc)"
		diff "$2" "$tmp/guest.out" | head -30 | sed 's/^/#   /'
	fi
}
mkdir -p "$tmp/pm/bin" "$tmp/pm/tmp/t" "$tmp/native-pm" "$tmp/native-pg" "$tmp/pgr/tmp/t"
cp "$T/progabi" "$tmp/pm/bin/progabi"
# a file of the archive for MAP_SHARED (two pages: A..., B...)
for d in pm/tmp/t pgr/tmp/t native-pm native-pg; do
	{ head -c 4096 /dev/zero | tr '\0' A; head -c 4096 /dev/zero | tr '\0' B; } > "$tmp/$d/archived"
done
cpio_of "$tmp/pm" "$tmp/pm.cpio"
"$T/progabi" "$tmp/native-pm" > "$tmp/native-pm.out" 2>&1
boot "$B/refkernel.img" "-- /bin/progabi /tmp/t" -initrd "$tmp/pm.cpio"
cmp_native "process ABI, static musl (signals, timers, signalfd, event fds, epoll, shared file mappings, /proc/self/maps, AF_UNIX paths, limits, ids)" "$tmp/native-pm.out"

mkdir -p "$tmp/pgr/usr/lib/refkernel-test"
cp "$T/libdso.so" "$tmp/pgr/usr/lib/refkernel-test/libdso.so"
"$B/rootfs" --rootfs "$tmp/pgr" -o "$tmp/pg.cpio" "$T/progabi_glibc" > "$tmp/rootfs.log" 2>&1 || cat "$tmp/rootfs.log"
"$T/progabi_glibc" "$tmp/native-pg" "$T/libdso.so" > "$tmp/native-pg.out" 2>&1
boot "$B/refkernel.img" "-- $T/progabi_glibc /tmp/t /usr/lib/refkernel-test/libdso.so" -initrd "$tmp/pg.cpio"
cmp_native "process ABI, glibc PIE with dlopen() of a shared object of ours" "$tmp/native-pg.out"

# Debian's sqlite3, byte for byte (make rootfs), through refkernel.img +
# -initrd: a script creates, fills and queries a database on the root.
SQLITE=/usr/bin/sqlite3
if [ ! -x "$SQLITE" ]; then
	ok "sqlite3: the archive holds the host's file # SKIP $SQLITE not installed (scripts/deps.txt: sqlite3)"
	ok "sqlite3 script on the writable root # SKIP $SQLITE not installed"
else
	mkdir -p "$tmp/sq/data" "$tmp/native-sq"
	cp tests/guest/sqlite.sql "$tmp/sq/data/script.sql"
	"$B/rootfs" --rootfs "$tmp/sq" -o "$tmp/sq.cpio" "$SQLITE" > "$tmp/rootfs.log" 2>&1 || cat "$tmp/rootfs.log"
	mkdir -p "$tmp/sqx" && (cd "$tmp/sqx" && cpio -id --quiet "${SQLITE#/}" < "$tmp/sq.cpio")
	check "sqlite3: the program in the archive is the host's file (sha256)" eval \
		'[ "$(sha256sum < "$tmp/sqx$SQLITE")" = "$(sha256sum < "$(readlink -f "$SQLITE")")" ]'
	"$SQLITE" "$tmp/native-sq/db.sqlite2" -init "$tmp/sq/data/script.sql" .quit > "$tmp/native-sq.out" 2>&1
	TMO=120 boot "$B/refkernel.img" "-- $SQLITE /data/db.sqlite -init /data/script.sql .quit" -initrd "$tmp/sq.cpio" -m 128
	grep -v "^refkernel: " "$out" > "$tmp/guest.out"
	if cmp -s "$tmp/native-sq.out" "$tmp/guest.out" && [ $rc -eq 1 ] && [ -s "$tmp/guest.out" ]; then
		ok "sqlite3 script on the writable root: output equal to Linux's ($(wc -l < "$tmp/native-sq.out") lines)"
	else
		not_ok "sqlite3 script on the writable root: output equal to Linux's (rc=$rc)"
		diff "$tmp/native-sq.out" "$tmp/guest.out" | head -30 | sed 's/^/#   /'
	fi
fi

[ $fails -eq 0 ]
