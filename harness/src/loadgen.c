/* loadgen.c: our own bounded load generators, run inside the run's network
 * namespace: lg_echo() keeps N connections each with one request in flight
 * (epoll), measuring transactions/s and an HDR-style latency histogram;
 * lg_stream() pushes bytes to a stream sink for a fixed time and measures
 * Gbit/s until the sink has read everything (its orderly close after our FIN;
 * a reset fails the run, and tg_load compares the sink's own byte count). Both stop at
 * their duration, at the deadline or on Ctrl-C, whichever comes first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ukb.h"

/* ---- histogram: 2^k ranges split in HG_SUB linear steps (<= 1/HG_SUB error) ---- */
static int hg_index(uint64_t v)
{
	int e;

	if (v < HG_SUB)
		return (int)v;
	e = 63 - __builtin_clzll(v);	/* v in [2^e, 2^(e+1)) */
	int lb = __builtin_ctz(HG_SUB);	/* log2(HG_SUB) */

	return (e - lb + 1) * HG_SUB + (int)((v >> (e - lb)) - HG_SUB);
}

static uint64_t hg_value(int i)	/* the middle of bucket i */
{
	int lb = __builtin_ctz(HG_SUB), e;

	if (i < HG_SUB)
		return (uint64_t)i;
	e = i / HG_SUB - 1 + lb;
	uint64_t lo = ((uint64_t)(i % HG_SUB + HG_SUB)) << (e - lb);

	return lo + ((1ull << (e - lb)) >> 1);
}

uint64_t hg_upper(int i)	/* the largest value bucket i holds */
{
	int lb = __builtin_ctz(HG_SUB), e;

	if (i < HG_SUB)
		return (uint64_t)i;
	e = i / HG_SUB - 1 + lb;
	return (((uint64_t)(i % HG_SUB + HG_SUB)) << (e - lb)) + (1ull << (e - lb)) - 1;
}

void hg_add(struct hg *h, uint64_t v)
{
	int i = hg_index(v);

	if (i >= HG_BUCKETS)
		i = HG_BUCKETS - 1;
	h->b[i]++;
	h->n++;
}

double hg_quantile(const struct hg *h, double q)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return NAN;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want < 1)
		want = 1;
	for (int i = 0; i < HG_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return (double)hg_value(i);
	}
	return (double)hg_value(HG_BUCKETS - 1);
}

/* ---- echo ---- */
struct ec {
	int fd;
	size_t got;
	uint64_t t_sent;
};

int lg_echo(const char *addr, int port, int conns, int duration_ms, uint64_t deadline,
	    lg_tick_fn tick, void *ctx, struct lg_result *res, char *why, size_t n)
{
	char msg[64], buf[4096];
	struct ec *c = calloc((size_t)conns, sizeof *c);
	struct epoll_event ev, evs[64];
	int ep = epoll_create1(EPOLL_CLOEXEC), rc = -1;
	uint64_t t0, end, next_tick;

	memset(res, 0, sizeof *res);
	memset(msg, 'e', sizeof msg);
	msg[sizeof msg - 1] = '\n';
	if (!c || ep < 0) {
		snprintf(why, n, "echo load: out of resources");
		goto out;
	}
	for (int i = 0; i < conns; i++) {
		c[i].fd = nt_connect(addr, port, deadline);
		if (c[i].fd < 0) {
			snprintf(why, n, "echo load: connection %d to %s:%d failed", i + 1, addr, port);
			goto out;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	t0 = ut_now_ns();
	end = t0 + (uint64_t)duration_ms * 1000000ull;
	if (end > deadline)
		end = deadline;
	next_tick = t0 + 10000000ull;
	for (int i = 0; i < conns; i++) {
		c[i].t_sent = ut_now_ns();
		if (send(c[i].fd, msg, sizeof msg, MSG_NOSIGNAL) != (ssize_t)sizeof msg) {
			snprintf(why, n, "echo load: send failed: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		uint64_t now = ut_now_ns();

		if (ukb_interrupted) {
			snprintf(why, n, "interrupted");
			goto out;
		}
		if (now >= end)
			break;
		if (tick && now >= next_tick) {
			tick(ctx);
			next_tick = now + LG_TICK_MS * 1000000ull;
			now = ut_now_ns();
		}
		uint64_t wake = tick && next_tick < end ? next_tick : end;
		int k = epoll_pwait(ep, evs, 64, wake > now ? (int)((wake - now) / 1000000ull) + 1 : 0,
				    pr_run_mask());

		for (int e = 0; e < k; e++) {
			struct ec *x = &c[evs[e].data.u32];
			ssize_t got = recv(x->fd, buf, sizeof buf, 0);

			if (got <= 0) {
				snprintf(why, n, "echo load: the server closed a connection after %llu transactions",
					 (unsigned long long)res->hist.n);
				goto out;
			}
			x->got += (size_t)got;
			if (x->got < sizeof msg)
				continue;
			now = ut_now_ns();
			hg_add(&res->hist, (now - x->t_sent) / 1000);	/* us */
			x->got -= sizeof msg;
			x->t_sent = now;
			if (send(x->fd, msg, sizeof msg, MSG_NOSIGNAL) != (ssize_t)sizeof msg) {
				snprintf(why, n, "echo load: send failed: %s", strerror(errno));
				goto out;
			}
		}
	}
	res->seconds = (double)(ut_now_ns() - t0) / 1e9;
	res->ops_per_s = (double)res->hist.n / res->seconds;
	res->p50_us = hg_quantile(&res->hist, 0.5);
	res->p99_us = hg_quantile(&res->hist, 0.99);
	rc = res->hist.n ? 0 : -1;
	if (rc)
		snprintf(why, n, "echo load: no transaction completed");
out:
	for (int i = 0; c && i < conns; i++)
		if (c[i].fd > 0)
			close(c[i].fd);
	free(c);
	if (ep >= 0)
		close(ep);
	return rc;
}

/* ---- stream ---- */
int lg_stream(const char *addr, int port, int duration_ms, uint64_t deadline, lg_tick_fn tick,
	      void *ctx, struct lg_result *res, char *why, size_t n)
{
	static unsigned char pat[251 * 256];
	uint64_t t0, end, sent = 0, next_tick;
	int fd;

	memset(res, 0, sizeof *res);
	for (size_t i = 0; i < sizeof pat; i++)
		pat[i] = (unsigned char)(i % 251);	/* stream's pattern */
	fd = nt_connect(addr, port, deadline);
	if (fd < 0) {
		snprintf(why, n, "stream load: cannot connect to %s:%d", addr, port);
		return -1;
	}
	t0 = ut_now_ns();
	end = t0 + (uint64_t)duration_ms * 1000000ull;
	next_tick = t0 + 10000000ull;
	while (ut_now_ns() < end && ut_now_ns() < deadline && !ukb_interrupted) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (tick && ut_now_ns() >= next_tick) {
			tick(ctx);
			next_tick = ut_now_ns() + LG_TICK_MS * 1000000ull;
		}
		if (pr_poll(&p, 1, 50) != 1)
			continue;
		ssize_t k = send(fd, pat + sent % 251, sizeof pat - 251, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0) {
			snprintf(why, n, "stream load: send failed: %s", strerror(errno));
			close(fd);
			return -1;
		}
		sent += (uint64_t)k;
	}
	/* The sink reads to EOF and closes: wait for its FIN, so all bytes are
	 * counted. A reset or a receive error means some never arrived. */
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char b[512];
		ssize_t k;

		if (ukb_interrupted || ut_now_ns() >= deadline) {
			snprintf(why, n, "stream load: the sink did not finish reading in time");
			close(fd);
			return -1;
		}
		if (pr_poll(&p, 1, 50) != 1)
			continue;
		k = recv(fd, b, sizeof b, 0);
		if (k == 0)
			break;
		if (k < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, n, "stream load: %s after %llu bytes sent (not counted)",
				 errno == ECONNRESET ? "the sink reset the connection" : strerror(errno),
				 (unsigned long long)sent);
			close(fd);
			return -1;
		}
	}
	close(fd);
	res->seconds = (double)(ut_now_ns() - t0) / 1e9;
	res->bytes = sent;
	res->gbit_per_s = (double)sent * 8 / res->seconds / 1e9;
	return sent ? 0 : -1;
}
