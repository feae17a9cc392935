/* report.c: `ukbench report DIR`: reads a result set's summary.csv and
 * failures.csv (sm_load, also used by plot.c) and prints one markdown table:
 * a row per (workload, metric) of each job, a column per target, each cell the
 * median with its order-statistic interval, n and the interval's real
 * coverage, and the ratio to the baseline target's median. sm_group() sets an
 * app's rows right after those of our workload it compares with (nginx after
 * httpd), for the markdown table and report_html.c's alike.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "ukb.h"

int report_resolve_dir(const char *arg, char *out, size_t n)
{
	char p[UKB_PATH + 32];

	/* summary.csv, or samples.csv alone (a set cut short: summarised again) */
	for (int k = 0; k < 2; k++) {
		const char *f = k ? "samples.csv" : "summary.csv";

		snprintf(p, sizeof p, "%s/%s", arg, f);
		if (access(p, R_OK) == 0) {
			ut_strlcpy(out, arg, n);
			return 0;
		}
		snprintf(p, sizeof p, "%s/results/%s/%s", ut_root(), arg, f);
		if (!strchr(arg, '/') && access(p, R_OK) == 0) {
			snprintf(out, n, "%s/results/%s", ut_root(), arg);
			return 0;
		}
	}
	return -1;
}

static void add_target(struct sm_table *t, const char *name)
{
	for (int i = 0; i < t->nt; i++)
		if (!strcmp(t->targets[i], name))
			return;
	if (t->nt < 16)
		ut_strlcpy(t->targets[t->nt++], name, UKB_NAME);
}

/* Splits one CSV line in place; a quoted last field may hold commas. */
static int csv_fields(char *line, char **f, int max)
{
	int k = 0;

	while (line && k < max) {
		if (*line == '"') {
			char *w = ++line, *r = line;

			while (*r && !(*r == '"' && r[1] != '"')) {
				if (*r == '"')
					r++;
				*w++ = *r++;
			}
			*w = '\0';
			f[k++] = line;
			line = *r ? strchr(r + 1, ',') : NULL;
			if (line)
				line++;
			continue;
		}
		f[k++] = line;
		line = strchr(line, ',');
		if (line)
			*line++ = '\0';
	}
	return k;
}

/* A workload run by more than one job is labelled with the job: the boot
 * job's warm launches and the footprint job's cold one are different rows. */
void sm_label(const struct sm_table *t, const char *job, const char *workload, char *out,
	      size_t n)
{
	int several = 0;

	for (int i = 0; i < t->nr && !several; i++)
		several = !strcmp(t->r[i].workload, workload) && strcmp(t->r[i].job, job);
	for (int i = 0; i < t->nf && !several; i++)
		several = !strcmp(t->f[i].workload, workload) && strcmp(t->f[i].job, job);
	if (several)
		snprintf(out, n, "%s [%s]", workload, job);
	else
		snprintf(out, n, "%s", workload);
}

static void sm_note(struct sm_table *t, const char *what)
{
	size_t k = strlen(t->missing);

	snprintf(t->missing + k, sizeof t->missing - k, "%s%s", k ? "; " : "", what);
}

/* summary.csv gone or unreadable: the rows again from samples.csv. */
static int sm_from_samples(const char *dir, struct sm_table *t, struct ut_buf *b)
{
	struct rs_set rs;
	int cut;

	memset(&rs, 0, sizeof rs);
	if (cp_read_samples(dir, &rs.s, &rs.ns, &cut) != 0)
		return -1;
	ut_strlcpy(rs.experiment, "-", sizeof rs.experiment);
	ut_buf_free(b);
	rs_summary_csv(&rs, b);
	free(rs.s);
	sm_note(t, cut ? "summary.csv missing, summarised from samples.csv (cut-off lines skipped)" :
			 "summary.csv missing, summarised from samples.csv");
	return 0;
}

int sm_load(const char *dir, struct sm_table *t, char *why, size_t n)
{
	char path[UKB_PATH + 32];
	struct ut_buf b = { 0 };
	char *line, *next;
	int lineno = 0, o = 1;	/* o: 0 for sets written before the job column */

	memset(t, 0, sizeof *t);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	if ((ut_read_file(path, &b) != 0 || !b.p) && sm_from_samples(dir, t, &b) != 0) {
		snprintf(why, n, "%s: cannot read (not a result set?)", path);
		ut_buf_free(&b);
		return -1;
	}
	for (line = b.p; line && *line; line = next) {
		char *f[16];
		struct sm_row *r;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (lineno++ == 0) {
			o = !strncmp(line, "experiment,job,", 15);
			continue;
		}
		if (!next || csv_fields(line, f, 16) < 14 + o) {	/* cut off: skipped, said */
			char w[96];

			snprintf(w, sizeof w, "summary.csv:%d cut off (%s), skipped", lineno,
				 next ? "too few fields" : "no newline");
			sm_note(t, w);
			continue;
		}
		r = realloc(t->r, sizeof *r * (size_t)(t->nr + 1));
		if (!r)
			break;
		t->r = r;
		r = &t->r[t->nr++];
		ut_strlcpy(r->job, o ? f[1] : "run", sizeof r->job);
		ut_strlcpy(r->target, f[1 + o], sizeof r->target);
		ut_strlcpy(r->workload, f[2 + o], sizeof r->workload);
		ut_strlcpy(r->metric, f[3 + o], sizeof r->metric);
		ut_strlcpy(r->unit, f[4 + o], sizeof r->unit);
		r->n = atoi(f[5 + o]);
		r->median = atof(f[6 + o]);
		r->min = atof(f[7 + o]);
		r->max = atof(f[8 + o]);
		r->p25 = atof(f[9 + o]);
		r->p75 = atof(f[10 + o]);
		r->ci_lo = atof(f[11 + o]);
		r->ci_hi = atof(f[12 + o]);
		r->ci_level = atof(f[13 + o]);
		add_target(t, r->target);
	}
	ut_buf_free(&b);
	snprintf(path, sizeof path, "%s/failures.csv", dir);
	lineno = 0;
	if (ut_read_file(path, &b) != 0)
		sm_note(t, "failures.csv missing");
	else {
		for (line = b.p; line && *line; line = next) {
			char *f[8];
			struct rs_failure *x;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if (lineno++ == 0 || csv_fields(line, f, 8) < 5 + o)
				continue;
			x = realloc(t->f, sizeof *x * (size_t)(t->nf + 1));
			if (!x)
				break;
			t->f = x;
			x = &t->f[t->nf++];
			ut_strlcpy(x->job, o ? f[1] : "run", sizeof x->job);
			ut_strlcpy(x->target, f[1 + o], sizeof x->target);
			ut_strlcpy(x->workload, f[2 + o], sizeof x->workload);
			x->rep = atoi(f[3 + o]);
			ut_strlcpy(x->why, f[4 + o], sizeof x->why);
			add_target(t, x->target);
		}
	}
	ut_buf_free(&b);
	for (int i = 0; i < t->nr; i++)
		sm_label(t, t->r[i].job, t->r[i].workload, t->r[i].label, sizeof t->r[i].label);
	return 0;
}

const struct sm_row *sm_find(const struct sm_table *t, const char *target, const char *label,
			     const char *metric)
{
	for (int i = 0; i < t->nr; i++)
		if (!strcmp(t->r[i].target, target) && !strcmp(t->r[i].label, label) &&
		    !strcmp(t->r[i].metric, metric))
			return &t->r[i];
	return NULL;
}

void sm_free(struct sm_table *t)
{
	free(t->r);
	free(t->f);
	t->r = NULL;
	t->f = NULL;
}

/* Three significant digits, no exponent for ordinary magnitudes. */
void report_fmt(char *out, size_t n, double v)
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

static int same_label(const struct sm_table *t, const struct rs_failure *f, const char *label)
{
	char l[UKB_NAME * 2 + 4];

	sm_label(t, f->job, f->workload, l, sizeof l);
	return !strcmp(l, label);
}

static const struct rs_failure *failure_of(const struct sm_table *t, const char *target,
					   const char *label)
{
	for (int i = 0; i < t->nf; i++)
		if (!strcmp(t->f[i].target, target) && same_label(t, &t->f[i], label))
			return &t->f[i];
	return NULL;
}

static int has_samples(const struct sm_table *t, const char *target, const char *label)
{
	for (int i = 0; i < t->nr; i++)
		if (!strcmp(t->r[i].target, target) && !strcmp(t->r[i].label, label))
			return 1;
	return 0;
}

static const struct sm_row *first_row_of(const struct sm_table *t, const struct sm_row *row)
{
	for (int i = 0; i < t->nr; i++)
		if (!strcmp(t->r[i].label, row->label))
			return &t->r[i];
	return row;
}

static int seen_before(const struct sm_table *t, int i)
{
	for (int k = 0; k < i; k++)
		if (!strcmp(t->r[k].label, t->r[i].label) && !strcmp(t->r[k].metric, t->r[i].metric))
			return 1;
	return 0;
}

/* The same workload, its tests aside: "redis/SET-P1" is redis. */
static int same(const char *a, const char *b)
{
	size_t n = strcspn(a, "/");

	return n == strcspn(b, "/") && !strncmp(a, b, n);
}

/* What the workload (w) is set beside: "" if nothing. */
static const char *beside(const struct sm_table *t, const char *w)
{
	for (int i = 0; i < t->np; i++)
		if (same(t->pair[i].app, w))
			return t->pair[i].ours;
	return "";
}

static int has_workload(const struct sm_table *t, const char *w)
{
	for (int i = 0; i < t->nr; i++)
		if (same(t->r[i].workload, w))
			return 1;
	return 0;
}

/* A pair both of whose sides have rows; no chains (ours is never an app set
 * beside something else). */
static void add_pair(struct sm_table *t, const char *app, const char *ours)
{
	if (!app[0] || !ours[0] || !strcmp(app, ours) || t->np == SM_PAIRS || beside(t, app)[0] ||
	    beside(t, ours)[0] || !has_workload(t, app) || !has_workload(t, ours))
		return;
	for (int i = 0; i < t->np; i++)
		if (same(t->pair[i].ours, app))
			return;
	ut_strlcpy(t->pair[t->np].app, app, UKB_NAME);
	ut_strlcpy(t->pair[t->np++].ours, ours, UKB_NAME);
}

static int first_of_label(const struct sm_table *t, int i)
{
	return first_row_of(t, &t->r[i]) == &t->r[i];
}

void sm_group(struct sm_table *t, json_t *meta)
{
	json_t *jobs = json_object_get(meta, "jobs"), *j;
	int recorded = 0, *lab, nl = 0, nr = 0;
	struct sm_row *r;
	size_t k;

	t->np = 0;
	json_array_foreach(jobs, k, j) {	/* run.c wrote "compare" for every job */
		if (!json_object_get(j, "compare"))
			continue;
		recorded = 1;
		add_pair(t, js_str(j, "workload"), js_str(j, "compare"));
	}
	for (int i = 0; i < t->nr && !recorded; i++) {	/* an older set: the app registry */
		char w[UKB_NAME];
		const struct app_def *a;

		snprintf(w, sizeof w, "%.*s", (int)strcspn(t->r[i].workload, "/"), t->r[i].workload);
		a = app_find(w);
		if (a)
			add_pair(t, a->name, a->compare);
	}
	if (!t->np)
		return;
	/* labels in order of first appearance; an app's right after the last
	 * label of the workload it is set beside; then the rows, label by label */
	lab = malloc(sizeof *lab * (size_t)t->nr);
	r = malloc(sizeof *r * (size_t)t->nr);
	for (int i = 0; lab && r && i < t->nr; i++) {
		int last = 1;

		if (!first_of_label(t, i) || beside(t, t->r[i].workload)[0])
			continue;
		lab[nl++] = i;
		for (int q = i + 1; q < t->nr && last; q++)
			last = !first_of_label(t, q) || !same(t->r[q].workload, t->r[i].workload);
		for (int q = 0; q < t->nr && last; q++)
			if (first_of_label(t, q) && same(beside(t, t->r[q].workload), t->r[i].workload))
				lab[nl++] = q;
	}
	for (int l = 0; lab && r && l < nl; l++)
		for (int i = 0; i < t->nr; i++)
			if (!strcmp(t->r[i].label, t->r[lab[l]].label))
				r[nr++] = t->r[i];
	if (r && nr == t->nr) {
		free(t->r);
		t->r = r;
	} else {
		free(r);
	}
	free(lab);
}

/* One cell: the median, the order-statistic interval around it, how many
 * samples and the interval's real coverage (n = 3: 75%, n = 5: 93.75%). */
static void print_cell(const struct sm_row *c)
{
	char m[32], lo[32], hi[32];

	report_fmt(m, sizeof m, c->median);
	report_fmt(lo, sizeof lo, c->ci_lo);
	report_fmt(hi, sizeof hi, c->ci_hi);
	if (c->n <= 1)
		printf(" %s (n=1, no CI)", m);
	else
		printf(" %s [%s, %s] n=%d, %.4g%%", m, lo, hi, c->n, c->ci_level * 100);
}

/* Guest memory of every VM job, from meta.json's jobs[] (target, mem_mib). */
static void print_memory(const char *meta)
{
	char seen[16][UKB_NAME + 16];
	int ns = 0;

	for (const char *p = meta; p && (p = strstr(p, "{\"target\": \"")); ) {
		char tgt[UKB_NAME], kind[32] = "", one[UKB_NAME + 16];
		const char *k, *m, *next;
		int dup = 0;

		p += strlen("{\"target\": \"");
		snprintf(tgt, sizeof tgt, "%.*s", (int)strcspn(p, "\""), p);
		next = strstr(p, "{\"target\": \"");
		k = strstr(p, "\"kind\": \"");
		m = strstr(p, "\"mem_mib\": ");
		if (!k || !m || (next && m > next))
			continue;
		k += strlen("\"kind\": \"");
		snprintf(kind, sizeof kind, "%.*s", (int)strcspn(k, "\""), k);
		if (strcmp(kind, "refkernel") && strcmp(kind, "linux-vm") && strcmp(kind, "linux-tiny") &&
		    strcmp(kind, "qemu-image"))
			continue;
		snprintf(one, sizeof one, "%s %d MiB", tgt, atoi(m + strlen("\"mem_mib\": ")));
		for (int i = 0; i < ns && !dup; i++)
			dup = !strcmp(seen[i], one);
		if (!dup && ns < 16)
			ut_strlcpy(seen[ns++], one, sizeof seen[0]);
	}
	if (!ns)
		return;
	printf("Guest memory (per job in meta.json): ");
	for (int i = 0; i < ns; i++)
		printf("%s%s", i ? ", " : "", seen[i]);
	printf(".\n\n");
}

int report_main(int argc, char **argv)
{
	const char *dirarg = NULL, *baseline = NULL;
	int user_base = 0;	/* --baseline: one column for every row */
	char metrics[512] = "";
	int html = 0;
	char dir[UKB_PATH], why[UKB_WHY];
	struct sm_table t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: ukbench report [--baseline TARGET] [--metrics M1,M2,...] [--html] DIR\n"
			       "Print a result set's summary as a markdown table: one row per workload\n"
			       "and metric (\"workload [job]\" where several jobs ran it), one column per\n"
			       "target; each cell is the median, the order-statistic confidence interval\n"
			       "of the median with n and its real coverage, and the ratio to the baseline\n"
			       "target\n"
			       "(default: the experiment's baseline, else linux-vm, else native; a job\n"
			       "with its own baseline - baseline_of, a [run]'s baseline - uses it;\n"
			       "--baseline sets one for every row). DIR is\n"
			       "a result folder or its name\n"
			       "under results/ (e.g. latest). --html: write DIR/report.html instead, one\n"
			       "self-contained page (table, SVG plots, failures with their logs, meta.json,\n"
			       "how to read each metric) and print its path.\n");
			return 0;
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			baseline = argv[++i];
			user_base = 1;
		} else if (!strcmp(argv[i], "--html")) {
			html = 1;
		} else if (!strcmp(argv[i], "--metrics") && i + 1 < argc) {
			snprintf(metrics, sizeof metrics, ",%s,", argv[++i]);
		} else if (argv[i][0] == '-' || dirarg) {
			ut_err("report: unexpected argument '%s' (see ukbench report --help)", argv[i]);
			return 2;
		} else {
			dirarg = argv[i];
		}
	}
	if (!dirarg) {
		ut_err("report: which result set? (ukbench report results/latest)");
		return 2;
	}
	if (report_resolve_dir(dirarg, dir, sizeof dir) != 0) {
		ut_err("report: %s is not a result set (no summary.csv)", dirarg);
		return 2;
	}
	if (sm_load(dir, &t, why, sizeof why) != 0) {
		ut_err("report: %s", why);
		return 2;
	}
	/* an app's rows beside ours (nginx after httpd), from meta.json's jobs */
	json_t *mj = js_meta_load(dir, why, sizeof why);

	sm_group(&t, mj);
	char meta_base[UKB_NAME] = "", mp[UKB_PATH + 16];
	struct ut_buf meta = { 0 };
	const char *k;

	snprintf(mp, sizeof mp, "%s/meta.json", dir);
	if (ut_read_file(mp, &meta) != 0)
		ut_buf_free(&meta);
	if (!baseline && meta.p && (k = strstr(meta.p, "\"baseline\": \""))) {
		/* the experiment's own choice */
		k += strlen("\"baseline\": \"");
		snprintf(meta_base, sizeof meta_base, "%.*s", (int)strcspn(k, "\""), k);
		for (int i = 0; i < t.nt && meta_base[0]; i++)
			if (!strcmp(t.targets[i], meta_base))
				baseline = meta_base;
	}
	if (!baseline) {
		for (int i = 0; i < t.nt; i++)
			if (!strcmp(t.targets[i], "linux-vm"))
				baseline = "linux-vm";
		for (int i = 0; i < t.nt && !baseline; i++)
			if (!strcmp(t.targets[i], "native"))
				baseline = "native";
	}
	static struct rb_map bases;	/* per-job baselines (baseline_of, [run] baseline) */

	rb_load(user_base ? NULL : meta.p, &bases);
	if (html) {	/* report_html.c */
		int rc = rh_report(dir, &t, baseline, &bases, why, sizeof why);

		if (rc != 0)
			ut_err("report: %s", why);
		else
			printf("%s/report.html\n", dir);
		if (t.missing[0])
			ut_err("report: incomplete result set: %s", t.missing);
		ut_buf_free(&meta);
		json_decref(mj);
		sm_free(&t);
		return rc ? 1 : 0;
	}
	char real[PATH_MAX], expname[UKB_NAME] = "";
	const char *name = realpath(dir, real) ? strrchr(real, '/') + 1 : dir;
	if (meta.p && (k = strstr(meta.p, "\"experiment\": \""))) {
		k += strlen("\"experiment\": \"");
		snprintf(expname, sizeof expname, "%.*s", (int)strcspn(k, "\""), k);
	}
	if (expname[0])
		printf("## Experiment %s (%s)\n\n", expname, name);
	else
		printf("## %s\n\n", name);
	rb_print(&bases, stdout);
	if (bases.n)
		printf("\n\n");
	printf("Each cell: median [lo, hi] n=N, C%%: the distribution-free interval of the median\n"
	       "from order statistics, N samples, C its real coverage (n=3: 75%%, n=5: 93.75%%;\n"
	       "95%% needs n >= 6); n=1 is one sample, no interval%s%s%s.\n\n",
	       baseline ? "; ×: ratio to " : "", baseline ? baseline : "",
	       baseline ? "'s median" : "");
	if (t.missing[0] || !meta.p)
		printf("Incomplete result set: %s%s%s. What follows is what it has.\n\n", t.missing,
		       t.missing[0] && !meta.p ? "; " : "", meta.p ? "" : "meta.json missing or unreadable");
	print_memory(meta.p);
	ut_buf_free(&meta);
	/* a merged set (bench --slurm): rows grouped by host, ratios within one */
	struct hm_map hm;
	int multi;

	hm_load(mj, &hm);
	json_decref(mj);
	multi = hm.nh > 1;
	if (multi)
		hm_print_hosts(&hm, stdout);
	for (int i = 0; i < t.np; i++)
		printf("%s%s (Debian) beside %s (ours)%s", i ? "; " : "Set beside each other: ",
		       t.pair[i].app, t.pair[i].ours, i + 1 < t.np ? "" : ".\n\n");
	printf("| workload | metric | unit |%s", multi ? " host |" : "");
	for (int i = 0; i < t.nt; i++)
		printf(" %s |", t.targets[i]);
	printf("\n|---|---|---|%s", multi ? "---|" : "");
	for (int i = 0; i < t.nt; i++)
		printf("---:|");
	printf("\n");
	/* rows grouped by workload (in order of first appearance), then metric */
	int *order = malloc(sizeof *order * ((size_t)t.nr + 1)), no = 0;

	for (int h = 0; h <= (multi ? hm.nh : 0); h++)
		for (int i = 0; order && i < t.nr; i++) {
			if (first_row_of(&t, &t.r[i]) != &t.r[i] ||
			    (multi && hm_index(&hm, t.r[i].job, t.r[i].workload) != h))
				continue;
			for (int k = i; k < t.nr; k++)
				if (!strcmp(t.r[k].label, t.r[i].label))
					order[no++] = k;
		}
	for (int oi = 0; oi < no; oi++) {
		int i = order[oi];
		const struct sm_row *row = &t.r[i], *base;

		if (seen_before(&t, i))
			continue;
		if (metrics[0]) {	/* --metrics: only these */
			char key[UKB_NAME + 2];

			snprintf(key, sizeof key, ",%s,", row->metric);
			if (!strstr(metrics, key))
				continue;
		}
		printf("| %s | %s | %s |", row->label, row->metric, row->unit);
		if (multi) {
			int h = hm_index(&hm, row->job, row->workload);

			printf(" %s%s |", h < hm.nh ? hm.h[h].name : "?",
			       h < hm.nh && hm.h[h].odd ? " (other accelerator)" : "");
		}
		for (int k = 0; k < t.nt; k++) {
			const struct sm_row *c = sm_find(&t, t.targets[k], row->label, row->metric);
			const struct rs_failure *f;

			if (!c) {
				/* a failure only where the target has nothing for the workload */
				f = has_samples(&t, t.targets[k], row->label) ||
				    first_row_of(&t, row) != row ? NULL :
				    failure_of(&t, t.targets[k], row->label);
				if (f)
					printf(" failed: %.60s |", f->why);
				else
					printf(" – |");
				continue;
			}
			print_cell(c);
			base = rb_base(&t, &bases, multi ? &hm : NULL, baseline, c);
			if (base) {
				char ratio[32];

				report_fmt(ratio, sizeof ratio, c->median / base->median);
				printf(" ×%s", ratio);
			}
			printf(" |");
		}
		printf("\n");
	}
	free(order);
	/* rows with no sample at all on any target: only failures */
	for (int i = 0; i < t.nf; i++) {
		char label[UKB_NAME * 2 + 4];
		int shown = 0;

		sm_label(&t, t.f[i].job, t.f[i].workload, label, sizeof label);
		for (int k = 0; k < t.nr && !shown; k++)
			shown = !strcmp(t.r[k].label, label);
		for (int k = 0; k < i && !shown; k++)
			shown = same_label(&t, &t.f[k], label);
		if (shown)
			continue;
		printf("| %s | (all runs failed) | |%s", label, multi ? " – |" : "");
		for (int k = 0; k < t.nt; k++) {
			const struct rs_failure *f = failure_of(&t, t.targets[k], label);

			printf(f ? " failed: %.60s |" : " – |", f ? f->why : "");
		}
		printf("\n");
	}
	if (t.nf) {
		printf("\nFailed samples (%d), same reasons grouped:\n\n", t.nf);
		for (int i = 0; i < t.nf; i++) {
			int dup = 0, count = 0;

			for (int k = 0; k < i && !dup; k++)
				dup = !strcmp(t.f[k].job, t.f[i].job) && !strcmp(t.f[k].target, t.f[i].target) &&
				      !strcmp(t.f[k].workload, t.f[i].workload) && !strcmp(t.f[k].why, t.f[i].why);
			if (dup)
				continue;
			for (int k = i; k < t.nf; k++)
				count += !strcmp(t.f[k].job, t.f[i].job) &&
					 !strcmp(t.f[k].target, t.f[i].target) &&
					 !strcmp(t.f[k].workload, t.f[i].workload) &&
					 !strcmp(t.f[k].why, t.f[i].why);
			printf("- %s on %s, job %s (%d× from rep %d): %s\n", t.f[i].workload, t.f[i].target,
			       t.f[i].job, count, t.f[i].rep, t.f[i].why);
		}
	}
	hm_free(&hm);
	sm_free(&t);
	return 0;
}
