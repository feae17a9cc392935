/* test_stats.c: statistics against values worked out by hand. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <unistd.h>

#include "ukb.h"

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 1e-9, "%.12g != %.12g", (double)(a), (double)(b))

Test(stats, quantile_type7)
{
	double x[] = { 1, 2, 3, 4 };

	NEAR(st_quantile(x, 4, 0.5), 2.5);
	NEAR(st_quantile(x, 4, 0.25), 1.75);	/* h = 0.75 */
	NEAR(st_quantile(x, 4, 0.75), 3.25);	/* h = 2.25 */
	NEAR(st_quantile(x, 4, 0), 1);
	NEAR(st_quantile(x, 4, 1), 4);
	NEAR(st_quantile(x, 1, 0.5), 1);
	cr_assert(isnan(st_quantile(x, 0, 0.5)));
}

Test(stats, median_ci_ranks)
{
	int lo, hi;
	double c;

	st_median_ci(5, 0.95, &lo, &hi, &c);	/* cannot reach 95%: [min, max] */
	cr_assert_eq(lo, 1);
	cr_assert_eq(hi, 5);
	NEAR(c, 30.0 / 32);
	st_median_ci(6, 0.95, &lo, &hi, &c);
	cr_assert_eq(lo, 1);
	cr_assert_eq(hi, 6);
	NEAR(c, 62.0 / 64);
	st_median_ci(10, 0.95, &lo, &hi, &c);	/* 1 - 2*(1+10)/1024 */
	cr_assert_eq(lo, 2);
	cr_assert_eq(hi, 9);
	NEAR(c, 1 - 22.0 / 1024);
	st_median_ci(20, 0.95, &lo, &hi, &c);	/* 1 - 2*21700/2^20 */
	cr_assert_eq(lo, 6);
	cr_assert_eq(hi, 15);
	NEAR(c, 1 - 43400.0 / 1048576);
}

Test(stats, summarize_unsorted)
{
	double v[] = { 5, 1, 4, 2, 3 };
	struct st_summary s;

	cr_assert_eq(st_summarize(v, 5, &s), 0);
	cr_assert_eq(s.n, 5);
	NEAR(s.median, 3);
	NEAR(s.min, 1);
	NEAR(s.max, 5);
	NEAR(s.p25, 2);
	NEAR(s.p75, 4);
	NEAR(s.ci_lo, 1);
	NEAR(s.ci_hi, 5);
	cr_assert_eq(v[0], 5, "input must not be reordered");
}

Test(stats, summarize_even_and_empty)
{
	double v[] = { 10, 40, 20, 30, 60, 50, 80, 70, 100, 90 };
	struct st_summary s;

	cr_assert_eq(st_summarize(v, 10, &s), 0);
	NEAR(s.median, 55);
	NEAR(s.p25, 32.5);	/* h = 2.25 */
	NEAR(s.p75, 77.5);	/* h = 6.75 */
	NEAR(s.ci_lo, 20);	/* ranks 2 and 9 */
	NEAR(s.ci_hi, 90);
	cr_assert_eq(st_summarize(v, 0, &s), -1);
}

static int need;	/* the fake workload passes with at least this much */
static int calls;

static int fake_pass(void *ctx, int v)
{
	(void)ctx;
	calls++;
	return v >= need;
}

Test(stats, bisection_finds_least_passing_value)
{
	int probes;

	for (need = 1; need <= 256; need++) {
		calls = 0;
		cr_assert_eq(run_bisect(1, 256, fake_pass, NULL, &probes), need);
		cr_assert_eq(probes, calls);
		cr_assert_leq(probes, 9, "%d probes for %d", probes, need);	/* 1 + log2(256) */
	}
	need = 300;
	cr_assert_eq(run_bisect(1, 256, fake_pass, NULL, &probes), -1);
	cr_assert_eq(probes, 1);
}

static int abort_pass(void *ctx, int v)
{
	(void)ctx;
	return v < 100 ? -1 : 1;
}

Test(stats, bisection_abort)
{
	int probes;

	cr_assert_eq(run_bisect(1, 256, abort_pass, NULL, &probes), -2);
}
