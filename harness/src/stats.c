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

/* Mann-Whitney U (Wilcoxon rank-sum), two-sided: U of a (the number of pairs
 * with a > b, ties counted 1/2) and its p-value. Exact null distribution
 * (all C(N, na) rank sets equally likely) when there are no ties and N <= 50,
 * as R's wilcox.test; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction of 1/2. p = 1
 * when every value is tied (nothing to tell apart). */
int st_mann_whitney(const double *a, int na, const double *b, int nb, double *u, double *p)
{
	int N = na + nb, ties = 0;
	double *v = malloc(sizeof *v * (size_t)(N > 0 ? N : 1)), *r = malloc(sizeof *r * (size_t)(N > 0 ? N : 1));
	int *from_a = malloc(sizeof *from_a * (size_t)(N > 0 ? N : 1)), *idx = NULL;
	double wa = 0, tie_sum = 0;

	*u = 0;
	*p = 1;
	if (na <= 0 || nb <= 0 || !v || !r || !from_a) {
		free(v);
		free(r);
		free(from_a);
		return -1;
	}
	for (int i = 0; i < N; i++) {
		v[i] = i < na ? a[i] : b[i - na];
		from_a[i] = i < na;
	}
	/* sort indices by value (insertion sort: N is a handful of repetitions) */
	idx = malloc(sizeof *idx * (size_t)N);
	if (!idx) {
		free(v);
		free(r);
		free(from_a);
		return -1;
	}
	for (int i = 0; i < N; i++) {
		int k = i;

		while (k > 0 && v[idx[k - 1]] > v[i]) {
			idx[k] = idx[k - 1];
			k--;
		}
		idx[k] = i;
	}
	for (int i = 0; i < N;) {	/* mid-ranks of tied runs */
		int j = i;

		while (j + 1 < N && v[idx[j + 1]] == v[idx[i]])
			j++;
		for (int k = i; k <= j; k++)
			r[idx[k]] = (i + j) / 2.0 + 1;
		if (j > i) {
			double t = j - i + 1;

			ties = 1;
			tie_sum += t * t * t - t;
		}
		i = j + 1;
	}
	for (int i = 0; i < na; i++)
		wa += r[i];
	*u = wa - na * (na + 1) / 2.0;
	if (!ties && N <= 50) {
		/* cnt[k][s]: ways to pick k of the ranks seen so far with rank sum s */
		int maxs = N * (N + 1) / 2;
		double *cnt = calloc((size_t)(na + 1) * (size_t)(maxs + 1), sizeof *cnt), total = 0,
		       le = 0, ge = 0;

		if (!cnt)
			goto normal;
		cnt[0] = 1;
		for (int rank = 1; rank <= N; rank++)
			for (int k = (rank < na ? rank : na); k >= 1; k--)
				for (int s = maxs; s >= rank; s--)
					cnt[k * (maxs + 1) + s] += cnt[(k - 1) * (maxs + 1) + s - rank];
		for (int s = 0; s <= maxs; s++) {
			double c = cnt[na * (maxs + 1) + s], us = s - na * (na + 1) / 2.0;

			total += c;
			if (us <= *u + 1e-9)
				le += c;
			if (us >= *u - 1e-9)
				ge += c;
		}
		free(cnt);
		*p = 2 * (le < ge ? le : ge) / total;
		if (*p > 1)
			*p = 1;
		goto out;
	}
normal:
	{
		double mu = na * (double)nb / 2.0;
		double var = na * (double)nb / 12.0 * ((N + 1) - tie_sum / ((double)N * (N - 1)));
		double d = fabs(*u - mu) - 0.5;

		if (var <= 0) {
			*p = 1;
		} else {
			if (d < 0)
				d = 0;
			*p = erfc(d / sqrt(var) / sqrt(2.0));
			if (*p > 1)
				*p = 1;
		}
	}
out:
	free(v);
	free(r);
	free(from_a);
	free(idx);
	return 0;
}
