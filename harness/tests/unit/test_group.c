/* test_group.c: the report sets an app's rows beside the workload it compares
 * with (nginx after httpd, redis after kvstore), from meta.json's "compare"
 * per job, else from the app registry; a set without a pair keeps its order. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

/* the apps first, ours later, hello last: the wrong order */
static const char summary[] =
	"experiment,job,target,workload,metric,unit,n,median,min,max,p25,p75,ci_lo,ci_hi,ci_level\n"
	"e,run,native,nginx,req_per_s,req/s,3,900,800,1000,850,950,800,1000,0.75\n"
	"e,run,native,redis/SET-P1,ops_per_s,ops/s,3,70,60,80,65,75,60,80,0.75\n"
	"e,run,native,redis/GET-P1,ops_per_s,ops/s,3,80,70,90,75,85,70,90,0.75\n"
	"e,run,native,httpd,req_per_s,req/s,3,1000,900,1100,950,1050,900,1100,0.75\n"
	"e,run,native,kvstore/SET,ops_per_s,ops/s,3,50,40,60,45,55,40,60,0.75\n"
	"e,run,native,kvstore/GET,ops_per_s,ops/s,3,60,50,70,55,65,50,70,0.75\n"
	"e,run,native,hello,boot_to_ready,ms,3,5,4,6,4.5,5.5,4,6,0.75\n"
	"e,run,linux-vm,nginx,req_per_s,req/s,3,300,200,400,250,350,200,400,0.75\n"
	"e,run,linux-vm,httpd,req_per_s,req/s,3,400,300,500,350,450,300,500,0.75\n";

/* the labels in the order of the report's rows, and the rows themselves */
static const char *const grouped[] = { "httpd", "nginx", "kvstore/SET", "kvstore/GET",
				       "redis/SET-P1", "redis/GET-P1", "hello" };
static const char *const grouped_rows[] = {
	"httpd@native", "httpd@linux-vm", "nginx@native", "nginx@linux-vm", "kvstore/SET@native",
	"kvstore/GET@native", "redis/SET-P1@native", "redis/GET-P1@native", "hello@native" };
static const char *const as_written[] = {
	"nginx@native", "redis/SET-P1@native", "redis/GET-P1@native", "httpd@native",
	"kvstore/SET@native", "kvstore/GET@native", "hello@native", "nginx@linux-vm",
	"httpd@linux-vm" };

static void put(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

/* meta.json's jobs: (compare) is the "compare" member of nginx and redis,
 * NULL for none at all (a set written before run.c recorded it) */
static void make_set(char *dir, const char *compare_nginx, const char *compare_redis)
{
	char meta[1024];

	cr_assert(mkdtemp(dir));
	put(dir, "summary.csv", summary);
	put(dir, "failures.csv", "experiment,job,target,workload,rep,why\n");
	if (compare_nginx)
		snprintf(meta, sizeof meta,
			 "{\"experiment\": \"e\", \"baseline\": \"native\", \"jobs\": [\n"
			 " {\"target\": \"native\", \"job\": \"run\", \"workload\": \"nginx\", \"compare\": \"%s\"},\n"
			 " {\"target\": \"native\", \"job\": \"run\", \"workload\": \"redis\", \"compare\": \"%s\"},\n"
			 " {\"target\": \"native\", \"job\": \"run\", \"workload\": \"httpd\", \"compare\": \"\"}]}\n",
			 compare_nginx, compare_redis);
	else
		snprintf(meta, sizeof meta,
			 "{\"experiment\": \"e\", \"baseline\": \"native\", \"jobs\": [\n"
			 " {\"target\": \"native\", \"job\": \"run\", \"workload\": \"nginx\"},\n"
			 " {\"target\": \"native\", \"job\": \"run\", \"workload\": \"httpd\"}]}\n");
	put(dir, "meta.json", meta);
}

/* The rows of (t) are (want), "workload@target" each. */
static void assert_rows(const struct sm_table *t, const char *const *want, int n)
{
	cr_assert_eq(t->nr, n);
	for (int i = 0; i < n; i++) {
		char got[2 * UKB_NAME + 2];

		snprintf(got, sizeof got, "%s@%s", t->r[i].workload, t->r[i].target);
		cr_assert_str_eq(got, want[i], "row %d", i);
	}
}

static void load_grouped(const char *dir, struct sm_table *t)
{
	char why[256];
	json_t *meta = js_meta_load(dir, why, sizeof why);

	cr_assert_eq(sm_load(dir, t, why, sizeof why), 0, "%s", why);
	sm_group(t, meta);
	json_decref(meta);
}

static void cleanup(const char *dir)
{
	const char *files[] = { "summary.csv", "failures.csv", "meta.json", "report.html" };
	char p[256];

	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	cr_assert_eq(rmdir(dir), 0);
}

static size_t read_all(FILE *f, char *text, size_t n)
{
	size_t got;

	fflush(stdout);
	got = fread(text, 1, n - 1, f);
	text[got] = '\0';
	return got;
}

Test(group, pairs_from_meta_json, .init = cr_redirect_stdout)
{
	char dir[] = "/tmp/ukb-grp-XXXXXX", text[8192], p[256];
	char *rargv[] = { "report", dir, NULL }, *hargv[] = { "report", "--html", dir, NULL };
	struct sm_table t;
	struct ut_buf html = { 0 };
	const char *a, *b, *page;

	make_set(dir, "httpd", "kvstore");
	load_grouped(dir, &t);
	cr_assert_eq(t.np, 2);
	cr_assert_str_eq(t.pair[0].app, "nginx");
	cr_assert_str_eq(t.pair[0].ours, "httpd");
	cr_assert_str_eq(t.pair[1].app, "redis");
	cr_assert_str_eq(t.pair[1].ours, "kvstore");
	assert_rows(&t, grouped_rows, 9);
	/* the rows are moved, not changed: each still finds its cells */
	cr_assert_float_eq(sm_find(&t, "linux-vm", "nginx", "req_per_s")->median, 300, 1e-9);
	cr_assert_float_eq(sm_find(&t, "native", "redis/GET-P1", "ops_per_s")->median, 80, 1e-9);
	sm_free(&t);

	/* the markdown: the note, then httpd, nginx, kvstore, redis, hello */
	cr_assert_eq(report_main(2, rargv), 0);
	read_all(cr_get_redirected_stdout(), text, sizeof text);
	cr_assert(strstr(text, "Set beside each other: nginx (Debian) beside httpd (ours); "
			       "redis (Debian) beside kvstore (ours)."), "%s", text);
	a = strstr(text, "| httpd | req_per_s |");
	for (int i = 1; a && i < 7; i++, a = b) {
		char row[64];

		snprintf(row, sizeof row, "| %s |", grouped[i]);
		b = strstr(text, row);
		cr_assert(b && b > a, "%s not after %s:\n%s", grouped[i], grouped[i - 1], text);
	}
	cr_assert_not_null(a, "%s", text);

	/* the page: the same note and order */
	setenv("PATH", "/nonexistent", 1);	/* no gnuplot: the plots are not what is tested */
	cr_assert_eq(report_main(3, hargv), 0);
	snprintf(p, sizeof p, "%s/report.html", dir);
	cr_assert_eq(ut_read_file(p, &html), 0);
	cr_assert(strstr(html.p, "<p id=\"pairs\">Set beside each other: <b>nginx</b> (Debian) beside "
				 "<b>httpd</b> (ours); <b>redis</b> (Debian) beside <b>kvstore</b> (ours).</p>"));
	page = strstr(html.p, "id=\"summary-table\"");
	cr_assert_not_null(page);
	a = strstr(page, "<td>httpd</td>");
	for (int i = 1; a && i < 7; i++, a = b) {
		char cell[64];

		snprintf(cell, sizeof cell, "<td>%s</td>", grouped[i]);
		b = strstr(page, cell);
		cr_assert(b && b > a, "%s not after %s in report.html", grouped[i], grouped[i - 1]);
	}
	cr_assert_not_null(a);
	ut_buf_free(&html);
	cleanup(dir);
}

Test(group, no_pair_keeps_the_order, .init = cr_redirect_stdout)
{
	char dir[] = "/tmp/ukb-grp-XXXXXX", text[8192];
	char *rargv[] = { "report", dir, NULL };
	struct sm_table t;

	/* meta.json says: nothing set beside anything (the registry is not asked) */
	make_set(dir, "", "");
	load_grouped(dir, &t);
	cr_assert_eq(t.np, 0);
	assert_rows(&t, as_written, 9);
	sm_free(&t);
	cr_assert_eq(report_main(2, rargv), 0);
	read_all(cr_get_redirected_stdout(), text, sizeof text);
	cr_assert_null(strstr(text, "Set beside"), "%s", text);
	cr_assert(strstr(text, "| nginx |") < strstr(text, "| httpd |"), "%s", text);
	cleanup(dir);

	/* a pair whose other side has no rows: nothing moves either */
	char two[] = "/tmp/ukb-grp-XXXXXX";

	make_set(two, "lighttpd", "kvstore-none");
	load_grouped(two, &t);
	cr_assert_eq(t.np, 0);
	assert_rows(&t, as_written, 9);
	sm_free(&t);
	cleanup(two);
}

Test(group, pairs_from_the_registry)
{
	char dir[] = "/tmp/ukb-grp-XXXXXX";
	struct sm_table t;

	/* meta.json without "compare": workloads/apps/{nginx,redis}/app.conf say it */
	make_set(dir, NULL, NULL);
	load_grouped(dir, &t);
	cr_assert_eq(t.np, 2);
	assert_rows(&t, grouped_rows, 9);
	sm_free(&t);
	/* no meta.json at all: the same */
	char p[256];

	snprintf(p, sizeof p, "%s/meta.json", dir);
	cr_assert_eq(unlink(p), 0);
	load_grouped(dir, &t);
	cr_assert_eq(t.np, 2);
	assert_rows(&t, grouped_rows, 9);
	sm_free(&t);
	cleanup(dir);
}
