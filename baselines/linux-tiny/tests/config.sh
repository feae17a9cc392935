#!/bin/sh
# config.sh CONFIG README FRAGMENT [SRC]: check a generated .config against
# the README's tables. Prints one line per problem and exits 1 on any:
#   - a `CONFIG_X=v` the README lists as on that the .config does not hold;
#   - a `# CONFIG_X is not set` the README lists as left out that it has on;
#   - a line of FRAGMENT the README does not document;
#   - with SRC (the kernel source), an excluded option no Kconfig defines
#     (a misspelt exclusion would otherwise pass for ever).
# The last line says how many options were checked.
set -u
[ $# -eq 3 ] || [ $# -eq 4 ] || { echo "usage: config.sh CONFIG README FRAGMENT [SRC]" >&2; exit 2; }
cfg=$1; readme=$2; frag=$3; src=${4:-}
for f in "$cfg" "$readme" "$frag"; do [ -f "$f" ] || { echo "config.sh: no $f" >&2; exit 2; }; done
bad=0; on=0; off=0
# table rows whose first cell is `CONFIG_X=v` or `# CONFIG_X is not set`
for line in $(sed -n 's/^| `\(CONFIG_[A-Za-z0-9_]*=[^`]*\)` |.*/\1/p' "$readme"); do
	on=$((on + 1))
	grep -qxF "$line" "$cfg" || { echo "README lists $line, the .config has '$(grep "^${line%%=*}=" "$cfg" || echo "not set")'"; bad=1; }
done
for sym in $(sed -n 's/^| `# \(CONFIG_[A-Za-z0-9_]*\) is not set` |.*/\1/p' "$readme"); do
	off=$((off + 1))
	! grep -q "^$sym=" "$cfg" || { echo "README marks $sym excluded, the .config has $(grep "^$sym=" "$cfg")"; bad=1; }
	[ -z "$src" ] || grep -rqE --include='Kconfig*' "^[[:space:]]*(menu)?config ${sym#CONFIG_}\$" "$src" ||
		{ echo "README marks $sym excluded, but no Kconfig in $src defines it"; bad=1; }
done
grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$frag" | while IFS= read -r line; do
	grep -qF "| \`$line\` |" "$readme" || { echo "$(basename "$frag") has '$line', README.md does not document it"; exit 1; }
done || bad=1
[ "$on" -gt 0 ] && [ "$off" -gt 0 ] || { echo "README has no option tables ($on on, $off excluded)"; bad=1; }
echo "checked $on options on and $off excluded"
exit $bad
