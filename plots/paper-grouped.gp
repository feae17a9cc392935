# grouped.gp: a published figure's grouped bars (Unikraft Figs. 9, 11, 12,
# 13; Lupine's): one group per row of the data file, one bar per column.
# Called by scripts/reproduce.sh with -e setting:
#   datafile  rows "label v1 v2 ..." ('?' = no data: a failed or skipped row)
#   outbase   output path without extension (.png and .svg are written)
#   ncols, titles  number of bars per group and their names, blank separated
#   ylabel, plottitle, logy (1: log scale)
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key tmargin center horizontal noenhanced
set grid ytics
set ylabel ylabel noenhanced
set title plottitle noenhanced
set xtics noenhanced nomirror rotate by -25
set yrange [0:*]
if (logy) { set logscale y; set yrange [*:*] }
plotcmd = "plot for [i=1:ncols] datafile using (column(i+1)):xtic(1) title word(titles, i)"

set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outbase.".png"
eval plotcmd
set terminal svg size 900,540 font "DejaVu Sans,11"
set output outbase.".svg"
eval plotcmd
