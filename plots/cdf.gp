# cdf.gp: latency CDFs of one workload, one line per target.
# Called by `ukbench plot` with -e setting:
#   files     blank-separated CSV files "latency_us,cdf" (a header line first)
#   titles    their targets, blank separated
#   outbase   output path without extension (.png and .svg are written)
#   plottitle
set datafile separator ','
set key bottom right noenhanced
set grid
set logscale x
set xlabel 'latency (us), log scale'
set ylabel 'fraction of requests at or below'
set yrange [0:1]
set title plottitle noenhanced
plotcmd = "plot for [i=1:words(files)] word(files, i) using 1:2 every ::1 with steps lw 2 title word(titles, i)"

set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outbase.".png"
eval plotcmd
set terminal svg size 900,540 font "DejaVu Sans,11"
set output outbase.".svg"
eval plotcmd
