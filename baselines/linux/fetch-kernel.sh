#!/bin/sh
# fetch-kernel.sh OUTDIR: get Debian's linux-image-cloud-amd64 kernel package
# (the versioned image package its metapackage depends on) with apt-get
# download into OUTDIR/deb (a cache), unpack it into OUTDIR/pkg and record the
# exact package and version in OUTDIR/VERSION. DEB=/path/x.deb uses that file
# instead of apt. Errors: one "fetch-kernel: ..." line, exit 1.
set -eu
out=${1:?usage: fetch-kernel.sh OUTDIR}
meta=linux-image-cloud-amd64
fail() { echo "fetch-kernel: $*" >&2; exit 1; }

mkdir -p "$out/deb"
# One fetch at a time per OUTDIR (tests and harnesses may build concurrently).
exec 9>"$out/.fetch.lock"
flock -w 300 9 || fail "another fetch-kernel.sh holds $out/.fetch.lock"
if [ -n "${DEB:-}" ]; then
	deb=$DEB
	[ -f "$deb" ] || fail "$deb: no such file"
else
	pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
	[ -n "$pkg" ] || fail "apt knows no $meta (run apt-get update?)"
	ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
	# apt names the file PKG_VERSION_ARCH.deb, an epoch's ":" written "%3a"
	deb=$out/deb/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb
	if [ ! -f "$deb" ]; then
		(cd "$out/deb" && timeout 300 apt-get download "$pkg" >/dev/null 2>&1) ||
			fail "apt-get download $pkg failed (network or apt sources?)"
		[ -f "$deb" ] || fail "apt-get download $pkg did not give $deb"
	fi
fi
# dpkg-deb checks the archive; a corrupt or truncated .deb fails here.
name=$(dpkg-deb -f "$deb" Package 2>/dev/null) || fail "$deb: not a valid .deb (corrupt or truncated)"
version=$(dpkg-deb -f "$deb" Version)
case $name in linux-image-*) ;; *) fail "$deb holds $name, not a linux-image package" ;; esac
rm -rf "$out/pkg.tmp"
dpkg-deb -x "$deb" "$out/pkg.tmp" 2>/dev/null || { rm -rf "$out/pkg.tmp"; fail "$deb: cannot unpack (corrupt .deb)"; }
ls "$out"/pkg.tmp/boot/vmlinuz-* >/dev/null 2>&1 || { rm -rf "$out/pkg.tmp"; fail "$deb has no boot/vmlinuz-*"; }
rm -rf "$out/pkg" && mv "$out/pkg.tmp" "$out/pkg"
sum=$(sha256sum "$deb" | cut -d' ' -f1)
printf '%s %s sha256=%s\n' "$name" "$version" "$sum" > "$out/VERSION.tmp"
mv "$out/VERSION.tmp" "$out/VERSION"
echo "fetch-kernel: $name $version"
