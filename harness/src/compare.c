/* compare.c: `ukbench compare A B [--threshold PCT] [--html OUT]`: for every
 * (job, target, workload, metric) with samples in both result sets, the two
 * medians with their order-statistic intervals, the ratio B/A, and a
 * two-sided Mann-Whitney U test on the samples (stats.c). A change is marked
 * when p < 0.05 and the medians differ by more than the threshold, as better
 * or worse in the metric's own sense. Exit status: 0 nothing got worse,
 * 3 something did, 2 bad usage (also: no metric in common).
 * cp_load() -> pair rows -> print (markdown, and HTML through report_html.c).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

#define CP_ALPHA 0.05

struct cp_set {
	char dir[UKB_PATH];
	struct rs_sample *s;
	int ns;
	json_t *meta;
	char missing[512];	/* what the set lacks, said in the output */
};

/* Higher is better for rates; lower for times, sizes, memory and counts. */
int cp_higher_better(const char *metric)
{
	size_t k = strlen(metric);

	return (k > 6 && !strcmp(metric + k - 6, "_per_s")) || !strcmp(metric, "tps");
}

static void note(struct cp_set *c, const char *what)
{
	size_t k = strlen(c->missing);

	snprintf(c->missing + k, sizeof c->missing - k, "%s%s", k ? "; " : "", what);
}

/* samples.csv (with or without the job column); a cut-off or malformed
 * line is skipped and counted in *cut. */
int cp_read_samples(const char *dir, struct rs_sample **out, int *ns, int *cut)
{
	char path[UKB_PATH + 32];
	struct ut_buf b = { 0 };
	int lineno = 0, o = 1;

	*out = NULL;
	*ns = *cut = 0;
	snprintf(path, sizeof path, "%s/samples.csv", dir);
	if (ut_read_file(path, &b) != 0 || !b.p) {
		ut_buf_free(&b);
		return -1;
	}
	for (char *line = b.p, *next; line && *line; line = next) {
		char *f[10];
		int k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (lineno++ == 0) {
			o = !strncmp(line, "experiment,job,", 15);
			continue;
		}
		k = ut_split(line, ',', f, 10);
		if (!next || k != 7 + o || !*f[6 + o]) {	/* every row ends with a newline */
			++*cut;
			continue;
		}
		struct rs_sample *s = realloc(*out, sizeof *s * (size_t)(*ns + 1));

		if (!s)
			break;
		*out = s;
		s = &s[(*ns)++];
		ut_strlcpy(s->job, o ? f[1] : "run", sizeof s->job);
		ut_strlcpy(s->target, f[1 + o], sizeof s->target);
		ut_strlcpy(s->workload, f[2 + o], sizeof s->workload);
		ut_strlcpy(s->metric, f[3 + o], sizeof s->metric);
		s->rep = atoi(f[5 + o]);
		s->value = atof(f[6 + o]);
	}
	ut_buf_free(&b);
	return 0;
}

static int cp_load(const char *arg, struct cp_set *c, char *why, size_t n)
{
	char mwhy[UKB_WHY];
	int cut;

	memset(c, 0, sizeof *c);
	if (report_resolve_dir(arg, c->dir, sizeof c->dir) != 0)
		ut_strlcpy(c->dir, arg, sizeof c->dir);
	if (cp_read_samples(c->dir, &c->s, &c->ns, &cut) != 0) {
		snprintf(why, n, "%s/samples.csv: cannot read (not a result set?)", c->dir);
		return -1;
	}
	if (cut) {
		char w[64];

		snprintf(w, sizeof w, "samples.csv: %d cut-off line%s skipped", cut, cut > 1 ? "s" : "");
		note(c, w);
	}
	c->meta = js_meta_load(c->dir, mwhy, sizeof mwhy);
	if (!c->meta)
		note(c, mwhy);
	return 0;
}

static void cp_free(struct cp_set *c)
{
	free(c->s);
	json_decref(c->meta);
	c->s = NULL;
}

static int values(const struct cp_set *c, const struct rs_sample *key, double **out)
{
	int k = 0;

	*out = malloc(sizeof **out * ((size_t)c->ns + 1));
	for (int i = 0; *out && i < c->ns; i++)
		if (!strcmp(c->s[i].job, key->job) && !strcmp(c->s[i].target, key->target) &&
		    !strcmp(c->s[i].workload, key->workload) && !strcmp(c->s[i].metric, key->metric))
			(*out)[k++] = c->s[i].value;
	return k;
}

static int same_key(const struct rs_sample *a, const struct rs_sample *b)
{
	return !strcmp(a->job, b->job) && !strcmp(a->target, b->target) &&
	       !strcmp(a->workload, b->workload) && !strcmp(a->metric, b->metric);
}

/* host, accelerator and binaries from the two meta.json; one line each */
static int warn_meta(const struct cp_set *a, const struct cp_set *b, struct ut_buf *w)
{
	static const char *host_keys[] = { "cpu", "cores", "mem_kib", "kernel" };
	json_t *ha, *hb, *ja, *jb;
	int k = 0;

	if (!a->meta || !b->meta)
		return 0;
	ha = json_object_get(a->meta, "host");
	hb = json_object_get(b->meta, "host");
	for (size_t i = 0; i < sizeof host_keys / sizeof host_keys[0]; i++) {
		json_t *x = json_object_get(ha, host_keys[i]), *y = json_object_get(hb, host_keys[i]);
		char *sx = x ? json_dumps(x, JSON_ENCODE_ANY) : NULL, *sy = y ? json_dumps(y, JSON_ENCODE_ANY) : NULL;

		if ((x || y) && !json_equal(x, y)) {
			ut_buf_printf(w, "different hosts: %s %s in A, %s in B\n", host_keys[i],
				      sx ? sx : "?", sy ? sy : "?");
			k++;
		}
		free(sx);
		free(sy);
	}
	ja = json_object_get(a->meta, "jobs");
	jb = json_object_get(b->meta, "jobs");
	for (size_t i = 0; i < json_array_size(ja); i++) {
		json_t *x = json_array_get(ja, i);

		for (size_t j = 0; j < json_array_size(jb); j++) {
			json_t *y = json_array_get(jb, j);
			static const char *keys[] = { "accel", "workload_sha256", "image_sha256" };
			static const char *what[] = { "accelerators", "workload binaries", "images" };

			if (strcmp(js_str(x, "job"), js_str(y, "job")) ||
			    strcmp(js_str(x, "target"), js_str(y, "target")) ||
			    strcmp(js_str(x, "workload"), js_str(y, "workload")))
				continue;
			for (int q = 0; q < 3; q++) {
				const char *sx = js_str(x, keys[q]), *sy = js_str(y, keys[q]);

				/* "tcg (auto: ...)": the accelerator is the first word */
				if (q == 0 ? strncmp(sx, sy, strcspn(sx, " ")) || strcspn(sx, " ") != strcspn(sy, " ")
					   : strcmp(sx, sy) != 0) {
					ut_buf_printf(w, "different %s for %s on %s [%s]: %.24s in A, %.24s in B\n",
						      what[q], js_str(x, "workload"), js_str(x, "target"),
						      js_str(x, "job"), sx, sy);
					k++;
				}
			}
		}
	}
	return k;
}

static void fmt3(char *out, size_t n, double v)
{
	double a = fabs(v);

	if (a >= 1e6 || (a > 0 && a < 0.001))
		snprintf(out, n, "%.3g", v);
	else if (a >= 100)
		snprintf(out, n, "%.0f", v);
	else if (a >= 10)
		snprintf(out, n, "%.1f", v);
	else
		snprintf(out, n, "%.3g", v);
}

static void cell(char *out, size_t n, const struct st_summary *s)
{
	char m[32], lo[32], hi[32];

	fmt3(m, sizeof m, s->median);
	fmt3(lo, sizeof lo, s->ci_lo);
	fmt3(hi, sizeof hi, s->ci_hi);
	if (s->n <= 1)
		snprintf(out, n, "%s (n=1)", m);
	else
		snprintf(out, n, "%s [%s, %s] n=%d", m, lo, hi, s->n);
}

static int usage(int st)
{
	fprintf(st ? stderr : stdout,
		"usage: ukbench compare A B [--threshold PCT] [--html OUT.html]\n"
		"Compare two result sets: for every (job, target, workload, metric) with samples\n"
		"in both, the medians with their order-statistic intervals, the ratio B/A and a\n"
		"two-sided Mann-Whitney U test on the samples. A change is marked when p < 0.05\n"
		"and the medians differ by more than PCT percent (default 5), as better or worse\n"
		"in the metric's own sense (higher is better for */s rates, lower for the rest).\n"
		"Warns when the sets come from different hosts, accelerators or binaries.\n"
		"Exit status: 0 nothing got worse, 3 something got significantly worse,\n"
		"2 bad usage or nothing to compare.\n");
	return st;
}

int compare_main(int argc, char **argv)
{
	const char *pa = NULL, *pb = NULL, *html = NULL;
	double threshold = 5;
	struct cp_set a, b;
	char why[UKB_WHY];
	struct ut_buf out = { 0 }, warn = { 0 }, hb = { 0 }, hrows = { 0 };
	int rows = 0, worse = 0, better = 0, other_host = 0;
	struct hm_map hma, hmb;	/* merge.c: which host measured each (job, workload) */

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(0);
		if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			char *end;

			threshold = strtod(argv[++i], &end);
			if (*end || !*argv[i] || threshold < 0 || threshold > 1000) {
				ut_err("compare: --threshold needs a percentage from 0 to 1000, not '%s'", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--html") && i + 1 < argc) {
			html = argv[++i];
		} else if (argv[i][0] == '-' || (pa && pb)) {
			ut_err("compare: unexpected argument '%s' (see ukbench compare --help)", argv[i]);
			return 2;
		} else if (!pa) {
			pa = argv[i];
		} else {
			pb = argv[i];
		}
	}
	if (!pa || !pb) {
		ut_err("compare: needs two result sets (ukbench compare OLD NEW)");
		return 2;
	}
	if (cp_load(pa, &a, why, sizeof why) != 0) {
		ut_err("compare: %s", why);
		return 2;
	}
	if (cp_load(pb, &b, why, sizeof why) != 0) {
		ut_err("compare: %s", why);
		cp_free(&a);
		return 2;
	}
	hm_load(a.meta, &hma);
	hm_load(b.meta, &hmb);
	ut_buf_printf(&out, "## compare\n\nA: %s\nB: %s\n\n", a.dir, b.dir);
	ut_buf_printf(&out, "Each cell: median [lo, hi] n=N (order-statistic interval of the median); "
			    "p: two-sided Mann-Whitney U; marked when p < %.2g and |B/A - 1| > %g%%.\n\n",
		      CP_ALPHA, threshold);
	int multi = hma.nh > 1 || hmb.nh > 1;	/* merged sets: rows say their host */

	ut_buf_printf(&out, "| job | target | workload | metric |%s A | B | B/A | p | change |\n"
			    "|---|---|---|---|%s---:|---:|---:|---:|---|\n", multi ? " host |" : "",
		      multi ? "---|" : "");
	for (int i = 0; i < a.ns; i++) {
		const struct rs_sample *k = &a.s[i];
		double *va, *vb, u, p;
		struct st_summary sa, sb;
		int na, nb, dup = 0, hit = 0;
		char ca[96], cb[96], ratio[32], verdict[48] = "";

		for (int j = 0; j < i && !dup; j++)
			dup = same_key(&a.s[j], k);
		for (int j = 0; j < b.ns && !hit; j++)
			hit = same_key(&b.s[j], k);
		if (dup || !hit)
			continue;
		const char *hx = hm_host_of(&hma, k->job, k->workload),
			   *hy = hm_host_of(&hmb, k->job, k->workload);

		if (*hx && *hy && strcmp(hx, hy)) {	/* never one host's median over another's */
			if (!other_host++)
				ut_buf_printf(&warn, "not compared, measured on different hosts: %s %s on %s [%s] (%s in A, %s in B)%s\n",
					      k->workload, k->metric, k->target, k->job, hx, hy,
					      " and every other such row");
			continue;
		}
		na = values(&a, k, &va);
		nb = values(&b, k, &vb);
		if (na <= 0 || nb <= 0 || st_summarize(va, na, &sa) || st_summarize(vb, nb, &sb) ||
		    st_mann_whitney(va, na, vb, nb, &u, &p)) {
			free(va);
			free(vb);
			continue;
		}
		free(va);
		free(vb);
		rows++;
		cell(ca, sizeof ca, &sa);
		cell(cb, sizeof cb, &sb);
		double r = sa.median != 0 ? sb.median / sa.median : sb.median == 0 ? 1 : INFINITY;
		int marked = p < CP_ALPHA && fabs(r - 1) * 100 > threshold;
		int up = sb.median > sa.median, good = cp_higher_better(k->metric) ? up : !up;
		int rate = cp_higher_better(k->metric), time_like = !strcmp(rs_unit(k->metric), "ms") ||
			   !strcmp(rs_unit(k->metric), "us") || !strcmp(rs_unit(k->metric), "ns");

		fmt3(ratio, sizeof ratio, r);
		if (marked) {
			const char *how = rate || time_like ? (good ? "faster" : "slower") :
					  (up ? "larger" : "smaller");

			snprintf(verdict, sizeof verdict, "%s: %s", good ? "better" : "WORSE", how);
			worse += !good;
			better += good;
		}
		ut_buf_printf(&out, "| %s | %s | %s | %s |", k->job, k->target, k->workload, k->metric);
		if (multi)
			ut_buf_printf(&out, " %s |", *hx ? hx : *hy ? hy : "?");
		ut_buf_printf(&out, " %s | %s | ×%s | %.3g | %s |\n", ca, cb, ratio, p, verdict);
		rh_compare_row(&hrows, k, ca, cb, ratio, p, marked ? (good ? 1 : -1) : 0, verdict);
	}
	if (!rows) {
		if (other_host)
			ut_err("compare: %s and %s were measured on different hosts: nothing to compare (a median is never divided by another host's)",
			       a.dir, b.dir);
		else
			ut_err("compare: %s and %s have no metric in common (same job, target, workload and metric)",
			       a.dir, b.dir);
		hm_free(&hma);
		hm_free(&hmb);
		ut_buf_free(&warn);
		ut_buf_free(&out);
		ut_buf_free(&hrows);
		cp_free(&a);
		cp_free(&b);
		return 2;
	}
	warn_meta(&a, &b, &warn);
	if (a.missing[0])
		ut_buf_printf(&warn, "A is incomplete: %s\n", a.missing);
	if (b.missing[0])
		ut_buf_printf(&warn, "B is incomplete: %s\n", b.missing);
	ut_buf_printf(&out, "\n%d compared: %d significantly worse, %d significantly better.\n", rows,
		      worse, better);
	fwrite(out.p, 1, out.len, stdout);
	if (html)
		rh_compare_page(&hb, a.dir, b.dir, threshold, warn.p, &hrows, rows, worse, better);
	for (char *l = warn.p, *e; l && *l; l = e) {
		e = strchr(l, '\n');
		if (e)
			*e++ = '\0';
		ut_err("warning: %s", l);
	}
	if (html) {
		if (ut_write_atomic(html, hb.p, hb.len) != 0) {
			ut_err("compare: cannot write %s", html);
			worse = -1;
		} else {
			printf("%s\n", html);
		}
	}
	hm_free(&hma);
	hm_free(&hmb);
	ut_buf_free(&out);
	ut_buf_free(&warn);
	ut_buf_free(&hb);
	ut_buf_free(&hrows);
	cp_free(&a);
	cp_free(&b);
	return worse < 0 ? 1 : worse ? 3 : 0;
}
