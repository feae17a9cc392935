#!/bin/bash
# Linux VM baseline tests (TAP to $BUILD/test-results/baselines-linux.tap):
# boots hello under TCG (and KVM where usable) through run.sh and make run,
# checks the initramfs contents and checksum, and the one-line failures of
# bzextract, fetch-kernel.sh and run.sh. Every QEMU runs under timeout.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
out=$BUILD/linux-vm
res=$BUILD/test-results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$res"
tap=$res/baselines-linux.tap
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/tap.sh"
le32() { local v=$1; printf "\\$(printf %03o $((v & 255)))\\$(printf %03o $((v >> 8 & 255)))\\$(printf %03o $((v >> 16 & 255)))\\$(printf %03o $((v >> 24 & 255)))"; }
# fake_bzimage PAYLOAD OUT: a minimal boot-protocol-2.15 header (setup_sects=1)
# followed by PAYLOAD at protected-mode offset 0.
fake_bzimage() {
	local len; len=$(stat -c %s "$1")
	head -c 1024 /dev/zero > "$2"
	printf '\001' | dd of="$2" bs=1 seek=$((0x1f1)) conv=notrunc status=none
	printf '\125\252\000\000HdrS\017\002' | dd of="$2" bs=1 seek=$((0x1fe)) conv=notrunc status=none
	{ le32 0; le32 "$len"; } | dd of="$2" bs=1 seek=$((0x248)) conv=notrunc status=none
	cat "$1" >> "$2"
}
vm() { timeout 90 "$here/run.sh" "$@" > "$tmp/log" 2>&1; }

echo "1..17" | tee -a "$tap"

# 1: the kernel image and its recorded version
check "vmlinux is an x86-64 ELF and VERSION names the package" \
	"[ \"\$(head -c 4 '$out/vmlinux' | od -An -c | tr -d ' ')\" = '177ELF' ] && grep -q '^linux-image-.*cloud-amd64 [^ ]* sha256=' '$out/VERSION'"

# 2-3: hello under TCG, exit status 0 and one from argv
vm hello; st=$?
check "hello on linux-vm (TCG) prints 'hello from Linux', ready_us and exits 0" \
	"[ $st -eq 0 ] && grep -q '^hello from Linux' '$tmp/log' && grep -q '^linux-vm: ready_us=[0-9]* init_to_exec' '$tmp/log'"
cs=$(sed -n 's/.* clocksource=\([^ ]*\).*/\1/p' "$tmp/log")
check "the guest keeps the TSC as its clocksource under TCG (got '$cs')" "[ '$cs' = tsc ] || [ '$cs' = tsc-early ]"
vm hello 7; st=$?
check "hello 7 on linux-vm returns 7 to the host" "[ $st -eq 7 ]"

# 4: the make target
# (with a status above 127, which QEMU's 7 bits cannot carry: reported as 0x7f)
timeout 90 make -s -C "$here" run W=hello ARGS=200 BUILD="$BUILD" > "$tmp/log" 2>&1; st=$?
check "make run W=hello ARGS=200: guest says status=200, host gets 127 (0x7f), make fails" \
	"[ $st -ne 0 ] && grep -q '^linux-vm: exit status=200' '$tmp/log' && grep -q 'hello exited with status 127' '$tmp/log'"

# 5: KVM only where it is hardware virtualisation
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	ACCEL=kvm vm hello 3; st=$?
	check "hello 3 on linux-vm (KVM) returns 3" "[ $st -eq 3 ] && grep -q '^hello from Linux' '$tmp/log'"
else
	ACCEL=kvm vm hello; st=$?
	skip "hello on linux-vm (KVM)" "$(head -n1 "$tmp/log" | sed 's/^linux-vm: //') (run.sh exit $st)"
fi

# 6-7: the initramfs holds init, the modules and the byte-identical binary
want=$(sha256sum < "$BUILD/workloads/hello" | cut -d' ' -f1)
got=$(gzip -dc "$out/hello.cpio.gz" | (cd "$tmp" && cpio -i --quiet --to-stdout bin/hello) | sha256sum | cut -d' ' -f1)
check "sha256 of bin/hello in hello.cpio.gz equals build/workloads/hello's" "[ '$want' = '$got' ]"
gzip -dc "$out/hello.cpio.gz" | cpio -t --quiet 2>/dev/null | sort > "$tmp/list"
files=$(grep -vxE 'dev|dev/console|proc|sys|bin|lib|lib/modules|init|bin/hello|lib/modules/[0-9]{2}-[a-z_]+\.ko' "$tmp/list" | tr '\n' ' ')
nmod=$(grep -c '^lib/modules/.*\.ko$' "$tmp/list")
check "hello.cpio.gz holds only init, 9 modules and bin/hello (extra: '$files')" "[ -z '$files' ] && [ $nmod -eq 9 ]"

# 8-11: bzextract on each compressor's fake bzImage gives the ELF back
cc -nostdlib -static -no-pie -o "$tmp/tiny" "$here/tests/tinypvh.S"
for codec in gzip xz zstd lz4; do
	case $codec in
	gzip) gzip -9nc "$tmp/tiny" ;; xz) xz -c --check=crc32 "$tmp/tiny" ;;
	zstd) zstd -qc "$tmp/tiny" ;; lz4) lz4 -lqc "$tmp/tiny" ;;
	esac > "$tmp/payload"
	le32 "$(stat -c %s "$tmp/tiny")" >> "$tmp/payload"
	fake_bzimage "$tmp/payload" "$tmp/bz.$codec"
	"$out/tools/bzextract" "$tmp/bz.$codec" "$tmp/out.$codec" > "$tmp/log" 2>&1
	check "bzextract unpacks a $codec payload byte-exactly" "cmp -s '$tmp/tiny' '$tmp/out.$codec'"
done

# 12: bad inputs give one line and a non-zero exit
printf 'NOTACODEC-PAYLOAD' > "$tmp/payload"
fake_bzimage "$tmp/payload" "$tmp/bz.bad"
one_line "$out/tools/bzextract" "$tmp/bz.bad" "$tmp/out.bad"; a=$?
grep -q 'unknown compressor' "$tmp/err"; b=$?
one_line "$out/tools/bzextract" "$BUILD/workloads/hello" "$tmp/out.bad2"; c=$?
check "bzextract: unknown compressor and a non-bzImage each give one line, exit != 0, no output" \
	"[ $a -eq 0 ] && [ $b -eq 0 ] && [ $c -eq 0 ] && [ ! -e '$tmp/out.bad' ] && [ ! -e '$tmp/out.bad.tmp' ]"

# 13: a corrupt .deb and a missing workload
head -c 50000 "$(ls "$out"/deb/*.deb | head -n1)" > "$tmp/corrupt.deb"
DEB=$tmp/corrupt.deb one_line "$here/fetch-kernel.sh" "$tmp/fk"; a=$?
one_line "$here/run.sh" no-such-workload; b=$?
check "corrupt .deb and missing workload: one line each, exit != 0" "[ $a -eq 0 ] && [ $b -eq 0 ]"

# 14: a guest that does not finish in time is killed and reported
# (under a name of its own, so that other users' guests do not count)
tw=ukbt-timeout-$$
cp "$out/hello.cpio.gz" "$out/$tw.cpio.gz"
TIMEOUT=1 vm "$tw"; st=$?
sleep 0.5
left=$(pgrep -f "initrd $out/$tw.cpio.gz" | wc -l)
rm -f "$out/$tw.cpio.gz"
check "a guest past TIMEOUT is reported as timed out (exit 255), no QEMU left" \
	"[ $st -eq 255 ] && grep -q 'timed out' '$tmp/log' && [ $left -eq 0 ]"

# 15: init refuses a malformed ip= with the reserved status 0x7d
APPEND="ip=10.0.0.300/99" vm hello; st=$?
check "a malformed ip= makes init report 0x7d (bad command line)" "[ $st -eq 125 ] && grep -q 'bad ip=' '$tmp/log'"

# 16: mkcpio is deterministic and refuses a bad manifest with one line
printf 'dir /bin 0755\nfile /bin/hello 0755 %s\n' "$BUILD/workloads/hello" > "$tmp/man"
"$out/tools/mkcpio" < "$tmp/man" > "$tmp/a.cpio"; sleep 1; "$out/tools/mkcpio" < "$tmp/man" > "$tmp/b.cpio"
printf 'file /x 0755 /no/such/file\n' > "$tmp/bad"
one_line "$out/tools/mkcpio" < "$tmp/bad"; a=$?
printf 'blob /x 0755\n' > "$tmp/bad"
one_line "$out/tools/mkcpio" < "$tmp/bad"; b=$?
check "mkcpio: same input, same bytes; missing source and unknown kind give one line" \
	"cmp -s '$tmp/a.cpio' '$tmp/b.cpio' && [ $a -eq 0 ] && [ $b -eq 0 ]"

exit $failed
