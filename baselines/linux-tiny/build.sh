#!/bin/sh
# build.sh OUT [FRAGMENT]: the linux-tiny kernel, built once and cached.
#   1. source: /usr/src/linux-source-6.1.tar.xz (Debian's linux-source-6.1)
#      unpacked once into OUT/src (redone when the package version changes)
#   2. config: mkconfig.sh -> OUT/obj/.config (tinyconfig + FRAGMENT)
#   3. compile: make vmlinux in OUT/obj, niced, a progress line every 200 files
#   4. install: OUT/vmlinux (the PVH ELF, stripped as the bzImage payload
#      is), OUT/config, OUT/KERNEL_HZ, OUT/VERSION, OUT/CONFIG_HASH
# The hash covers what decides the kernel (package version, FRAGMENT, these
# scripts, the compiler): when OUT/CONFIG_HASH matches and OUT/vmlinux exists
# nothing is done. Exit 0 built or cached; 1 failed (one line); 3 the package
# cannot be had on this machine (one line; callers skip, not fail).
# Environment: JOBS (nproc), NICE (10), PKG (linux-source-6.1).
set -eu
# Kbuild runs on its own: a parent make's flags (-s, -w, its jobserver) would
# change its output, which these scripts read.
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: build.sh OUT [FRAGMENT]" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
frag=${2:-$here/tiny.config}
PKG=${PKG:-linux-source-6.1}
JOBS=${JOBS:-$(nproc)}
NICE=${NICE:-10}
tarball=/usr/src/$PKG.tar.xz
fail() { echo "linux-tiny: $*" >&2; exit 1; }
t0=$(date +%s)
say() { echo "linux-tiny: [$(($(date +%s) - t0)) s] $*"; }

pkgver=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true)
if [ -z "$pkgver" ] || [ ! -f "$tarball" ]; then
	cand=$(apt-cache policy "$PKG" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		echo "linux-tiny: package $PKG cannot be installed here (apt has no candidate): linux-tiny skipped" >&2
		exit 3
	fi
	fail "package $PKG is not installed ($tarball missing): apt-get install $PKG (or make deps)"
fi
[ -f "$frag" ] || fail "no config fragment $frag"

hash=$( { echo "$PKG $pkgver"; cat "$frag" "$here/mkconfig.sh" "$here/build.sh"; gcc --version | head -n1; } |
	sha256sum | cut -c1-16)
if [ -f "$out/vmlinux" ] && [ "$(cat "$out/CONFIG_HASH" 2>/dev/null)" = "$hash" ]; then
	echo "linux-tiny: cached kernel matches config hash $hash ($PKG $pkgver): not rebuilt"
	exit 0
fi

# 1. source
src=$out/src/$PKG
if [ "$(cat "$out/src/.version" 2>/dev/null)" != "$pkgver" ]; then
	say "unpacking $tarball ($PKG $pkgver)"
	rm -rf "$out/src" "$out/obj"
	mkdir -p "$out/src"
	nice -n "$NICE" tar -xJf "$tarball" -C "$out/src" || fail "cannot unpack $tarball"
	[ -f "$src/Makefile" ] || fail "$tarball did not hold $PKG/Makefile"
	echo "$pkgver" > "$out/src/.version"
fi

# 2. config
say "config: tinyconfig + $(grep -c '^CONFIG_\|^# CONFIG_' "$frag") lines of $(basename "$frag")"
nice -n "$NICE" "$here/mkconfig.sh" "$src" "$out/obj" "$frag"

# 3. compile (Kbuild prints one line per step; the log keeps them all)
say "compiling with $JOBS jobs (log: $out/obj/build.log)"
st=$out/obj/build.status
{ nice -n "$NICE" make -C "$src" O="$out/obj" ARCH=x86_64 -j"$JOBS" vmlinux 2>&1; echo $? > "$st"; } |
	tee "$out/obj/build.log" | { n=0; while IFS= read -r l; do
		case $l in
		"  CC "*) n=$((n + 1)); [ $((n % 200)) -ne 0 ] || say "compiled $n files" ;;
		*error:*|*"Error "[0-9]*) echo "$l" ;;
		esac
	done; say "make done: $n files compiled"; }
[ "$(cat "$st")" = 0 ] || fail "make vmlinux failed (status $(cat "$st")); last lines of $out/obj/build.log: $(grep -m1 'error:' "$out/obj/build.log" || tail -n1 "$out/obj/build.log")"

# 4. install, each file under a temporary name then renamed
objcopy -R .comment -S "$out/obj/vmlinux" "$out/vmlinux.$$" || fail "objcopy failed"
readelf -n "$out/vmlinux.$$" | grep -q 'Xen.*0x00000012' ||
	{ rm -f "$out/vmlinux.$$"; fail "vmlinux has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): CONFIG_PVH off?"; }
cp "$out/obj/.config" "$out/config.$$" && mv "$out/config.$$" "$out/config"
sed -n 's/^CONFIG_HZ=//p' "$out/config" > "$out/KERNEL_HZ.$$" && mv "$out/KERNEL_HZ.$$" "$out/KERNEL_HZ"
echo "$PKG $pkgver $(make -s -C "$src" kernelversion) config=$hash" > "$out/VERSION.$$" && mv "$out/VERSION.$$" "$out/VERSION"
mv "$out/vmlinux.$$" "$out/vmlinux"
echo "$hash" > "$out/CONFIG_HASH"
say "built $out/vmlinux ($(stat -c %s "$out/vmlinux") bytes, config hash $hash)"
