# bars.gp: one metric of a result set as clustered bars with error bars.
# Called by `ukbench plot` with -e setting:
#   datafile  rows "workload m1 lo1 hi1 m2 lo2 hi2 ..." ('?' = no data)
#   outbase   output path without extension (.png and .svg are written)
#   ntargets  number of targets (bar colours), titles: their names, blank separated
#   ylabel, plottitle, logy (1 for a log scale when values span decades)
set datafile missing '?'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key tmargin center horizontal noenhanced
set grid ytics
set ylabel ylabel noenhanced
set title plottitle noenhanced
set xtics noenhanced nomirror
set yrange [0:*]
if (logy) { set logscale y; set yrange [*:*] }
set bars front
plotcmd = "plot for [i=1:ntargets] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(titles, i)"

set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outbase.".png"
eval plotcmd
set terminal svg size 900,540 font "DejaVu Sans,11"
set output outbase.".svg"
eval plotcmd
