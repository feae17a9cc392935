#!/bin/sh
# mkconfig.sh SRC OBJ FRAGMENT: write OBJ/.config = tinyconfig + FRAGMENT, and
# check that every line of FRAGMENT holds in it. tinyconfig is allnoconfig
# with kernel/configs/tiny-base.config, then tiny.config and the arch's
# tiny.config; we give all of those and FRAGMENT to allnoconfig in one go
# (KCONFIG_ALLCONFIG, later lines win), so every option we did not ask for
# stays off instead of taking its default. A requested option that did not
# hold stops with one line naming it: the kernel lacks it, or one of its
# dependencies is missing from FRAGMENT.
set -eu
# Kbuild runs on its own: a parent make's flags (-s, -w, its jobserver) would
# change its output, which these scripts read.
unset MAKEFLAGS MFLAGS MAKELEVEL
[ $# -eq 3 ] || { echo "usage: mkconfig.sh SRC OBJ FRAGMENT" >&2; exit 2; }
src=$1; obj=$2; frag=$3
fail() { echo "linux-tiny: $*" >&2; exit 1; }
[ -f "$src/Makefile" ] || fail "no kernel source in $src"
[ -f "$frag" ] || fail "no config fragment $frag"
mkdir -p "$obj"
obj=$(cd "$obj" && pwd); src=$(cd "$src" && pwd)
all=$obj/allconfig.in
cat "$src/kernel/configs/tiny-base.config" "$src/kernel/configs/tiny.config" \
	"$src/arch/x86/configs/tiny.config" "$frag" > "$all"
make -s -C "$src" O="$obj" ARCH=x86_64 KCONFIG_ALLCONFIG="$all" allnoconfig > "$obj/mkconfig.log" 2>&1 ||
	fail "allnoconfig failed: $(tail -n1 "$obj/mkconfig.log")"

# Every requested line must hold: CONFIG_X=v as is, "# CONFIG_X is not set"
# as absent or not set.
grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$frag" | while IFS= read -r line; do
	case $line in
	'# '*)	sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$obj/.config"; then
			fail "$sym is requested off but is on ($(grep "^$sym=" "$obj/.config")): something selects it"
		fi ;;
	*)	sym=${line%%=*}
		grep -qxF "$line" "$obj/.config" && continue
		name=${sym#CONFIG_}
		if ! grep -rqE --include='Kconfig*' "^[[:space:]]*(menu)?config $name\$" "$src"; then
			fail "$line is requested but Linux $(make -s -C "$src" kernelversion) has no such option"
		fi
		got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || true)
		fail "$line is requested but the .config has '${got:-nothing}': a dependency of it is off (see 'depends on' of $name)" ;;
	esac
done
