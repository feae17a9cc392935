/* test_slurm.c: the block splitter (every job in exactly one block, a block
 * = one [run] and workload with all its targets and sweep values), the
 * sbatch script, and merge: a good merge across two hosts (host map, the odd
 * accelerator marked), then every refusal - duplicate samples, another
 * experiment, another git commit, a block twice, a block missing, a block
 * that did not finish. Partial sets are written by results.c itself. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

static char tmp[64];

static void setup(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/ukb-slurm-unit.XXXXXX");
	cr_assert(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	cr_assert_eq(system(cmd), 0);
}

static void put(const char *path, const char *text)
{
	cr_assert_eq(ut_write_atomic(path, text, strlen(text)), 0, "write %s", path);
}

static void load_plan(const char *ini, struct run_plan *p)
{
	char path[128], why[UKB_WHY];

	snprintf(path, sizeof path, "%s/e.ini", tmp);
	put(path, ini);
	cr_assert_eq(ex_load(path, p, why, sizeof why), 0, "%s", why);
}

Test(slurm, split_blocks, .init = setup, .fini = teardown)
{
	struct run_plan p;
	struct sl_block *b;
	int nb, *seen;

	load_plan("[experiment]\nname = t\nreps = 3\ntimeout = 10\n"
		  "[run a]\ntargets = native, container\nworkloads = hello, compute\n"
		  "[run b]\ntargets = native\nworkloads = hello\nmem = 64, 128\n", &p);
	cr_assert_eq(p.njobs, 6);
	cr_assert_eq(sl_split(&p, &b, &nb), 0);
	cr_assert_eq(nb, 3, "a/hello, a/compute, b/hello (its sweep in one block), got %d", nb);
	seen = calloc((size_t)p.njobs, sizeof *seen);
	for (int i = 0; i < nb; i++) {
		cr_assert_eq(b[i].index, i);
		cr_assert_eq(b[i].nj, 2, "block %d: every target (or sweep value) of its run", i);
		for (int k = 0; k < b[i].nj; k++) {
			const struct run_job *j = &p.jobs[b[i].jobs[k]];

			cr_assert_str_eq(j->run, b[i].run);
			cr_assert_str_eq(j->workload, b[i].workload);
			cr_assert(k == 0 || b[i].jobs[k] > b[i].jobs[k - 1], "plan order kept");
			seen[b[i].jobs[k]]++;
		}
		/* its launches' timeouts (3 reps + 1 warm-up, 10 s) and the slack */
		cr_assert_eq(b[i].limit_s, 2 * 4 * 10 + 300);
	}
	for (int i = 0; i < p.njobs; i++)
		cr_assert_eq(seen[i], 1, "job %d in exactly one block", i);
	cr_assert_str_eq(b[0].workload, "hello");
	cr_assert_str_eq(b[1].workload, "compute");
	cr_assert_str_eq(b[2].run, "b");
	cr_assert_str_eq(p.jobs[b[2].jobs[0]].spec.name, "native-m64");

	struct run_plan sub;
	char desc[256];

	cr_assert_eq(sl_block_plan(&p, &b[0], &sub), 0);
	cr_assert_eq(sub.njobs, 2);
	cr_assert_str_eq(sub.jobs[0].spec.name, "native");
	cr_assert_str_eq(sub.jobs[1].spec.name, "container");
	sl_block_desc(&p, &b[0], desc, sizeof desc);
	cr_assert_str_eq(desc, "a/hello: native, container");

	struct sl_opts o = { .nodes = 2 };
	struct ut_buf s = { 0 };

	ut_strlcpy(o.partition, "batch", sizeof o.partition);
	ut_strlcpy(o.dir, "/shared/r", sizeof o.dir);
	ut_strlcpy(o.parts, "/shared/r/parts", sizeof o.parts);
	ut_strlcpy(o.file, "/x/e.ini", sizeof o.file);
	ut_strlcpy(o.ukbench, "/x/ukbench", sizeof o.ukbench);
	sl_script(&o, &p, b, nb, "0-2", &s);
	cr_assert(strstr(s.p, "#SBATCH --array=0-2%2\n"), "%s", s.p);
	cr_assert(strstr(s.p, "#SBATCH --exclusive\n"));
	cr_assert(strstr(s.p, "#SBATCH --partition=batch\n"));
	cr_assert(strstr(s.p, "#SBATCH --time=7\n"), "the longest block (380 s), in whole minutes: %s", s.p);
	cr_assert(strstr(s.p, "#SBATCH --output=/shared/r/slurm/task-%A_%a.out\n"));
	cr_assert(strstr(s.p, "bench --block \"$SLURM_ARRAY_TASK_ID\" -o '/shared/r/parts' '/x/e.ini'") ||
		  strstr(s.p, "bench --block \"$SLURM_ARRAY_TASK_ID\" -o /shared/r/parts /x/e.ini"), "%s", s.p);
	ut_buf_free(&s);
	free(sub.jobs);
	free(seen);
	sl_blocks_free(b, nb);
	free(p.jobs);
}

/* A partial set as a task leaves it: samples, failures, meta.json, block.json. */
static void part(const char *name, const char *exp, const char *commit, int block, int blocks,
		 const char *host, const char *accel, const char *state, const char *job,
		 const char *workload, double base)
{
	struct rs_set r;
	char dir[128], why[UKB_WHY], meta[1024], bj[512], path[160];

	snprintf(dir, sizeof dir, "%s/%s", tmp, name);
	cr_assert_eq(rs_create(&r, exp, dir, why, sizeof why), 0, "%s", why);
	ut_strlcpy(r.job, job, sizeof r.job);
	for (int rep = 1; rep <= 3; rep++) {
		rs_add(&r, "refkernel", workload, "boot_to_ready", rep, base + rep);
		rs_add(&r, "native", workload, "boot_to_ready", rep, 2 * base + rep);
	}
	snprintf(meta, sizeof meta,
		 "{\"experiment\": \"%s\", \"git_commit\": \"%s\", \"baseline\": \"native\", "
		 "\"start\": \"2026-01-01T00:00:0%dZ\", \"end\": \"2026-01-01T00:01:0%dZ\", "
		 "\"host\": {\"name\": \"%s\", \"cpu\": \"cpu of %s\", \"cores\": 2, \"kernel\": \"6.1\"}, "
		 "\"tools\": {\"qemu\": \"QEMU 7.2\"}, \"jobs\": ["
		 "{\"target\": \"refkernel\", \"job\": \"%s\", \"workload\": \"%s\", \"accel\": \"%s (asked for)\"},"
		 "{\"target\": \"native\", \"job\": \"%s\", \"workload\": \"%s\", \"accel\": \"none (host process)\"}]}\n",
		 exp, commit, block, block, host, host, job, workload, accel, job, workload);
	cr_assert_eq(rs_write(&r, meta), 0);
	rs_free(&r);
	snprintf(bj, sizeof bj,
		 "{\"experiment\": \"%s\", \"block\": %d, \"blocks\": %d, \"run\": \"%s\", "
		 "\"workload\": \"%s\", \"node\": \"%s\", \"slurm_job\": \"7\", \"slurm_task\": \"%d\", "
		 "\"state\": \"%s\", \"exit\": 0}\n", exp, block, blocks, job, workload, host, block, state);
	snprintf(path, sizeof path, "%s/block.json", dir);
	put(path, bj);
}

static int merge(const char *out, const char *a, const char *b, const char *c, char *why)
{
	char pa[128], pb[128], pc[128], po[128], *dirs[3] = { pa, pb, pc };
	char *argv[] = { "ukbench", "merge", NULL };

	snprintf(po, sizeof po, "%s/%s", tmp, out);
	snprintf(pa, sizeof pa, "%s/%s", tmp, a);
	snprintf(pb, sizeof pb, "%s/%s", tmp, b ? b : "");
	snprintf(pc, sizeof pc, "%s/%s", tmp, c ? c : "");
	return mg_merge(po, dirs, c ? 3 : b ? 2 : 1, NULL, NULL, 0, NULL, 0, 2, argv, why, UKB_WHY);
}

Test(slurm, merge_two_hosts, .init = setup, .fini = teardown)
{
	char why[UKB_WHY] = "", dir[128];
	struct rs_sample *s;
	int ns, cut;
	json_t *meta;
	struct hm_map hm;

	part("b0", "smoke", "abc123", 0, 3, "n1", "tcg", "done", "boot", "hello", 10);
	part("b1", "smoke", "abc123", 1, 3, "n2", "tcg", "done", "boot", "compute", 100);
	part("b2", "smoke", "abc123", 2, 3, "n3", "kvm", "done", "httpd", "httpd", 1000);
	cr_assert_eq(merge("m", "b0", "b1", "b2", why), 0, "%s", why);
	snprintf(dir, sizeof dir, "%s/m", tmp);	/* used by the report below too */
	cr_assert_eq(cp_read_samples(dir, &s, &ns, &cut), 0);
	cr_assert_eq(ns, 18);
	cr_assert_eq(cut, 0);
	cr_assert_str_eq(s[0].job, "boot");
	cr_assert_str_eq(s[17].workload, "httpd");
	free(s);
	meta = js_meta_load(dir, why, sizeof why);
	cr_assert(meta, "%s", why);
	cr_assert_str_eq(js_str(meta, "experiment"), "smoke");
	cr_assert_str_eq(js_str(meta, "start"), "2026-01-01T00:00:00Z");
	cr_assert_str_eq(js_str(meta, "end"), "2026-01-01T00:01:02Z");
	cr_assert_eq(json_array_size(json_object_get(meta, "jobs")), 6);
	cr_assert(strstr(js_str(meta, "accel_warning"), "n3 ran kvm, the others tcg"), "%s",
		  js_str(meta, "accel_warning"));
	cr_assert_eq(hm_load(meta, &hm), 0);
	cr_assert_eq(hm.nh, 3);
	cr_assert_str_eq(hm_host_of(&hm, "boot", "hello"), "n1");
	cr_assert_str_eq(hm_host_of(&hm, "boot", "compute"), "n2");
	cr_assert_str_eq(hm_host_of(&hm, "httpd", "httpd"), "n3");
	cr_assert_str_eq(hm_host_of(&hm, "nosuch", "hello"), "");
	cr_assert(!hm_host(&hm, "n1")->odd && !hm_host(&hm, "n2")->odd);
	cr_assert(hm_host(&hm, "n3")->odd, "the odd accelerator is marked");
	cr_assert_str_eq(hm_host(&hm, "n1")->cpu, "cpu of n1");
	cr_assert_str_eq(hm_host(&hm, "n2")->qemu, "QEMU 7.2");
	cr_assert_eq(hm_index(&hm, "httpd", "httpd"), 2);
	hm_free(&hm);
	json_decref(meta);

	/* the report: grouped by host, the odd accelerator warned about, ratios
	 * within each block (refkernel over native of the same host) */
	char *rargv[] = { "report", dir, NULL }, text[8192];
	size_t got;
	FILE *f;

	cr_redirect_stdout();
	cr_assert_eq(report_main(2, rargv), 0);
	fflush(stdout);
	f = cr_get_redirected_stdout();
	got = fread(text, 1, sizeof text - 1, f);
	text[got] = '\0';
	cr_assert(strstr(text, "Hosts (3): every block ran on one host"), "%s", text);
	cr_assert(strstr(text, "- n3: cpu of n3, kernel 6.1, QEMU 7.2, accelerator kvm (differs"), "%s", text);
	cr_assert(strstr(text, "**Warning: the hosts' accelerators differ.**"), "%s", text);
	cr_assert(strstr(text, "| workload | metric | unit | host |"), "%s", text);
	/* hello: refkernel 12 / native 22 on n1; httpd: 1002 / 2002 on n3 */
	cr_assert(strstr(text, "| hello | boot_to_ready | ms | n1 |"), "%s", text);
	cr_assert(strstr(text, "| httpd | boot_to_ready | ms | n3 (other accelerator) |"), "%s", text);
	cr_assert(strstr(text, "×0.545") && strstr(text, "×0.5"), "%s", text);

	/* compare: one host's median is never divided by another's */
	char x[128], b2[128];
	char *c1[] = { "compare", x, dir, NULL }, *c2[] = { "compare", b2, dir, NULL };

	part("x", "smoke", "abc123", 0, 3, "n9", "tcg", "done", "boot", "hello", 10);
	snprintf(x, sizeof x, "%s/x", tmp);
	snprintf(b2, sizeof b2, "%s/b2", tmp);
	cr_assert_eq(compare_main(3, c1), 2, "hello ran on n9 in A, on n1 in B: nothing compared");
	fflush(stdout);
	long before = ftell(f);

	cr_assert_eq(compare_main(3, c2), 0, "httpd ran on n3 in both: compared");
	fflush(stdout);
	fseek(f, before, SEEK_SET);
	got = fread(text, 1, sizeof text - 1, f);
	text[got] = '\0';
	cr_assert(strstr(text, "| job | target | workload | metric | host | A |"), "%s", text);
	cr_assert(strstr(text, "| httpd | refkernel | httpd | boot_to_ready | n3 |"), "%s", text);

	/* a plain set: its one host for everything */
	snprintf(dir, sizeof dir, "%s/b0", tmp);
	meta = js_meta_load(dir, why, sizeof why);
	hm_load(meta, &hm);
	cr_assert_eq(hm.nh, 1);
	cr_assert_str_eq(hm_host_of(&hm, "anything", "hello"), "n1");
	hm_free(&hm);
	json_decref(meta);
}

Test(slurm, merge_refusals, .init = setup, .fini = teardown)
{
	char why[UKB_WHY];

	part("b0", "smoke", "abc123", 0, 2, "n1", "tcg", "done", "boot", "hello", 10);
	part("b1", "smoke", "abc123", 1, 2, "n2", "tcg", "done", "boot", "compute", 100);
	part("dup", "smoke", "abc123", 1, 2, "n2", "tcg", "done", "boot", "hello", 10);
	part("other", "default", "abc123", 1, 2, "n2", "tcg", "done", "boot", "compute", 100);
	part("commit", "smoke", "def456", 1, 2, "n2", "tcg", "done", "boot", "compute", 100);
	part("run", "smoke", "abc123", 1, 2, "n2", "tcg", "running", "boot", "compute", 100);
	part("same", "smoke", "abc123", 0, 2, "n2", "tcg", "done", "boot", "other", 100);

	cr_assert_eq(merge("m1", "b0", "dup", NULL, why), 2);
	cr_assert(strstr(why, "duplicate sample: job boot, hello on refkernel, boot_to_ready rep 1"), "%s", why);
	cr_assert_eq(merge("m2", "b0", "other", NULL, why), 2);
	cr_assert(strstr(why, "of experiment 'default'") && strstr(why, "'smoke'"), "%s", why);
	cr_assert_eq(merge("m3", "b0", "commit", NULL, why), 2);
	cr_assert(strstr(why, "git commit def456") && strstr(why, "abc123"), "%s", why);
	cr_assert_eq(merge("m4", "b0", NULL, NULL, why), 2);
	cr_assert(strstr(why, "missing partial sets: block 1 of 2"), "%s", why);
	cr_assert_eq(merge("m5", "b0", "run", NULL, why), 2);
	cr_assert(strstr(why, "did not finish (state running"), "%s", why);
	cr_assert_eq(merge("m6", "b0", "same", NULL, why), 2);
	cr_assert(strstr(why, "block 0 twice"), "%s", why);
	/* nothing was written for a refused merge */
	char p[160];

	snprintf(p, sizeof p, "%s/m1/samples.csv", tmp);
	cr_assert_eq(access(p, F_OK), -1);
	cr_assert_eq(merge("ok", "b0", "b1", NULL, why), 0, "%s", why);
}

Test(slurm, merge_missing_blocks_as_failures, .init = setup, .fini = teardown)
{
	struct run_plan p;
	struct sl_block *b;
	int nb;
	char why[UKB_WHY], out[128], parts[128], path[160];
	struct mg_missing miss = { .block = 1 };
	struct sm_table t;

	load_plan("[experiment]\nname = smoke\nreps = 2\n[run boot]\ntargets = native, container\n"
		  "workloads = hello, compute\n", &p);
	cr_assert_eq(sl_split(&p, &b, &nb), 0);
	snprintf(parts, sizeof parts, "%s/parts", tmp);
	snprintf(out, sizeof out, "%s/m", tmp);
	part("parts/block-0", "smoke", "abc123", 0, 2, "n1", "tcg", "done", "boot", "hello", 10);
	ut_strlcpy(miss.why, "slurm job 7 task 1 on n2: NODE_FAIL", sizeof miss.why);
	cr_assert_eq(mg_merge_plan(out, parts, &p, b, nb, &miss, 1, why, sizeof why), 1, "%s", why);
	cr_assert_eq(sm_load(out, &t, why, sizeof why), 0, "%s", why);
	cr_assert_eq(t.nf, 4, "2 targets x 2 reps of the block that never ran, got %d", t.nf);
	for (int i = 0; i < t.nf; i++) {
		cr_assert_str_eq(t.f[i].workload, "compute");
		cr_assert(strstr(t.f[i].why, "slurm job 7 task 1 on n2: NODE_FAIL"));
	}
	sm_free(&t);
	snprintf(path, sizeof path, "%s/summary.csv", out);
	cr_assert(ut_file_size(path) > 0);
	sl_blocks_free(b, nb);
	free(p.jobs);
}
