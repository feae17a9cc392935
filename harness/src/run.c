/* run.c: the job driver. run_execute() walks the plan one [run] at a time,
 * interleaving its jobs (targets x workloads) launch by launch, and for each
 * launch calls the target's ops in order: prepare -> launch -> wait_ready ->
 * measure -> stop (always), under one deadline per launch. A launch's samples
 * are kept only when all of it succeeded.
 * A failure is a failed sample with its reason; the result files are rewritten
 * after every repetition; Ctrl-C stops the current launch, tears everything
 * down and keeps what was completed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ukb.h"
#include "app.h"

static const struct wl_info workloads[] = {
	{ "hello", 1, "prints a line and exits (boot to first output)", 0, NULL, NULL },
	{ "compute", 1, "CPU-bound kernels (sha256, matrix, sort), ns_per_op", 0, NULL, NULL },
	{ "syscall", 1, "system-call costs (getppid, read, write, ...), ns_per_op", 0, NULL,
	  NULL },
	{ "echo", 0, "TCP echo server (transactions/s, latency)", 7777, "ukbench\n", "ukbench\n" },
	{ "stream", 0, "TCP bulk transfer (Gbit/s)", 5001, "", "" },
	{ "httpd", 0, "HTTP/1.1 static server (wrk: req/s, latency)", 8080,
	  "GET / HTTP/1.0\r\n\r\n", "HTTP/1." },
	{ "kvstore", 0, "Redis-protocol key-value store (redis-benchmark)", 6379, "PING\r\n",
	  "+PONG" },
};

/* Our workloads, then the apps of workloads/apps/ (app.c). */
const struct wl_info *wl_all(int *n)
{
	static struct wl_info all[sizeof workloads / sizeof workloads[0] + 64];
	static int nall = -1;

	if (nall < 0) {
		int na;
		const struct app_def *a = app_all(&na);

		nall = (int)(sizeof workloads / sizeof workloads[0]);
		memcpy(all, workloads, sizeof workloads);
		for (int i = 0; i < na && nall < (int)(sizeof all / sizeof all[0]); i++)
			all[nall++] = a[i].wl;
	}
	*n = nall;
	return all;
}

const struct wl_info *wl_find(const char *name)
{
	for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	const struct app_def *a = app_find(name);
	if (a)
		return &a->wl;
	return NULL;
}

int run_plan_add(struct run_plan *p, const struct run_job *j)
{
	struct run_job *n = realloc(p->jobs, sizeof *n * (size_t)(p->njobs + 1));

	if (!n)
		return -1;
	p->jobs = n;
	p->jobs[p->njobs++] = *j;
	return 0;
}

/* auto follows the probe: KVM only where it is not slower than TCG. */
int run_resolve_accel(int accel, char *note, size_t n)
{
	const struct env_probe *e;

	if (accel != ACCEL_AUTO) {
		snprintf(note, n, "%s (asked for)", accel == ACCEL_KVM ? "kvm" : "tcg");
		return accel;
	}
	e = env_probe_accel();
	snprintf(note, n, "%s (auto: %s)", e->kvm_usable ? "kvm" : "tcg", e->note);
	return e->kvm_usable ? ACCEL_KVM : ACCEL_TCG;
}

static int needs_accel(const struct tg_ops *o)
{
	return o == &tg_refkernel_ops || o == &tg_linuxvm_ops || o == &tg_linuxtiny_ops ||
	       o == &tg_qemu_image_ops;
}

#define JI_ENDS 6

static void iso_now(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct job_info {	/* what meta.json says about each job */
	char accel_note[UKB_WHY];
	char cmdline[4096];	/* shell-quoted, pasteable */
	struct ut_buf argv;	/* JSON array of the launch's argv */
	char cpu[96];
	struct {
		char how[48];
		int n;
	} ends[JI_ENDS];	/* how launches ended: "exit 1", "guest-reset", ... */
	char image[UKB_PATH];
	char image_sha[65], workload_sha[65];
	long long image_size;
	struct ut_buf files;	/* JSON object: path -> sha256 */
	int mem_mib;
	int ok, failed;
	int last_ready_ms;	/* launch to ready of the last launch, -1 if it failed */
};

static void build_meta(struct ut_buf *b, const struct run_plan *p, const struct job_info *ji,
		       int argc, char **argv, const char *start, const char *end, int interrupted)
{
	char commit[64] = "", root_arg[UKB_PATH];
	char *git[] = { "git", "-C", root_arg, "rev-parse", "HEAD", NULL };

	ut_strlcpy(root_arg, ut_root(), sizeof root_arg);
	if (ut_capture(git, commit, sizeof commit, 3000) != 0)
		ut_strlcpy(commit, "unknown", sizeof commit);
	ut_buf_printf(b, "{\n  \"experiment\": ");
	ut_json_str(b, p->experiment);
	ut_buf_printf(b, ",\n  \"experiment_file\": ");
	ut_json_str(b, p->source ? p->source : "");
	ut_buf_printf(b, ",\n  \"baseline\": ");
	ut_json_str(b, p->baseline);
	ut_buf_printf(b, ",\n  \"command\": [");
	for (int i = 0; i < argc; i++) {
		if (i)
			ut_buf_add(b, ", ", 2);
		ut_json_str(b, argv[i]);
	}
	ut_buf_printf(b, "],\n  \"start\": \"%s\",\n  \"end\": \"%s\",\n  \"interrupted\": %s,\n",
		      start, end, interrupted ? "true" : "false");
	ut_buf_printf(b, "  \"git_commit\": ");
	ut_json_str(b, commit);
	ut_buf_printf(b, ",\n  \"tsc_khz\": %.0f,\n", ut_tsc_khz());
	env_meta(b);
	ut_buf_printf(b, "  \"order\": \"interleaved: within each [run], launch k of every job "
			 "(target x workload) before launch k+1, warm-ups first, jobs in file order\",\n");
	ut_buf_printf(b, "  \"jobs\": [\n");
	for (int i = 0; i < p->njobs; i++) {
		const struct run_job *j = &p->jobs[i];

		ut_buf_printf(b, "    {\"target\": ");
		ut_json_str(b, j->spec.name);
		ut_buf_printf(b, ", \"job\": ");
		ut_json_str(b, j->run);
		ut_buf_printf(b, ", \"kind\": \"%s\", \"workload\": ", j->spec.ops->kind);
		ut_json_str(b, j->workload);
		ut_buf_printf(b, ", \"args\": ");
		ut_json_str(b, j->args);
		ut_buf_printf(b, ", \"reps\": %d, \"warmup\": %d, \"mem_mib\": %d, \"vcpus\": %d, \"density\": %d, "
				 "\"timeout_s\": %.1f, \"samples_ok\": %d, \"samples_failed\": %d,\n"
				 "     \"pcap\": \"%s\", \"accel\": ",
			      j->reps, j->warmup, ji[i].mem_mib, j->vcpus, j->density,
			      j->timeout_ms / 1000.0,
			      ji[i].ok, ji[i].failed, pc_mode_name(j->pcap));
		ut_json_str(b, ji[i].accel_note);
		ut_buf_printf(b, ", \"image\": ");
		ut_json_str(b, ji[i].image);
		ut_buf_printf(b, ", \"image_size\": %lld, \"image_sha256\": \"%s\", "
				 "\"workload_sha256\": \"%s\",\n     \"files_sha256\": %s,\n     \"launch\": ",
			      ji[i].image_size, ji[i].image_sha, ji[i].workload_sha,
			      ji[i].files.p ? ji[i].files.p : "{}");
		ut_json_str(b, ji[i].cmdline);
		ut_buf_printf(b, ",\n     \"launch_argv\": %s,\n     \"cpu\": ",
			      ji[i].argv.p ? ji[i].argv.p : "[]");
		ut_json_str(b, ji[i].cpu);
		ut_buf_printf(b, ", \"baseline\": ");
		ut_json_str(b, j->baseline);	/* its own; "" = the experiment's */
		ut_buf_printf(b, ", \"compare\": ");	/* an app's: ours it is set beside */
		ut_json_str(b, app_find(j->workload) ? app_find(j->workload)->compare : "");
		ut_buf_printf(b, ", \"ended\": {");
		for (int e = 0; e < JI_ENDS && ji[i].ends[e].n; e++) {
			ut_buf_printf(b, "%s", e ? ", " : "");
			ut_json_str(b, ji[i].ends[e].how);
			ut_buf_printf(b, ": %d", ji[i].ends[e].n);
		}
		ut_buf_printf(b, "}}%s\n", i + 1 < p->njobs ? "," : "");
	}
	ut_buf_printf(b, "  ]\n}\n");
}

static void progress(int done, int total, const struct run_job *j, int rep, uint64_t t0)
{
	double el = (double)(ut_now_ns() - t0) / 1e9;

	if (!isatty(2))
		return;
	fprintf(stderr, "[%d/%d] %s on %s, %s %d/%d ... %.0fs elapsed", done + 1, total,
		j->workload, j->spec.name, rep ? "rep" : "warm-up", rep ? rep : 1,
		rep ? j->reps : j->warmup, el);
	if (done > 0)
		fprintf(stderr, ", ~%.0fs left", el / done * (total - done));
	fputc('\n', stderr);
}

/* The least value in [lo, hi] that passes, assuming that passing is monotonic
 * (more memory never hurts); -1 if hi fails, -2 if a probe aborted. */
int run_bisect(int lo, int hi, run_pass_fn pass, void *ctx, int *probes)
{
	int k;

	*probes = 1;
	k = pass(ctx, hi);
	if (k <= 0)
		return k < 0 ? -2 : -1;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		++*probes;
		k = pass(ctx, mid);
		if (k < 0)
			return -2;
		if (k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return hi;
}

/* A failed launch's console, kept in the result set as
 * logs/<target>-<workload>-rep<N>.<kind> (a probe or warm-up is rep0). */
void run_save_log(struct rs_set *rs, const struct tg_run *r, const char *kind, const char *data,
	      size_t len)
{
	char path[UKB_PATH + 128];

	snprintf(path, sizeof path, "%s/logs", rs->dir);
	if (ut_mkdirs(path) != 0)
		return;
	if (r->probe_only)	/* min_mem probes: one log per size tried */
		snprintf(path, sizeof path, "%s/logs/%s-%s-min_mem-%dK.%s", rs->dir, r->spec->name,
			 r->workload, r->mem_kib > 0 ? r->mem_kib : r->mem_mib * 1024, kind);
	else
		snprintf(path, sizeof path, "%s/logs/%s-%s-rep%d.%s", rs->dir, r->spec->name,
			 r->workload, r->rep, kind);
	for (char *c = path + strlen(rs->dir) + 6; *c; c++)
		if (*c == '/')
			*c = '_';
	ut_write_atomic(path, data, len);
}

/* pcap/<target>-<workload>-rep<N>.pcap of a measured server launch (a
 * second job of the same pair adds -<job>); no trace is no failure. */
static void pcap_launch(const struct run_job *j, struct tg_run *r, struct rs_set *rs)
{
	char path[UKB_PATH + 192], name[UKB_NAME * 3 + 32], why[UKB_WHY];

	if (j->pcap == PC_OFF || !r->net.ns[0])
		return;
	snprintf(path, sizeof path, "%s/pcap", rs->dir);
	if (ut_mkdirs(path) != 0)
		return;
	for (int pass = 0; pass < 2; pass++) {
		snprintf(name, sizeof name, "%s-%s%s%s-rep%d.pcap", j->spec.name, j->workload,
			 pass ? "-" : "", pass ? j->run : "", r->rep);
		for (char *c = name; *c; c++)
			if (*c == '/')
				*c = '_';
		snprintf(path, sizeof path, "%s/pcap/%s", rs->dir, name);
		if (ut_file_size(path) < 0)
			break;
	}
	if (pc_start(&r->net, path, j->pcap, why, sizeof why) != 0)
		ut_err("%s on %s, rep %d: no trace: %s", j->workload, j->spec.name, r->rep, why);
}

/* One launch: the ops in order, stop always. 0, or -1 with why. */
/* The launch as argv (JSON) and as one shell-quoted line, run in the netns. */
static void record_launch(struct job_info *ji, const struct tg_run *r)
{
	struct ut_buf q = { 0 };

	ut_buf_free(&ji->argv);
	ut_buf_add(&ji->argv, "[", 1);
	if (r->net.ns[0])
		ut_buf_printf(&q, "ip netns exec %s ", r->net.ns);
	for (int i = 0; i < r->argc; i++) {
		if (i)
			ut_buf_add(&ji->argv, ", ", 2);
		ut_json_str(&ji->argv, r->argv[i]);
		/* the line to paste: without QEMU's -S and QMP socket, which only
		 * ukbench's own timing needs (it would wait paused for `cont`) */
		if (r->qmp != -1 || !strncmp(r->argv[0], "qemu-system", 11)) {
			if (!strcmp(r->argv[i], "-S"))
				continue;
			if (!strcmp(r->argv[i], "-qmp") && i + 1 < r->argc) {
				i++;
				ut_buf_add(&ji->argv, ", ", 2);
				ut_json_str(&ji->argv, r->argv[i]);
				continue;
			}
		}
		if (i)
			ut_buf_add(&q, " ", 1);
		tg_shell_quote(&q, r->argv[i]);
	}
	ut_buf_add(&ji->argv, "]", 1);
	ut_strlcpy(ji->cmdline, q.p ? q.p : "", sizeof ji->cmdline);
	ut_strlcpy(ji->cpu, r->cpu_note, sizeof ji->cpu);
	ut_buf_free(&q);
}

static void count_end(struct job_info *ji, const char *how)
{
	int e;

	if (!how[0])
		return;
	for (e = 0; e < JI_ENDS && ji->ends[e].n && strcmp(ji->ends[e].how, how); e++)
		;
	if (e == JI_ENDS)
		return;
	ut_strlcpy(ji->ends[e].how, how, sizeof ji->ends[e].how);
	ji->ends[e].n++;
}

/* A launch of job (j) before prepare: its settings, no process, no network;
 * (rs) NULL records nothing (density's background instances). The deadline
 * is (j)'s timeout from now. */
void run_init(struct tg_run *r, const struct run_job *j, struct rs_set *rs, int rep)
{
	memset(r, 0, sizeof *r);
	r->spec = &j->spec;
	ut_strlcpy(r->workload, j->workload, sizeof r->workload);
	ut_strlcpy(r->args, j->args, sizeof r->args);
	r->mem_mib = j->mem_mib;
	r->mem_kib = j->mem_kib;
	r->vcpus = j->vcpus > 0 ? j->vcpus : 1;
	r->accel = j->accel;
	r->timeout_ms = j->timeout_ms;
	r->api = j->api;
	r->api_fd = -1;
	r->qmp = -1;
	r->cleanup_id = -1;
	r->proc.pid = -1;
	r->proc.fd = -1;
	for (int i = 0; i < 4; i++)
		r->proc.perf[i] = -1;
	for (int i = 0; i < PF_KVM_N; i++)
		r->proc.kvm[i] = -1;
	r->rs = rs;
	r->rep = rep < 0 ? 0 : rep;
	r->duration_ms = j->duration_ms > 0 ? j->duration_ms : 3000;
	r->net.cleanup_id = -1;
	r->net.pkt = -1;
	r->net.active = 0;
	r->deadline = ut_now_ns() + (uint64_t)j->timeout_ms * 1000000ull;
}

/* The network kind of a server launch on (o). */
int run_net_kind(const struct tg_ops *o)
{
	return o == &tg_native_ops ? NT_NONE : o == &tg_container_ops ? NT_VETH : NT_TAP;
}

static int one_launch(const struct run_job *j, struct job_info *ji, struct rs_set *rs, int rep,
		      char *why, size_t n)
{
	struct tg_run r;
	struct dn_set bg = { 0 };
	const struct tg_ops *o = j->spec.ops;
	int rc = -1, ns0 = rs ? rs->ns : 0;

	run_init(&r, j, rs, rep);
	/* density: N instances up first; the measured launch's clock starts after */
	if (j->density > 0 && dn_up(j, &bg, rs, rep, why, n) != 0)
		goto out;
	r.deadline = ut_now_ns() + (uint64_t)j->timeout_ms * 1000000ull;
	const struct wl_info *w = wl_find(j->workload);

	if (j->start_ms > 0)	/* min_mem probes: quick verdict on a guest that never starts */
		r.start_deadline = ut_now_ns() + (uint64_t)j->start_ms * 1000000ull;
	/* servers get a network: built-in targets by workload, qemu-image and
	 * command by ready = port (or a tap) */
	if (tg_spec_net(&j->spec, w)) {
		if (nt_setup(&r.net, run_net_kind(o), why, n) != 0)
			goto out;
		if (rs && rep > 0)
			pcap_launch(j, &r, rs);
	}
	if (o->prepare(&r, why, n) != 0)
		goto out;
	if (!ji->cmdline[0]) {
		ut_strlcpy(ji->image, r.image, sizeof ji->image);
		ji->image_size = r.image_size;
		ji->mem_mib = r.mem_mib;
		if (ut_sha256_file(r.image, ji->image_sha) != 0)
			ut_strlcpy(ji->image_sha, "unreadable", sizeof ji->image_sha);
		ut_buf_free(&ji->files);
		ut_buf_add(&ji->files, "{", 1);
		for (int f = 0; f < r.nfiles; f++) {
			char sha[65];

			if (ut_sha256_file(r.files[f], sha) != 0)
				ut_strlcpy(sha, "unreadable", sizeof sha);
			if (f)
				ut_buf_add(&ji->files, ", ", 2);
			ut_json_str(&ji->files, r.files[f]);
			ut_buf_printf(&ji->files, ": \"%s\"", sha);
		}
		ut_buf_add(&ji->files, "}", 1);
	}
	r.probe_only = rep < 0;
	if (o->launch(&r, why, n) != 0 || o->wait_ready(&r, why, n) != 0 ||
	    (bg.n && dn_sample(&bg, &r, why, n) != 0) ||
	    (!r.probe_only && o->measure(&r, why, n) != 0))
		goto out;
	rc = 0;
out:
	/* a launch's samples count only if the whole launch succeeded */
	if (rs && rc != 0)
		rs->ns = ns0;
	else if (rs && r.hist.n && r.rep > 0)
		rs_hist_add(rs, r.spec->name, r.workload, &r.hist);
	if (rc != 0 && r.probe_only && rs && !ukb_interrupted) {	/* every failed probe: why + console */
		struct ut_buf lb = { 0 };

		ut_buf_printf(&lb, "ukbench: min_mem probe with %d KiB failed: %s\n",
			      r.mem_kib > 0 ? r.mem_kib : r.mem_mib * 1024, why);
		if (r.proc.out.p)
			ut_buf_add(&lb, r.proc.out.p, r.proc.out.len);
		run_save_log(rs, &r, "log", lb.p, lb.len);
		ut_buf_free(&lb);
	} else if (rc != 0 && r.proc.out.len && rs && !ukb_interrupted) {
		run_save_log(rs, &r, "log", r.proc.out.p, r.proc.out.len);
	}
	if (!ji->argv.p && r.argc)
		record_launch(ji, &r);
	ji->last_ready_ms = rc == 0 && r.t_ready > r.t_launch ?
			    (int)((r.t_ready - r.t_launch) / 1000000ull) : -1;
	o->stop(&r);
	if (!r.probe_only)
		count_end(ji, r.end);
	nt_teardown(&r.net);
	dn_down(&bg);
	return rc;
}

/* Every tool the plan needs, checked before anything starts (exit 2). */
int run_preflight(const struct run_plan *p, char *why, size_t n)
{
	for (int i = 0; i < p->njobs; i++) {
		const struct run_job *j = &p->jobs[i];
		const struct wl_info *w = wl_find(j->workload);
		const struct tg_ops *o = j->spec.ops;
		const char *need[3] = { NULL, NULL, NULL };
		int server = tg_spec_net(&j->spec, w);

		if (o == &tg_command_ops && !strchr(j->spec.command, '%')) {
			char prog[UKB_PATH];

			snprintf(prog, sizeof prog, "%.*s", (int)strcspn(j->spec.command, " \t"),
				 j->spec.command);
			if (strchr(prog, '/') ? access(prog, X_OK) != 0 : !ut_have_tool(prog)) {
				snprintf(why, n, "target %s: %s is not an executable (command = %.100s)",
					 j->spec.name, prog, j->spec.command);
				return -1;
			}
		}
		if (needs_accel(o))
			need[0] = "qemu-system-x86_64";
		else if (o == &tg_container_ops)
			need[0] = "runc";
		if (server && geteuid() == 0)
			need[1] = "ip";
		if (server && w && !strcmp(w->name, "httpd"))
			need[2] = "wrk";
		else if (server && w && !strcmp(w->name, "kvstore"))
			need[2] = "redis-benchmark";
		if (dn_check(j, why, n) != 0)
			return -1;
		const struct app_def *app = app_find(j->workload);
		if (app && app_check(app, why, n) != 0)	/* its Debian package */
			return -1;
		if (app && app->load == APP_LOAD_WRK)
			need[2] = "wrk";
		else if (app && app->load == APP_LOAD_REDIS)
			need[2] = "redis-benchmark";
		for (int k = 0; k < 3; k++)
			if (need[k] && !ut_have_tool(need[k])) {
				snprintf(why, n, "%s on %s needs %s, which is not installed (make deps)",
					 j->workload, j->spec.name, need[k]);
				return -1;
			}
	}
	return 0;
}

struct mm_ctx {
	struct run_job job;
	struct job_info *ji;
	struct rs_set *rs;
	char why[UKB_WHY];
};

/* A min_mem probe: the workload becomes ready with this much memory (KiB). */
static int mm_pass(void *arg, int kib)
{
	struct mm_ctx *c = arg;
	char why[UKB_WHY];

	c->job.mem_kib = kib;
	c->job.mem_mib = (kib + 1023) / 1024;
	if (one_launch(&c->job, c->ji, c->rs, -1, why, sizeof why) == 0)
		return 1;
	if (ukb_interrupted)
		return -1;
	ut_strlcpy(c->why, why, sizeof c->why);
	return 0;
}

static int mm_pass_mib(void *arg, int mib)
{
	struct mm_ctx *c = arg;

	if (c->job.spec.ops == &tg_container_ops) {	/* its limit is in MiB */
		char why[UKB_WHY];

		c->job.mem_kib = 0;
		c->job.mem_mib = mib;
		if (one_launch(&c->job, c->ji, c->rs, -1, why, sizeof why) == 0)
			return 1;
		if (ukb_interrupted)
			return -1;
		ut_strlcpy(c->why, why, sizeof c->why);
		return 0;
	}
	return mm_pass(arg, mib * 1024);
}

/* Below this, min_mem is refined from 1 MiB to MM_STEP_KIB steps. */
#define MM_FINE_MIB 32
#define MM_STEP_KIB 128

/* min_mem: bisection over 1..256 MiB, then within the last MiB in 128 KiB
 * steps where 1 MiB is a coarse step (QEMU takes -m in KiB: "-m 1536K").
 * The first probe (256 MiB) times the guest; later probes that print nothing
 * within 4x that (at least 2 s) are failed at once as "never started" instead
 * of waiting for the timeout. Container: through its memory limit, in MiB. */
static void min_mem(const struct run_job *j, struct job_info *ji, struct rs_set *rs)
{
	struct mm_ctx c;
	int probes, v, vm = j->spec.ops != &tg_container_ops, fine = 0;

	if (j->spec.ops == &tg_native_ops || j->spec.ops == &tg_command_ops)
		return;	/* a host process (or another VMM) has no memory size we set */
	memset(&c, 0, sizeof c);
	c.job = *j;
	c.job.density = 0;	/* min_mem is probed alone */
	c.ji = ji;
	c.rs = rs;
	if (c.job.timeout_ms > 20000)
		c.job.timeout_ms = 20000;	/* a starved guest may hang rather than fail */
	/* the first probe, with the most memory, says how long a start takes */
	probes = 1;
	int k = mm_pass(&c, 256 * 1024);

	if (k <= 0) {
		v = k < 0 ? -2 : -1;
		goto out;
	}
	if (vm && ji->last_ready_ms >= 0)
		c.job.start_ms = ji->last_ready_ms * 4 > 2000 ? ji->last_ready_ms * 4 : 2000;
	int lo = 1, hi = 256;	/* 256 passed: bisect below it */

	while (lo < hi && !ukb_interrupted) {
		int mid = lo + (hi - lo) / 2, pk = mm_pass_mib(&c, mid);

		probes++;
		if (pk < 0) {
			v = -2;
			goto out;
		}
		if (pk)
			hi = mid;
		else
			lo = mid + 1;
	}
	v = hi;
	if (v > 0 && vm && v <= MM_FINE_MIB) {	/* within (v-1, v] MiB */
		lo = (v - 1) * 1024 / MM_STEP_KIB + 1;
		hi = v * 1024 / MM_STEP_KIB;
		while (lo < hi && !ukb_interrupted) {
			int mid = lo + (hi - lo) / 2, pk = mm_pass(&c, mid * MM_STEP_KIB);

			probes++;
			if (pk < 0)
				break;
			if (pk)
				hi = mid;
			else
				lo = mid + 1;
		}
		fine = hi * MM_STEP_KIB;
	}
out:
	if (v > 0) {
		rs_add(rs, j->spec.name, j->workload, "min_mem", 1, fine ? fine / 1024.0 : v);
	} else if (v == -1) {
		char why[UKB_WHY + 64];

		snprintf(why, sizeof why, "min_mem: does not run even with 256 MiB: %s", c.why);
		rs_fail(rs, j->spec.name, j->workload, 1, why);
	}
	(void)probes;
}

int run_execute(struct run_plan *p, int argc, char **argv)
{
	struct rs_set rs;
	struct job_info *ji = calloc((size_t)p->njobs + 1, sizeof *ji);
	char why[UKB_WHY], start[32], end[32];
	struct ut_buf meta = { 0 };
	int total = 0, done = 0, failed = 0;
	uint64_t t0 = ut_now_ns();

	if (!ji || rs_create(&rs, p->experiment, p->outdir, why, sizeof why) != 0) {
		ut_err("%s", ji ? why : "out of memory");
		free(ji);
		return 1;
	}
	iso_now(start, sizeof start);
	if (geteuid() == 0) {
		int k = nt_sweep_stale();

		if (k)
			ut_err("removed %d leftovers (namespaces, containers, temp dirs) of killed runs", k);
	}
	for (int i = 0; i < p->njobs; i++) {
		struct run_job *j = &p->jobs[i];
		char rel[UKB_PATH], wl[UKB_PATH];

		total += j->warmup + j->reps;
		if (needs_accel(j->spec.ops))
			j->accel = run_resolve_accel(j->accel, ji[i].accel_note, sizeof ji[i].accel_note);
		else
			ut_strlcpy(ji[i].accel_note, "none (host process)", sizeof ji[i].accel_note);
		snprintf(rel, sizeof rel, "build/workloads/%s", j->workload);
		ut_path(wl, sizeof wl, rel);
		if (app_find(j->workload))	/* an app: its program (the cpio holds these bytes) */
			ut_strlcpy(wl, app_find(j->workload)->program, sizeof wl);
		if (ut_sha256_file(wl, ji[i].workload_sha) != 0)
			ut_strlcpy(ji[i].workload_sha, "missing", sizeof ji[i].workload_sha);
	}
	/* Interleaved: the jobs of one [run] (its targets x workloads) take turns,
	 * launch k of every job before launch k+1, so that host drift spreads
	 * over all targets instead of falling on whichever ran last. */
	int *skip = calloc((size_t)p->njobs + 1, sizeof *skip);
	int *timeouts = calloc((size_t)p->njobs + 1, sizeof *timeouts);
	char (*jwhy)[UKB_WHY] = calloc((size_t)p->njobs + 1, sizeof *jwhy);

	for (int g = 0; skip && timeouts && jwhy && g < p->njobs && !ukb_interrupted;) {
		int ge = g, rounds = 0;

		while (ge < p->njobs && !strcmp(p->jobs[ge].run, p->jobs[g].run))
			ge++;
		for (int i = g; i < ge; i++)
			if (p->jobs[i].warmup + p->jobs[i].reps > rounds)
				rounds = p->jobs[i].warmup + p->jobs[i].reps;
		for (int k = 0; k < rounds && !ukb_interrupted; k++) {
			for (int i = g; i < ge && !ukb_interrupted; i++) {
				const struct run_job *j = &p->jobs[i];
				int rep = k < j->warmup ? 0 : k - j->warmup + 1;

				if (k >= j->warmup + j->reps)
					continue;
				done++;
				ut_strlcpy(rs.job, j->run, sizeof rs.job);
				if (skip[i]) {	/* the target cannot start: same reason for every rep */
					if (rep > 0) {
						rs_fail(&rs, j->spec.name, j->workload, rep, jwhy[i]);
						ji[i].failed++;
						failed += skip[i] == 1;
					}
					continue;
				}
				progress(done - 1, total, j, rep, t0);
				if (one_launch(j, &ji[i], &rs, rep, why, sizeof why) == 0) {
					ji[i].ok += rep > 0;
					timeouts[i] = 0;
				} else if (!ukb_interrupted && j->spec.optional && strstr(why, " not found: ")) {
					/* optional = yes (another system's image the user may not
					 * have): skipped, said once, recorded for every rep; not a
					 * failed measurement */
					snprintf(jwhy[i], sizeof jwhy[i], "skipped: %.200s (optional = yes)", why);
					fprintf(stderr, "ukbench: %s on %s %s\n", j->workload, j->spec.name, jwhy[i]);
					skip[i] = 2;
					if (rep > 0) {
						rs_fail(&rs, j->spec.name, j->workload, rep, jwhy[i]);
						ji[i].failed++;
					}
				} else if (!ukb_interrupted) {
					fprintf(stderr, "ukbench: %s on %s, %s %d failed: %s\n", j->workload,
						j->spec.name, rep ? "rep" : "warm-up", rep ? rep : k + 1, why);
					rs_fail(&rs, j->spec.name, j->workload, rep, why);
					ji[i].failed += rep > 0;
					failed++;
					/* missing files or tools: no point in trying again; two
					 * timeouts in a row: the rest would only burn the budget */
					timeouts[i] = strstr(why, "timed out") ? timeouts[i] + 1 : 0;
					skip[i] = strstr(why, "not found") || strstr(why, "not implemented") ||
						  strstr(why, "QEMU did not start") || timeouts[i] >= 2;
					if (timeouts[i] >= 2)
						snprintf(jwhy[i], sizeof jwhy[i],
							 "not launched: the 2 launches before timed out (%.200s)", why);
					else
						ut_strlcpy(jwhy[i], why, sizeof jwhy[i]);
				}
				iso_now(end, sizeof end);
				ut_buf_free(&meta);
				build_meta(&meta, p, ji, argc, argv, start, end, ukb_interrupted);
				if (rs_write(&rs, meta.p) != 0)
					ut_err("cannot write the result files in %s", rs.dir);
			}
		}
		for (int i = g; i < ge && !ukb_interrupted; i++) {
			const struct run_job *j = &p->jobs[i];

			if (!j->min_mem || skip[i])
				continue;
			ut_strlcpy(rs.job, j->run, sizeof rs.job);
			if (isatty(2))
				fprintf(stderr, "[%d/%d] %s on %s, min_mem bisection (1..256 MiB) ...\n",
					done, total, j->workload, j->spec.name);
			min_mem(j, &ji[i], &rs);
			ut_buf_free(&meta);
			build_meta(&meta, p, ji, argc, argv, start, end, ukb_interrupted);
			rs_write(&rs, meta.p);
		}
		g = ge;
	}
	free(skip);
	free(timeouts);
	free(jwhy);
	pr_cleanup_all();
	iso_now(end, sizeof end);
	ut_buf_free(&meta);
	build_meta(&meta, p, ji, argc, argv, start, end, ukb_interrupted);
	if (rs_write(&rs, meta.p) != 0)
		ut_err("cannot write the result files in %s", rs.dir);
	rs_link_latest(&rs);
	if (ukb_interrupted)
		ut_err("interrupted: everything started was stopped; completed samples are in %s",
		       rs.dir);
	printf("%s\n", rs.dir);
	fflush(stdout);
	ut_buf_free(&meta);
	rs_free(&rs);
	for (int i = 0; i < p->njobs; i++)
		ut_buf_free(&ji[i].files);
	free(ji);
	return ukb_interrupted || failed ? 1 : 0;
}
