#!/bin/sh
# apps.sh: apps are folders. A throwaway app (busybox's httpd, one new
# folder in a temporary apps dir, no C) appears in `ukbench list` and is
# measured on native with wrk; a malformed definition stops ukbench with
# "FILE:LINE: ...", exit 2; an app whose package is missing is refused
# before anything starts, exit 2. TAP on stdout.
set -u
BUILD=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
U=$BUILD/ukbench
echo "1..4"
t=$(mktemp -d)
trap 'rm -rf "$t" "$BUILD/apps/tiny.cpio" "$BUILD/apps/tiny.manifest" "$BUILD/native/tiny"' EXIT
mkdir -p "$t/apps/tiny/rootfs/srv/www"
cat > "$t/apps/tiny/app.conf" <<'EOC'
# tiny: busybox's httpd, an app added as one folder
package   = busybox-static
program   = /bin/busybox
args      = httpd -f -p 8080 -h /srv/www
rootfs    = rootfs
port      = 8080
ready     = http
load      = wrk
load_args = -t1 -c4 --timeout 2s
EOC
echo '<html>tiny</html>' > "$t/apps/tiny/rootfs/srv/www/index.html"

if UKBENCH_APPS=$t/apps "$U" list | grep -q '^  tiny .*app: /bin/busybox'; then
	echo "ok 1 - a new folder is a new workload in ukbench list"
else
	echo "not ok 1 - tiny is not in ukbench list"
fi

if [ "$(id -u)" != 0 ] || ! command -v wrk >/dev/null || [ ! -x /bin/busybox ]; then
	echo "ok 2 # SKIP needs root (chroot, namespaces), wrk and busybox-static"
else
	UKBENCH_APPS=$t/apps timeout 120 "$U" run -t native -w tiny --reps 1 --duration 1 -o "$t/res" \
		> "$t/out" 2>&1
	if grep -q '^run,run,native,tiny,req_per_s,' "$t/res/summary.csv" 2>/dev/null &&
	   grep -q "$(sha256sum /bin/busybox | cut -d' ' -f1)" "$t/res/meta.json"; then
		echo "ok 2 - the throwaway app is served and measured on native (req_per_s, program sha256 in meta.json)"
	else
		echo "not ok 2 - no req_per_s for tiny on native"
		sed 's/^/# /' "$t/out" | tail -5
	fi
fi

mkdir -p "$t/bad/broken"
printf 'package = x\nprogram = /bin/true\nready = soon\n' > "$t/bad/broken/app.conf"
UKBENCH_APPS=$t/bad "$U" list > "$t/out" 2>&1; st=$?
if [ $st = 2 ] && grep -q "$t/bad/broken/app.conf:3: ready must be" "$t/out"; then
	echo "ok 3 - a malformed definition: FILE:LINE, exit 2"
else
	echo "not ok 3 - malformed definition gave status $st: $(head -c 200 "$t/out")"
fi

mkdir -p "$t/gone/ghost"
printf 'package = ghost-pkg\nprogram = /usr/bin/no-such-ghost\nready = exit\n' > "$t/gone/ghost/app.conf"
UKBENCH_APPS=$t/gone "$U" run -t native -w ghost --reps 1 -o "$t/res2" > "$t/out" 2>&1; st=$?
if [ $st = 2 ] && grep -q 'Debian package ghost-pkg is not installed (make deps)' "$t/out" && [ ! -d "$t/res2" ]; then
	echo "ok 4 - a missing package is named before anything starts, exit 2"
else
	echo "not ok 4 - missing package gave status $st: $(head -c 200 "$t/out")"
fi
