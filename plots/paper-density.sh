#!/bin/sh
# paper-density.sh FIG SETDIR: LightVM's and Firecracker's curves from a
# result set's summary.csv, drawn by paper-lines.gp into SETDIR as
# paper-<FIG>[-<part>].{png,svg,dat} (the .dat holds the medians drawn).
#   lightvm-density     boot_to_ready and pss_per_instance vs N (target-nN)
#   firecracker-memory  pss_vmm vs guest memory (target-mM), and pss_vmm_anon
# scripts/reproduce.sh calls it for these figures; by hand it redraws a set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 2 ] && [ -s "$2/summary.csv" ] || { echo "usage: paper-density.sh FIG SETDIR (with summary.csv)" >&2; exit 2; }
fig=$1 set=$2 s=$2/summary.csv name=$(basename "$2")

# curve METRIC SUFFIX SCALE "TARGETS": rows "x v1 v2 ..." of medians, the x
# taken from the target's -n<N> or -m<M> suffix, '?' where absent
curve() {
	awk -F, -v metric="$1" -v sfx="$2" -v scale="$3" -v cols="$4" '
	NR > 1 && $5 == metric {
		t = $3; x = t; re = "-" sfx "[0-9]+$"
		if (!match(t, re)) next
		x = substr(t, RSTART + 2); t = substr(t, 1, RSTART - 1)
		v[x, t] = $8 * scale; xs[x] = 1
	}
	END {
		nc = split(cols, cl, " ")
		for (x in xs) {
			line = x
			for (k = 1; k <= nc; k++) line = line " " (((x, cl[k]) in v) ? sprintf("%.6g", v[x, cl[k]]) : "?")
			print line
		}
	}' "$s" | sort -n
}
draw() {	# draw DAT OUTBASE "TITLES" XLABEL YLABEL TITLE LOGX LOGY
	n=$(echo "$3" | wc -w)
	gnuplot -e "datafile='$1'; outbase='$2'; ncols=$n; titles='$3'; xlabel='$4'; ylabel='$5'; plottitle='$6'; logx=$7; logy=$8" \
		"$here/paper-lines.gp"
}
case $fig in
lightvm-density)
	t="refkernel linux-vm container"
	curve boot_to_ready n 1 "$t" >"$set/paper-$fig-boot.dat"
	draw "$set/paper-$fig-boot.dat" "$set/paper-$fig-boot" "$t" "instances already running (N)" \
		"launch of one more until it answers (ms, median)" "LightVM: boot time vs running instances (ours: $name)" 1 1
	curve pss_per_instance n 0.0009765625 "$t" >"$set/paper-$fig-memory.dat"
	draw "$set/paper-$fig-memory.dat" "$set/paper-$fig-memory" "$t" "instances running (N)" \
		"PSS per running instance (MiB, median)" "LightVM: memory per instance (ours: $name)" 1 1 ;;
firecracker-memory)
	t="idle-guest refkernel linux-vm"
	curve pss_vmm m 0.0009765625 "$t" >"$set/paper-$fig.dat"
	draw "$set/paper-$fig.dat" "$set/paper-$fig" "$t" "guest memory (MiB)" \
		"VMM overhead: PSS minus guest RAM (MiB, median)" "Firecracker: VMM memory overhead (ours: $name)" 1 0
	curve pss_vmm_anon m 0.0009765625 "$t" >"$set/paper-$fig-anon.dat"
	draw "$set/paper-$fig-anon.dat" "$set/paper-$fig-anon" "$t" "guest memory (MiB)" \
		"anonymous part of the VMM overhead (MiB, median)" "Firecracker: VMM overhead, unshared part (ours: $name)" 1 0 ;;
*)
	echo "paper-density.sh: no curves for '$fig' (lightvm-density, firecracker-memory)" >&2
	exit 2 ;;
esac
