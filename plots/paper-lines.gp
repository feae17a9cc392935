# paper-lines.gp: a published figure's curves against a numeric x (LightVM's
# boot time and memory per instance vs. the instances already running,
# Firecracker's VMM overhead vs. VM memory): one line per column.
# Called with -e setting:
#   datafile  rows "x v1 v2 ..." ('?' = no data), sorted by x
#   outbase   output path without extension (.png and .svg are written)
#   ncols, titles  number of curves and their names, blank separated
#   xlabel, ylabel, plottitle; logx (1: x on a log2 scale, 0 drawn at 0.5
#   and labelled 0); logy (optional, 1: y on a log scale)
set datafile missing '?'
set key tmargin center horizontal noenhanced
set grid
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set title plottitle noenhanced
set yrange [0:*]
if (!exists("logy")) logy = 0
if (logx) { set logscale x 2; set xtics add ("0" 0.5) }
if (logy) { set logscale y; set yrange [*:*] }
xv(x) = (logx && x == 0) ? 0.5 : x
plotcmd = "plot for [i=1:ncols] datafile using (xv($1)):(column(i+1)) with linespoints lw 2 title word(titles, i)"

set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set output outbase.".png"
eval plotcmd
set terminal svg size 900,540 font "DejaVu Sans,11"
set output outbase.".svg"
eval plotcmd
