/* plot.c: `ukbench plot DIR`: for every metric of a result set, writes a data
 * file (workloads x targets: median and the order-statistic CI of the median) into
 * plots/<set>/ and runs gnuplot with plots/bars.gp to draw <metric>.png and
 * <metric>.svg. Reads summary.csv through sm_load (report.c).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

static int quiet;	/* plot_all(..., quiet): no list of written files */

static int metric_done(const struct sm_table *t, int i)
{
	for (int k = 0; k < i; k++)
		if (!strcmp(t->r[k].metric, t->r[i].metric))
			return 1;
	return 0;
}

static int draw(const struct sm_table *t, const char *metric, const char *unit,
		const char *outdir, const char *set, char *why, size_t n)
{
	struct ut_buf d = { 0 }, e = { 0 };
	char datafile[UKB_PATH + 64], outbase[UKB_PATH + 64], script[UKB_PATH];
	double lo = INFINITY, hi = 0;
	int rows = 0, rc;

	ut_buf_printf(&d, "# workload");
	for (int k = 0; k < t->nt; k++)
		ut_buf_printf(&d, " %s lo hi", t->targets[k]);
	ut_buf_printf(&d, "\n");
	for (int i = 0; i < t->nr; i++) {
		int dup = 0;

		if (strcmp(t->r[i].metric, metric))
			continue;
		for (int k = 0; k < i && !dup; k++)
			dup = !strcmp(t->r[k].metric, metric) && !strcmp(t->r[k].label, t->r[i].label);
		if (dup)
			continue;
		ut_buf_printf(&d, "\"%s\"", t->r[i].label);
		for (int k = 0; k < t->nt; k++) {
			const struct sm_row *c = sm_find(t, t->targets[k], t->r[i].label, metric);

			if (!c) {
				ut_buf_printf(&d, " ? ? ?");
				continue;
			}
			ut_buf_printf(&d, " %.10g %.10g %.10g", c->median, c->ci_lo, c->ci_hi);
			if (c->median > 0 && c->median < lo)
				lo = c->median;
			if (c->median > hi)
				hi = c->median;
		}
		ut_buf_printf(&d, "\n");
		rows++;
	}
	snprintf(datafile, sizeof datafile, "%s/%s.dat", outdir, metric);
	snprintf(outbase, sizeof outbase, "%s/%s", outdir, metric);
	if (!rows || ut_write_atomic(datafile, d.p, d.len) != 0) {
		ut_buf_free(&d);
		snprintf(why, n, "cannot write %s", datafile);
		return -1;
	}
	ut_buf_free(&d);
	ut_path(script, sizeof script, "plots/bars.gp");
	ut_buf_printf(&e, "datafile='%s'; outbase='%s'; ntargets=%d; titles='", datafile, outbase,
		      t->nt);
	for (int k = 0; k < t->nt; k++)
		ut_buf_printf(&e, "%s%s", k ? " " : "", t->targets[k]);
	ut_buf_printf(&e, "'; ylabel='%s (%s)'; plottitle='%s: %s (median; bars: order-statistic CI of the median, coverage < 95%% for n < 6)'; logy=%d", metric, unit, set,
		      metric, hi > 0 && lo < INFINITY && hi / lo > 50 ? 1 : 0);
	char *argv[] = { "gnuplot", "-e", e.p, script, NULL };
	char out[256];

	rc = ut_capture(argv, out, sizeof out, 30000);
	ut_buf_free(&e);
	if (rc != 0) {
		snprintf(why, n, "gnuplot failed on %s (status %d): %s", metric, rc, out);
		return -1;
	}
	if (!quiet)
		printf("%s.png\n%s.svg\n", outbase, outbase);
	return 0;
}

/* Latency CDFs: latency-<workload>-<target>.csv files of the set, per workload. */
static int draw_cdfs(const struct sm_table *t, const char *dir, const char *outdir,
		     const char *set)
{
	int failed = 0;

	for (int i = 0; i < t->nr; i++) {
		struct ut_buf files = { 0 }, titles = { 0 }, e = { 0 };
		char script[UKB_PATH], out[256], outbase[UKB_PATH + 64];
		int dup = 0, nf = 0;

		for (int k = 0; k < i && !dup; k++)
			dup = !strcmp(t->r[k].workload, t->r[i].workload);
		if (dup)
			continue;
		for (int k = 0; k < t->nt; k++) {
			char f[UKB_PATH + 128];

			snprintf(f, sizeof f, "%s/latency-%s-%s.csv", dir, t->r[i].workload, t->targets[k]);
			if (ut_file_size(f) <= 0)
				continue;
			ut_buf_printf(&files, "%s%s", nf ? " " : "", f);
			ut_buf_printf(&titles, "%s%s", nf ? " " : "", t->targets[k]);
			nf++;
		}
		if (!nf)
			continue;
		snprintf(outbase, sizeof outbase, "%s/latency-cdf-%s", outdir, t->r[i].workload);
		ut_path(script, sizeof script, "plots/cdf.gp");
		ut_buf_printf(&e, "files='%s'; titles='%s'; outbase='%s'; plottitle='%s: %s latency CDF'",
			      files.p, titles.p, outbase, set, t->r[i].workload);
		char *argv[] = { "gnuplot", "-e", e.p, script, NULL };

		if (ut_capture(argv, out, sizeof out, 30000) != 0) {
			ut_err("plot: gnuplot failed on the %s latency CDF: %s", t->r[i].workload, out);
			failed = 1;
		} else if (!quiet) {
			printf("%s.png\n%s.svg\n", outbase, outbase);
		}
		ut_buf_free(&files);
		ut_buf_free(&titles);
		ut_buf_free(&e);
	}
	return failed;
}

int plot_all(const struct sm_table *t, const char *dir, const char *outdir, const char *set,
	     int q)
{
	char why[UKB_WHY];
	int failed = 0;

	quiet = q;
	for (int i = 0; i < t->nr && !ukb_interrupted; i++) {
		if (metric_done(t, i))
			continue;
		if (draw(t, t->r[i].metric, t->r[i].unit, outdir, set, why, sizeof why) != 0) {
			ut_err("plot: %s", why);
			failed = 1;
		}
	}
	if (!ukb_interrupted)
		failed |= draw_cdfs(t, dir, outdir, set);
	quiet = 0;
	return failed;
}

int plot_main(int argc, char **argv)
{
	const char *dirarg = NULL, *outarg = NULL;
	char dir[UKB_PATH], real[PATH_MAX], outdir[UKB_PATH + 300], why[UKB_WHY];
	struct sm_table t;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: ukbench plot [-o OUTDIR] DIR\n"
			       "Draw a result set's plots with gnuplot (plots/bars.gp): one bar chart per\n"
			       "metric, workloads clustered, one bar per target, error bars = 95%% CI of the\n"
			       "median. Writes plots/<set>/<metric>.png, .svg and .dat (or into OUTDIR).\n");
			return 0;
		}
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outarg = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' || dirarg) {
			ut_err("plot: unexpected argument '%s' (see ukbench plot --help)", argv[i]);
			return 2;
		}
		dirarg = argv[i];
	}
	if (!dirarg) {
		ut_err("plot: which result set? (ukbench plot results/latest)");
		return 2;
	}
	if (report_resolve_dir(dirarg, dir, sizeof dir) != 0 || !realpath(dir, real)) {
		ut_err("plot: %s is not a result set (no summary.csv)", dirarg);
		return 2;
	}
	if (!ut_have_tool("gnuplot")) {
		ut_err("plot: gnuplot is not installed (apt-get install gnuplot-nox)");
		return 2;
	}
	if (sm_load(dir, &t, why, sizeof why) != 0) {
		ut_err("plot: %s", why);
		return 2;
	}
	const char *set = strrchr(real, '/') + 1;

	if (outarg)
		ut_strlcpy(outdir, outarg, sizeof outdir);
	else
		snprintf(outdir, sizeof outdir, "%s/plots/%s", ut_root(), set);
	if (ut_mkdirs(outdir) != 0) {
		ut_err("plot: cannot create %s", outdir);
		sm_free(&t);
		return 1;
	}
	failed = plot_all(&t, dir, outdir, set, 0);
	if (!t.nr)
		ut_err("plot: %s has no samples to draw", dirarg);
	sm_free(&t);
	return failed || !t.nr ? 1 : 0;
}
