#!/bin/bash
# Guest tests under prot=ring3 and prot=ring3-kpti: a representative subset of
# run.sh (the process ABI, threads, signals and pointers, kernel addresses
# refused, asynchronous signals to a spinning thread, crash reports of user
# and kernel faults, the syscall fuzzer, a dynamic glibc PIE from an initrd,
# httpd answering 100 requests over QEMU's user network, forwarded from
# 127.0.0.1 only)
# in each mode, so that `make test` stays within its time. The whole of
# run.sh passes in each mode too: PROT=ring3 tests/guest/run.sh (about 25 s
# and 45 s here; run.sh at ring 0 is the full suite `make test` runs), and
# PROT=... tests/guest/net.sh likewise (make test runs it under ring3-kpti).
# Prints TAP.
set -u
B=${BUILD:?}/refkernel
T=$B/tests
KHZ=$("$B/tsckhz")
QEMU=(qemu-system-x86_64 -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=4 -accel tcg -cpu max -M microvm)
n=0 fails=0
out=$(mktemp); tmp=$(mktemp -d); qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$out" "$tmp"' EXIT

boot() { # PROT MEM IMAGE APPEND [QEMU ARGS...] -> $out, $rc
	local p=$1 m=$2 img=$3 app=$4
	shift 4
	timeout 60 "${QEMU[@]}" -m "$m" -kernel "$img" "$@" -append "prot=$p tsc_khz=$KHZ $app" 2>&1 |
		tr -d '\r' > "$out"
	rc=${PIPESTATUS[0]}
}
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	sed 's/^/#   /' "$out" | tail -n 20
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d (rc=$rc)"; fi; }
has() { grep -qE -- "$1" "$out"; }

# the glibc PIE and its closure as an initrd (fs.sh builds the same)
make -s -C "$(dirname "$0")/../.." rootfs BIN="$T/dynamic_pie" OUT="$tmp/g.cpio" > "$out" 2>&1 ||
	{ echo "Bail out! make rootfs of the glibc PIE failed"; cat "$out"; exit 1; }

# httpd PROT: 100 GETs through hostfwd on 127.0.0.1 -> $got (answers with 200)
httpd() {
	local port=$((20000 + RANDOM % 20000))
	timeout 90 "${QEMU[@]}" -m 64 -global virtio-mmio.force-legacy=false \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:8080" -device virtio-net-device,netdev=n0 \
		-kernel "$B/httpd.img" -append "prot=$1 tsc_khz=$KHZ ip=10.0.2.15/24 gw=10.0.2.2 -- --port 8080" \
		> "$out" 2>&1 &
	qpid=$!
	got=0 rc=0
	for _ in $(seq 150); do grep -q "ukbench: ready" "$out" && break; sleep 0.2; done
	if grep -q "ukbench: ready" "$out"; then
		for _ in $(seq 100); do
			[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/")" = 200 ] && got=$((got + 1))
		done
	fi
	kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=
}

echo "1..22"
for p in ring3 ring3-kpti; do
	boot $p 64 "$T/abi.img" "-- one \"two words\""
	check "$p: process ABI: argv, auxv, TLS, SSE, red zone, clocks, memory" eval \
		'has "^refkernel: prot=$p " && has "^abi: [0-9]+ checks, 0 failed" && [ $rc -eq 1 ]'
	boot $p 64 "$T/threads.img" ""
	check "$p: pthreads, preemption, futexes" eval 'has "^threads: [0-9]+ checks, 0 failed" && [ $rc -eq 1 ]'
	boot $p 64 "$T/regress.img" ""
	check "$p: kernel regressions: fds, pointers, PROT_NONE, pipes, signals, timeouts" eval \
		'has "^regress: [0-9]+ checks, 0 failed" && [ $rc -eq 1 ]'
	boot $p 64 "$T/prot.img" ""
	check "$p: kernel addresses are EFAULT; tgkill and SIGALRM reach spinning threads" eval \
		'has "^prot: [0-9]+ checks, 0 failed" && [ $rc -eq 1 ]'
	boot $p 64 "$T/crash_null.img" ""
	check "$p: NULL dereference: user-mode fault, crash report names crash_here" eval \
		'has "^refkernel: crash vector=14 \(page fault\) error=0x4 " && has "<crash_here\+" && has "cs 33 ss 2b" && [ $rc -eq 255 ]'
	boot $p 64 "$T/stack_overflow.img" ""
	check "$p: a thread's stack overflow: crash report naming the thread" eval \
		'has "^refkernel: crash vector=14 .* thread=2" && has "<depth\+" && [ $rc -eq 255 ]'
	boot $p 64 "$B/hello.img" "crash_test"
	check "$p: kernel fault: report with kernel symbols" eval \
		'has "rip 0x[0-9a-f]+ <crash_test_fault[.+]" && has "<kmain\+" && [ $rc -eq 255 ]'
	boot $p 64 "$T/fuzz.img" "-- -n 30000 1 2"
	check "$p: syscall fuzzer (-n 30000 1 2): kernel ok" eval \
		'has "^fuzz: [0-9]+ calls from [0-9]+ seeds, kernel ok" && ! has "^refkernel: crash" && [ $rc -eq 1 ]'
	boot $p 64 "$T/enosys.img" ""
	check "$p: unknown syscall: -ENOSYS, one line" eval 'has "^refkernel: unimplemented syscall 309" && has "^enosys: ok" && [ $rc -eq 1 ]'
	boot $p 64 "$B/refkernel.img" "-- $T/dynamic_pie" -initrd "$tmp/g.cpio"
	check "$p: a dynamic glibc PIE from an initrd (ld.so, libc mmap'ed): output equal to Linux's" eval \
		'[ "$(grep -v "^refkernel: " "$out")" = "$("$T/dynamic_pie")" ] && [ $rc -eq 1 ]'
	httpd $p
	check "$p: httpd over virtio-net answers 100 GETs ($got with 200)" eval '[ $got -eq 100 ]'
done
echo "# $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
