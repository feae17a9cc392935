/* test_compare.c: the Mann-Whitney U test against known values (R's
 * wilcox.test), summary.json beside summary.csv, and a result set cut short. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

Test(compare, mann_whitney_exact)
{
	/* R: wilcox.test(x, y, alternative = "g") gives W = 35, p = 0.1272 (its
	 * example); two-sided is twice that */
	double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
	double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 }, u, p;

	cr_assert_eq(st_mann_whitney(x, 10, y, 5, &u, &p), 0);
	cr_assert_float_eq(u, 35, 1e-9);
	cr_assert_float_eq(p, 0.2544122544, 1e-9);
	/* complete separation, 5 vs 5: 2 / C(10, 5) = 0.007937 */
	st_mann_whitney(a, 5, b, 5, &u, &p);
	cr_assert_float_eq(u, 0, 1e-9);
	cr_assert_float_eq(p, 2.0 / 252, 1e-12);
	st_mann_whitney(b, 5, a, 5, &u, &p);	/* symmetric */
	cr_assert_float_eq(u, 25, 1e-9);
	cr_assert_float_eq(p, 2.0 / 252, 1e-12);
	/* 3 vs 3 can never reach p < 0.05: the smallest p is 0.1 */
	st_mann_whitney(a, 3, b, 3, &u, &p);
	cr_assert_float_eq(p, 0.1, 1e-12);
}

Test(compare, mann_whitney_ties)
{
	/* R: wilcox.test(c(1,1,2,2,3), c(2,3,3,4,4)): W = 3, p = 0.05241 (normal
	 * approximation, tie-corrected variance, continuity correction) */
	double x[] = { 1, 1, 2, 2, 3 }, y[] = { 2, 3, 3, 4, 4 }, same[] = { 7, 7, 7 }, u, p;

	cr_assert_eq(st_mann_whitney(x, 5, y, 5, &u, &p), 0);
	cr_assert_float_eq(u, 3, 1e-9);
	cr_assert_float_eq(p, 0.05241162867, 1e-9);
	st_mann_whitney(same, 3, same, 3, &u, &p);	/* all tied: nothing to tell apart */
	cr_assert_float_eq(p, 1, 1e-12);
	cr_assert_eq(st_mann_whitney(x, 0, y, 5, &u, &p), -1);
}

Test(compare, metric_sense)
{
	cr_assert(cp_higher_better("req_per_s"));
	cr_assert(cp_higher_better("gbit_per_s"));
	cr_assert(!cp_higher_better("boot_to_ready"));
	cr_assert(!cp_higher_better("lat_p99_us"));
	cr_assert(!cp_higher_better("ns_per_op"));
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(compare, summary_json_and_cut_short_sets)
{
	char dir[] = "/tmp/ukb-cmp-XXXXXX", why[256], p[256];
	struct rs_set r;
	struct sm_table t;
	json_error_t e;
	json_t *j;

	cr_assert(mkdtemp(dir));
	cr_assert_eq(rs_create(&r, "e", dir, why, sizeof why), 0, "%s", why);
	rs_add(&r, "native", "hello", "boot_to_ready", 1, 2.5);
	rs_add(&r, "native", "hello", "boot_to_ready", 2, 3.5);
	rs_add(&r, "native", "hello", "image_size", 1, 100);
	cr_assert_eq(rs_write(&r, "{}\n"), 0);
	snprintf(p, sizeof p, "%s/summary.json", dir);
	j = json_load_file(p, 0, &e);
	cr_assert_not_null(j, "%s", e.text);
	json_t *row = json_array_get(json_object_get(j, "rows"), 0);
	cr_assert_eq(json_array_size(json_object_get(j, "rows")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(row, "metric")), "boot_to_ready");
	cr_assert_float_eq(json_real_value(json_object_get(row, "median")), 3.0, 1e-9);
	cr_assert_eq(json_integer_value(json_object_get(row, "n")), 2);
	json_decref(j);
	/* summary.csv's last line cut off, failures.csv gone: the rest is read */
	put(dir, "summary.csv", "experiment,job,target,workload,metric,unit,n,median,min,max,p25,p75,ci_lo,ci_hi,ci_level\n"
				"e,run,native,hello,boot_to_ready,ms,2,3,2.5,3.5,2.75,3.25,2.5,3.5,0.5\n"
				"e,run,native,hello,image_si");
	snprintf(p, sizeof p, "%s/failures.csv", dir);
	unlink(p);
	cr_assert_eq(sm_load(dir, &t, why, sizeof why), 0, "%s", why);
	cr_assert_eq(t.nr, 1);
	cr_assert(strstr(t.missing, "summary.csv:3 cut off"), "%s", t.missing);
	cr_assert(strstr(t.missing, "failures.csv missing"), "%s", t.missing);
	sm_free(&t);
	/* summary.csv gone: summarised again from samples.csv */
	snprintf(p, sizeof p, "%s/summary.csv", dir);
	unlink(p);
	cr_assert_eq(sm_load(dir, &t, why, sizeof why), 0, "%s", why);
	cr_assert_eq(t.nr, 2);
	cr_assert_float_eq(t.r[0].median, 3.0, 1e-9);
	cr_assert(strstr(t.missing, "summarised from samples.csv"), "%s", t.missing);
	sm_free(&t);
	rs_free(&r);
	const char *files[] = { "samples.csv", "summary.json", "meta.json" };

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		cr_assert_eq(unlink(p), 0, "%s", files[i]);
	}
	cr_assert_eq(rmdir(dir), 0);
}
