#!/bin/sh
# run.sh W [ARGS...]: boot build/linux-tiny/vmlinux with linux-vm's initramfs
# (build/linux-vm/W.cpio.gz) through linux-vm's own launcher with KERNEL=,
# so that QEMU's options, memory, network, kernel command line and
# exit-status handling are the same, byte for byte. Environment and exit
# status: ../linux/run.sh (its messages say "linux-vm:").
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
KERNEL=$BUILD/linux-tiny/vmlinux
[ -f "$KERNEL" ] || { echo "linux-tiny: no $KERNEL (make -C baselines/linux-tiny first)" >&2; exit 255; }
export BUILD KERNEL
exec "$here/../linux/run.sh" "$@"
