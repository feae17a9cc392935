# stacked.gp: Unikraft Fig. 10's form: one horizontal bar per system, the
# VMM's share and the guest's stacked (ms). Called by scripts/reproduce.sh
# with -e setting datafile (rows "label vmm guest"), outbase, plottitle.
# Horizontal bars are boxxyerror boxes: x from the left edge to the right.
set datafile missing '?'
set style fill solid 0.8 border -1
set key tmargin center horizontal noenhanced
set grid xtics
set xlabel "boot time (ms, median)"
set title plottitle noenhanced
set ytics noenhanced nomirror
set yrange [-0.6:*] reverse
set xrange [0:*]
plotcmd = "plot datafile using ($2/2):0:($2/2):(0.35):ytic(1) with boxxyerror title 'VMM (launch to QMP ready)', '' using ($2+$3/2):0:($3/2):(0.35) with boxxyerror title 'guest (cont to exit)'"

set terminal pngcairo size 900,480 font "DejaVu Sans,11"
set output outbase.".png"
eval plotcmd
set terminal svg size 900,480 font "DejaVu Sans,11"
set output outbase.".svg"
eval plotcmd
