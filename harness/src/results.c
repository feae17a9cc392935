/* results.c: the result set of one run (design "Result files"): samples and
 * failures accumulate in memory (rs_add, rs_fail); rs_write() rewrites
 * samples.csv, summary.csv, failures.csv and meta.json atomically after every
 * repetition, so an interrupted run keeps what it completed; rs_link_latest()
 * points results/latest at the set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ukb.h"

static const struct {
	const char *metric, *unit;
} units[] = {
	{ "boot_to_ready", "ms" }, { "boot_guest", "ms" }, { "vmm_start", "ms" },
	{ "cont_to_ready", "ms" }, { "image_size", "bytes" }, { "rss_idle", "KiB" },
	{ "rss_loaded", "KiB" }, { "guest_mem_used", "KiB" }, { "rss_peak", "KiB" }, { "pss_ready", "KiB" }, { "min_mem", "MiB" }, { "req_per_s", "1/s" },
	{ "ops_per_s", "1/s" }, { "gbit_per_s", "Gbit/s" }, { "lat_p50_us", "us" },
	{ "lat_p99_us", "us" }, { "ns_per_op", "ns" }, { "task_clock", "ms" },
	{ "ctx_switches", "count" }, { "page_faults", "count" }, { "tps", "1/s" }, { "errors", "count" }, { "first_frame", "ms" },
	{ "mib_per_s", "MiB/s" },
	{ "density_up", "count" }, { "pss_per_instance", "KiB" },
	{ "pss_guest_ram", "KiB" }, { "pss_vmm", "KiB" }, { "pss_tcg_buffer", "KiB" }, { "pss_vmm_anon", "KiB" }, { "us_per_op", "us" }, { "ms", "ms" }, { "s", "s" },
};

const char *rs_unit(const char *metric)
{
	size_t k = strlen(metric);

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(units[i].metric, metric))
			return units[i].unit;
	/* fall back on the suffix convention: *_ms, *_us, *_ns, *_per_s */
	if (k > 3 && !strcmp(metric + k - 3, "_ms"))
		return "ms";
	if (k > 3 && !strcmp(metric + k - 3, "_us"))
		return "us";
	if (k > 3 && !strcmp(metric + k - 3, "_ns"))
		return "ns";
	if (k > 6 && !strcmp(metric + k - 6, "_per_s"))
		return "1/s";
	if (!strncmp(metric, "guest_", 6))
		return k > 4 && !strcmp(metric + k - 4, "_kib") ? "KiB" : "count";
	if (!strncmp(metric, "ns_per_", 7))
		return "ns";
	if (!strncmp(metric, "us_per_", 7))
		return "us";
	return "-";
}

/* Names go into CSV unquoted: letters, digits and ._-/: only. */
int rs_valid_name(const char *s)
{
	if (!*s || strlen(s) >= UKB_NAME)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-/:+", *s)))
			return 0;
	return 1;
}

void rs_add(struct rs_set *r, const char *target, const char *workload, const char *metric,
	    int rep, double value)
{
	struct rs_sample *s;

	if (!rs_valid_name(metric) || !rs_valid_name(workload))
		return;
	s = realloc(r->s, sizeof *s * (size_t)(r->ns + 1));
	if (!s)
		return;
	r->s = s;
	s = &r->s[r->ns++];
	ut_strlcpy(s->job, r->job[0] ? r->job : "run", sizeof s->job);
	ut_strlcpy(s->target, target, sizeof s->target);
	ut_strlcpy(s->workload, workload, sizeof s->workload);
	ut_strlcpy(s->metric, metric, sizeof s->metric);
	s->rep = rep;
	s->value = value;
}

void rs_fail(struct rs_set *r, const char *target, const char *workload, int rep,
	     const char *why)
{
	struct rs_failure *f = realloc(r->f, sizeof *f * (size_t)(r->nf + 1));

	if (!f)
		return;
	r->f = f;
	f = &r->f[r->nf++];
	ut_strlcpy(f->job, r->job[0] ? r->job : "run", sizeof f->job);
	ut_strlcpy(f->target, target, sizeof f->target);
	ut_strlcpy(f->workload, workload, sizeof f->workload);
	f->rep = rep;
	ut_strlcpy(f->why, why, sizeof f->why);
}

int rs_create(struct rs_set *r, const char *experiment, const char *outdir, char *why, size_t n)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	memset(r, 0, sizeof *r);
	ut_strlcpy(r->experiment, experiment, sizeof r->experiment);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	if (outdir && *outdir) {
		ut_strlcpy(r->dir, outdir, sizeof r->dir);
	} else {
		snprintf(r->dir, sizeof r->dir, "%s/results/%s-%s", ut_root(), experiment, stamp);
		for (int i = 2; access(r->dir, F_OK) == 0 && i < 100; i++)
			snprintf(r->dir, sizeof r->dir, "%s/results/%s-%s-%d", ut_root(), experiment,
				 stamp, i);
	}
	if (ut_mkdirs(r->dir) != 0) {
		snprintf(why, n, "cannot create result directory %s: %s", r->dir, strerror(errno));
		return -1;
	}
	return 0;
}

void rs_hist_add(struct rs_set *r, const char *target, const char *workload, const struct hg *h)
{
	struct rs_hist *x = NULL;
	const char *job = r->job[0] ? r->job : "run";

	for (int i = 0; i < r->nh && !x; i++)
		if (!strcmp(r->h[i].job, job) && !strcmp(r->h[i].target, target) &&
		    !strcmp(r->h[i].workload, workload))
			x = &r->h[i];
	if (!x) {
		x = realloc(r->h, sizeof *x * (size_t)(r->nh + 1));
		if (!x)
			return;
		r->h = x;
		x = &r->h[r->nh++];
		memset(x, 0, sizeof *x);
		ut_strlcpy(x->job, job, sizeof x->job);
		ut_strlcpy(x->target, target, sizeof x->target);
		ut_strlcpy(x->workload, workload, sizeof x->workload);
	}
	for (int i = 0; i < HG_BUCKETS; i++)
		x->hist.b[i] += h->b[i];
	x->hist.n += h->n;
}

/* One row per non-empty bucket: its upper edge in us (the largest value it
 * holds) and the fraction of samples at or below it: the empirical CDF,
 * exact at the edges. The edge is the bucket's own, never found again by a
 * quantile search (floating point picked the next bucket: duplicate rows). */
void rs_hist_csv(const struct hg *h, struct ut_buf *b)
{
	uint64_t seen = 0;

	ut_buf_printf(b, "latency_us,cdf\n");
	for (int i = 0; i < HG_BUCKETS && h->n; i++) {
		if (!h->b[i])
			continue;
		seen += h->b[i];
		ut_buf_printf(b, "%llu,%.6f\n", (unsigned long long)hg_upper(i),
			      (double)seen / (double)h->n);
	}
}

static void fmt_value(struct ut_buf *b, double v)
{
	ut_buf_printf(b, "%.10g", v);
}

void rs_samples_csv(const struct rs_set *r, struct ut_buf *b)
{
	ut_buf_printf(b, "experiment,job,target,workload,metric,unit,rep,value\n");
	for (int i = 0; i < r->ns; i++) {
		const struct rs_sample *s = &r->s[i];

		ut_buf_printf(b, "%s,%s,%s,%s,%s,%s,%d,", r->experiment, s->job, s->target,
			      s->workload, s->metric, rs_unit(s->metric), s->rep);
		fmt_value(b, s->value);
		ut_buf_add(b, "\n", 1);
	}
}

int rs_summary_each(const struct rs_set *r, rs_row_fn fn, void *ctx)
{
	char *done = calloc((size_t)r->ns + 1, 1);
	double *v = malloc(sizeof *v * ((size_t)r->ns + 1));
	int rc = done && v ? 0 : -1;

	for (int i = 0; rc == 0 && i < r->ns; i++) {
		const struct rs_sample *a = &r->s[i];
		struct st_summary st;
		int k = 0;

		if (done[i])
			continue;
		for (int j = i; j < r->ns; j++) {
			const struct rs_sample *c = &r->s[j];

			if (!done[j] && !strcmp(a->job, c->job) && !strcmp(a->target, c->target) &&
			    !strcmp(a->workload, c->workload) && !strcmp(a->metric, c->metric)) {
				done[j] = 1;
				v[k++] = c->value;
			}
		}
		st_summarize(v, k, &st);
		fn(ctx, a, &st);
	}
	free(done);
	free(v);
	return rc;
}

struct csv_ctx {
	struct ut_buf *b;
	const struct rs_set *r;
};

static void csv_row(void *arg, const struct rs_sample *a, const struct st_summary *st)
{
	const struct csv_ctx *c = arg;
	struct ut_buf *b = c->b;
	const struct rs_set *r = c->r;
	double f[] = { st->median, st->min, st->max, st->p25, st->p75, st->ci_lo, st->ci_hi };

	ut_buf_printf(b, "%s,%s,%s,%s,%s,%s,%d", r->experiment, a->job, a->target, a->workload,
		      a->metric, rs_unit(a->metric), st->n);
	for (size_t j = 0; j < sizeof f / sizeof f[0]; j++) {
		ut_buf_add(b, ",", 1);
		fmt_value(b, f[j]);
	}
	ut_buf_printf(b, ",%.4f\n", st->ci_level);
}

void rs_summary_csv(const struct rs_set *r, struct ut_buf *b)
{
	struct csv_ctx ctx = { b, r };

	ut_buf_printf(b, "experiment,job,target,workload,metric,unit,n,median,min,max,p25,p75,"
			 "ci_lo,ci_hi,ci_level\n");
	rs_summary_each(r, csv_row, &ctx);
}

void rs_failures_csv(const struct rs_set *r, struct ut_buf *b)
{
	ut_buf_printf(b, "experiment,job,target,workload,rep,reason\n");
	for (int i = 0; i < r->nf; i++) {
		const struct rs_failure *f = &r->f[i];

		ut_buf_printf(b, "%s,%s,%s,%s,%d,\"", r->experiment, f->job, f->target, f->workload,
			      f->rep);
		for (const char *c = f->why; *c; c++) {
			if (*c == '"')
				ut_buf_add(b, "\"", 1);
			ut_buf_add(b, *c == '\n' ? " " : c, 1);
		}
		ut_buf_add(b, "\"\n", 2);
	}
}

static int write_one(const struct rs_set *r, const char *name, struct ut_buf *b)
{
	char path[UKB_PATH + 64];
	int rc;

	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	rc = ut_write_atomic(path, b->p ? b->p : "", b->len);
	ut_buf_free(b);
	return rc;
}

int rs_write(const struct rs_set *r, const char *meta_json)
{
	struct ut_buf b = { 0 };
	int rc = 0;

	rs_samples_csv(r, &b);
	rc |= write_one(r, "samples.csv", &b);
	rs_summary_csv(r, &b);
	rc |= write_one(r, "summary.csv", &b);
	if (js_summary_json(r, &b) == 0)	/* json.c: the same rows */
		rc |= write_one(r, "summary.json", &b);
	rs_failures_csv(r, &b);
	rc |= write_one(r, "failures.csv", &b);
	for (int i = 0; i < r->nh; i++) {
		char name[UKB_NAME * 3 + 32];
		int dup = 0;

		for (int k = 0; k < i; k++)	/* the same pair in a later job: name the job */
			dup |= !strcmp(r->h[k].target, r->h[i].target) &&
			       !strcmp(r->h[k].workload, r->h[i].workload);
		snprintf(name, sizeof name, "latency-%s-%s%s%s.csv", r->h[i].workload,
			 r->h[i].target, dup ? "-" : "", dup ? r->h[i].job : "");
		for (char *c = name; *c; c++)
			if (*c == '/')
				*c = '_';
		rs_hist_csv(&r->h[i].hist, &b);
		rc |= write_one(r, name, &b);
	}
	if (meta_json) {
		ut_buf_add(&b, meta_json, strlen(meta_json));
		rc |= write_one(r, "meta.json", &b);
	}
	return rc ? -1 : 0;
}

/* results/latest -> <set> (relative), only for sets inside results/. */
int rs_link_latest(const struct rs_set *r)
{
	char results[UKB_PATH], link[UKB_PATH + 32], tmp[UKB_PATH + 32];
	size_t k;

	snprintf(results, sizeof results, "%s/results/", ut_root());
	k = strlen(results);
	if (strncmp(r->dir, results, k) != 0 || strchr(r->dir + k, '/'))
		return 0;
	snprintf(link, sizeof link, "%slatest", results);
	snprintf(tmp, sizeof tmp, "%s.latest.tmp.%d", results, (int)getpid());
	unlink(tmp);
	if (symlink(r->dir + k, tmp) != 0)
		return -1;
	if (rename(tmp, link) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

void rs_free(struct rs_set *r)
{
	free(r->s);
	free(r->f);
	free(r->h);
	r->h = NULL;
	r->nh = 0;
	ut_buf_free(&r->meta_extra);
	r->s = NULL;
	r->f = NULL;
	r->ns = r->nf = 0;
}
