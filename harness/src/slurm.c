/* slurm.c: an experiment as one Slurm job array (issue 19).
 *   sl_split()        plan -> blocks: every job of one ([run], workload), i.e.
 *                     all targets (and sweep values) of one configuration, so
 *                     that each ratio comes from one host and one block;
 *   sl_bench_main()   bench --slurm: script -> sbatch --array -> (wait ->
 *                     retry what did not run, once -> mg_merge), or
 *                     bench --block K: one task, run on its node, writing the
 *                     partial set DIR/block-K (block.json says how far it got).
 * Nothing is submitted before the file, the tools and the result folder
 * have been checked; every wait has a deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ukb.h"

#define SL_SLACK_S 300	/* per task, above its launches' own timeouts */

static void sl_block_add(struct sl_block *b, int job)
{
	int *n = realloc(b->jobs, sizeof *n * (size_t)(b->nj + 1));

	if (!n)
		return;
	b->jobs = n;
	b->jobs[b->nj++] = job;
}

int sl_split(const struct run_plan *p, struct sl_block **out, int *nb)
{
	struct sl_block *b = NULL;

	*out = NULL;
	*nb = 0;
	for (int i = 0; i < p->njobs; i++) {
		const struct run_job *j = &p->jobs[i];
		int k;

		for (k = 0; k < *nb && (strcmp(b[k].run, j->run) || strcmp(b[k].workload, j->workload));
		     k++)
			;
		if (k == *nb) {
			struct sl_block *nbk = realloc(b, sizeof *b * (size_t)(*nb + 1));

			if (!nbk) {
				sl_blocks_free(b, *nb);
				*nb = 0;
				return -1;
			}
			b = nbk;
			memset(&b[k], 0, sizeof b[k]);
			b[k].index = k;
			ut_strlcpy(b[k].run, j->run, sizeof b[k].run);
			ut_strlcpy(b[k].workload, j->workload, sizeof b[k].workload);
			(*nb)++;
		}
		sl_block_add(&b[k], i);
		if (b[k].nj == 0 || b[k].jobs[b[k].nj - 1] != i) {
			sl_blocks_free(b, *nb);
			*nb = 0;
			return -1;
		}
		/* launches run one after another: the task's limit is their sum */
		b[k].limit_s += (j->warmup + j->reps) * (j->timeout_ms / 1000) +
				(j->min_mem ? 10 * (j->timeout_ms / 1000) : 0);
	}
	for (int k = 0; k < *nb; k++)
		b[k].limit_s += SL_SLACK_S;
	*out = b;
	return 0;
}

void sl_blocks_free(struct sl_block *b, int nb)
{
	for (int i = 0; b && i < nb; i++)
		free(b[i].jobs);
	free(b);
}

int sl_block_plan(const struct run_plan *p, const struct sl_block *b, struct run_plan *out)
{
	*out = *p;
	out->jobs = NULL;
	out->njobs = 0;
	for (int i = 0; i < b->nj; i++)	/* plan order: the interleaving of today */
		if (run_plan_add(out, &p->jobs[b->jobs[i]]) != 0) {
			free(out->jobs);
			return -1;
		}
	return 0;
}

/* "boot/hello: refkernel, container, native" */
void sl_block_desc(const struct run_plan *p, const struct sl_block *b, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "%s/%s:", b->run, b->workload);

	for (int i = 0; i < b->nj && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s %s", i ? "," : "",
				      p->jobs[b->jobs[i]].spec.name);
}

static void shq(struct ut_buf *b, const char *s)
{
	tg_shell_quote(b, s);
}

/* The sbatch script of (array), e.g. "0-3" or "1,3". */
void sl_script(const struct sl_opts *o, const struct run_plan *p, const struct sl_block *b,
	       int nb, const char *array, struct ut_buf *s)
{
	int limit = 0;
	char desc[512];

	for (int i = 0; i < nb; i++)
		if (b[i].limit_s > limit)
			limit = b[i].limit_s;
	ut_buf_printf(s, "#!/bin/sh\n");
	ut_buf_printf(s, "#SBATCH --job-name=ukb-%s\n", p->experiment);
	ut_buf_printf(s, "#SBATCH --array=%s", array);
	if (o->nodes > 0)
		ut_buf_printf(s, "%%%d", o->nodes);	/* at most N nodes at a time */
	ut_buf_printf(s, "\n#SBATCH --nodes=1\n#SBATCH --ntasks=1\n");
	/* a whole node per block: nothing else runs beside the measurements */
	ut_buf_printf(s, "#SBATCH --exclusive\n");
	ut_buf_printf(s, "#SBATCH --time=%d\n", (limit + 59) / 60);
	ut_buf_printf(s, "#SBATCH --output=%s/slurm/task-%%A_%%a.out\n", o->dir);
	ut_buf_printf(s, "#SBATCH --chdir=%s\n", o->dir);
	if (o->partition[0])
		ut_buf_printf(s, "#SBATCH --partition=%s\n", o->partition);
	ut_buf_printf(s, "# %d blocks (one per [run] and workload; all its targets on one host):\n", nb);
	for (int i = 0; i < nb; i++) {
		sl_block_desc(p, &b[i], desc, sizeof desc);
		ut_buf_printf(s, "#   %d  %s  (limit %d s)\n", b[i].index, desc, b[i].limit_s);
	}
	ut_buf_printf(s, "exec ");
	shq(s, o->ukbench);
	ut_buf_printf(s, " bench --block \"$SLURM_ARRAY_TASK_ID\" -o ");
	shq(s, o->parts);
	ut_buf_add(s, " ", 1);
	shq(s, o->file);
	ut_buf_add(s, "\n", 1);
}

/* block.json: what the task says about itself (state running, then done). */
static int write_block_json(const char *dir, const struct run_plan *p, const struct sl_block *b,
			    int nb, const char *state, int rc, const char *start)
{
	char path[UKB_PATH + 32], host[256] = "", desc[512], end[32] = "";
	struct ut_buf j = { 0 };
	const char *jid = getenv("SLURM_ARRAY_JOB_ID"), *tid = getenv("SLURM_ARRAY_TASK_ID");
	time_t now = time(NULL);
	struct tm tm;
	int r;

	gmtime_r(&now, &tm);
	strftime(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", &tm);
	gethostname(host, sizeof host - 1);
	sl_block_desc(p, b, desc, sizeof desc);
	ut_buf_printf(&j, "{\n  \"experiment\": ");
	ut_json_str(&j, p->experiment);
	ut_buf_printf(&j, ",\n  \"block\": %d,\n  \"blocks\": %d,\n  \"run\": ", b->index, nb);
	ut_json_str(&j, b->run);
	ut_buf_printf(&j, ",\n  \"workload\": ");
	ut_json_str(&j, b->workload);
	ut_buf_printf(&j, ",\n  \"what\": ");
	ut_json_str(&j, desc);
	ut_buf_printf(&j, ",\n  \"node\": ");
	ut_json_str(&j, host);
	ut_buf_printf(&j, ",\n  \"slurm_job\": ");
	ut_json_str(&j, jid ? jid : "");
	ut_buf_printf(&j, ",\n  \"slurm_task\": ");
	ut_json_str(&j, tid ? tid : "");
	ut_buf_printf(&j, ",\n  \"state\": \"%s\",\n  \"exit\": %d,\n  \"start\": \"%s\",\n"
			  "  \"updated\": \"%s\"\n}\n", state, rc, start, end);
	snprintf(path, sizeof path, "%s/block.json", dir);
	r = ut_write_atomic(path, j.p, j.len);
	ut_buf_free(&j);
	return r;
}

/* bench --block K -o PARTS FILE: one task of the array, on its node. */
static int task_main(const char *file, int k, const char *parts, int argc, char **argv)
{
	struct run_plan p, sub;
	struct sl_block *b;
	int nb, rc;
	char why[UKB_WHY], dir[UKB_PATH], probe[UKB_PATH + 32], host[256] = "", start[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	gethostname(host, sizeof host - 1);
	gmtime_r(&now, &tm);
	strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (ex_load(file, &p, why, sizeof why) != 0) {
		ut_err("%s", why);
		return 2;
	}
	if (sl_split(&p, &b, &nb) != 0 || k < 0 || k >= nb) {
		ut_err("bench --block %d: %s has %d blocks (0 to %d)", k, file, nb, nb - 1);
		free(p.jobs);
		sl_blocks_free(b, nb);
		return 2;
	}
	/* the result folder must be one every node sees: checked from here */
	snprintf(dir, sizeof dir, "%s/block-%d", parts, k);
	snprintf(probe, sizeof probe, "%s/.write-check", dir);
	if (ut_mkdirs(dir) != 0 || !(f = fopen(probe, "w")) || fclose(f) != 0 || unlink(probe) != 0) {
		ut_err("block %d on node %s: cannot write %s: %s (the result folder must be on a file system every node sees; see docs/methodology.md)",
		       k, host, dir, strerror(errno));
		free(p.jobs);
		sl_blocks_free(b, nb);
		return 2;
	}
	if (sl_block_plan(&p, &b[k], &sub) != 0) {
		ut_err("out of memory");
		free(p.jobs);
		sl_blocks_free(b, nb);
		return 1;
	}
	ut_strlcpy(sub.outdir, dir, sizeof sub.outdir);
	if (run_preflight(&sub, why, sizeof why) != 0) {
		ut_err("block %d on node %s: %s", k, host, why);
		write_block_json(dir, &p, &b[k], nb, "refused", 2, start);
		rc = 2;
	} else {
		write_block_json(dir, &p, &b[k], nb, "running", -1, start);
		rc = run_execute(&sub, argc, argv);
		write_block_json(dir, &p, &b[k], nb, ukb_interrupted ? "interrupted" : "done", rc,
				 start);
	}
	free(sub.jobs);
	free(p.jobs);
	sl_blocks_free(b, nb);
	return rc;
}

/* ---- the submitting side ---- */

/* sbatch the script on stdin-less temp file; the job id, -1 with why. */
static long submit(const struct sl_opts *o, const char *script, char *why, size_t n)
{
	char path[UKB_PATH + 64], out[256] = "";
	char *argv[] = { "sbatch", "--parsable", path, NULL };
	static int seq;
	long id;

	snprintf(path, sizeof path, "%s/slurm/submit-%d.sh", o->dir, seq++);
	if (ut_write_atomic(path, script, strlen(script)) != 0) {
		snprintf(why, n, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	chmod(path, 0755);
	if (ut_capture(argv, out, sizeof out, 60000) != 0 || (id = strtol(out, NULL, 10)) <= 0) {
		snprintf(why, n, "sbatch %s failed: %s", path, out[0] ? out : "no output");
		return -1;
	}
	return id;
}

/* A block's partial set is there and finished ("done" in block.json). */
static int block_done(const struct sl_opts *o, int k)
{
	char path[UKB_PATH + 64];
	struct ut_buf b = { 0 };
	int done;

	snprintf(path, sizeof path, "%s/block-%d/block.json", o->parts, k);
	done = ut_read_file(path, &b) == 0 && b.p && strstr(b.p, "\"state\": \"done\"");
	ut_buf_free(&b);
	return done;
}

/* Until squeue no longer lists (job) or (deadline); 0, or -1 (timeout/Ctrl-C). */
static int wait_job(const struct sl_opts *o, int nb, long job, uint64_t deadline)
{
	uint64_t t0 = ut_now_ns();
	char id[32], out[256];
	char *argv[] = { "squeue", "-h", "-j", id, "-o", "%i %t", NULL };
	int quiet_fail = 0;

	snprintf(id, sizeof id, "%ld", job);
	while (ut_now_ns() < deadline && !ukb_interrupted) {
		int rc;

		out[0] = '\0';
		rc = ut_capture(argv, out, sizeof out, 30000);
		/* gone from the queue (squeue says "Invalid job id" once it is purged) */
		if ((rc == 0 && !out[0]) || (rc != 0 && strstr(out, "nvalid job id")))
			return 0;
		if (rc != 0 && ++quiet_fail > 10)
			return -1;
		if (isatty(2)) {	/* progress: blocks finished so far */
			int done = 0;

			for (int k = 0; k < nb; k++)
				done += block_done(o, k);
			fprintf(stderr, "\r[%d/%d blocks done] Slurm job %ld: %s ... %.0fs elapsed ", done, nb,
				job, out[0] ? out + strcspn(out, " ") + 1 : "?",
				(double)(ut_now_ns() - t0) / 1e9);
			fflush(stderr);
		}
		if (pr_sleep_ms(2000) != 0)
			break;
	}
	return -1;
}

/* What Slurm says of each task of (job): state, node and reason, by index. */
struct task_state {
	char state[32], node[128], reason[96], exit[16];
};

static void task_states(long job, struct task_state *ts, int nb)
{
	char id[32];
	char *argv[] = { "scontrol", "-o", "show", "job", id, NULL };
	struct pr_child c;
	char why[UKB_WHY];

	snprintf(id, sizeof id, "%ld", job);
	if (pr_spawn(&c, argv, 0, why, sizeof why) != 0)
		return;
	uint64_t dl = ut_now_ns() + 30000000000ull;

	pr_read(&c, dl, NULL, NULL);
	pr_wait(&c, dl);
	for (char *l = c.out.p, *e; l && *l; l = e) {
		char *t, *s, *nd, *r;
		int k;

		e = strchr(l, '\n');
		if (e)
			*e++ = '\0';
		if (!(t = strstr(l, "ArrayTaskId=")) || (k = atoi(t + 12)) < 0 || k >= nb)
			continue;
		if ((s = strstr(l, "JobState=")))
			snprintf(ts[k].state, sizeof ts[k].state, "%.*s", (int)strcspn(s + 9, " "), s + 9);
		if ((nd = strstr(l, " NodeList=")))
			snprintf(ts[k].node, sizeof ts[k].node, "%.*s", (int)strcspn(nd + 10, " "),
				 nd + 10);
		if ((r = strstr(l, " ExitCode=")))
			snprintf(ts[k].exit, sizeof ts[k].exit, "%.*s", (int)strcspn(r + 10, " "), r + 10);
		if ((r = strstr(l, " Reason=")))
			snprintf(ts[k].reason, sizeof ts[k].reason, "%.*s", (int)strcspn(r + 8, " "),
				 r + 8);
	}
	pr_kill(&c);
}

/* The last line a task printed (its Slurm output file), for the failure. */
static void task_log_tail(const struct sl_opts *o, long job, int k, char *out, size_t n)
{
	char path[UKB_PATH + 64];
	struct ut_buf b = { 0 };

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/slurm/task-%ld_%d.out", o->dir, job, k);
	if (ut_read_file(path, &b) == 0 && b.p) {
		char *t = ut_trim(b.p), *l = strrchr(t, '\n');

		t = l ? l + 1 : t;
		snprintf(out, n, "%.200s", strncmp(t, "ukbench: ", 9) ? t : t + 9);
	}
	ut_buf_free(&b);
}

/* "slurm job 12 task 3 on n1: FAILED exit 2:0 (NonZeroExitCode)" */
static void task_why(const struct task_state *t, long job, int k, const char *pre, char *out,
		     size_t n)
{
	int reason = t->reason[0] && strcmp(t->reason, "None");

	snprintf(out, n, "%sslurm job %ld task %d%s%s: %s%s%s%s%s%s", pre, job, k,
		 t->node[0] && strcmp(t->node, "(null)") ? " on " : "",
		 t->node[0] && strcmp(t->node, "(null)") ? t->node : "",
		 t->state[0] ? t->state : "did not run", t->exit[0] ? " exit " : "", t->exit,
		 reason ? " (" : "", reason ? t->reason : "", reason ? ")" : "");
}

static int sl_usage(int st)
{
	fprintf(st ? stderr : stdout,
		"usage: ukbench bench --slurm [--partition P] [--nodes N] [--wait] [--dry-run]\n"
		"                     [-o DIR] EXPERIMENT.ini\n"
		"Split the experiment into blocks - every target of one [run] and workload, so\n"
		"that each ratio comes from one host - and submit them as one Slurm job array\n"
		"(sbatch --array, one whole node per task, at most N nodes at a time). Each task\n"
		"runs 'ukbench bench --block K' on its node and writes DIR/parts/block-K. DIR\n"
		"(default results/<experiment>-<UTC time>) must be on a file system every node\n"
		"sees. --dry-run: print the block list and the sbatch script, submit nothing.\n"
		"--wait: wait for the array, resubmit once what did not run, then merge into DIR;\n"
		"otherwise print the job id and the merge command.\n"
		"       ukbench bench --block K -o PARTS EXPERIMENT.ini   (what a task runs)\n");
	return st;
}

int sl_bench_wants(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--slurm") || !strcmp(argv[i], "--block"))
			return 1;
	return 0;
}

int sl_bench_main(int argc, char **argv, int full_argc, char **full_argv)
{
	struct sl_opts o;
	struct run_plan p;
	struct sl_block *b = NULL;
	int nb = 0, slurm = 0, wait = 0, dry = 0, block = -1, rc = 1;
	const char *file = NULL, *outdir = NULL;
	char why[UKB_WHY], exe[PATH_MAX], *rp;
	struct ut_buf script = { 0 };
	ssize_t el;

	memset(&o, 0, sizeof o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return sl_usage(0);
		if (!strcmp(a, "--slurm"))
			slurm = 1;
		else if (!strcmp(a, "--wait"))
			wait = 1;
		else if (!strcmp(a, "--dry-run"))
			dry = 1;
		else if (!strcmp(a, "--partition") && v) {
			if (!rs_valid_name(v)) {
				ut_err("--partition: bad name '%s'", v);
				return 2;
			}
			ut_strlcpy(o.partition, v, sizeof o.partition);
			i++;
		} else if ((!strcmp(a, "--nodes") || !strcmp(a, "--block")) && v) {
			char *end;
			long x = strtol(v, &end, 10);

			if (!*v || *end || x < (a[2] == 'n' ? 1 : 0) || x > 100000) {
				ut_err("%s needs a number, not '%s'", a, v);
				return 2;
			}
			*(a[2] == 'n' ? &o.nodes : &block) = (int)x;
			i++;
		} else if (!strcmp(a, "-o") && v) {
			outdir = v;
			i++;
		} else if (a[0] == '-' || file) {
			ut_err("bench: unexpected argument '%s' (see ukbench bench --slurm --help)", a);
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		ut_err("bench: which experiment file? (see ukbench bench --slurm --help)");
		return 2;
	}
	if (block >= 0) {
		if (slurm || wait || dry || !outdir) {
			ut_err("bench --block K takes only -o PARTS and the experiment file");
			return 2;
		}
		return task_main(file, block, outdir, full_argc, full_argv);
	}
	if (wait && dry) {
		ut_err("bench: --wait and --dry-run exclude each other");
		return 2;
	}
	/* before anything starts: the tools, the file, the folder */
	if (!dry) {
		static const char *const tools[] = { "sbatch", "squeue", "scontrol", NULL };

		for (int i = 0; tools[i]; i++)
			if (!ut_have_tool(tools[i])) {
				ut_err("bench --slurm: %s not found: install Slurm's client (Debian: slurm-client, or slurm-wlm) or run without --slurm",
				       tools[i]);
				return 2;
			}
	}
	if (ex_load(file, &p, why, sizeof why) != 0) {
		ut_err("%s", why);
		return 2;
	}
	if (sl_split(&p, &b, &nb) != 0 || !nb) {
		ut_err("bench --slurm: %s: no blocks", file);
		goto out;
	}
	rp = realpath(file, NULL);
	ut_strlcpy(o.file, rp ? rp : file, sizeof o.file);
	free(rp);
	el = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[el > 0 ? el : 0] = '\0';
	ut_strlcpy(o.ukbench, exe, sizeof o.ukbench);
	if (outdir) {
		rp = realpath(outdir, NULL);
		if (!rp && !dry && ut_mkdirs(outdir) == 0)
			rp = realpath(outdir, NULL);
		ut_strlcpy(o.dir, rp ? rp : outdir, sizeof o.dir);
		free(rp);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
		snprintf(o.dir, sizeof o.dir, "%s/results/%s-%s", ut_root(), p.experiment, stamp);
	}
	snprintf(o.parts, sizeof o.parts, "%s/parts", o.dir);
	{
		char arr[32];

		snprintf(arr, sizeof arr, "0-%d", nb - 1);
		sl_script(&o, &p, b, nb, arr, &script);
	}
	if (dry) {
		char desc[512];

		printf("blocks of %s (%d; each runs on one node, its targets interleaved):\n", file, nb);
		for (int i = 0; i < nb; i++) {
			sl_block_desc(&p, &b[i], desc, sizeof desc);
			printf("  %d  %s\n", b[i].index, desc);
		}
		printf("\nsbatch script (result folder %s):\n\n%s", o.dir, script.p);
		rc = 0;
		goto out;
	}
	{
		char sd[UKB_PATH + 16], probe[UKB_PATH + 32];
		FILE *f;

		snprintf(sd, sizeof sd, "%s/slurm", o.dir);
		snprintf(probe, sizeof probe, "%s/.write-check", sd);
		if (ut_mkdirs(sd) != 0 || ut_mkdirs(o.parts) != 0 || !(f = fopen(probe, "w")) ||
		    fclose(f) != 0 || unlink(probe) != 0) {
			ut_err("bench --slurm: cannot write %s: %s", sd, strerror(errno));
			rc = 2;
			goto out;
		}
	}
	long job = submit(&o, script.p, why, sizeof why);

	if (job < 0) {
		ut_err("bench --slurm: %s", why);
		goto out;
	}
	fprintf(stderr, "ukbench: submitted %d blocks of %s as Slurm job %ld\n", nb, p.experiment,
		job);
	if (!wait) {
		printf("%ld\n", job);
		printf("when it is done: %s merge %s %s\n", o.ukbench, o.dir, o.parts);
		rc = 0;
		goto out;
	}
	/* --wait: the array, then one resubmission of what did not finish */
	{
		uint64_t deadline;
		long total = 0;
		struct task_state *ts = calloc((size_t)nb, sizeof *ts);
		struct mg_missing *miss = calloc((size_t)nb, sizeof *miss);
		long jobs[2] = { job, 0 };
		int nmiss = 0;
		char cancelled[96] = "";

		for (int i = 0; i < nb; i++)
			total += b[i].limit_s;
		deadline = ut_now_ns() + (uint64_t)(total + 600) * 1000000000ull;
		if (!ts || !miss) {
			free(ts);
			free(miss);
			goto out;
		}
		for (int round = 0; round < 2; round++) {
			char arr[2048] = "";
			size_t al = 0;

			int w = wait_job(&o, nb, jobs[round], deadline);

			if (isatty(2))
				fprintf(stderr, "\n");
			if (w != 0) {
				char id[32];
				char *cancel[] = { "scancel", id, NULL }, o2[64];

				sig_atomic_t intr = ukb_interrupted;

				snprintf(id, sizeof id, "%ld", jobs[round]);
				ukb_interrupted = 0;	/* else the child is killed before it ran */
				if (ut_capture(cancel, o2, sizeof o2, 30000) != 0)
					ut_err("bench --slurm: scancel %s failed: %s", id, o2);
				ukb_interrupted = ukb_interrupted || intr;
				snprintf(cancelled, sizeof cancelled, "%s waiting for job %ld: cancelled",
					 ukb_interrupted ? "interrupted" : "timed out", jobs[round]);
				ut_err("bench --slurm: %s", cancelled);
				break;
			}
			memset(ts, 0, sizeof *ts * (size_t)nb);
			task_states(jobs[round], ts, nb);
			for (int i = 0; i < nb; i++)
				if (!block_done(&o, i) && al + 16 < sizeof arr)
					al += (size_t)snprintf(arr + al, sizeof arr - al, "%s%d", al ? "," : "", i);
			if (!al || round == 1)
				break;
			fprintf(stderr, "ukbench: blocks %s of job %ld did not finish; resubmitting them once\n",
				arr, jobs[round]);
			ut_buf_free(&script);
			sl_script(&o, &p, b, nb, arr, &script);
			/* keep what the first attempt said, for the failure rows */
			for (int i = 0; i < nb; i++)
				if (!block_done(&o, i))
					task_why(&ts[i], jobs[0], i, "", miss[i].why, sizeof miss[i].why);
			jobs[1] = submit(&o, script.p, why, sizeof why);
			if (jobs[1] < 0) {
				ut_err("bench --slurm: resubmission: %s", why);
				break;
			}
		}
		for (int i = 0; i < nb; i++) {
			if (block_done(&o, i))
				continue;
			size_t l = strlen(miss[i].why);
			char tail[256];

			if (!l) {	/* no retry: the one attempt's account */
				task_why(&ts[i], jobs[0], i, "", miss[i].why, sizeof miss[i].why);
				l = strlen(miss[i].why);
			}
			if (jobs[1] > 0) {	/* the retry's own account, and the last words */
				task_why(&ts[i], jobs[1], i, "; retried as ", miss[i].why + l,
					 sizeof miss[i].why - l);
				l = strlen(miss[i].why);
			}
			if (cancelled[0]) {
				snprintf(miss[i].why + l, sizeof miss[i].why - l, "%s%s", l ? "; " : "", cancelled);
				l = strlen(miss[i].why);
			}
			task_log_tail(&o, jobs[1] > 0 ? jobs[1] : jobs[0], i, tail, sizeof tail);
			if (tail[0])
				snprintf(miss[i].why + l, sizeof miss[i].why - l, ": %s", tail);
			ut_err("bench --slurm: block %d did not run: %s", i, miss[i].why);
			miss[nmiss].block = i;
			if (nmiss != i)
				memcpy(miss[nmiss].why, miss[i].why, sizeof miss[i].why);
			nmiss++;
		}
		rc = mg_merge_plan(o.dir, o.parts, &p, b, nb, miss, nmiss, why, sizeof why);
		if (rc == 2) {
			ut_err("merge: %s", why);
		} else {
			struct rs_set set = { 0 };

			ut_strlcpy(set.dir, o.dir, sizeof set.dir);
			rs_link_latest(&set);	/* results/latest, as a plain bench does */
			printf("%s\n", o.dir);
		}
		free(ts);
		free(miss);
	}
out:
	ut_buf_free(&script);
	sl_blocks_free(b, nb);
	free(p.jobs);
	return rc;
}
