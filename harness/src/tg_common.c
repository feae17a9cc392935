/* tg_common.c: the ops-table registry and what every target shares: building
 * a launch command (tg_arg), waiting for a workload's exit, parsing the
 * workloads' "ukbench: result" lines into samples, and naming the
 * refkernel's reserved exit statuses.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"
#include "app.h"

static const struct tg_ops *const all_ops[] = {
	&tg_refkernel_ops, &tg_linuxvm_ops, &tg_linuxtiny_ops, &tg_container_ops, &tg_native_ops,
	&tg_qemu_image_ops, &tg_command_ops, NULL,
};

const struct tg_ops *const *tg_all(void)
{
	return all_ops;
}

const struct tg_ops *tg_find(const char *kind)
{
	for (int i = 0; all_ops[i]; i++)
		if (!strcmp(all_ops[i]->kind, kind))
			return all_ops[i];
	return NULL;
}

void tg_arg(struct tg_run *r, const char *fmt, ...)
{
	size_t room = sizeof r->argstore - r->argused;
	va_list ap;
	int k;

	if (r->argc >= (int)(sizeof r->argv / sizeof r->argv[0]) - 1 || room < 2)
		return;
	va_start(ap, fmt);
	k = vsnprintf(r->argstore + r->argused, room, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= room)
		return;
	r->argv[r->argc++] = r->argstore + r->argused;
	r->argv[r->argc] = NULL;
	r->argused += (size_t)k + 1;
	/* the human-readable command line for meta.json */
	size_t c = strlen(r->cmdline);
	snprintf(r->cmdline + c, sizeof r->cmdline - c, c ? " %s" : "%s", r->argv[r->argc - 1]);
}

void tg_args_words(struct tg_run *r, const char *words)
{
	char copy[1024], *save = NULL;

	ut_strlcpy(copy, words, sizeof copy);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		tg_arg(r, "%s", w);
}

/* The line worth quoting in a failure: a guest kernel's crash, panic or error
 * line if there is one, else the last line (the exit summaries "refkernel:
 * exit status=..." say less than the line before them). */
const char *tg_last_line(const struct tg_run *r)
{
	static const char *const loud[] = { "refkernel: crash", "refkernel: panic",
					    "Kernel panic", "refkernel: error", NULL };
	static char line[200];
	const char *p = r->proc.out.p, *end, *start;

	line[0] = '\0';
	if (!p)
		return line;
	for (int i = 0; loud[i]; i++) {
		const char *hit = strstr(p, loud[i]);

		if (hit) {
			snprintf(line, sizeof line, "%.*s", (int)strcspn(hit, "\r\n"), hit);
			return line;
		}
	}
	end = p + r->proc.out.len;
	for (;;) {
		while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		start = end;
		while (start > p && start[-1] != '\n')
			start--;
		if (start == p || !(strstr(start, "refkernel: exit status=") == start ||
				    strstr(start, "linux-vm: exit status=") == start))
			break;
		end = start;
	}
	snprintf(line, sizeof line, "%.*s", (int)(end - start), start);
	return line;
}

/* "refkernel: exit status=1 run_us=27006 syscalls=19 ... clock=cmdline": every
 * numeric key=value except status becomes a sample guest_<key>. */
void tg_parse_guest_exit(struct tg_run *r)
{
	const char *p = r->proc.out.p ? strstr(r->proc.out.p, "refkernel: exit status=") : NULL;
	char line[512], *save = NULL;

	if (!p)
		return;
	snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\n"), p);
	for (char *t = strtok_r(line + strlen("refkernel: exit "), " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '='), *end, metric[UKB_NAME];
		double v;

		if (!eq || !strncmp(t, "status=", 7) || !strncmp(t, "tsc_khz=", 8))
			continue;
		*eq = '\0';
		v = strtod(eq + 1, &end);
		if (end == eq + 1 || *end)
			continue;
		snprintf(metric, sizeof metric, "guest_%s", t);
		tg_sample(r, metric, v);
	}
}

void tg_sample(struct tg_run *r, const char *metric, double value)
{
	if (r->rs && r->rep > 0)
		rs_add(r->rs, r->spec->name, r->workload, metric, r->rep, value);
}

/* "ukbench: result <test> <metric> <value>" -> sample (workload/test, metric);
 * "ukbench: unavailable <test> <why>" -> a failure row naming why. */
int tg_parse_results(struct tg_run *r)
{
	const char *p = r->proc.out.p;
	int found = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], test[UKB_NAME], metric[UKB_NAME], wl[UKB_NAME * 2 + 2];
		double v;

		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
		char *u = strstr(line, "ukbench: result ");

		if (u && sscanf(u, "ukbench: result %47s %47s %lf", test, metric, &v) == 3) {
			if (!strcmp(test, r->workload))
				snprintf(wl, sizeof wl, "%s", r->workload);
			else
				snprintf(wl, sizeof wl, "%s/%s", r->workload, test);
			if (r->rs && r->rep > 0)
				rs_add(r->rs, r->spec->name, wl, metric, r->rep, v);
			found++;
		} else if ((u = strstr(line, "ukbench: unavailable ")) &&
			   sscanf(u, "ukbench: unavailable %47s", test) == 1 && r->rs && r->rep > 0) {
			snprintf(wl, sizeof wl, "%s/%s", r->workload, test);
			rs_fail(r->rs, r->spec->name, wl, r->rep, u + strlen("ukbench: "));
		}
		p = nl ? nl + 1 : NULL;
	}
	return found;
}

int tg_wait_exit(struct tg_run *r, char *why, size_t n)
{
	int k = pr_read(&r->proc, r->deadline, NULL, NULL);

	if (k == PR_EOF)
		k = pr_wait(&r->proc, r->deadline);
	if (k == PR_INTR) {
		snprintf(why, n, "interrupted");
		return -1;
	}
	if (k != PR_EOF) {
		snprintf(why, n, "timed out after %.1f s without exiting (killed); last output: %.120s",
			 r->timeout_ms / 1000.0, tg_last_line(r));
		return -1;
	}
	r->t_ready = r->proc.t_exit;
	return 0;
}

/* QEMU's isa-debug-exit status is (code << 1) | 1; see refkernel.h. */
const char *tg_status_why(int st)
{
	static char buf[96];

	switch (st) {
	case 255: return "guest crashed (CPU exception, status 0x7f)";
	case 253: return "guest kernel panic (status 0x7e)";
	case 251: return "guest rejected its command line (status 0x7d)";
	case 249: return "guest could not load the application ELF (status 0x7c)";
	case 247: return "guest ran out of memory (status 0x7b)";
	case 0: return "QEMU exited with status 0: the guest reset or halted without reporting";
	}
	if (st > 128 && st < 128 + 65)
		snprintf(buf, sizeof buf, "killed by signal %d", st - 128);
	else if (st & 1)
		snprintf(buf, sizeof buf, "application exited with code %d", st >> 1);
	else
		snprintf(buf, sizeof buf, "QEMU failed (status %d)", st);
	return buf;
}

/* ---- servers: readiness from outside, footprint, load phases ---- */

/* Ready = a TCP connect and a request answered, from inside the run's
 * namespace. Meanwhile the child's output is drained (fn sees the lines). */
int tg_wait_serving(struct tg_run *r, pr_line_fn fn, void *ctx, char *why, size_t n)
{
	const struct wl_info *w = wl_find(r->workload);
	int port = r->net.port ? r->net.port : r->spec->port ? r->spec->port : w ? w->port : 0;

	if (!port || !r->net.active) {
		snprintf(why, n, "%s: no port or network to wait on", r->workload);
		return -1;
	}
	/* The first probe goes out at once; then the waits double from 100 us to
	 * 1 ms, so a server is seen within 2x its start below 1 ms and within
	 * 1 ms after, never at a fixed 5 ms step. */
	for (uint64_t wait = 0, now;; wait = wait ? (wait * 2 < 1000000ull ? wait * 2 : 1000000ull) :
						100000ull) {
		int k = wait ? pr_read(&r->proc, ut_now_ns() + wait < r->deadline ?
						 ut_now_ns() + wait : r->deadline, fn, ctx) :
			       PR_TIMEOUT;

		if (k == PR_INTR) {
			snprintf(why, n, "interrupted");
			return -1;
		}
		if (r->fatal[0]) {
			snprintf(why, n, "%s", r->fatal);
			return -1;
		}
		if (k == PR_EOF) {
			int st = pr_wait(&r->proc, ut_now_ns() + 2000000000ull) == PR_EOF ? r->proc.status : -1;

			char how[UKB_WHY];

			if (r->qmp > 0 || r->spec->foreign)	/* QEMU: exit, reset, foreign status */
				tg_end_why(r, st, how, sizeof how);
			else
				snprintf(how, sizeof how, "status %d", st);
			snprintf(why, n, "exited before answering on %s:%d (%s); last output: %.120s",
				 r->net.addr, port, how, tg_last_line(r));
			return -1;
		}
		nt_first_frame(&r->net, nt_guest_mac);
		now = ut_now_ns();
		/* min_mem probes: no output and no frame by the first deadline */
		if (r->start_deadline && now >= r->start_deadline && !r->proc.out.len &&
		    !r->net.t_first_frame) {
			snprintf(why, n, "never started: no console output and no frame within %.1f s (killed)",
				 (double)(r->start_deadline - r->t_launch) / 1e9);
			return -1;
		}
		if (now >= r->deadline) {
			snprintf(why, n, "timed out after %.1f s: nothing answered on %s:%d (killed); last output: %.100s",
				 r->timeout_ms / 1000.0, r->net.addr, port, tg_last_line(r));
			return -1;
		}
		if (nt_enter(&r->net) != 0) {
			snprintf(why, n, "cannot enter network namespace %s", r->net.ns);
			return -1;
		}
		int fd = nt_connect(r->net.addr, port, now + 200000000ull), ok = -1;

		if (fd >= 0) {
			ok = nt_request(fd, w && w->probe ? w->probe : "", w && w->reply ? w->reply : "",
					ut_now_ns() + 1000000000ull);
			close(fd);
		}
		nt_leave();
		if (ok == 0) {
			r->t_ready = ut_now_ns();
			nt_first_frame(&r->net, nt_guest_mac);
			/* the guest's lines printed before it served (boot_us) */
			pr_read(&r->proc, ut_now_ns() + 2000000ull, fn, ctx);
			return 0;
		}
	}
}

static int is_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static long pss_of(pid_t pid)
{
	char path[64];
	struct ut_buf b = { 0 };
	long v = 0;
	char *p;

	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
	if (ut_read_file(path, &b) == 0 && b.p && (p = strstr(b.p, "\nPss:")))
		v = atol(p + 5);
	ut_buf_free(&b);
	return v;
}

/* The VMM or container runtime and everything it started (runc's container
 * process is its child): PSS summed, in KiB. */
long tg_pss_kib(pid_t root)
{
	pid_t tree[256];
	int nt = 1;
	long sum = 0;
	DIR *d;
	struct dirent *e;

	tree[0] = root;
	for (int pass = 0; pass < 4; pass++) {	/* up to 4 generations deep */
		d = opendir("/proc");
		while (d && (e = readdir(d)) && nt < 256) {
			char path[64], buf[512];
			int ppid, pid, in = 0;
			FILE *f;

			if (!is_digits(e->d_name))
				continue;
			pid = atoi(e->d_name);
			for (int i = 0; i < nt && !in; i++)
				in = tree[i] == pid;
			if (in)
				continue;
			snprintf(path, sizeof path, "/proc/%d/stat", pid);
			f = fopen(path, "r");
			if (!f)
				continue;
			char *rp = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;

			fclose(f);
			if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1)
				continue;
			for (int i = 0; i < nt; i++)
				if (tree[i] == ppid) {
					tree[nt++] = pid;
					break;
				}
		}
		if (d)
			closedir(d);
	}
	for (int i = 0; i < nt; i++)
		sum += pss_of(tree[i]);
	return sum;
}

void tg_counters(struct tg_run *r)
{
	double c[PF_N];

	for (int i = 0; i < PF_KVM_N; i++) {	/* KVM runs, where tracefs is readable */
		unsigned long long v;
		char m[UKB_NAME];

		if (r->proc.kvm[i] < 0 || read(r->proc.kvm[i], &v, sizeof v) != (ssize_t)sizeof v)
			continue;
		snprintf(m, sizeof m, "%s", pf_kvm_name(i));
		tg_sample(r, m, (double)v);
		if (r->requests > 0) {	/* "exits per request" */
			snprintf(m, sizeof m, "%s_per_req", pf_kvm_name(i));
			tg_sample(r, m, (double)v / (double)r->requests);
		}
	}
	if (pf_read(r->proc.perf, c) != 0)
		return;
	if (c[PF_TASK_CLOCK] >= 0)
		tg_sample(r, "task_clock", c[PF_TASK_CLOCK]);
	if (c[PF_CTX_SWITCHES] >= 0)
		tg_sample(r, "ctx_switches", c[PF_CTX_SWITCHES]);
	if (c[PF_PAGE_FAULTS] >= 0)
		tg_sample(r, "page_faults", c[PF_PAGE_FAULTS]);
}

/* rss_loaded: PSS read every TG_RSS_EVERY_MS while the load runs (the first
 * after TG_RSS_FIRST_MS, once connections are up); the largest counts. A load
 * that ends before the first reading leaves no rss_loaded, never an idle one. */
#define TG_RSS_FIRST_MS 10
#define TG_RSS_EVERY_MS 100

void tg_sample_loaded(void *arg)
{
	struct tg_run *r = arg;
	long k = tg_pss_kib(r->proc.pid);

	tg_api_sample(r);	/* api = yes: the guest's own figure beside it */
	if (k <= 0)
		return;
	r->rss_n++;
	if (k > r->rss_max)
		r->rss_max = k;
}

/* Run an external load generator inside the run's namespace; its output in *out. */
int tg_run_tool(struct tg_run *r, char **argv, int limit_ms, struct ut_buf *out, char *why,
		size_t n)
{
	struct pr_child c;
	uint64_t t0 = ut_now_ns(), end = t0 + (uint64_t)limit_ms * 1000000ull;
	int k;

	if (end > r->deadline)
		end = r->deadline;
	if (pr_spawn_ns(&c, argv, 0, r->net.ns[0] ? r->net.ns : NULL, why, n) != 0)
		return -1;
	/* rss_loaded while the tool runs: readings until it exits */
	for (uint64_t next = t0 + TG_RSS_FIRST_MS * 1000000ull;; next += TG_RSS_EVERY_MS * 1000000ull) {
		k = pr_read(&c, next < end ? next : end, NULL, NULL);
		if (k != PR_TIMEOUT || ut_now_ns() >= end)
			break;
		tg_sample_loaded(r);
	}
	if (k == PR_EOF)
		k = pr_wait(&c, end);
	if (k != PR_EOF) {
		snprintf(why, n, "%s %s", argv[0], k == PR_INTR ? "interrupted" : "timed out (killed)");
		pr_kill(&c);
		return -1;
	}
	if (c.out.p)
		ut_buf_add(out, c.out.p, c.out.len);
	if (r->rs && c.out.p)	/* the load generator's raw output, for audit */
		run_save_log(r->rs, r, argv[0], c.out.p, c.out.len);
	if (c.status != 0) {
		snprintf(why, n, "%s exited with status %d: %.150s", argv[0], c.status,
			 out->p ? out->p : "");
		pr_kill(&c);
		return -1;
	}
	pr_kill(&c);
	return 0;
}

struct redis_ctx {
	struct tg_run *r;
	const char *suffix;
	int rows;
};

static void on_redis_row(void *arg, const char *test, double rps, double p50, double p99)
{
	struct redis_ctx *c = arg;
	char wl[UKB_NAME * 2];

	snprintf(wl, sizeof wl, "%s/%s%s", c->r->workload, test, c->suffix);
	if (c->r->rs && c->r->rep > 0) {
		rs_add(c->r->rs, c->r->spec->name, wl, "ops_per_s", c->r->rep, rps);
		if (p50 >= 0)
			rs_add(c->r->rs, c->r->spec->name, wl, "lat_p50_us", c->r->rep, p50);
		if (p99 >= 0)
			rs_add(c->r->rs, c->r->spec->name, wl, "lat_p99_us", c->r->rep, p99);
	}
	c->rows++;
}

int tg_wrk_load(struct tg_run *r, char **argv, char *why, size_t n)
{
	struct ut_buf out = { 0 };
	struct lp_wrk lw;
	int rc = -1;

	if (!ut_have_tool("wrk")) {
		snprintf(why, n, "wrk not found (apt-get install wrk)");
		return -1;
	}
	if (tg_run_tool(r, argv, r->duration_ms + 15000, &out, why, n) != 0)
		goto out;
	if (lp_wrk(out.p ? out.p : "", &lw) != 0) {
		snprintf(why, n, "wrk: no Requests/sec in its output: %.120s", out.p ? out.p : "");
		goto out;
	}
	if (lw.errors > 0) {	/* a rate that counts failed answers is no rate */
		snprintf(why, n, "wrk: %ld errors (socket errors, timeouts or non-2xx/3xx answers) "
			 "in %ld requests: sample not counted", lw.errors, lw.requests);
		goto out;
	}
	tg_sample(r, "req_per_s", lw.req_per_s);
	r->requests = lw.requests;
	if (lw.p50_us >= 0)
		tg_sample(r, "lat_p50_us", lw.p50_us);
	if (lw.p99_us >= 0)
		tg_sample(r, "lat_p99_us", lw.p99_us);
	tg_sample(r, "errors", (double)lw.errors);
	rc = 0;
out:
	ut_buf_free(&out);
	return rc;
}

int tg_redis_load(struct tg_run *r, char **argv, const char *suffix, int want_rows, char *why,
		  size_t n)
{
	struct redis_ctx c = { r, suffix, 0 };
	struct ut_buf out = { 0 };
	int rc = -1;

	if (!ut_have_tool("redis-benchmark")) {
		snprintf(why, n, "redis-benchmark not found (apt-get install redis-tools)");
		return -1;
	}
	if (tg_run_tool(r, argv, r->duration_ms + 30000, &out, why, n) != 0)
		goto out;
	/* redis-benchmark 7 exits 1 on an error reply ("Error from server");
	 * older ones print it and go on: either way the sample is failed */
	const char *err = out.p ? strstr(out.p, "Error") : NULL;

	if (err) {
		snprintf(why, n, "redis-benchmark: %.*s: sample not counted",
			 (int)strcspn(err, "\r\n"), err);
		goto out;
	}
	if (lp_redis_csv(out.p ? out.p : "", on_redis_row, &c) != 0 || c.rows != want_rows) {
		snprintf(why, n, "redis-benchmark: %d of the %d CSV rows in its output: %.120s",
			 c.rows, want_rows, out.p ? out.p : "");
		goto out;
	}
	rc = 0;
out:
	ut_buf_free(&out);
	return rc;
}

struct sink_ctx {
	double bytes;
	int seen;
};

static int on_sink_line(void *arg, const char *line, uint64_t t)
{
	struct sink_ctx *c = arg;
	const char *u = strstr(line, "ukbench: result stream_sink bytes ");
	double v;

	(void)t;
	if (u && sscanf(u, "ukbench: result stream_sink bytes %lf", &v) == 1 && v > 0) {
		c->bytes = v;
		c->seen = 1;
		return 1;
	}
	return 0;
}

/* stream: the sink's own count of what it read (its "stream_sink bytes" line
 * for the connection, printed when it saw EOF) must equal what was sent. */
static int sink_agrees(struct tg_run *r, uint64_t sent, char *why, size_t n)
{
	struct sink_ctx c = { 0, 0 };
	uint64_t dl = ut_now_ns() + 5000000000ull;

	pr_read(&r->proc, dl < r->deadline ? dl : r->deadline, on_sink_line, &c);
	if (!c.seen) {
		snprintf(why, n, "stream: the sink never reported the bytes it read (sent %llu)",
			 (unsigned long long)sent);
		return -1;
	}
	if (c.bytes != (double)sent) {
		snprintf(why, n, "stream: the sink read %.0f bytes, the load generator sent %llu",
			 c.bytes, (unsigned long long)sent);
		return -1;
	}
	return 0;
}

/* What every target measures after its own boot figures: the image size,
 * the load phase (servers), the perf counters and the workload's own
 * result lines (non-servers). Returns the load phase's status. */
int tg_measure_common(struct tg_run *r, char *why, size_t n)
{
	int rc = 0;
	const struct app_def *a = app_find(r->workload);

	if (a)	/* apps: their own load phase or results (app_tg.c) */
		return app_measure(r, a, why, n);
	tg_sample(r, "image_size", (double)r->image_size);
	if (r->net.active)
		rc = tg_load(r, why, n);
	tg_counters(r);
	if (!r->net.active)	/* servers: their own reports race the load phase */
		tg_parse_results(r);
	return rc;
}

int tg_load(struct tg_run *r, char *why, size_t n)
{
	const struct wl_info *w = wl_find(r->workload);
	char url[128], dur[32], host[64], port[16];
	struct ut_buf out = { 0 };
	struct lg_result res;
	long idle = tg_pss_kib(r->proc.pid);
	int rc = -1;

	if (idle > 0)
		tg_sample(r, "rss_idle", (double)idle);
	if (r->net.t_first_frame > r->t_launch)	/* cross-check of boot_to_ready */
		tg_sample(r, "first_frame", (double)(r->net.t_first_frame - r->t_launch) / 1e6);
	if (!w)
		return 0;
	int pt = r->net.port ? r->net.port : r->spec->port ? r->spec->port : w->port;

	tg_api_open(r);

	snprintf(host, sizeof host, "%s", r->net.addr);
	snprintf(port, sizeof port, "%d", pt);
	if (!strcmp(w->name, "httpd")) {
		snprintf(url, sizeof url, "http://%s:%d/", r->net.addr, pt);
		snprintf(dur, sizeof dur, "-d%ds", (r->duration_ms + 999) / 1000);
		char *argv[] = { "wrk", "-t1", "-c8", dur, "--latency", "--timeout", "2s", url, NULL };
		rc = tg_wrk_load(r, argv, why, n);
	} else if (!strcmp(w->name, "kvstore")) {
		char *argv[] = { "redis-benchmark", "-h", host, "-p", port, "-n", "5000", "-c", "8",
				 "-t", "set,get", "--csv", NULL };
		rc = tg_redis_load(r, argv, "", 2, why, n);
	} else if (!strcmp(w->name, "echo") || !strcmp(w->name, "stream")) {
		int echo = !strcmp(w->name, "echo");
		uint64_t dl = ut_now_ns() + (uint64_t)(r->duration_ms + 15000) * 1000000ull;

		if (dl > r->deadline)
			dl = r->deadline;
		if (nt_enter(&r->net) != 0) {
			snprintf(why, n, "cannot enter network namespace %s", r->net.ns);
			goto out;
		}
		rc = echo ? lg_echo(r->net.addr, pt, 8, r->duration_ms, dl, tg_sample_loaded, r, &res,
				    why, n) :
			    lg_stream(r->net.addr, pt, r->duration_ms, dl, tg_sample_loaded, r, &res,
				      why, n);
		nt_leave();
		if (rc == 0 && echo) {
			r->hist = res.hist;	/* committed with the samples (run.c) */
			tg_sample(r, "ops_per_s", res.ops_per_s);
			r->requests = (long)res.hist.n;
			tg_sample(r, "lat_p50_us", res.p50_us);
			tg_sample(r, "lat_p99_us", res.p99_us);
		} else if (rc == 0) {
			rc = sink_agrees(r, res.bytes, why, n);
			if (rc == 0)
				tg_sample(r, "gbit_per_s", res.gbit_per_s);
		}
	} else {
		rc = 0;
	}
out:
	ut_buf_free(&out);
	if (rc == 0 && r->rss_n > 0)
		tg_sample(r, "rss_loaded", (double)r->rss_max);
	tg_api_finish(r, rc == 0);
	return rc;
}

/* VMs: a network device on the run's tap (QEMU itself is started inside the
 * namespace, pr_spawn_ns), or on QEMU's user network with a hostfwd. The
 * device is the target's net_device; by default virtio-net-device (mmio) on
 * microvm and virtio-net-pci elsewhere. TG_NET_NONE: the netdev n0 only, for
 * a device given in qemu_args. */
void tg_net_args_qemu(struct tg_run *r, const char *machine)
{
	const struct wl_info *w = wl_find(r->workload);
	int gport = r->spec->port ? r->spec->port : w ? w->port : 0;
	int dev = r->spec->net_device;
	static const char *const name[] = { "", "virtio-net-device", "virtio-net-pci", "e1000" };

	tg_arg(r, "-netdev");
	if (r->net.kind == NT_USER)
		tg_arg(r, "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d", r->net.port, gport);
	else
		tg_arg(r, "tap,id=n0,ifname=tap0,script=no,downscript=no");
	if (dev == TG_NET_DEFAULT)
		dev = !strncmp(machine, "microvm", 7) ? TG_NET_VIRTIO_MMIO : TG_NET_VIRTIO_PCI;
	if (dev == TG_NET_NONE)
		return;
	tg_arg(r, "-device");
	tg_arg(r, "%s,netdev=n0,mac=%02x:%02x:%02x:%02x:%02x:%02x", name[dev], nt_guest_mac[0],
	       nt_guest_mac[1], nt_guest_mac[2], nt_guest_mac[3], nt_guest_mac[4], nt_guest_mac[5]);
}
