/* report_html.c: `ukbench report --html DIR` writes DIR/report.html, one
 * self-contained page (inline CSS and SVG, no script, nothing fetched):
 *   summary table (median [CI] n, coverage, ratio to the baseline, failures
 *   in red) -> plots by metric group (gnuplot's svg terminal, plot.c) ->
 *   latency CDFs -> failures, each with the tail of its kept log -> meta.json
 *   laid out -> "how to read this" per metric, from docs/methodology.md.
 * Also the page of `ukbench compare --html` (rh_compare_*).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

static const char css[] =
	"body{font:14px/1.45 'DejaVu Sans',sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}"
	"h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
	"table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}"
	"th{background:#f0f0f0;text-align:left}td.num{text-align:right;white-space:nowrap}"
	"td.fail,tr.fail td{background:#fde0dc;color:#8a1c0f}td.worse{background:#fde0dc;font-weight:bold}"
	"td.better{background:#dff3e0}.ratio{color:#555}.warn{background:#fff4d6;border:1px solid #e0b84c;padding:.5em 1em}"
	"code,pre{font:12px/1.35 'DejaVu Sans Mono',monospace}pre{background:#f7f7f7;padding:.5em;overflow-x:auto;white-space:pre-wrap}"
	"figure{margin:1em 0}figure svg{max-width:min(100%,760px);height:auto}figcaption{color:#555}"
	"dt{font-weight:bold;margin-top:.4em}dd{margin-left:1.5em}";

void rh_esc(struct ut_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': ut_buf_add(b, "&amp;", 5); break;
		case '<': ut_buf_add(b, "&lt;", 4); break;
		case '>': ut_buf_add(b, "&gt;", 4); break;
		case '"': ut_buf_add(b, "&quot;", 6); break;
		case '\'': ut_buf_add(b, "&#39;", 5); break;
		default: ut_buf_add(b, s, 1);
		}
	}
}

static void page_head(struct ut_buf *b, const char *title)
{
	ut_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
	rh_esc(b, title);
	ut_buf_printf(b, "</title>\n<style>%s</style></head><body>\n<h1>", css);
	rh_esc(b, title);
	ut_buf_printf(b, "</h1>\n");
}

/* ---- metric groups: one section of plots each ---- */
static const char *const group_names[] = {
	"Boot", "Footprint", "Throughput", "Latency", "Cost per operation", "Host counters",
	"Guest counters", "Other",
};
#define NGROUPS ((int)(sizeof group_names / sizeof group_names[0]))

static int group_of(const char *m)
{
	size_t k = strlen(m);

	if (!strncmp(m, "boot", 4) || !strcmp(m, "vmm_start") || !strcmp(m, "cont_to_ready") ||
	    !strcmp(m, "first_frame"))
		return 0;
	if (!strcmp(m, "image_size") || !strncmp(m, "rss_", 4) || !strcmp(m, "min_mem"))
		return 1;
	if ((k > 6 && !strcmp(m + k - 6, "_per_s")) || !strcmp(m, "tps"))
		return 2;
	if (!strncmp(m, "lat_", 4))
		return 3;
	if (!strncmp(m, "ns_per_", 7) || !strncmp(m, "us_per_", 7))
		return 4;
	if (!strcmp(m, "task_clock") || !strcmp(m, "ctx_switches") || !strcmp(m, "page_faults") ||
	    !strncmp(m, "kvm_", 4) || !strcmp(m, "errors"))
		return 5;
	if (!strncmp(m, "guest_", 6))
		return 6;
	return 7;
}

/* An SVG from gnuplot, inlined: the XML prolog dropped, its ids prefixed so
 * that several plots on one page do not share them. */
static int inline_svg(struct ut_buf *b, const char *path, int k)
{
	struct ut_buf s = { 0 };
	char pre[16];
	const char *p;

	if (ut_read_file(path, &s) != 0 || !s.p || !(p = strstr(s.p, "<svg"))) {
		ut_buf_free(&s);
		return -1;
	}
	snprintf(pre, sizeof pre, "p%d-", k);
	while (*p) {
		static const char *const pat[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
		int hit = 0;

		for (size_t i = 0; i < sizeof pat / sizeof pat[0] && !hit; i++)
			if (!strncmp(p, pat[i], strlen(pat[i]))) {
				ut_buf_add(b, p, strlen(pat[i]));
				ut_buf_add(b, pre, strlen(pre));
				p += strlen(pat[i]);
				hit = 1;
			}
		if (!hit)
			ut_buf_add(b, p++, 1);
	}
	ut_buf_free(&s);
	return 0;
}

/* ---- docs/methodology.md: the metric table, one row per metric ---- */
static void strip_md(struct ut_buf *b, const char *s, size_t n)
{
	struct ut_buf t = { 0 };
	int code = 0;	/* inside `...`: '*' is part of a name (lat_*) */

	for (size_t i = 0; i < n; i++)
		if (s[i] == '`')
			code = !code;
		else if (s[i] != '*' || code)
			ut_buf_add(&t, s + i, 1);
	ut_buf_add(&t, "", 1);
	rh_esc(b, ut_trim(t.p));
	ut_buf_free(&t);
}

/* The row of the table whose first column names the metric (`m`, or a
 * `prefix_*` pattern); 0 if none. */
static int how_to_read(struct ut_buf *b, const char *doc, const char *metric)
{
	for (const char *l = doc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchr(l, '\n'), *c1, *c2, *c3, *c4;
		int match = 0;

		if (strncmp(l, "| `", 3))
			continue;
		c1 = strchr(l + 1, '|');
		if (!c1 || (e && c1 > e))
			continue;
		for (const char *q = l; q < c1; q++) {
			const char *close;
			size_t k;

			if (*q != '`' || !(close = memchr(q + 1, '`', (size_t)(c1 - q - 1))))
				continue;
			k = (size_t)(close - q - 1);
			if ((k == strlen(metric) && !strncmp(q + 1, metric, k)) ||
			    (k > 1 && q[k] == '*' && !strncmp(q + 1, metric, k - 1)))
				match = 1;
			q = close;
		}
		if (!match || !(c2 = strchr(c1 + 1, '|')) || !(c3 = strchr(c2 + 1, '|')) ||
		    !(c4 = strchr(c3 + 1, '|')))
			continue;
		ut_buf_printf(b, "<dd>");
		strip_md(b, c2 + 1, (size_t)(c3 - c2 - 1));
		ut_buf_printf(b, ". <em>");
		strip_md(b, c3 + 1, (size_t)(c4 - c3 - 1));
		ut_buf_printf(b, "</em></dd>\n");
		return 1;
	}
	return 0;
}

/* ---- meta.json, laid out ---- */
static void json_value(struct ut_buf *b, json_t *v);

static void json_table(struct ut_buf *b, json_t *o)
{
	const char *k;
	json_t *v;

	ut_buf_printf(b, "<table>");
	json_object_foreach(o, k, v) {
		ut_buf_printf(b, "<tr><th>");
		rh_esc(b, k);
		ut_buf_printf(b, "</th><td>");
		json_value(b, v);
		ut_buf_printf(b, "</td></tr>");
	}
	ut_buf_printf(b, "</table>\n");
}

static void json_value(struct ut_buf *b, json_t *v)
{
	if (json_is_object(v)) {
		json_table(b, v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		int code = strlen(s) > 60 || strchr(s, '/');

		ut_buf_printf(b, code ? "<code>" : "");
		rh_esc(b, s);
		ut_buf_printf(b, code ? "</code>" : "");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i)
				ut_buf_printf(b, " ");
			json_value(b, x);
		}
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY);

		rh_esc(b, t);
		free(t);
	}
}

static void meta_section(struct ut_buf *b, json_t *meta)
{
	static const char *const cols[] = { "target", "job", "workload", "kind", "reps", "warmup",
					    "mem_mib", "vcpus", "accel", "samples_ok",
					    "samples_failed", "pcap", "image_size" };
	json_t *jobs = json_object_get(meta, "jobs"), *j, *v;
	const char *k;
	size_t i;

	ut_buf_printf(b, "<h2 id=\"meta\">Where and how it ran (meta.json)</h2>\n<table>");
	json_object_foreach(meta, k, v) {
		if (!strcmp(k, "jobs"))
			continue;
		ut_buf_printf(b, "<tr><th>");
		rh_esc(b, k);
		ut_buf_printf(b, "</th><td>");
		json_value(b, v);
		ut_buf_printf(b, "</td></tr>\n");
	}
	ut_buf_printf(b, "</table>\n<h3>Jobs</h3>\n<table id=\"jobs\"><tr>");
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
		ut_buf_printf(b, "<th>%s</th>", cols[c]);
	ut_buf_printf(b, "</tr>\n");
	json_array_foreach(jobs, i, j) {
		ut_buf_printf(b, "<tr>");
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
			ut_buf_printf(b, "<td>");
			json_value(b, json_object_get(j, cols[c]));
			ut_buf_printf(b, "</td>");
		}
		ut_buf_printf(b, "</tr>\n");
	}
	ut_buf_printf(b, "</table>\n");
	json_array_foreach(jobs, i, j) {	/* the exact command and every sha256 */
		ut_buf_printf(b, "<details><summary>%s on %s [%s]: command and sha256</summary>\n<dl>",
			      js_str(j, "workload"), js_str(j, "target"), js_str(j, "job"));
		ut_buf_printf(b, "<dt>launch</dt><dd><pre>");
		rh_esc(b, js_str(j, "launch"));
		ut_buf_printf(b, "</pre></dd><dt>image</dt><dd><code>");
		rh_esc(b, js_str(j, "image"));
		ut_buf_printf(b, "</code> sha256 <code>");
		rh_esc(b, js_str(j, "image_sha256"));
		ut_buf_printf(b, "</code></dd><dt>workload binary sha256</dt><dd><code>");
		rh_esc(b, js_str(j, "workload_sha256"));
		ut_buf_printf(b, "</code></dd><dt>files</dt><dd>");
		json_value(b, json_object_get(j, "files_sha256"));
		ut_buf_printf(b, "</dd></dl></details>\n");
	}
}

/* ---- the summary table ---- */
static const struct rs_failure *failure_for(const struct sm_table *t, const char *target,
					    const char *label)
{
	for (int i = 0; i < t->nf; i++) {
		char l[UKB_NAME * 2 + 4];

		sm_label(t, t->f[i].job, t->f[i].workload, l, sizeof l);
		if (!strcmp(t->f[i].target, target) && !strcmp(l, label))
			return &t->f[i];
	}
	return NULL;
}

static void summary_table(struct ut_buf *b, const struct sm_table *t, const char *baseline,
			  const struct rb_map *bases, const struct hm_map *hm)
{
	ut_buf_printf(b, "<h2 id=\"summary\">Summary</h2>\n<p>Each cell: the median, its "
			 "order-statistic interval [lo, hi], n samples and the interval's real coverage "
			 "(95%% needs n &ge; 6)%s%s%s. Red cells: every launch failed (reasons below).</p>\n",
		      baseline ? "; &times;: ratio to " : "", baseline ? baseline : "",
		      baseline ? "'s median" : "");
	if (bases->n) {
		char *s = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&s, &n);

		if (f) {
			rb_print(bases, f);
			fclose(f);
			ut_buf_printf(b, "<p id=\"bases\">");
			rh_esc(b, s);
			ut_buf_printf(b, "</p>\n");
		}
		free(s);
	}
	for (int i = 0; i < t->np; i++) {	/* sm_group() put these rows together */
		ut_buf_printf(b, "%s<b>", i ? "; " : "<p id=\"pairs\">Set beside each other: ");
		rh_esc(b, t->pair[i].app);
		ut_buf_printf(b, "</b> (Debian) beside <b>");
		rh_esc(b, t->pair[i].ours);
		ut_buf_printf(b, "</b> (ours)%s", i + 1 < t->np ? "" : ".</p>\n");
	}
	ut_buf_printf(b, "<table id=\"summary-table\"><tr><th>workload</th><th>metric</th><th>unit</th>");
	for (int k = 0; k < t->nt; k++) {
		ut_buf_printf(b, "<th>");
		rh_esc(b, t->targets[k]);
		ut_buf_printf(b, "</th>");
	}
	ut_buf_printf(b, "</tr>\n");
	for (int i = 0; i < t->nr; i++) {
		const struct sm_row *row = &t->r[i], *base;
		int dup = 0;

		for (int k = 0; k < i && !dup; k++)
			dup = !strcmp(t->r[k].label, row->label) && !strcmp(t->r[k].metric, row->metric);
		if (dup)
			continue;
		ut_buf_printf(b, "<tr class=\"row\" data-metric=\"");
		rh_esc(b, row->metric);
		ut_buf_printf(b, "\"><td>");
		rh_esc(b, row->label);
		ut_buf_printf(b, "</td><td><a href=\"#how-%s\">%s</a></td><td>", row->metric, row->metric);
		rh_esc(b, row->unit);
		ut_buf_printf(b, "</td>");
		for (int k = 0; k < t->nt; k++) {
			const struct sm_row *c = sm_find(t, t->targets[k], row->label, row->metric);
			char m[32], lo[32], hi[32], r[32];
			const struct rs_failure *f;

			if (!c) {
				int any = 0;

				for (int q = 0; q < t->nr && !any; q++)
					any = !strcmp(t->r[q].target, t->targets[k]) &&
					      !strcmp(t->r[q].label, row->label);
				f = any ? NULL : failure_for(t, t->targets[k], row->label);
				if (f) {
					ut_buf_printf(b, "<td class=\"fail\">failed: ");
					rh_esc(b, f->why);
					ut_buf_printf(b, "</td>");
				} else {
					ut_buf_printf(b, "<td class=\"num\">&ndash;</td>");
				}
				continue;
			}
			report_fmt(m, sizeof m, c->median);
			report_fmt(lo, sizeof lo, c->ci_lo);
			report_fmt(hi, sizeof hi, c->ci_hi);
			if (c->n <= 1)
				ut_buf_printf(b, "<td class=\"num\">%s (n=1, no CI)", m);
			else
				ut_buf_printf(b, "<td class=\"num\">%s [%s, %s] n=%d, %.4g%%", m, lo, hi,
					      c->n, c->ci_level * 100);
			base = rb_base(t, bases, hm->nh > 1 ? hm : NULL, baseline, c);
			if (base) {
				report_fmt(r, sizeof r, c->median / base->median);
				ut_buf_printf(b, " <span class=\"ratio\">&times;%s</span>", r);
			}
			ut_buf_printf(b, "</td>");
		}
		ut_buf_printf(b, "</tr>\n");
	}
	/* workloads with no sample on any target: only failures */
	for (int i = 0; i < t->nf; i++) {
		char label[UKB_NAME * 2 + 4];
		int shown = 0;

		sm_label(t, t->f[i].job, t->f[i].workload, label, sizeof label);
		for (int k = 0; k < t->nr && !shown; k++)
			shown = !strcmp(t->r[k].label, label);
		for (int k = 0; k < i && !shown; k++) {
			char l2[UKB_NAME * 2 + 4];

			sm_label(t, t->f[k].job, t->f[k].workload, l2, sizeof l2);
			shown = !strcmp(l2, label);
		}
		if (shown)
			continue;
		ut_buf_printf(b, "<tr class=\"row fail\"><td>");
		rh_esc(b, label);
		ut_buf_printf(b, "</td><td>(all runs failed)</td><td></td>");
		for (int k = 0; k < t->nt; k++) {
			const struct rs_failure *f = failure_for(t, t->targets[k], label);

			ut_buf_printf(b, f ? "<td class=\"fail\">failed: " : "<td>&ndash;");
			if (f)
				rh_esc(b, f->why);
			ut_buf_printf(b, "</td>");
		}
		ut_buf_printf(b, "</tr>\n");
	}
	ut_buf_printf(b, "</table>\n");
}

static void plots_section(struct ut_buf *b, const struct sm_table *t, const char *dir,
			  const char *set)
{
	char tmp[] = "/tmp/ukbench-report.XXXXXX", path[UKB_PATH + 128];
	int k = 0;

	ut_buf_printf(b, "<h2 id=\"plots\">Plots</h2>\n");
	if (!ut_have_tool("gnuplot") || !mkdtemp(tmp)) {
		ut_buf_printf(b, "<p class=\"warn\">No plots: gnuplot is not installed (apt-get install gnuplot-nox).</p>\n");
		return;
	}
	plot_all(t, dir, tmp, set, 1);
	for (int g = 0; g < NGROUPS; g++) {
		int header = 0;

		for (int i = 0; i < t->nr; i++) {
			int dup = 0;

			if (group_of(t->r[i].metric) != g)
				continue;
			for (int q = 0; q < i && !dup; q++)
				dup = !strcmp(t->r[q].metric, t->r[i].metric);
			if (dup)
				continue;
			if (!header++)
				ut_buf_printf(b, "<h3>%s</h3>\n", group_names[g]);
			snprintf(path, sizeof path, "%s/%s.svg", tmp, t->r[i].metric);
			ut_buf_printf(b, "<figure class=\"plot\" data-metric=\"%s\">", t->r[i].metric);
			if (inline_svg(b, path, k++) != 0)
				ut_buf_printf(b, "<p class=\"warn\">gnuplot drew nothing for %s</p>", t->r[i].metric);
			ut_buf_printf(b, "<figcaption>%s (%s): median per target, bars: the order-statistic "
					 "interval of the median</figcaption></figure>\n", t->r[i].metric,
				      t->r[i].unit);
		}
	}
	int cdf = 0;

	for (int i = 0; i < t->nr; i++) {
		int dup = 0;

		for (int q = 0; q < i && !dup; q++)
			dup = !strcmp(t->r[q].workload, t->r[i].workload);
		snprintf(path, sizeof path, "%s/latency-cdf-%s.svg", tmp, t->r[i].workload);
		if (dup || ut_file_size(path) <= 0)
			continue;
		if (!cdf++)
			ut_buf_printf(b, "<h3 id=\"cdf\">Latency CDFs</h3>\n");
		ut_buf_printf(b, "<figure class=\"plot cdf\">");
		inline_svg(b, path, k++);
		ut_buf_printf(b, "<figcaption>%s: the fraction of requests answered within a latency, "
				 "all measured repetitions merged</figcaption></figure>\n", t->r[i].workload);
	}
	/* the temp dir holds only what plot_all wrote */
	DIR *d = opendir(tmp);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(tmp);
}

/* Failures, grouped by (job, target, workload, reason), each with the tail
 * of its kept console log embedded (the page stays self-contained). */
static void failures_section(struct ut_buf *b, const struct sm_table *t, const char *dir)
{
	struct ut_buf logs = { 0 };
	int nlog = 0;

	if (!t->nf)
		return;
	ut_buf_printf(b, "<h2 id=\"failures\">Failures (%d)</h2>\n<table id=\"failures-table\">"
			 "<tr><th>job</th><th>target</th><th>workload</th><th>reps</th><th>reason</th>"
			 "<th>log</th></tr>\n", t->nf);
	for (int i = 0; i < t->nf; i++) {
		const struct rs_failure *f = &t->f[i];
		char path[UKB_PATH + 256], reps[128] = "";
		int dup = 0, len = 0;
		struct ut_buf lb = { 0 };

		for (int k = 0; k < i && !dup; k++)
			dup = !strcmp(t->f[k].job, f->job) && !strcmp(t->f[k].target, f->target) &&
			      !strcmp(t->f[k].workload, f->workload) && !strcmp(t->f[k].why, f->why);
		if (dup)
			continue;
		for (int k = i; k < t->nf; k++)
			if (!strcmp(t->f[k].job, f->job) && !strcmp(t->f[k].target, f->target) &&
			    !strcmp(t->f[k].workload, f->workload) && !strcmp(t->f[k].why, f->why) &&
			    len < (int)sizeof reps - 8)
				len += snprintf(reps + len, sizeof reps - (size_t)len, "%s%d", len ? " " : "",
						t->f[k].rep);
		ut_buf_printf(b, "<tr class=\"fail\"><td>");
		rh_esc(b, f->job);
		ut_buf_printf(b, "</td><td>");
		rh_esc(b, f->target);
		ut_buf_printf(b, "</td><td>");
		rh_esc(b, f->workload);
		ut_buf_printf(b, "</td><td>%s</td><td>", reps);
		rh_esc(b, f->why);
		ut_buf_printf(b, "</td><td>");
		snprintf(path, sizeof path, "%s/logs/%s-%s-rep%d.log", dir, f->target, f->workload, f->rep);
		for (char *c = path + strlen(dir) + 6; *c; c++)
			if (*c == '/')
				*c = '_';
		if (ut_read_file(path, &lb) == 0 && lb.p) {
			const char *tail = lb.len > 8192 ? lb.p + lb.len - 8192 : lb.p;

			ut_buf_printf(b, "<a href=\"#log-%d\">logs/%s</a>", nlog, strrchr(path, '/') + 1);
			ut_buf_printf(&logs, "<details id=\"log-%d\"><summary><code>logs/%s</code>%s</summary><pre>",
				      nlog++, strrchr(path, '/') + 1, tail != lb.p ? " (last 8 KiB)" : "");
			rh_esc(&logs, tail);
			ut_buf_printf(&logs, "</pre></details>\n");
		} else {
			ut_buf_printf(b, "&ndash;");
		}
		ut_buf_free(&lb);
		ut_buf_printf(b, "</td></tr>\n");
	}
	ut_buf_printf(b, "</table>\n");
	if (nlog) {
		ut_buf_printf(b, "<h3>Kept logs</h3>\n");
		ut_buf_add(b, logs.p, logs.len);
	}
	ut_buf_free(&logs);
}

static void pcap_section(struct ut_buf *b, const char *dir)
{
	char path[UKB_PATH + 16];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof path, "%s/pcap", dir);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char f[UKB_PATH + 300];

		if (e->d_name[0] == '.')
			continue;
		if (!n++)
			ut_buf_printf(b, "<h2 id=\"pcap\">Packet traces</h2>\n<p>In the result set's "
					 "<code>pcap/</code> folder (tcpdump -r, tshark -r):</p><ul>\n");
		snprintf(f, sizeof f, "%s/%s", path, e->d_name);
		ut_buf_printf(b, "<li><code>pcap/");
		rh_esc(b, e->d_name);
		ut_buf_printf(b, "</code> (%lld bytes)</li>\n", ut_file_size(f));
	}
	if (n)
		ut_buf_printf(b, "</ul>\n");
	if (d)
		closedir(d);
}

int rh_report(const char *dir, const struct sm_table *t, const char *baseline,
	      const struct rb_map *bases, char *why, size_t n)
{
	struct hm_map hm = { 0 };
	struct ut_buf b = { 0 }, doc = { 0 };
	char real[PATH_MAX], out[UKB_PATH + 16], mwhy[UKB_WHY], title[UKB_PATH + 32], docpath[UKB_PATH];
	const char *set = realpath(dir, real) ? strrchr(real, '/') + 1 : dir;
	json_t *meta = js_meta_load(dir, mwhy, sizeof mwhy);
	int rc;

	snprintf(title, sizeof title, "ukbench report: %s", set);
	page_head(&b, title);
	if (meta)
		ut_buf_printf(&b, "<p>Experiment <b>%s</b>, %s to %s%s; host %s, %lld cores.</p>\n",
			      js_str(meta, "experiment"), js_str(meta, "start"), js_str(meta, "end"),
			      json_is_true(json_object_get(meta, "interrupted")) ? " (interrupted)" : "",
			      js_str(json_object_get(meta, "host"), "cpu"),
			      json_integer_value(json_object_get(json_object_get(meta, "host"), "cores")));
	if (t->missing[0] || !meta) {
		ut_buf_printf(&b, "<p class=\"warn\" id=\"missing\">Incomplete result set: ");
		rh_esc(&b, t->missing);
		if (!meta) {
			ut_buf_printf(&b, "%s", t->missing[0] ? "; " : "");
			rh_esc(&b, mwhy);
		}
		ut_buf_printf(&b, ". What follows is what it has.</p>\n");
	}
	if (meta) {	/* a merged set (bench --slurm): its hosts, the odd accelerator */
		int odd = 0;

		hm_load(meta, &hm);
		for (int i = 0; i < hm.nh && hm.nh > 1; i++) {
			ut_buf_printf(&b, "%s<li><b>", i ? "" : "<div id=\"hosts\"><p>Hosts: every block "
				      "ran on one host; each ratio is taken within one host.</p><ul>\n");
			rh_esc(&b, hm.h[i].name);
			ut_buf_printf(&b, "</b>: ");
			rh_esc(&b, hm.h[i].cpu);
			ut_buf_printf(&b, ", kernel ");
			rh_esc(&b, hm.h[i].kernel);
			ut_buf_printf(&b, ", accelerator ");
			rh_esc(&b, hm.h[i].accel);
			ut_buf_printf(&b, "%s</li>\n", hm.h[i].odd ? " (differs from the others')" : "");
			odd |= hm.h[i].odd;
		}
		if (hm.nh > 1)
			ut_buf_printf(&b, "</ul></div>\n");
		if (odd)
			ut_buf_printf(&b, "<p class=\"warn\" id=\"accel-warning\">The hosts' accelerators "
					  "differ: the blocks of the marked hosts are kept, but compare with "
					  "nothing measured elsewhere.</p>\n");
	}
	ut_buf_printf(&b, "<p><a href=\"#summary\">Summary</a> &middot; <a href=\"#plots\">Plots</a>"
			  " &middot; <a href=\"#failures\">Failures</a> &middot; <a href=\"#meta\">Where and how it ran</a>"
			  " &middot; <a href=\"#how\">How to read this</a></p>\n");
	summary_table(&b, t, baseline, bases, &hm);
	hm_free(&hm);
	plots_section(&b, t, dir, set);
	failures_section(&b, t, dir);
	pcap_section(&b, dir);
	if (meta)
		meta_section(&b, meta);
	ut_buf_printf(&b, "<h2 id=\"how\">How to read this</h2>\n<p>From docs/methodology.md: what "
			  "each metric measures, then (in italics) what it includes and excludes.</p>\n<dl>\n");
	ut_path(docpath, sizeof docpath, "docs/methodology.md");
	ut_read_file(docpath, &doc);
	for (int i = 0; i < t->nr; i++) {
		int dup = 0;

		for (int q = 0; q < i && !dup; q++)
			dup = !strcmp(t->r[q].metric, t->r[i].metric);
		if (dup)
			continue;
		ut_buf_printf(&b, "<dt id=\"how-%s\">%s (%s)</dt>\n", t->r[i].metric, t->r[i].metric,
			      t->r[i].unit);
		if (!doc.p || !how_to_read(&b, doc.p, t->r[i].metric))
			ut_buf_printf(&b, "<dd>not described in docs/methodology.md</dd>\n");
	}
	ut_buf_printf(&b, "</dl>\n</body></html>\n");
	ut_buf_free(&doc);
	json_decref(meta);
	snprintf(out, sizeof out, "%s/report.html", dir);
	rc = ut_write_atomic(out, b.p, b.len);
	if (rc != 0)
		snprintf(why, n, "cannot write %s", out);
	ut_buf_free(&b);
	return rc;
}

/* ---- compare --html ---- */
void rh_compare_row(struct ut_buf *b, const struct rs_sample *k, const char *a, const char *bb,
		    const char *ratio, double p, int verdict, const char *text)
{
	ut_buf_printf(b, "<tr class=\"row\"><td>");
	rh_esc(b, k->job);
	ut_buf_printf(b, "</td><td>");
	rh_esc(b, k->target);
	ut_buf_printf(b, "</td><td>");
	rh_esc(b, k->workload);
	ut_buf_printf(b, "</td><td>");
	rh_esc(b, k->metric);
	ut_buf_printf(b, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">&times;%s"
			 "</td><td class=\"num\">%.3g</td><td class=\"%s\">", a, bb, ratio, p,
		      verdict < 0 ? "worse" : verdict > 0 ? "better" : "");
	rh_esc(b, text);
	ut_buf_printf(b, "</td></tr>\n");
}

void rh_compare_page(struct ut_buf *b, const char *a, const char *bdir, double threshold,
		     const char *warnings, const struct ut_buf *rows, int n, int worse, int better)
{
	page_head(b, "ukbench compare");
	ut_buf_printf(b, "<p>A: <code>");
	rh_esc(b, a);
	ut_buf_printf(b, "</code><br>B: <code>");
	rh_esc(b, bdir);
	ut_buf_printf(b, "</code></p>\n");
	for (const char *l = warnings; l && *l;) {
		size_t k = strcspn(l, "\n");

		ut_buf_printf(b, "<p class=\"warn\">warning: ");
		ut_buf_add(b, "", 0);
		char *one = strndup(l, k);

		rh_esc(b, one);
		free(one);
		ut_buf_printf(b, "</p>\n");
		l += k;
		if (*l)
			l++;
	}
	ut_buf_printf(b, "<p>%d compared: <b>%d significantly worse</b>, %d significantly better. "
			 "Each cell: median [lo, hi] n=N; p: two-sided Mann&ndash;Whitney U; a change is "
			 "marked when p &lt; 0.05 and the medians differ by more than %g%%.</p>\n",
		      n, worse, better, threshold);
	ut_buf_printf(b, "<table id=\"compare-table\"><tr><th>job</th><th>target</th><th>workload</th>"
			 "<th>metric</th><th>A</th><th>B</th><th>B/A</th><th>p</th><th>change</th></tr>\n");
	if (rows->p)
		ut_buf_add(b, rows->p, rows->len);
	ut_buf_printf(b, "</table>\n</body></html>\n");
}
