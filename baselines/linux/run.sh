#!/bin/sh
# run.sh W [ARGS...]: boot build/linux-vm/vmlinux with build/linux-vm/W.cpio.gz
# under QEMU microvm, the workload getting ARGS, and exit with the workload's
# exit status (QEMU's isa-debug-exit status (code << 1) | 1 translated back).
# Launcher failures (bad input, timeout, guest crash, unusable KVM) print one
# "linux-vm: ..." line and exit 255. Flags and their reasons: README.md.
# Environment: BUILD, ACCEL=tcg|kvm (tcg), MEM (MiB, 128), TIMEOUT (s, 60),
# TAP=ifname with IP=ADDR/PREFIX [GW=ADDR] for a virtio-net NIC on that tap
# (run inside the tap's network namespace), KVM_FORCE=1 to try a KVM that
# is not hardware virtualisation, FAST=0 to keep the crypto self-tests,
# APPEND="..." for more kernel parameters, PRINT_CMD=1 to print the QEMU argv
# (one argument a line) instead of running it, TSC_KHZ= to give the host TSC
# rate instead of measuring it, KERNEL= another PVH kernel (its KERNEL_HZ
# file beside it; baselines/linux-tiny/run.sh uses this).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
out=$BUILD/linux-vm
fail() { echo "linux-vm: $*" >&2; exit 255; }

[ $# -ge 1 ] || { echo "usage: run.sh WORKLOAD [ARGS...]" >&2; exit 255; }
w=$1; shift
ACCEL=${ACCEL:-tcg}; MEM=${MEM:-128}; TIMEOUT=${TIMEOUT:-60}
kernel=${KERNEL:-$out/vmlinux}
[ -f "$kernel" ] || fail "no $kernel (make -C baselines/linux${KERNEL:+-tiny} first)"
# A workload's initramfs, or an app's (its cpio + our init, make apps)
initrd=$out/$w.cpio.gz
[ -f "$initrd" ] || initrd=$out/$w.initrd
[ -f "$initrd" ] || fail "no initramfs $out/$w.cpio.gz or $out/$w.initrd: unknown workload or app '$w'?"

case $ACCEL in
tcg) ;;
kvm)
	[ -w /dev/kvm ] || fail "KVM unusable: /dev/kvm missing or not writable"
	if ! grep -qwE 'vmx|svm' /proc/cpuinfo && [ "${KVM_FORCE:-0}" != 1 ]; then
		fail "KVM unusable: no vmx/svm in /proc/cpuinfo, /dev/kvm is a software hypervisor that cannot run this guest (use ACCEL=tcg)"
	fi ;;
*) fail "ACCEL must be tcg or kvm, not '$ACCEL'" ;;
esac

append="console=ttyS0 quiet panic=-1"
# Under TCG the guest TSC runs at the host TSC rate: tell the guest that rate,
# and that the TSC is reliable. Otherwise a loaded host delays the timer ticks
# the clocksource watchdog compares against, the guest marks the TSC unstable
# and falls back to jiffies (4 ms resolution) or hangs. Under KVM kvmclock
# does this job.
# The rate is measured once per host boot (60 ms) and cached; TSC_KHZ= overrides.
if [ "$ACCEL" = tcg ]; then
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	khz=${TSC_KHZ:-$(sed -n "s/^$boot \([0-9][0-9]*\)\$/\1/p" "$out/tsc_khz" 2>/dev/null)}
	if [ -z "$khz" ]; then
		khz=$("$out/tools/tsckhz") || fail "cannot measure the host TSC"
		echo "$boot $khz" > "$out/tsc_khz.$$" && mv "$out/tsc_khz.$$" "$out/tsc_khz"
	fi
	hz=$(cat "$(dirname "$kernel")/KERNEL_HZ" 2>/dev/null || echo 250)
	append="$append tsc_early_khz=$khz lpj=$((khz * 1000 / hz)) tsc=reliable"
fi
[ "${FAST:-1}" = 0 ] || append="$append cryptomgr.notests=1"
[ -z "${APPEND:-}" ] || append="$append $APPEND"
if [ -n "${TAP:-}" ]; then
	[ -n "${IP:-}" ] || fail "TAP=$TAP needs IP=ADDR/PREFIX"
	append="$append ip=$IP${GW:+ gw=$GW}"
fi
append="$append -- $*"

set -- qemu-system-x86_64 -M microvm -accel "$ACCEL" -cpu max -m "$MEM" -smp 1 \
	-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=4
[ -z "${TAP:-}" ] || set -- "$@" -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
	-device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56
set -- "$@" -kernel "$kernel" -initrd "$initrd" -append "$append"
if [ "${PRINT_CMD:-0}" = 1 ]; then
	printf '%s\n' "$@"	# the QEMU argv, one argument a line, for harnesses
	exit 0
fi

err=$(mktemp)
trap 'rm -f "$err"' EXIT
timeout -k 5 "$TIMEOUT" "$@" </dev/null 2>"$err" &
qpid=$!
# Stopping run.sh stops the guest: timeout passes the signal on to QEMU.
trap 'kill -TERM $qpid 2>/dev/null; stopped=1' TERM INT HUP
stopped=0
# Under KVM an emulation failure pauses the guest for good: stop it at once.
wpid=
if [ "$ACCEL" = kvm ]; then
	while sleep 0.2; do grep -q 'emulation failure' "$err" && { kill -TERM $qpid; break; }; done &
	wpid=$!
fi
wait $qpid; st=$?
while kill -0 $qpid 2>/dev/null; do wait $qpid; st=$?; done
[ -z "$wpid" ] || kill $wpid 2>/dev/null
[ $stopped = 0 ] || fail "stopped by a signal; the guest was shut down"
if grep -q 'emulation failure' "$err"; then
	fail "KVM unusable: the hypervisor could not emulate the guest ($(grep -m1 '^Code=' "$err" | cut -c1-60)...)"
fi
grep -v -e '^$' -e 'terminating on signal' "$err" >&2
case $st in
124|137) fail "timed out after ${TIMEOUT}s: the guest never finished ($ACCEL)" ;;
esac
# QEMU's own errors also exit 1, the status of a workload that returned 0.
qerr=$(grep '^qemu-system-x86_64: ' "$err" | grep -v 'warning:' | head -n1)
[ -z "$qerr" ] || fail "qemu failed: ${qerr#qemu-system-x86_64: }"
case $st in
0) fail "guest stopped without reporting a status (kernel panic or reset)" ;;
esac
[ $((st % 2)) -eq 1 ] || fail "qemu failed (status $st)"
exit $((st >> 1))
