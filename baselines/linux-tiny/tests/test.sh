#!/bin/bash
# linux-tiny tests (TAP to $BUILD/test-results/baselines-linux-tiny.tap): the
# generated .config against README.md, the kernel and its cache, the one-line
# failures of mkconfig.sh and build.sh, then hello under TCG and httpd and
# kvstore over a tap in a namespace this test creates, all from linux-vm's
# initramfs (the same binaries' sha256). Every QEMU runs under timeout.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
out=$BUILD/linux-tiny
vmout=$BUILD/linux-vm
src=$out/src/linux-source-6.1
res=$BUILD/test-results
tmp=$(mktemp -d)
bench=ukbt-tiny-$$; tapif=ukbtt$$
pids=()
mkdir -p "$res"
tap=$res/baselines-linux-tiny.tap
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/tap.sh"
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
	ip netns del "$bench" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
sha() { sha256sum | cut -d' ' -f1; }
# in_cpio W: sha256 of bin/W inside linux-vm's W.cpio.gz
in_cpio() { gzip -dc "$vmout/$1.cpio.gz" | (cd "$tmp" && cpio -i --quiet --to-stdout "bin/$1") | sha; }
vm() { timeout 90 "$here/run.sh" "$@" > "$tmp/log" 2>&1; }
inb() { ip netns exec "$bench" "$@"; }
# wait_ready W LOG SECONDS: until the workload prints its ready line
wait_ready() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "^ukbench: ready $1 port=" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
port_of() { sed -n "s/^ukbench: ready $1 port=\([0-9]*\).*/\1/p" "$2" | head -n1; }

NTESTS=14
echo "1..$NTESTS" | tee -a "$tap"

# The kernel: built by `make all` before this; a machine without the package skips.
if [ ! -f "$out/vmlinux" ]; then
	"$here/build.sh" "$out" > "$tmp/log" 2>&1; st=$?
	if [ $st -eq 3 ]; then
		why=$(tail -n1 "$tmp/log")
		for ((i = 0; i < NTESTS; i++)); do skip "linux-tiny" "$why"; done
		exit 0
	fi
fi

# 1-2: the .config and README.md agree (tests/config.sh)
"$here/tests/config.sh" "$out/config" "$here/README.md" "$here/tiny.config" $([ -d "$src" ] && echo "$src") > "$tmp/log" 2>&1; st=$?
check "the .config holds every option README.md lists on, none it marks excluded (each a real option), every tiny.config line documented ($(tail -n1 "$tmp/log"))" "[ $st -eq 0 ]"
# the check itself catches a missing option and an excluded one that is on
grep -v '^CONFIG_EPOLL=y$' "$out/config" > "$tmp/c1"; echo 'CONFIG_MODULES=y' >> "$tmp/c1"
"$here/tests/config.sh" "$tmp/c1" "$here/README.md" "$here/tiny.config" > "$tmp/log" 2>&1; st=$?
check "config.sh fails on a .config without CONFIG_EPOLL and with CONFIG_MODULES" \
	"[ $st -eq 1 ] && grep -q 'CONFIG_EPOLL=y' '$tmp/log' && grep -q 'CONFIG_MODULES excluded' '$tmp/log'"

# 3-5: the kernel, its record and its cache
check "vmlinux is an ELF with the PVH entry note; VERSION names linux-source-6.1 and the config hash; KERNEL_HZ is its CONFIG_HZ" \
	"[ \"\$(head -c 4 '$out/vmlinux' | od -An -c | tr -d ' ')\" = '177ELF' ] && readelf -n '$out/vmlinux' | grep -q 'Xen.*0x00000012' &&
	 grep -q \"^linux-source-6.1 [^ ]* 6\\.1\\.[0-9]* config=\$(cat '$out/CONFIG_HASH')\$\" '$out/VERSION' &&
	 grep -qx \"CONFIG_HZ=\$(cat '$out/KERNEL_HZ')\" '$out/config'"
# loaded size (text + data + bss): both files pad to 2 MiB boundaries alike
vmsize=$(size "$vmout/vmlinux" 2>/dev/null | awk 'NR == 2 { print $4 }'); size=$(size "$out/vmlinux" | awk 'NR == 2 { print $4 }')
echo "linux-vm $vmsize, linux-tiny $size bytes (text + data + bss)" > "$tmp/log"
check "linux-tiny's kernel ($size bytes loaded) is under a quarter of linux-vm's (${vmsize:-none})" "[ -n '$vmsize' ] && [ $((size * 4)) -lt ${vmsize:-0} ]"
m0=$(stat -c %Y "$out/vmlinux"); t0=$(date +%s%N)
"$here/build.sh" "$out" > "$tmp/log" 2>&1; st=$?; ms=$((($(date +%s%N) - t0) / 1000000))
check "build.sh again: 'cached kernel matches config hash', not rebuilt ($ms ms)" \
	"[ $st -eq 0 ] && grep -q 'cached kernel matches config hash' '$tmp/log' && [ $(stat -c %Y "$out/vmlinux") -eq $m0 ] && [ $ms -lt 10000 ]"

# 6-8: bad input, one line each
if [ -f "$src/Makefile" ]; then
	{ cat "$here/tiny.config"; echo 'CONFIG_NO_SUCH_OPTION_UKB=y'; } > "$tmp/f1"
	check "mkconfig.sh with an option Linux lacks: one line naming it" \
		"one_line '$here/mkconfig.sh' '$src' '$tmp/obj' '$tmp/f1' && grep -q 'CONFIG_NO_SUCH_OPTION_UKB=y is requested but Linux 6.1.* has no such option' '$tmp/err'"
	{ cat "$here/tiny.config"; echo 'CONFIG_VIRTIO_BLK=y'; } > "$tmp/f2"
	check "mkconfig.sh with an option whose dependency (BLOCK) is off: one line naming it" \
		"one_line '$here/mkconfig.sh' '$src' '$tmp/obj' '$tmp/f2' && grep -q 'CONFIG_VIRTIO_BLK=y is requested but .*dependency' '$tmp/err'"
else
	skip "mkconfig.sh with an option Linux lacks" "no unpacked source in $src"
	skip "mkconfig.sh with an option whose dependency is off" "no unpacked source in $src"
fi
PKG=linux-source-0.0-ukb-none "$here/build.sh" "$tmp/none" > /dev/null 2> "$tmp/err"; st=$?; cp "$tmp/err" "$tmp/log"
check "build.sh for a package apt cannot have: status 3 (skip), one line naming it" \
	"[ $st -eq 3 ] && [ \$(wc -l < '$tmp/err') -eq 1 ] && grep -q 'package linux-source-0.0-ukb-none cannot be installed here' '$tmp/err'"

# 9-11: hello under TCG from linux-vm's initramfs, same QEMU command but the kernel
vm hello; st=$?
check "hello on linux-tiny (TCG) prints 'hello from Linux', ready_us and exits 0" \
	"[ $st -eq 0 ] && grep -q '^hello from Linux' '$tmp/log' && grep -q '^linux-vm: ready_us=[0-9]* init_to_exec' '$tmp/log'"
vm hello 7; st=$?
check "hello 7 on linux-tiny returns 7 to the host" "[ $st -eq 7 ]"
for net in "" "TAP=tap9 IP=10.214.0.2/24 GW=10.214.0.1"; do
	env $net TSC_KHZ=1000000 PRINT_CMD=1 BUILD="$BUILD" "$here/../linux/run.sh" hello > "$tmp/vm.cmd" 2>&1
	env $net TSC_KHZ=1000000 PRINT_CMD=1 BUILD="$BUILD" "$here/run.sh" hello > "$tmp/tiny.cmd" 2>&1
	diff "$tmp/vm.cmd" "$tmp/tiny.cmd" >> "$tmp/diff"
done
cp "$tmp/diff" "$tmp/log"
check "QEMU argv: linux-vm's but -kernel (with a tap too), initrd linux-vm's hello.cpio.gz, bin/hello's sha256 = build/workloads/hello's" \
	"[ \$(grep -c '^[<>]' '$tmp/diff') -eq 4 ] && [ \$(grep -cx '> $out/vmlinux' '$tmp/diff') -eq 2 ] &&
	 grep -qx '$vmout/hello.cpio.gz' '$tmp/tiny.cmd' && grep -q 'tap9' '$tmp/tiny.cmd' &&
	 [ \"\$(in_cpio hello)\" = \"\$(sha < '$BUILD/workloads/hello')\" ]"

# 12-14: httpd and kvstore over a tap in a namespace of our own
why=
[ "$(id -u)" = 0 ] || why="needs root for a network namespace and a tap"
[ -n "$why" ] || [ -e /dev/net/tun ] || why="no /dev/net/tun"
for w in httpd kvstore; do [ -n "$why" ] || [ -f "$vmout/$w.cpio.gz" ] || why="no $vmout/$w.cpio.gz (make -C baselines/linux)"; done
if [ -n "$why" ]; then
	skip "httpd on linux-tiny answers a GET over the tap" "$why"
	skip "kvstore on linux-tiny answers PING, SET, GET over the tap" "$why"
	skip "everything torn down" "$why"
	exit $failed
fi
ip netns add "$bench" || { echo "cannot create a namespace" >&2; exit 1; }
inb ip link set lo up
inb ip tuntap add dev "$tapif" mode tap
inb ip addr add 10.214.0.1/24 dev "$tapif"
inb ip link set "$tapif" up
boot() {	# boot W in the namespace; its log in $tmp/W.log
	ip netns exec "$bench" env TAP="$tapif" IP=10.214.0.2/24 GW=10.214.0.1 TIMEOUT=60 BUILD="$BUILD" \
		"$here/run.sh" "$1" > "$tmp/$1.log" 2>&1 &
	pids+=($!)
}
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done; pids=(); }

boot httpd
if wait_ready httpd "$tmp/httpd.log" 40; then
	inb timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
		printf "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3 && head -n1 <&3' \
		10.214.0.2 "$(port_of httpd "$tmp/httpd.log")" > "$tmp/reply" 2>&1
fi
{ cat "$tmp/httpd.log"; echo "reply: $(head -n1 "$tmp/reply" 2>/dev/null)"; } > "$tmp/log"
check "httpd on linux-tiny answers a GET over the tap (virtio-mmio from the DSDT, no modules), bin/httpd's sha256 = build/workloads/httpd's" \
	"grep -q '^HTTP/1.1 200 ' '$tmp/reply' && grep -q ' modules=0 ' '$tmp/httpd.log' && [ \"\$(in_cpio httpd)\" = \"\$(sha < '$BUILD/workloads/httpd')\" ]"
stop_all

boot kvstore
: > "$tmp/reply"
if wait_ready kvstore "$tmp/kvstore.log" 40; then
	printf '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\ntiny!\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n' > "$tmp/req"
	inb timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && cat "$2" >&3 && head -c 23 <&3' \
		10.214.0.2 "$(port_of kvstore "$tmp/kvstore.log")" "$tmp/req" > "$tmp/reply" 2>&1
fi
{ cat "$tmp/kvstore.log"; echo "reply: $(tr '\r\n' '  ' < "$tmp/reply")"; } > "$tmp/log"
check "kvstore on linux-tiny answers PING, SET, GET over the tap, bin/kvstore's sha256 = build/workloads/kvstore's" \
	"[ \"\$(tr -d '\r' < '$tmp/reply' | tr '\n' ' ')\" = '+PONG +OK \$5 tiny! ' ] && [ \"\$(in_cpio kvstore)\" = \"\$(sha < '$BUILD/workloads/kvstore')\" ]"
stop_all

sleep 0.5
q=$(pgrep -fc "ifname=$tapif,")
ip netns del "$bench" 2>/dev/null
ns=$(ip netns list | grep -c "^$bench\( \|$\)")
echo "left: qemu=$q netns=$ns" > "$tmp/log"
check "everything torn down (QEMU, namespace, tap)" "[ $q -eq 0 ] && [ $ns -eq 0 ]"
exit $failed
