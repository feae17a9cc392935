#!/bin/bash
# measure.sh [REPS]: launch-to-exit of hello on linux-vm (TCG), in a runc
# container and on the refkernel (if build/refkernel/hello.img exists), plus
# linux-vm's ready_us and the image sizes. Prints one line per figure with the
# median of REPS (default 5) runs. Not a benchmark harness: a quick check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/.." && pwd)/build}
reps=${1:-5}
now() { date +%s%N; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# time_ms CMD...: wall ms of one run; the command must exit 0
time_ms() { local s e; s=$(now); "$@" > "$log" 2>&1 || { echo "measure: '$*' failed:" >&2; tail -n 3 "$log" >&2; return 1; }; e=$(now); echo $(((e - s) / 1000000)); }
log=$(mktemp); trap 'rm -f "$log"' EXIT

vm=(); ready=()
for ((i = 0; i < reps; i++)); do
	vm+=("$(time_ms env BUILD="$BUILD" "$here/linux/run.sh" hello)") || exit 1
	ready+=("$(sed -n 's/^linux-vm: ready_us=\([0-9]*\).*/\1/p' "$log")")
done
echo "linux-vm hello launch_to_exit_ms median=$(printf '%s\n' "${vm[@]}" | median) all=${vm[*]} (TCG)"
echo "linux-vm hello ready_us median=$(printf '%s\n' "${ready[@]}" | median) all=${ready[*]}"
echo "linux-vm image vmlinux_bytes=$(stat -c %s "$BUILD/linux-vm/vmlinux") cpio_gz_bytes=$(stat -c %s "$BUILD/linux-vm/hello.cpio.gz") ($(cut -d' ' -f1-2 "$BUILD/linux-vm/VERSION"))"
if [ "$(id -u)" = 0 ] && command -v runc >/dev/null; then
	c=()
	for ((i = 0; i < reps; i++)); do c+=("$(time_ms env BUILD="$BUILD" "$here/container/run.sh" hello)") || exit 1; done
	echo "container hello launch_to_exit_ms median=$(printf '%s\n' "${c[@]}" | median) all=${c[*]} (runc $(runc --version | head -n1 | cut -d' ' -f3))"
	if command -v podman >/dev/null; then
		c=()
		for ((i = 0; i < reps; i++)); do c+=("$(time_ms env BUILD="$BUILD" RUNTIME=podman "$here/container/run.sh" hello)") || exit 1; done
		echo "container hello (podman) launch_to_exit_ms median=$(printf '%s\n' "${c[@]}" | median) all=${c[*]} ($(podman --version))"
	fi
	echo "container image rootfs_bytes=$(du -sb "$BUILD/container/hello/rootfs" | cut -f1)"
fi
img=$BUILD/refkernel/hello.img
if [ -f "$img" ]; then
	khz=$("$BUILD/linux-vm/tools/tsckhz"); r=()
	for ((i = 0; i < reps; i++)); do
		s=$(now)
		timeout 60 qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 64 -smp 1 -nodefaults \
			-no-user-config -nographic -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
			-kernel "$img" -append "tsc_khz=$khz --" </dev/null > "$log" 2>&1
		st=$?; e=$(now)
		[ $st -eq 1 ] || { echo "measure: refkernel hello exited with QEMU status $st" >&2; tail -n 3 "$log" >&2; break; }
		r+=($(((e - s) / 1000000)))
	done
	[ ${#r[@]} -eq 0 ] || echo "refkernel hello launch_to_exit_ms median=$(printf '%s\n' "${r[@]}" | median) all=${r[*]} (TCG, -m 64) image_bytes=$(stat -c %s "$img")"
fi
