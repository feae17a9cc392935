#!/bin/sh
# reproduce.sh: the published figures of docs/reproduce.md, one experiment
# file each (experiments/papers/<fig>.ini). `make reproduce` runs them all,
# `make reproduce FIG=<fig>` one (or several, blank separated).
#   for each figure: ukbench bench --dry-run (checks the file, estimates),
#   ukbench bench (its own progress line per launch on a terminal), then
#   report.md and the plot in the paper's form (plots/paper-*.gp) inside
#   the result set: paper-<fig>.{png,svg} and paper-<fig>.dat (the numbers
#   drawn). Between figures: figure k/N and the estimated time left.
# A figure whose run had failures still gets its report and plot; the exit
# status is 1 if any figure had a failed measurement, 2 for an unknown FIG.
# Peers' images (Unikraft, OSv, Solo5) come from $UKB_PEERS (default
# experiments/papers/peers/); absent ones are skipped with the reason.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}
UK=$BUILD/ukbench
dir=$root/experiments/papers
figs=${FIG:-}
[ $# -gt 0 ] && [ "$1" != --plot ] && figs="$*"
if [ -z "$figs" ]; then
	figs=$(cd "$dir" && ls *.ini | sed 's/\.ini$//')
fi
[ "${1:-}" = --plot ] && figs=""
for f in $figs; do
	if [ ! -f "$dir/$f.ini" ]; then
		echo "reproduce: no figure '$f'; there are: $(cd "$dir" && ls *.ini | sed 's/\.ini$//' | tr '\n' ' ')" >&2
		exit 2
	fi
done

# "~11min" / "~50s" / "~1.5h" from the dry run's last line -> seconds
est_secs() {
	"$UK" bench --dry-run "$dir/$1.ini" 2>/dev/null | tail -1 |
		sed -n 's/.*estimated ~\([0-9.]*\)\(s\|min\|h\) .*/\1 \2/p' |
		awk '{ m = $2 == "h" ? 3600 : $2 == "min" ? 60 : 1; printf "%d\n", $1 * m }'
}
fmt() { awk -v s="$1" 'BEGIN { if (s < 90) printf "%ds", s; else if (s < 5400) printf "%.0f min", s / 60; else printf "%.1f h", s / 3600 }'; }

# pivot SUMMARY ROWFIELD COLFIELD METRIC SCALE COL... : rows "label v1 v2 ..."
# of medians (x SCALE), rows in order of first appearance, '?' where absent.
# ROWFIELD/COLFIELD: target or workload. Labels keep no blanks.
pivot() {
	awk -F, -v rf="$2" -v cf="$3" -v metric="$4" -v scale="$5" -v cols="$6" '
	NR == 1 { next }
	$5 == metric {
		r = rf == "target" ? $3 : $4; c = cf == "target" ? $3 : $4
		if (!(r in seen)) { seen[r] = 1; order[++nr] = r }
		v[r, c] = $8 * scale
	}
	END {
		nc = split(cols, cl, " ")
		for (i = 1; i <= nr; i++) {
			line = order[i]
			for (k = 1; k <= nc; k++)
				line = line " " ((order[i], cl[k]) in v ? sprintf("%.6g", v[order[i], cl[k]]) : "?")
			print line
		}
	}' "$1"
}

grouped() {	# grouped DAT OUTBASE "TITLES" YLABEL TITLE LOGY
	n=$(echo "$3" | wc -w)
	gnuplot -e "datafile='$1'; outbase='$2'; ncols=$n; titles='$3'; ylabel='$4'; plottitle='$5'; logy=$6" \
		"$root/plots/paper-grouped.gp"
}

plot_fig() {	# plot_fig FIG SETDIR: the figure in the paper's form
	s=$2/summary.csv out=$2/paper-$1
	[ -s "$s" ] || { echo "reproduce: $1: no summary.csv in $2, no plot" >&2; return 1; }
	case $1 in
	unikraft-fig09-image-size)
		pivot "$s" target workload image_size 0.000001 "hello nginx redis" >"$out.dat"
		grouped "$out.dat" "$out" "hello nginx redis" "image size (MB)" \
			"Unikraft Fig. 9: image size per system, log scale (ours: $(basename "$2"))" 1 ;;
	unikraft-fig10-boot|firecracker-boot)
		# VMM share (vmm_start) and guest share (cont_to_ready) per target
		awk -F, 'NR > 1 && ($5 == "vmm_start" || $5 == "cont_to_ready") {
			if (!($3 in seen)) { seen[$3] = 1; o[++n] = $3 }
			v[$3, $5] = $8 }
			END { for (i = 1; i <= n; i++) printf "%s %s %s\n", o[i], v[o[i], "vmm_start"], v[o[i], "cont_to_ready"] }' "$s" >"$out.dat"
		gnuplot -e "datafile='$out.dat'; outbase='$out'; plottitle='$1: boot time, VMM and guest (ours: $(basename "$2"))'" \
			"$root/plots/paper-stacked.gp" ;;
	unikraft-fig11-min-mem)
		pivot "$s" target workload min_mem 1 "hello nginx redis" >"$out.dat"
		grouped "$out.dat" "$out" "hello nginx redis" "minimum memory (MiB)" \
			"Unikraft Fig. 11: minimum memory per system (ours: $(basename "$2"))" 0 ;;
	unikraft-fig12-redis)
		pivot "$s" target workload ops_per_s 0.001 "redis/GET-P16 redis/SET-P16 redis/GET-P1 redis/SET-P1" >"$out.dat"
		grouped "$out.dat" "$out" "GET-P16 SET-P16 GET-P1 SET-P1" "throughput (K req/s)" \
			"Unikraft Fig. 12: Redis, redis-benchmark (ours: $(basename "$2"))" 0 ;;
	unikraft-fig13-nginx)
		pivot "$s" target workload req_per_s 0.001 "nginx httpd" >"$out.dat"
		grouped "$out.dat" "$out" "nginx httpd" "throughput (K req/s)" \
			"Unikraft Fig. 13: nginx, wrk (ours: $(basename "$2"))" 0 ;;
	lupine-kml)
		# system calls: one group per test, ring 0 / ring 3 / Linux
		awk -F, 'NR > 1 && $5 == "ns_per_op" && $4 ~ /^syscall\// { print }' "$s" >"$out.sys.csv"
		{ echo h; cat "$out.sys.csv"; } | pivot /dev/stdin workload target ns_per_op 1 "refkernel ring3 linux-vm" |
			sed 's/^syscall\///' >"$out.dat"
		grouped "$out.dat" "$out" "ring0(refkernel) ring3(prot=ring3) linux-vm" "ns per call (median)" \
			"Lupine: system calls at ring 0 vs ring 3 (ours: $(basename "$2"))" 1
		# applications: throughput relative to ring 0
		awk -F, 'NR > 1 && ($5 == "req_per_s" || $5 == "ops_per_s") && $4 !~ /^syscall/ {
			t = $3; if (t ~ /^ring3/) t = "ring3"
			if (!($4 in seen)) { seen[$4] = 1; o[++n] = $4 }
			v[$4, t] = $8 }
			END { for (i = 1; i <= n; i++) { b = v[o[i], "refkernel"]
				printf "%s", o[i]
				split("refkernel ring3 linux-vm", ts, " ")
				for (k = 1; k <= 3; k++) printf " %s", (b > 0 && (o[i], ts[k]) in v) ? sprintf("%.3f", v[o[i], ts[k]] / b) : "?"
				print "" } }' "$s" >"$out-apps.dat"
		grouped "$out-apps.dat" "$out-apps" "ring0(refkernel) ring3(prot=ring3) linux-vm" "throughput / ring 0" \
			"Lupine: nginx and redis at ring 0 vs ring 3 (ours: $(basename "$2"))" 0
		rm -f "$out.sys.csv" ;;
	lightvm-density|firecracker-memory)
		"$root/plots/paper-density.sh" "$1" "$2" ;;
	*)
		echo "reproduce: $1: no paper-form plot; ukbench plot draws its bars" >&2
		"$UK" plot "$2" >/dev/null ;;
	esac
}

# --plot FIG SETDIR: draw an existing result set in the paper's form
if [ "${1:-}" = --plot ]; then
	[ $# = 3 ] && [ -d "$3" ] || { echo "usage: reproduce.sh --plot FIG SETDIR" >&2; exit 2; }
	plot_fig "$2" "$3"
	exit
fi
n=$(echo "$figs" | wc -w)
total=0
for f in $figs; do total=$((total + $(est_secs "$f"))); done
echo "reproduce: $n figure(s), estimated ~$(fmt $total) under TCG"
k=0 done_est=0 t0=$(date +%s) st=0 summary=""
for f in $figs; do
	k=$((k + 1))
	est=$(est_secs "$f")
	el=$(($(date +%s) - t0))
	left=$((total - done_est))
	[ $done_est -gt 0 ] && left=$(awk -v e="$el" -v d="$done_est" -v l="$left" 'BEGIN { printf "%d", l * e / d }')
	echo "== [$k/$n] $f (estimated ~$(fmt "$est"); ~$(fmt "$left") left in all)"
	"$UK" bench --dry-run "$dir/$f.ini" >/dev/null || { st=2; summary="$summary
  $f: refused (see above)"; continue; }
	set_dir=$("$UK" bench "$dir/$f.ini" | tail -1)
	if [ -z "$set_dir" ] || [ ! -d "$set_dir" ]; then
		st=1
		summary="$summary
  $f: no result set"
		continue
	fi
	"$UK" report "$set_dir" >"$set_dir/report.md" 2>/dev/null
	if [ -s "$set_dir/failures.csv" ] && [ "$(wc -l <"$set_dir/failures.csv")" -gt 1 ]; then
		nf=$(($(wc -l <"$set_dir/failures.csv") - 1))
		nsk=$(grep -c '"skipped: ' "$set_dir/failures.csv")
		note="$nf failed or skipped rows ($nsk skipped: absent peers), failures.csv"
		[ "$nf" -gt "$nsk" ] && st=1
	else
		note="no failures"
	fi
	plot_fig "$f" "$set_dir" || st=1
	summary="$summary
  $f: $set_dir ($note); plot $set_dir/paper-$f.svg"
	done_est=$((done_est + est))
done
echo "reproduce: done in $(fmt $(($(date +%s) - t0)))$summary"
exit $st
