#!/bin/sh
# byoi.sh: bringing another system's image (issue 15), TAP on stdout. Every
# guest and program here is built by this test from the sources below: a PVH
# guest that resets (triple fault), one that exits through a second
# isa-debug-exit at 0x501, and a tiny program that opens a tap by name
# (kind = command). QEMU under TCG; each step bounded by `timeout`.
set -u
tmp=$(mktemp -d /tmp/ukb-byoi.XXXXXX)
. "$(dirname "$0")/tap.sh"
limit=180
# meta JSON-PATH-ish checks with python3 (json.load must succeed)
py() { python3 -c "$1" "$2" >"$tmp/py" 2>&1; }

echo "1..27"

# ---- bad input: file:line, one line, exit 2, before anything starts ----
bad() {	# bad DESC EXPECTED-TEXT: the experiment in $tmp/bad.ini
	status "$UK" bench -o "$tmp/never" "$tmp/bad.ini"
	if [ $st = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$2" "$tmp/err" && [ ! -e "$tmp/never" ]; then
		ok "$1"
	else
		nok "$1 (got $st)" "$tmp/err"
	fi
}
printf '[target t]\nkind = qemu-image\nkernel = /x\ncommand = /bin/true\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
bad "an option the kind does not take: file:line" "bad.ini:4: kind = qemu-image does not take 'command'"
printf '[target t]\nkind = refkernel\nmachine = q35\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
bad "a built-in kind with a qemu-image option: file:line" "bad.ini:3: kind = refkernel does not take 'machine'"
printf '[target t]\nkind = qemu-image\nkernel = /x\n\ndisk = nosuch.img\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
bad "a disk that does not exist: file:line, the path resolved against the file's folder" "bad.ini:5: disk $tmp/nosuch.img does not exist"
printf '[target t]\nkind = qemu-image\nkernel = /x\nready = port:80\nnet_device = rtl8139\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
bad "an unknown net_device: file:line" "bad.ini:5: net_device must be virtio-net-device, virtio-net-pci, e1000 or none"
printf '[target t]\nkind = command\ncommand = /bin/true\nexit_device = 0x501\n[run a]\ntargets = t\nworkloads = hello\n' >"$tmp/bad.ini"
bad "kind = command refuses exit_device: file:line" "bad.ini:4: kind = command does not take 'exit_device'"

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v ld >/dev/null || ! cc -m32 -c -x assembler /dev/null -o "$tmp/t.o" 2>/dev/null; then
	for d in $(seq 6 26); do skip "byoi test $d" "needs qemu-system-x86_64, ld and cc -m32"; done
	[ $failed = 0 ]; exit
fi

# ---- guests of our own ----
guest() {	# guest NAME: $tmp/NAME.S -> $tmp/NAME.elf (PVH, linked at 1 MiB)
	cc -m32 -c -o "$tmp/$1.o" "$tmp/$1.S" && cc -m32 -c -o "$tmp/note.o" "$here/guest/pvh_note.S" &&
		ld -m elf_i386 -n -s --no-warn-rwx-segments -T "$here/guest/guest.ld" -o "$tmp/$1.elf" "$tmp/$1.o" "$tmp/note.o"
}
cat >"$tmp/reset.S" <<'EOT'
/* prints a line, then triple-faults (an empty IDT): the CPU resets */
	.code32
	.text
	.globl _start
_start:	movl $msg, %esi
1:	movb (%esi), %al
	testb %al, %al
	jz 2f
	movw $0x3f8, %dx
	outb %al, %dx
	incl %esi
	jmp 1b
2:	lidt idtr
	int3
3:	hlt
	jmp 3b
	.p2align 3
idtr:	.word 0
	.long 0
msg:	.asciz "reset-guest: resetting\n"
EOT
cat >"$tmp/x501.S" <<'EOT'
/* exits as Unikraft and Solo5 do: code 21 to an isa-debug-exit at 0x501 */
	.code32
	.text
	.globl _start
_start:	movw $0x501, %dx
	movb $21, %al
	outb %al, %dx
1:	hlt
	jmp 1b
EOT
guest reset && guest x501 && cp "$BUILD/harness/null.elf" "$tmp/null.elf" && head -c 65536 /dev/zero >"$tmp/disk.img" ||
	{ echo "Bail out! cannot build the test guests"; exit 1; }

# ---- resets, exit_device, exit lists, foreign failure messages ----
cat >"$tmp/exit.ini" <<EOT
[experiment]
name = exits
accel = tcg
warmup = 0
reps = 2
timeout = 20
[target resetter]
kind = qemu-image
kernel = reset.elf
[target resetter-ok]
kind = qemu-image
kernel = reset.elf
reset_ok = yes
[target x501]
kind = qemu-image
kernel = x501.elf
exit_device = 0x501
exit_code = 21
[target x501-list]
kind = qemu-image
kernel = x501.elf
exit_device = 0x501
exit_status = 1, 43
[target x501-default]
kind = qemu-image
kernel = x501.elf
exit_device = 0x501
[run a]
targets = resetter, resetter-ok, x501, x501-list, x501-default
workloads = hello
EOT
status "$UK" bench -o "$tmp/r1" "$tmp/exit.ini"
[ $st = 1 ] && [ "$(grep -c '^exits,a,resetter,hello,[12],"guest reset (QMP SHUTDOWN, reason guest-reset' "$tmp/r1/failures.csv")" = 2 ] &&
	! grep -q ',resetter,hello,boot_to_ready,' "$tmp/r1/samples.csv" &&
	ok "a guest that resets fails with \"guest reset\" (QMP's SHUTDOWN reason), no samples" || nok "reset guest (got $st)" "$tmp/r1/failures.csv"
[ "$(grep -c ',resetter-ok,hello,boot_to_ready,' "$tmp/r1/samples.csv")" = 2 ] &&
	ok "reset_ok = yes: a reset is how it ends, it passes" || nok "reset_ok" "$tmp/r1/samples.csv"
[ "$(grep -c ',x501,hello,boot_to_ready,' "$tmp/r1/samples.csv")" = 2 ] && [ "$(grep -c ',x501-list,hello,boot_to_ready,' "$tmp/r1/samples.csv")" = 2 ] &&
	ok "exit through a second isa-debug-exit at 0x501 passes (exit_device + exit_code; exit_status as a list)" || nok "exit_device 0x501" "$tmp/r1/failures.csv"
grep -q 'x501-default,hello,1,"QEMU exited with status 43 (expected 1); console: (nothing)"' "$tmp/r1/failures.csv" &&
	! grep -q 'application exited' "$tmp/r1/failures.csv" &&
	ok "a foreign guest's failure reads \"QEMU exited with status N (expected M)\", console tail" || nok "foreign failure message" "$tmp/r1/failures.csv"
py 'import json,sys; m=json.load(open(sys.argv[1])); e={j["target"]: j["ended"] for j in m["jobs"]}
assert e["resetter"] == {"guest-reset": 2}, e; assert e["resetter-ok"] == {"guest-reset": 2}, e; assert e["x501"] == {"exit 43": 2}, e
j=m["jobs"][0]; assert j["cpu"].startswith("max (TCG"), j["cpu"]; assert j["launch_argv"][0] == "qemu-system-x86_64"' "$tmp/r1/meta.json" &&
	ok "meta.json: how each launch ended, and -cpu max recorded as a choice" || nok "meta.json ended/cpu" "$tmp/py"
grep -q ',x501,hello,rss_peak,KiB,' "$tmp/r1/samples.csv" && ok "rss_peak (wait4's ru_maxrss) for a guest ready at exit" || nok "rss_peak" "$tmp/r1/samples.csv"
status "$UK" report "$tmp/r1"
grep -q '^## Experiment exits (r1)' "$tmp/out" && ok "report header names the experiment" || nok "report header" "$tmp/out"

# ---- %i %g %v %k in meta.json's argv, image_size with a disk ----
mkdir -p "$tmp/sub"
cat >"$tmp/sub/subst.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 1
timeout = 20
[target mmio]
kind = qemu-image
kernel = ../null.elf
disk = ../disk.img
append = ip=%i gw=%g %v tsc_khz=%k -- %a
[target mmio-noacpi]
kind = qemu-image
kernel = ../null.elf
disk = ../disk.img
machine = microvm,acpi=off
append = %v
[run a]
targets = mmio, mmio-noacpi
workloads = hello
args = one 'two three'
EOT
status "$UK" bench -o "$tmp/r2" "$tmp/sub/subst.ini"
py 'import json,sys; m=json.load(open(sys.argv[1])); a={j["target"]: j["launch_argv"] for j in m["jobs"]}
ap=a["mmio"][a["mmio"].index("-append")+1]
assert ap.startswith("ip=10.77.0.2/24 gw=10.77.0.1 virtio_mmio.device=512@0xfeb02e00:47 tsc_khz="), ap
assert "%" not in ap, ap
assert ap.endswith(" -- one '"'"'two three'"'"'"), ap
ap2=a["mmio-noacpi"][a["mmio-noacpi"].index("-append")+1]
assert ap2 == "virtio_mmio.device=512@0xfeb00e00:12", ap2' "$tmp/r2/meta.json" &&
	ok "%i %g %v %k expanded in meta.json's argv (microvm slot 23/GSI 47 with ACPI, slot 7/GSI 12 with acpi=off)" || nok "%i/%g/%v in argv (got $st)" "$tmp/py"
want=$(( $(stat -c %s "$tmp/null.elf") + 65536 ))
grep -q ",mmio,hello,image_size,bytes,1,$want\$" "$tmp/r2/samples.csv" && grep -q "\"$tmp/disk.img\": \"" "$tmp/r2/meta.json" &&
	ok "image_size counts the disk ($want bytes), its sha256 in meta.json; relative paths from the file's folder" || nok "image_size with a disk" "$tmp/r2/samples.csv"
py 'import json,sys,shlex; m=json.load(open(sys.argv[1])); j=m["jobs"][0]; l=shlex.split(j["launch"])
assert l == [x for i,x in enumerate(j["launch_argv"]) if x != "-S" and j["launch_argv"][i-1] != "-qmp" and x != "-qmp"], (l, j["launch_argv"])' "$tmp/r2/meta.json" &&
	ok "meta.json's launch line is shell-quoted: it splits back into the argv (less ukbench's -S/-qmp)" || nok "launch line quoting" "$tmp/py"

# ---- ukbench run --experiment FILE -t TARGET ----
status "$UK" run -f "$tmp/sub/subst.ini" -t mmio,native -w hello --reps 2 --warmup 0 --accel tcg -o "$tmp/r3"
[ $st = 0 ] && [ "$(grep -c ',mmio,hello,boot_to_ready,' "$tmp/r3/samples.csv")" = 2 ] &&
	ok "ukbench run --experiment FILE -t mytarget runs the file's target" || nok "run -f (got $st)" "$tmp/err"
status "$UK" run --experiment "$tmp/sub/subst.ini" -t nosuch -w hello
[ $st = 2 ] && grep -q "unknown target 'nosuch'" "$tmp/err" && ok "run -f with an unknown target: exit 2" || nok "run -f unknown target (got $st)" "$tmp/err"

# ---- min_mem below MiB resolution; every failed probe's log kept ----
cat >"$tmp/mm.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 1
timeout = 20
[target nullg]
kind = qemu-image
kernel = null.elf
[run a]
targets = nullg
workloads = hello
min_mem = yes
EOT
t0=$(date +%s)
status "$UK" bench -o "$tmp/r4" "$tmp/mm.ini"
el=$(( $(date +%s) - t0 ))
mm=$(awk -F, '$5=="min_mem" {print $8}' "$tmp/r4/samples.csv")
if [ $st = 0 ] && [ -n "$mm" ] && awk -v v="$mm" 'BEGIN {exit !(v > 1 && v < 2)}'; then
	ok "min_mem below 2 MiB resolution: the null guest needs $mm MiB"
else
	nok "min_mem below 2 MiB (got $st, '$mm')" "$tmp/r4/samples.csv"
fi
logs=$(ls "$tmp/r4/logs/" 2>/dev/null | grep -c '^nullg-hello-min_mem-[0-9]*K\.log$')
[ "$logs" -ge 1 ] && grep -q 'never started: no console output within' "$tmp/r4/logs/nullg-hello-min_mem-1024K.log" &&
	ok "every failed probe's log kept ($logs), a guest that never starts failed quickly (whole bisection ${el}s)" ||
	nok "min_mem probe logs ($logs)" "$tmp/r4/logs/nullg-hello-min_mem-1024K.log"
[ "$el" -lt 60 ] && ok "min_mem bisection does not wait out the timeout on each starved probe (${el}s)" || nok "min_mem took ${el}s"

# ---- baseline per group: two machine types in one table ----
cat >"$tmp/base.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 1
timeout = 30
baseline = null-mv
[target null-mv]
kind = qemu-image
kernel = null.elf
[target null-pc]
kind = qemu-image
kernel = null.elf
machine = pc
[target x-pc]
kind = qemu-image
kernel = x501.elf
machine = pc
exit_device = 0x501
exit_code = 21
baseline_of = null-pc
[run a]
targets = null-mv, null-pc, x-pc
workloads = hello
EOT
status "$UK" bench -o "$tmp/r5" "$tmp/base.ini"
status "$UK" report "$tmp/r5"
row=$(grep '^| hello | boot_to_ready |' "$tmp/out")
xpc=$(awk -F, '$3=="x-pc" && $5=="boot_to_ready" {print $8}' "$tmp/r5/samples.csv")
npc=$(awk -F, '$3=="null-pc" && $5=="boot_to_ready" {print $8}' "$tmp/r5/samples.csv")
ratio=$(awk -v a="$xpc" -v b="$npc" 'BEGIN {if (b > 0) printf "%.3g", a / b}')
grep -q 'Baselines per job: x-pc against null-pc' "$tmp/out" && echo "$row" | grep -q "×$ratio" &&
	ok "baseline_of: x-pc's ratio is to null-pc (×$ratio), the rest to null-mv" || nok "baseline per group (×$ratio)" "$tmp/out"
status "$UK" report --html "$tmp/r5"
hrow=$(grep -A0 'data-metric="boot_to_ready"><td>hello<' "$tmp/r5/report.html" | head -1)
grep -q 'id="bases">Baselines per job: x-pc against null-pc' "$tmp/r5/report.html" &&
	echo "$hrow" | grep -q "&times;$ratio</span></td></tr>" &&
	ok "the HTML report reads x-pc against null-pc too (×$ratio in its last cell)" ||
	nok "HTML baseline per group (×$ratio)" "$tmp/r5/report.html"

# ---- kind = command: a tiny program of ours, a tap by name, cleanup ----
cat >"$tmp/tapper.c" <<'EOT'
/* tapper TAP: attach to the tap by name, send frames from the VMs' MAC,
 * say so, then wait to be killed (ready = marker) */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct ifreq ifr;
	unsigned char f[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x88, 0xb5 };
	int fd = open("/dev/net/tun", O_RDWR);

	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argc > 1 ? argv[1] : "");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
		perror("tapper");
		return 3;
	}
	/* the bridge forwards once linkwatch saw the carrier (within ~1 s): a
	 * frame every 10 ms for 1.2 s, so that some get through */
	for (int i = 0; i < 120; i++) {
		if (write(fd, f, sizeof f) != sizeof f) {
			perror("tapper");
			return 3;
		}
		usleep(10000);
	}
	printf("tapper: up on %s for %s\n", ifr.ifr_name, argc > 2 ? argv[2] : "?");
	fflush(stdout);
	sleep(30);
	return 0;
}
EOT
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && cc -o "$tmp/tapper" "$tmp/tapper.c"; then
	cat >"$tmp/cmd.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 2
timeout = 10
[target tapper]
kind = command
command = $tmp/tapper %t %w
tap = vmtap7
ready = marker:tapper: up on vmtap7
cleanup = touch $tmp/cleaned-%w
[target no-tap]
kind = command
command = $tmp/tapper nosuchtap
exit_status = 3
[run a]
targets = tapper, no-tap
workloads = hello
EOT
	status "$UK" bench -o "$tmp/r6" "$tmp/cmd.ini"
	[ $st = 0 ] && [ "$(grep -c ',tapper,hello,boot_to_ready,' "$tmp/r6/samples.csv")" = 2 ] &&
		grep -q ',tapper,hello,first_frame,ms,' "$tmp/r6/samples.csv" &&
		ok "kind = command: our program attached to the tap named vmtap7, its frame seen on the bridge" || nok "command with a tap (got $st)" "$tmp/r6/failures.csv"
	grep -q ',tapper,hello,pss_ready,KiB,' "$tmp/r6/samples.csv" && grep -q ',tapper,hello,rss_peak,KiB,' "$tmp/r6/samples.csv" &&
		ok "kind = command: pss_ready and rss_peak of the program" || nok "command footprint" "$tmp/r6/samples.csv"
	[ -e "$tmp/cleaned-hello" ] && ! pgrep -f "$tmp/tapper" >/dev/null && ok "kind = command: killed after measuring, its cleanup ran" || nok "command cleanup"
	[ "$(grep -c ',no-tap,hello,boot_to_ready,' "$tmp/r6/samples.csv")" = 2 ] && ok "kind = command: exit_status = 3 accepted (the program's own status)" || nok "command exit_status" "$tmp/r6/failures.csv"
else
	for d in 1 2 3 4; do skip "kind = command with a tap $d" "needs root, ip and cc"; done
fi

# ---- net_device = virtio-net-pci on q35: the refkernel's own httpd ----
if [ "$(id -u)" = 0 ] && command -v wrk >/dev/null && [ -f "$BUILD/refkernel/httpd.img" ]; then
	cat >"$tmp/q35.ini" <<EOT
[experiment]
accel = tcg
warmup = 0
reps = 1
timeout = 60
duration = 1
[target rk-q35]
kind = qemu-image
kernel = $BUILD/refkernel/httpd.img
machine = q35
net_device = virtio-net-pci
ready = port:8080
append = ip=%i gw=%g tsc_khz=%k -- %a
[run a]
targets = rk-q35
workloads = httpd
EOT
	status "$UK" bench -o "$tmp/r7" "$tmp/q35.ini"
	[ $st = 0 ] && grep -q ',rk-q35,httpd,req_per_s,' "$tmp/r7/samples.csv" && grep -q 'virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56' "$tmp/r7/meta.json" &&
		ok "net_device = virtio-net-pci on q35: the refkernel's httpd serves wrk" || nok "q35 virtio-net-pci (got $st)" "$tmp/r7/failures.csv"
else
	skip "net_device = virtio-net-pci on q35" "needs root, wrk and build/refkernel/httpd.img"
fi

[ $failed = 0 ]
