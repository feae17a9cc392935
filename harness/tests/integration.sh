#!/bin/sh
# integration.sh: ukbench end to end, TAP on stdout. Exercises the command line
# (help, exit codes, bad input), native and qemu-image runs, result files,
# report, plot, a hung guest that is timed out, a missing refkernel image, and
# Ctrl-C in the middle of a run (nothing left behind, completed samples kept).
# QEMU runs use TCG; each step is bounded by `timeout`.
set -u
tmp=$(mktemp -d /tmp/ukb-it.XXXXXX)
. "$(dirname "$0")/tap.sh"
started=	# ukbench pids: whatever a failed run left behind is removed on exit
cleanup() {
	for p in $started; do
		for c in $(runc list -q 2>/dev/null | grep "^ukb-$p-"); do runc delete -f "$c"; done
		for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^ukb${p}n"); do ip netns del "$ns"; done
	done
}

echo "1..52"

# ---- command line ----
fails=0
for c in env list run bench report plot; do
	"$UK" $c --help >/dev/null 2>&1 || fails=1
done
[ $fails = 0 ] && ok "--help exits 0 on every command" || nok "--help exits 0 on every command"
status "$UK"; [ $st = 2 ] && ok "no command: exit 2" || nok "no command: exit 2 (got $st)"
status "$UK" frobnicate; [ $st = 2 ] && grep -q "unknown command 'frobnicate'" "$tmp/err" &&
	ok "unknown command: exit 2, names it" || nok "unknown command: exit 2 (got $st)" "$tmp/err"
status "$UK" run -t vax -w hello; [ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "unknown target 'vax'" "$tmp/err" &&
	ok "unknown target: one line, exit 2" || nok "unknown target: one line, exit 2 (got $st)" "$tmp/err"
status "$UK" run -t native -w nosuch; [ $st = 2 ] && grep -q "unknown workload 'nosuch'" "$tmp/err" &&
	ok "unknown workload: exit 2" || nok "unknown workload: exit 2 (got $st)" "$tmp/err"
status "$UK" run -t native -w hello --reps zero; [ $st = 2 ] && ok "bad --reps: exit 2" || nok "bad --reps: exit 2 (got $st)"
printf '[experiment]\nreps = 2\n[run a]\ntargets = native\nworkloads hello\n' >"$tmp/bad.ini"
status "$UK" bench "$tmp/bad.ini"; [ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "bad.ini:5: expected 'key = value'" "$tmp/err" &&
	ok "malformed experiment: file:line, one line, exit 2" || nok "malformed experiment: exit 2 (got $st)" "$tmp/err"
status "$UK" bench "$tmp/none.ini"; [ $st = 2 ] && ok "missing experiment file: exit 2" || nok "missing experiment file: exit 2 (got $st)" "$tmp/err"
status "$UK" report "$tmp"; [ $st = 2 ] && ok "report of a non-result folder: exit 2" || nok "report of a non-result folder: exit 2 (got $st)" "$tmp/err"
status "$UK" list; [ $st = 0 ] && grep -q qemu-image "$tmp/out" && grep -q "experiments/default.ini" "$tmp/out" &&
	ok "list shows targets, workloads and experiments" || nok "list" "$tmp/out"
status "$UK" bench -o "$tmp/dflt-check" "$root/experiments/default.ini" --help
[ $st = 2 ] && ok "bench refuses extra arguments" || nok "bench refuses extra arguments (got $st)"

# ---- env ----
status "$UK" env; [ $st = 0 ] && grep -q '^accel auto: *tcg\|^accel auto: *kvm' "$tmp/out" && grep -q '^kvm:' "$tmp/out" &&
	ok "env: accelerator verdict from the probe" || nok "env" "$tmp/out"
grep '^kvm:\|^tsc_khz' "$tmp/out" | sed 's/^/# /'

# ---- native run and the result files ----
if [ -x "$BUILD/workloads/hello" ]; then
	status "$UK" run -t native -w hello --reps 2 --warmup 1 -o "$tmp/r1"
	[ $st = 0 ] && [ "$(cat "$tmp/out")" = "$tmp/r1" ] && ok "run native hello: exit 0, prints the folder" || nok "run native hello (got $st)" "$tmp/err"
	[ "$(grep -c ',native,hello,boot_to_ready,ms,' "$tmp/r1/samples.csv")" = 2 ] &&
		head -1 "$tmp/r1/samples.csv" | grep -qx 'experiment,job,target,workload,metric,unit,rep,value' &&
		ok "samples.csv: header and 2 boot_to_ready samples" || nok "samples.csv" "$tmp/r1/samples.csv"
	awk -F, 'NR>1 && $5=="boot_to_ready" {if ($7==2 && $8>0 && $9<=$8 && $10>=$8) ok=1} END {exit !ok}' "$tmp/r1/summary.csv" &&
		ok "summary.csv: n, median within min..max" || nok "summary.csv" "$tmp/r1/summary.csv"
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["jobs"][0]["workload_sha256"] != "missing"; assert m["host"]["cores"] > 0' "$tmp/r1/meta.json" 2>"$tmp/out" &&
			ok "meta.json is valid JSON with sha256 and host" || nok "meta.json" "$tmp/out"
	else
		skip "meta.json is valid JSON" "python3 missing"
	fi
	if ls -a "$tmp/r1" | grep -q '\.tmp\.'; then nok "no temp files left in the result folder"; else ok "no temp files left in the result folder"; fi
	status "$UK" report "$tmp/r1"; [ $st = 0 ] && grep -q '^| hello | boot_to_ready | ms |' "$tmp/out" && grep -q '| native |' "$tmp/out" &&
		ok "report: markdown table" || nok "report" "$tmp/out"
	# n = 2: the order-statistic interval [min, max] covers the median with 50%, not 95%
	grep '^| hello | boot_to_ready |' "$tmp/out" | grep -q '\] n=2, 50%' && ! grep -q '95% CI' "$tmp/out" &&
		ok "report: each cell shows n and the interval's real coverage" || nok "report: n and coverage" "$tmp/out"
	if command -v gnuplot >/dev/null; then
		status "$UK" plot -o "$tmp/plots" "$tmp/r1"
		[ $st = 0 ] && head -c 8 "$tmp/plots/boot_to_ready.png" | od -An -c | grep -q 'P   N   G' &&
			grep -q '<svg' "$tmp/plots/boot_to_ready.svg" && ok "plot: PNG and SVG" || nok "plot (got $st)" "$tmp/err"
	else
		skip "plot: PNG and SVG" "gnuplot missing"
	fi
else
	for d in "run native hello" samples.csv summary.csv meta.json "no temp files" report "report coverage" plot; do skip "$d" "build/workloads/hello not built"; done
fi

# ---- qemu-image: the null guest, a hung guest, a missing refkernel image ----
if command -v qemu-system-x86_64 >/dev/null; then
	cat >"$tmp/null.ini" <<EOT
[experiment]
name = it
reps = 3
warmup = 0
accel = tcg
timeout = 20
[target null-guest]
kind = qemu-image
kernel = $BUILD/harness/null.elf
[target null2]
kind = qemu-image
kernel = $BUILD/harness/null.elf
[target hung]
kind = qemu-image
kernel = $BUILD/harness/hang.elf
[run a]
targets = null-guest, null2
workloads = hello
[run b]
targets = hung
workloads = hello
reps = 3
timeout = 2
[run c]
targets = null-guest
workloads = hello
reps = 1
EOT
	status "$UK" bench -o "$tmp/r2" "$tmp/null.ini"; bst=$st
	# two jobs of one target and workload are two rows, never pooled
	[ "$(grep -c ',a,null-guest,hello,boot_to_ready,' "$tmp/r2/samples.csv")" = 3 ] &&
		[ "$(grep -c ',c,null-guest,hello,boot_to_ready,' "$tmp/r2/samples.csv")" = 1 ] &&
		grep -q ',a,null-guest,hello,boot_to_ready,ms,3,' "$tmp/r2/summary.csv" &&
		grep -q ',c,null-guest,hello,boot_to_ready,ms,1,' "$tmp/r2/summary.csv" &&
		ok "qemu-image null guest: jobs a (3 launches) and c (1) summarised apart" || nok "qemu-image null guest" "$tmp/r2/summary.csv"
	# interleaved: rep 1 of both targets of [run a], then rep 2, ...
	order=$(awk -F, '$2=="a" && $5=="boot_to_ready" {printf "%s%s:%s", sep, $3, $7; sep=" "}' "$tmp/r2/samples.csv")
	[ "$order" = "null-guest:1 null2:1 null-guest:2 null2:2 null-guest:3 null2:3" ] && grep -q '"order": "interleaved' "$tmp/r2/meta.json" &&
		ok "the targets of a [run] are interleaved rep by rep, meta.json says so" || nok "interleaving: $order"
	status "$UK" report "$tmp/r2"
	grep -q '^| hello \[a\] | boot_to_ready |' "$tmp/out" && grep -q '^| hello \[c\] | boot_to_ready |.*(n=1, no CI)' "$tmp/out" &&
		grep -q '^Guest memory .*null-guest 128 MiB' "$tmp/out" &&
		ok "report: a row per job, n=1 shown as such, guest memory in the header" || nok "report of jobs" "$tmp/out"
	grep -q ',null-guest,hello,vmm_start,' "$tmp/r2/samples.csv" && grep -q ',null-guest,hello,image_size,bytes,1,3' "$tmp/r2/samples.csv" &&
		ok "null guest: vmm_start and image_size recorded" || nok "null guest: vmm_start/image_size" "$tmp/r2/samples.csv"
	[ $bst = 1 ] && grep -q 'hung,hello,1,"timed out after 2.0 s' "$tmp/r2/failures.csv" &&
		grep -q 'hung,hello,3,"not launched: the 2 launches before timed out' "$tmp/r2/failures.csv" &&
		ok "hung guest: killed at the timeout, failed with reason, not relaunched after 2 timeouts, exit 1" ||
		nok "hung guest (got $bst)" "$tmp/r2/failures.csv"
	if pgrep -f "$BUILD/harness/hang.elf" >/dev/null; then nok "hung guest's QEMU is gone"; else ok "hung guest's QEMU is gone"; fi
	mkdir -p "$tmp/emptybuild/harness"
	status env UKBENCH_BUILD="$tmp/emptybuild" "$UK" run -t refkernel -w hello --reps 1 --accel tcg -o "$tmp/r3"
	[ $st = 1 ] && grep -q 'refkernel/hello.img not found' "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		ok "refkernel image missing: one clear line, exit 1" || nok "refkernel image missing (got $st)" "$tmp/err"
	if [ -f "$BUILD/refkernel/hello.img" ]; then
		status "$UK" run -t refkernel -w hello --reps 2 --accel tcg -o "$tmp/r4"
		[ $st = 0 ] && grep -q ',refkernel,hello,boot_guest,ms,' "$tmp/r4/samples.csv" &&
			ok "refkernel hello: boots, boot_guest from the guest's line" || nok "refkernel hello (got $st)" "$tmp/err"
	else
		skip "refkernel hello" "build/refkernel/hello.img not built"
	fi
	# ---- Ctrl-C mid-run: a native sample completes, then a guest hangs ----
	cat >"$tmp/int.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 1
[target hung]
kind = qemu-image
kernel = $BUILD/harness/hang.elf
[run a]
targets = null-guest
workloads = hello
[target null-guest]
kind = qemu-image
kernel = $BUILD/harness/null.elf
[run b]
targets = hung
workloads = hello
timeout = 60
EOT
	"$UK" bench -o "$tmp/r5" "$tmp/int.ini" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	qpid=
	for _ in $(seq 100); do
		qpid=$(pgrep -f "$BUILD/harness/hang.elf" | head -1)
		[ -n "$qpid" ] && break
		sleep 0.1
	done
	kill -INT $pid
	for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		nok "Ctrl-C: ukbench exits promptly"
	else
		wait $pid; st=$?
		[ -n "$qpid" ] && [ $st = 1 ] && ok "Ctrl-C: ukbench exits promptly with status 1" || nok "Ctrl-C: exit status $st, qemu pid '$qpid'" "$tmp/err"
	fi
	[ -n "$qpid" ] && ! kill -0 "$qpid" 2>/dev/null && ok "Ctrl-C: the guest's QEMU was killed" || nok "Ctrl-C: the guest's QEMU was killed"
	grep -q ',null-guest,hello,boot_to_ready,' "$tmp/r5/samples.csv" 2>/dev/null && grep -q '"interrupted": true' "$tmp/r5/meta.json" &&
		ok "Ctrl-C: completed samples kept, meta.json says interrupted" || nok "Ctrl-C: completed samples kept" "$tmp/err"
	left=$(ls -d /tmp/ukbench.$pid.* 2>/dev/null)	# temp dirs carry ukbench's pid
	[ -z "$left" ] && ok "Ctrl-C: no QMP temp dir left behind" || nok "Ctrl-C: left $left"
else
	for d in 1 2 3 4 5 6 7 8 9 10 11 12; do skip "qemu test $d" "qemu-system-x86_64 missing"; done
fi

# ---- servers: a network namespace per run, load phases, teardown ----
netns_of() { ip netns list 2>/dev/null | grep -c "^ukb$1n" ; }
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && [ -x "$BUILD/workloads/httpd" ] && command -v wrk >/dev/null; then
	"$UK" run -t native -w httpd,echo --reps 1 --warmup 0 --duration 1 -o "$tmp/r6" >"$tmp/out" 2>"$tmp/err" &
	pid=$!; started="$started $pid"; wait $pid; st=$?
	[ $st = 0 ] && grep -q ',native,httpd,req_per_s,1/s,1,' "$tmp/r6/samples.csv" && grep -q ',native,httpd,lat_p99_us,' "$tmp/r6/samples.csv" &&
		ok "native httpd: wrk inside the run's namespace, req_per_s and latency" || nok "native httpd (got $st)" "$tmp/err"
	grep -q ',native,echo,ops_per_s,' "$tmp/r6/samples.csv" && grep -q ',native,httpd,rss_idle,KiB,' "$tmp/r6/samples.csv" &&
		ok "native echo: our load generator; rss_idle from PSS" || nok "native echo / rss" "$tmp/r6/samples.csv"
	[ "$(netns_of $pid)" = 0 ] && ok "no network namespace left after the run" || nok "network namespaces left: $(ip netns list | grep "^ukb$pid")"
else
	for d in 1 2 3; do skip "native server test $d" "needs root, ip, wrk and build/workloads/httpd"; done
fi
# api = yes: refkernel's REST API read beside PSS; guest_mem_used in KiB, within the guest's memory
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && [ -f "$BUILD/refkernel/httpd.img" ] && command -v wrk >/dev/null &&
	command -v qemu-system-x86_64 >/dev/null; then
	printf '[experiment]\nreps = 1\nwarmup = 0\nduration = 2\npcap = off\naccel = tcg\n[run api]\ntargets = refkernel\nworkloads = httpd\napi = yes\n' >"$tmp/api.ini"
	status "$UK" bench -o "$tmp/r-api" "$tmp/api.ini"
	used=$(awk -F, '$5 == "guest_mem_used" && $6 == "KiB" { print int($8) }' "$tmp/r-api/samples.csv" 2>/dev/null)
	[ $st = 0 ] && [ -n "$used" ] && [ "$used" -gt 100 ] && [ "$used" -lt 131072 ] && grep -q 'api=8000' "$tmp/r-api/meta.json" &&
		ok "api = yes: refkernel httpd boots with api=8000, guest_mem_used ${used} KiB" || nok "api = yes (got $st, used '${used}')" "$tmp/err"
else
	skip "api = yes: guest_mem_used" "needs root, ip, wrk, qemu and build/refkernel/httpd.img"
fi
# without namespaces (not root, or UKBENCH_NET=user): a free port on 127.0.0.1
if [ -x "$BUILD/workloads/httpd" ] && command -v wrk >/dev/null; then
	status env UKBENCH_NET=user "$UK" run -t native -w httpd --reps 1 --warmup 0 --duration 1 -o "$tmp/r15"
	[ $st = 0 ] && grep -q ',native,httpd,req_per_s,' "$tmp/r15/samples.csv" && grep -q -- '--port [0-9]' "$tmp/r15/meta.json" &&
		ok "user networking fallback: native httpd on a free 127.0.0.1 port" || nok "user networking fallback (got $st)" "$tmp/err"
else
	skip "user networking fallback" "needs wrk and build/workloads/httpd"
fi
# readiness is probed at once, then with growing waits: a native server that
# listens within a millisecond is measured so, not at a 5 ms probe step
if [ -x "$BUILD/workloads/echo" ]; then
	status env UKBENCH_NET=user "$UK" run -t native -w echo --reps 5 --warmup 1 --duration 1 -o "$tmp/r16"
	best=$(awk -F, '$5=="boot_to_ready" {if (m == "" || $8 < m) m = $8} END {print m}' "$tmp/r16/samples.csv" 2>/dev/null)
	if [ $st = 0 ] && [ -n "$best" ] && awk -v b="$best" 'BEGIN {exit !(b < 2)}'; then
		ok "native echo ready in < 1 ms is measured below 2 ms (best of 5: $best ms)"
	else
		nok "native echo boot_to_ready below 2 ms (got $st, best '$best')" "$tmp/err"
	fi
	grep -q ',native,echo,rss_loaded,KiB,' "$tmp/r16/samples.csv" &&
		ok "native echo: rss_loaded read during the load" || nok "native echo rss_loaded" "$tmp/r16/samples.csv"
else
	skip "native echo readiness below 2 ms" "build/workloads/echo not built"; skip "native echo rss_loaded" "build/workloads/echo not built"
fi
# wrk errors fail the sample, and a failed launch leaves none of its samples:
# httpd taking 2 connections while wrk opens 8 answers some with a close
if [ -x "$BUILD/workloads/httpd" ] && command -v wrk >/dev/null; then
	status env UKBENCH_NET=user "$UK" run -t native -w httpd --args "--max-conns 2" --reps 1 --warmup 0 --duration 1 -o "$tmp/r17"
	if [ $st = 1 ] && grep -q 'native,httpd,1,"wrk: [0-9]* errors' "$tmp/r17/failures.csv" &&
		! grep -q ',native,httpd,' "$tmp/r17/samples.csv"; then
		ok "wrk errors: the sample failed with the reason, none of the launch's samples kept"
	else
		nok "wrk errors fail the sample (got $st)" "$tmp/r17/samples.csv"
	fi
else
	skip "wrk errors fail the sample" "needs wrk and build/workloads/httpd"
fi
# stream: the sink's own byte count must match what was sent
if [ -x "$BUILD/workloads/stream" ]; then
	status env UKBENCH_NET=user "$UK" run -t native -w stream --reps 1 --warmup 0 --duration 1 -o "$tmp/r18"
	[ $st = 0 ] && grep -q ',native,stream,gbit_per_s,' "$tmp/r18/samples.csv" &&
		ok "native stream: Gbit/s counted only after the sink's byte count agreed" || nok "native stream (got $st)" "$tmp/err"
else
	skip "native stream cross-check" "build/workloads/stream not built"
fi
if [ "$(id -u)" = 0 ] && command -v runc >/dev/null && [ -f "$BUILD/container/hello/config.json" ]; then
	status "$UK" run -t container -w hello --reps 2 --warmup 0 -o "$tmp/r7"
	[ $st = 0 ] && [ "$(grep -c ',container,hello,boot_to_ready,' "$tmp/r7/samples.csv")" = 2 ] &&
		ok "container hello: runc run, 2 samples" || nok "container hello (got $st)" "$tmp/err"
	# Ctrl-C in the middle of a container's load phase
	"$UK" run -t container -w echo --reps 1 --warmup 0 --duration 60 -o "$tmp/r8" >"$tmp/out" 2>"$tmp/err" &
	pid=$!; started="$started $pid"
	for _ in $(seq 150); do runc list 2>/dev/null | grep -q "^ukb-$pid-" && break; sleep 0.1; done
	sleep 1
	kill -INT $pid
	for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then kill -KILL $pid; nok "Ctrl-C during a container load: ukbench exits"; else wait $pid; ok "Ctrl-C during a container load: ukbench exits"; fi
	left="$(runc list 2>/dev/null | grep "^ukb-$pid-")$(ip netns list 2>/dev/null | grep "^ukb${pid}n")"
	[ -z "$left" ] && ok "Ctrl-C: no container, veth or namespace left" || nok "Ctrl-C left: $left"
	# SIGKILL cannot be caught: the next run removes what the killed one left
	"$UK" run -t container -w echo --reps 1 --warmup 0 --duration 60 -o "$tmp/r13" >"$tmp/out" 2>"$tmp/err" &
	pid=$!; started="$started $pid"
	for _ in $(seq 150); do runc list 2>/dev/null | grep -q "^ukb-$pid-" && break; sleep 0.1; done
	sleep 0.5
	kill -KILL $pid; wait $pid 2>/dev/null
	"$UK" run -t native -w hello --reps 1 --warmup 0 -o "$tmp/r14" >/dev/null 2>"$tmp/err"
	left="$(runc list 2>/dev/null | grep "^ukb-$pid-")$(ip netns list 2>/dev/null | grep "^ukb${pid}n")$(ls -d /tmp/ukbench.$pid.* 2>/dev/null)"
	[ -z "$left" ] && grep -q 'removed [0-9]* leftovers' "$tmp/err" && ok "after a SIGKILL, the next run removes the leftovers" ||
		nok "after a SIGKILL: left $left" "$tmp/err"
else
	for d in 1 2 3 4; do skip "container test $d" "needs root, runc and build/container/hello"; done
fi

# ---- qemu-image with a console marker: a guest this test builds itself ----
if command -v qemu-system-x86_64 >/dev/null && command -v ld >/dev/null; then
	cat >"$tmp/marker.S" <<'EOT'
/* prints "marker-guest: up" on COM1, then halts forever (ready = marker) */
	.code32
	.text
	.globl _start
_start:	movl $msg, %esi
1:	movb (%esi), %al
	testb %al, %al
	jz 3f
	movw $0x3f8, %dx
	outb %al, %dx
	incl %esi
	jmp 1b
3:	cli
	hlt
	jmp 3b
msg:	.asciz "marker-guest: up\n"
EOT
	if cc -m32 -c -o "$tmp/marker.o" "$tmp/marker.S" && cc -m32 -c -o "$tmp/note.o" "$here/guest/pvh_note.S" &&
		ld -m elf_i386 -n -s --no-warn-rwx-segments -T "$here/guest/guest.ld" -o "$tmp/marker.elf" "$tmp/marker.o" "$tmp/note.o"; then
		cat >"$tmp/marker.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 2
timeout = 20
[target marker-guest]
kind = qemu-image
kernel = $tmp/marker.elf
ready = marker:marker-guest: up
[target wrong-marker]
kind = qemu-image
kernel = $tmp/marker.elf
ready = marker:never printed
[run a]
targets = marker-guest
workloads = hello
[run b]
targets = wrong-marker
workloads = hello
reps = 1
timeout = 2
EOT
		status "$UK" bench -o "$tmp/r12" "$tmp/marker.ini"
		[ $st = 1 ] && [ "$(grep -c ',marker-guest,hello,boot_to_ready,' "$tmp/r12/samples.csv")" = 2 ] &&
			ok "qemu-image built by the test: ready at its console marker, 2 samples" || nok "qemu-image marker (got $st)" "$tmp/err"
		if pgrep -f "$tmp/marker.elf" >/dev/null; then nok "marker guest's QEMU stopped after measuring"; else ok "marker guest's QEMU stopped after measuring"; fi
	else
		nok "building the marker guest"; skip "marker guest's QEMU stopped" "no guest"
	fi
else
	skip "qemu-image marker guest" "qemu or ld missing"; skip "marker guest's QEMU stopped" "qemu or ld missing"
fi
# a failed launch keeps its console in logs/
grep -q 'marker-guest: up' "$tmp/r12/logs/wrong-marker-hello-rep1.log" 2>/dev/null && ok "a failed launch's console is kept in logs/" || nok "logs/ of a failed launch"

# ---- experiments/smoke.ini end to end, a missing tool, progress on a terminal ----
if [ "$(id -u)" = 0 ] && command -v runc >/dev/null && command -v wrk >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
	[ -x "$BUILD/workloads/httpd" ] && [ -f "$BUILD/refkernel/hello.img" ] && [ -f "$BUILD/container/httpd/config.json" ]; then
	"$UK" bench -o "$tmp/r9" "$root/experiments/smoke.ini" >"$tmp/out" 2>"$tmp/err" &
	pid=$!; started="$started $pid"; wait $pid; st=$?
	[ $st = 0 ] && [ "$(grep -c ',boot_to_ready,' "$tmp/r9/samples.csv")" -ge 12 ] && grep -q ',container,httpd,req_per_s,' "$tmp/r9/samples.csv" &&
		"$UK" plot -o "$tmp/p9" "$tmp/r9" >/dev/null 2>&1 && head -c 4 "$tmp/p9/req_per_s.png" | grep -q PNG &&
		ok "experiments/smoke.ini: hello everywhere + httpd on native and container, result files and PNGs" ||
		nok "experiments/smoke.ini (got $st)" "$tmp/err"
else
	skip "experiments/smoke.ini end to end" "needs root, runc, wrk, qemu and the built workloads, refkernel and bundles"
fi
mkdir -p "$tmp/path" && ln -sf "$(command -v ip || echo /usr/sbin/ip)" "$tmp/path/ip"
status env PATH="$tmp/path" "$UK" run -t native -w httpd
[ $st = 2 ] && grep -q 'needs wrk, which is not installed' "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	ok "missing tool: one line naming it, exit 2 before anything starts" || nok "missing tool (got $st)" "$tmp/err"
if command -v script >/dev/null && [ -x "$BUILD/workloads/hello" ]; then
	script -qec "$UK run -t native -w hello --reps 2 --warmup 1 -o $tmp/r10" /dev/null >"$tmp/tty" 2>&1
	grep -q '\[1/3\] hello on native, warm-up 1/1 \.\.\. [0-9]*s elapsed' "$tmp/tty" &&
		grep -q '\[3/3\] hello on native, rep 2/2 \.\.\. [0-9]*s elapsed, ~[0-9]*s left' "$tmp/tty" &&
		ok "progress lines on a terminal" || nok "progress lines on a terminal" "$tmp/tty"
	"$UK" run -t native -w hello --reps 1 --warmup 0 -o "$tmp/r11" >"$tmp/out" 2>"$tmp/err"
	[ ! -s "$tmp/err" ] && ok "quiet when not a terminal" || nok "quiet when not a terminal" "$tmp/err"
else
	skip "progress lines on a terminal" "script(1) or build/workloads/hello missing"
	skip "quiet when not a terminal" "script(1) or build/workloads/hello missing"
fi

[ $failed = 0 ]
