#!/bin/bash
# measure.sh [REPS]: launch-to-exit of hello on linux-vm (TCG), in a runc
# container and on the refkernel (if build/refkernel/hello.img exists), plus
# linux-vm's ready_us and the image sizes; as root with build/workloads/httpd,
# also launch-to-first-HTTP-200 of httpd on linux-vm (tap) and runc (veth) in
# a namespace it creates and removes. Prints one line per figure with the
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

# boot_to_ready: launch until httpd answers GET / from the namespace
[ "$(id -u)" = 0 ] && [ -x "$BUILD/workloads/httpd" ] || exit 0
ns=ukbm-$$; cns=ukbm-c-$$; tapif=ukbm$$
cleanup_ns() { ip netns del "$ns" 2>/dev/null; ip netns del "$cns" 2>/dev/null; rm -f "$log"; }
trap cleanup_ns EXIT
ip netns add "$ns"; ip netns add "$cns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tapif" mode tap
ip -n "$ns" addr add 10.214.0.1/24 dev "$tapif"; ip -n "$ns" link set "$tapif" up
ip -n "$ns" link add veth-b type veth peer name veth-c
ip -n "$ns" link set veth-c netns "$cns"
ip -n "$ns" addr add 10.214.1.1/24 dev veth-b; ip -n "$ns" link set veth-b up
ip -n "$cns" link set lo up; ip -n "$cns" addr add 10.214.1.2/24 dev veth-c; ip -n "$cns" link set veth-c up
# ready_ms ADDR CMD...: start CMD in the background, poll GET every 20 ms (60 s
# at most), print the ms from launch to the first 200, stop CMD.
ready_ms() {
	local addr=$1 s e pid i; shift
	s=$(now); "$@" > "$log" 2>&1 & pid=$!
	for ((i = 0; i < 3000; i++)); do
		if ip netns exec "$ns" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/8080" && printf "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3 && head -n1 <&3' "$addr" 2>/dev/null | grep -q '^HTTP/1.1 200'; then
			e=$(now); kill "$pid"; wait "$pid" 2>/dev/null; echo $(((e - s) / 1000000)); return 0
		fi
		sleep 0.02
	done
	kill "$pid"; wait "$pid" 2>/dev/null; echo "measure: httpd never answered on $addr" >&2; return 1
}
v=(); c=()
for ((i = 0; i < reps; i++)); do
	v+=("$(ready_ms 10.214.0.2 ip netns exec "$ns" env TAP="$tapif" IP=10.214.0.2/24 GW=10.214.0.1 BUILD="$BUILD" "$here/linux/run.sh" httpd)") || exit 1
	c+=("$(ready_ms 10.214.1.2 env NETNS=/var/run/netns/$cns BUILD="$BUILD" "$here/container/run.sh" httpd)") || exit 1
done
echo "linux-vm httpd boot_to_ready_ms median=$(printf '%s\n' "${v[@]}" | median) all=${v[*]} (TCG, tap)"
echo "container httpd boot_to_ready_ms median=$(printf '%s\n' "${c[@]}" | median) all=${c[*]} (runc, veth)"
