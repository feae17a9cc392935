/* app_load.c: the load phase of an app (app.h): wrk, redis-benchmark once
 * per pipeline depth, our memcached text-protocol loadgen (lg_memtext), and
 * after the program exited the sqlite script's own timings. Every tool runs
 * inside the run's namespace, bounded in time; its raw output goes to logs/. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app.h"

/* (words) split at blanks into argv[*argc...] (copies in (store)). */
static void add_words(char **argv, int *argc, int max, char *store, const char *words)
{
	strcpy(store, words);
	for (char *t = strtok(store, " \t"); t && *argc < max - 1; t = strtok(NULL, " \t"))
		argv[(*argc)++] = t;
	argv[*argc] = NULL;
}

int app_load_phase(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	char host[64], port[16], url[128], dur[32], store[512];
	char *argv[48];
	int argc = 0, rc = -1, pt = r->net.port ? r->net.port : a->port;
	long idle = tg_pss_kib(r->proc.pid);

	if (idle > 0)
		tg_sample(r, "rss_idle", (double)idle);
	snprintf(host, sizeof host, "%s", r->net.addr);
	snprintf(port, sizeof port, "%d", pt);
	tg_api_open(r);
	if (a->load == APP_LOAD_WRK) {
		snprintf(url, sizeof url, "http://%s:%d/", r->net.addr, pt);
		snprintf(dur, sizeof dur, "-d%ds", (r->duration_ms + 999) / 1000);
		argv[argc++] = "wrk";
		add_words(argv, &argc, 40, store, a->load_args);
		argv[argc++] = dur;
		argv[argc++] = url;
		argv[argc] = NULL;
		rc = tg_wrk_load(r, argv, why, n);
	} else if (a->load == APP_LOAD_REDIS) {
		char pl[64], ps[16], suffix[24];
		int tests = 1;	/* rows redis-benchmark must give: one per -t test */
		const char *t = strstr(a->load_args, "-t ");
		for (size_t i = 3, len = t ? strcspn(t + 3, " \t") + 3 : 0; i < len; i++)
			tests += t[i] == ',';
		ut_strlcpy(pl, a->pipeline[0] ? a->pipeline : "1", sizeof pl);
		for (char *save, *p = strtok_r(pl, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			argc = 0;
			snprintf(ps, sizeof ps, "%d", atoi(p));
			snprintf(suffix, sizeof suffix, "-P%d", atoi(p));
			argv[argc++] = "redis-benchmark";
			argv[argc++] = "-h";
			argv[argc++] = host;
			argv[argc++] = "-p";
			argv[argc++] = port;
			add_words(argv, &argc, 40, store, a->load_args);
			argv[argc++] = "-P";
			argv[argc++] = ps;
			argv[argc++] = "--csv";
			argv[argc] = NULL;
			if (tg_redis_load(r, argv, suffix, tests, why, n) != 0)
				goto out;
		}
		rc = 0;
	} else if (a->load == APP_LOAD_MEMTEXT) {
		int conns = 8, keys = 1000, vsize = 100, get_pct = 90;
		char args[256];
		ut_strlcpy(args, a->load_args, sizeof args);
		for (char *save, *t = strtok_r(args, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char *v = strtok_r(NULL, " ", &save);
			int *dst = !strcmp(t, "-c") ? &conns : !strcmp(t, "-k") ? &keys :
				   !strcmp(t, "-v") ? &vsize : !strcmp(t, "-r") ? &get_pct : NULL;
			if (!dst || !v || atoi(v) <= 0) {
				snprintf(why, n, "app %s: memtext load_args: want -c N -k N -v N -r PCT", a->name);
				goto out;
			}
			*dst = atoi(v);
		}
		struct lg_result res;
		uint64_t dl = ut_now_ns() + (uint64_t)(r->duration_ms + 15000) * 1000000ull;
		if (dl > r->deadline)
			dl = r->deadline;
		if (nt_enter(&r->net) != 0) {
			snprintf(why, n, "cannot enter network namespace %s", r->net.ns);
			goto out;
		}
		rc = lg_memtext(r->net.addr, pt, conns, keys, vsize, get_pct, r->duration_ms, dl,
				tg_sample_loaded, r, &res, why, n);
		nt_leave();
		if (rc == 0) {
			r->hist = res.hist;	/* committed with the samples (run.c) */
			tg_sample(r, "ops_per_s", res.ops_per_s);
			tg_sample(r, "lat_p50_us", res.p50_us);
			tg_sample(r, "lat_p99_us", res.p99_us);
			r->requests = (long)res.hist.n;
		}
	} else {
		rc = 0;
	}
out:
	if (rc == 0 && r->rss_n > 0)
		tg_sample(r, "rss_loaded", (double)r->rss_max);
	tg_api_finish(r, rc == 0);
	return rc;
}

/* sqlite-timer: ops over the sum of the script's "Run Time: real S" lines. */
int app_results(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	if (a->load != APP_LOAD_SQLITE)
		return 0;
	double sum = 0;
	int lines = 0;
	for (const char *p = r->proc.out.p; p && (p = strstr(p, "Run Time: real ")); p++) {
		sum += strtod(p + 15, NULL);
		lines++;
	}
	if (lines == 0 || sum <= 0) {
		snprintf(why, n, "app %s: no 'Run Time: real' lines in its output (%d lines, %.3f s)",
			 a->name, lines, sum);
		return -1;
	}
	tg_sample(r, "ops_per_s", (double)a->ops / sum);
	tg_sample(r, "script_s", sum);
	return 0;
}

/* ---- lg_memtext: memcached's text protocol, closed loop ---------------- */

struct mc_conn {
	int fd;
	uint64_t t_sent;
	int is_get;
	char buf[4096];
	size_t have;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int mc_send(struct mc_conn *c, int keys, int vsize, int get_pct, uint32_t *seed, const char *val)
{
	char req[8192];
	int k = (int)(rnd(seed) % (uint32_t)keys), len;
	c->is_get = (int)(rnd(seed) % 100) < get_pct;
	if (c->is_get)
		len = snprintf(req, sizeof req, "get key:%08d\r\n", k);
	else
		len = snprintf(req, sizeof req, "set key:%08d 0 0 %d\r\n%s\r\n", k, vsize, val);
	c->have = 0;
	c->t_sent = ut_now_ns();
	return send(c->fd, req, (size_t)len, MSG_NOSIGNAL) == len ? 0 : -1;
}

/* 1: a whole reply is in, 0: not yet, -1: an error reply. */
static int mc_done(const struct mc_conn *c)
{
	const char *b = c->buf;
	if (c->have >= 5 && (!strncmp(b, "ERROR", 5) || strstr(b, "SERVER_ERROR") || strstr(b, "CLIENT_ERROR")))
		return -1;
	if (c->is_get)
		return c->have >= 5 && !memcmp(b + c->have - 5, "END\r\n", 5);
	return c->have >= 8 && !memcmp(b, "STORED\r\n", 8);
}

int lg_memtext(const char *addr, int port, int conns, int keys, int vsize, int get_pct,
	       int duration_ms, uint64_t deadline, lg_tick_fn tick, void *ctx, struct lg_result *res,
	       char *why, size_t n)
{
	struct mc_conn *c = calloc((size_t)conns, sizeof *c);
	struct pollfd *p = calloc((size_t)conns, sizeof *p);
	char *val = malloc((size_t)vsize + 1);
	uint32_t seed = 0x9e3779b9u;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (!c || !p || !val || vsize > 4000) {
		snprintf(why, n, "memtext: out of memory or value above 4000 bytes");
		goto out;
	}
	memset(val, 'v', (size_t)vsize);
	val[vsize] = '\0';
	for (int i = 0; i < conns; i++)
		c[i].fd = -1;
	for (int i = 0; i < conns; i++) {
		c[i].fd = nt_connect(addr, port, deadline);
		if (c[i].fd < 0) {
			snprintf(why, n, "memtext: cannot connect to %s:%d", addr, port);
			goto out;
		}
		int one = 1;
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	/* fill every key once (not timed), so gets hit */
	for (int k = 0; k < keys; k++) {
		char req[8192];
		int len = snprintf(req, sizeof req, "set key:%08d 0 0 %d\r\n%s\r\n", k, vsize, val);
		c[0].is_get = 0;
		c[0].have = 0;
		if (send(c[0].fd, req, (size_t)len, MSG_NOSIGNAL) != len)
			goto io;
		while (!mc_done(&c[0])) {
			struct pollfd one = { c[0].fd, POLLIN, 0 };
			if (ut_now_ns() > deadline || pr_poll(&one, 1, 100) < 0)
				goto io;
			ssize_t r = one.revents ? recv(c[0].fd, c[0].buf + c[0].have, sizeof c[0].buf - 1 - c[0].have, 0) : 0;
			if (one.revents && r <= 0)
				goto io;
			c[0].have += (size_t)(r > 0 ? r : 0);
			c[0].buf[c[0].have] = '\0';
		}
	}
	uint64_t t0 = ut_now_ns(), end = t0 + (uint64_t)duration_ms * 1000000ull;
	if (end > deadline)
		end = deadline;
	uint64_t next_tick = t0 + 10000000ull;
	for (int i = 0; i < conns; i++)
		if (mc_send(&c[i], keys, vsize, get_pct, &seed, val) != 0)
			goto io;
	while (ut_now_ns() < end) {
		if (tick && ut_now_ns() >= next_tick) {
			tick(ctx);
			next_tick = ut_now_ns() + LG_TICK_MS * 1000000ull;
		}
		for (int i = 0; i < conns; i++)
			p[i] = (struct pollfd){ c[i].fd, POLLIN, 0 };
		if (pr_poll(p, conns, 10) < 0) {
			snprintf(why, n, "memtext: interrupted");
			goto out;
		}
		for (int i = 0; i < conns; i++) {
			if (!p[i].revents)
				continue;
			ssize_t r = recv(c[i].fd, c[i].buf + c[i].have, sizeof c[i].buf - 1 - c[i].have, 0);
			if (r <= 0)
				goto io;
			c[i].have += (size_t)r;
			c[i].buf[c[i].have] = '\0';
			int d = mc_done(&c[i]);
			if (d < 0) {
				snprintf(why, n, "memtext: error reply: %.60s", c[i].buf);
				goto out;
			}
			if (d == 0 && c[i].have >= sizeof c[i].buf - 1) {
				snprintf(why, n, "memtext: reply too long");
				goto out;
			}
			if (d == 1) {
				hg_add(&res->hist, (ut_now_ns() - c[i].t_sent) / 1000);
				if (mc_send(&c[i], keys, vsize, get_pct, &seed, val) != 0)
					goto io;
			}
		}
	}
	res->seconds = (double)(ut_now_ns() - t0) / 1e9;
	if (res->hist.n == 0) {
		snprintf(why, n, "memtext: no request answered in %d ms", duration_ms);
		goto out;
	}
	res->ops_per_s = (double)res->hist.n / res->seconds;
	res->p50_us = hg_quantile(&res->hist, 0.50);
	res->p99_us = hg_quantile(&res->hist, 0.99);
	rc = 0;
	goto out;
io:
	snprintf(why, n, "memtext: connection to %s:%d failed: %s", addr, port, strerror(errno ? errno : EPIPE));
out:
	for (int i = 0; c && i < conns; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	free(c);
	free(p);
	free(val);
	return rc;
}
