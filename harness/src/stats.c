/* stats.c: order statistics of one metric's samples: median, quartiles
 * (linear interpolation, Hyndman-Fan type 7, R's default), min/max and the
 * distribution-free 95% confidence interval of the median from binomial order
 * statistics (Le Boudec, "Performance Evaluation", §2.2.1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

double st_quantile(const double *sorted, int n, double q)
{
	double h;
	int lo;

	if (n <= 0)
		return NAN;
	h = (n - 1) * q;
	lo = (int)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/* P(j <= B <= n - j) for B ~ Binomial(n, 1/2): the coverage of the interval
 * [X_(j), X_(n+1-j)] around the median. Computed in logs for large n. */
static double coverage(int n, int j)
{
	double sum = 0;

	for (int i = j; i <= n - j; i++)
		sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
	return sum;
}

/* The narrowest symmetric pair of ranks whose coverage reaches `level`; with
 * too few samples (n < 6 for 95%) that is [min, max] at the lower coverage. */
void st_median_ci(int n, double level, int *lo, int *hi, double *cover)
{
	int j = 1;

	if (n <= 0) {
		*lo = *hi = 0;
		*cover = 0;
		return;
	}
	while (2 * (j + 1) <= n && coverage(n, j + 1) >= level)
		j++;
	*lo = j;
	*hi = n + 1 - j;
	*cover = n == 1 ? 0 : coverage(n, j);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int st_summarize(const double *v, int n, struct st_summary *s)
{
	double *x;
	int lo, hi;

	memset(s, 0, sizeof *s);
	if (n <= 0)
		return -1;
	x = malloc(sizeof *x * (size_t)n);
	if (!x)
		return -1;
	memcpy(x, v, sizeof *x * (size_t)n);
	qsort(x, (size_t)n, sizeof *x, cmp_double);
	s->n = n;
	s->min = x[0];
	s->max = x[n - 1];
	s->median = st_quantile(x, n, 0.5);
	s->p25 = st_quantile(x, n, 0.25);
	s->p75 = st_quantile(x, n, 0.75);
	st_median_ci(n, 0.95, &lo, &hi, &s->ci_level);
	s->ci_lo = x[lo - 1];
	s->ci_hi = x[hi - 1];
	free(x);
	return 0;
}
