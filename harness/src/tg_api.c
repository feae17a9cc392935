/* tg_api.c: the refkernel's REST API seen from the harness (api = yes in an
 * experiment). The refkernel prepare functions put api=TG_API_PORT on the
 * command line of server runs (tg_api_cmdline); the load phase opens one keep-alive
 * connection to it from inside the run's namespace (tg_api_open), reads
 * GET /os/memory beside every PSS reading (tg_api_sample, from
 * tg_sample_loaded, every 100 ms) and records the largest "used" as
 * guest_mem_used in KiB (tg_api_finish): the guest's own view of its
 * memory, which QEMU's PSS (host pages the guest ever touched) cannot show.
 * A reading that fails or is late ends the sampling for the run; the
 * sample is then absent, never made up.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <jansson.h>

#include "ukb.h"

#define TG_API_WAIT_MS 250	/* one reading, at most (TCG under load) */

const char *tg_api_cmdline(struct tg_run *r)
{
	if (!r->api || !r->net.active)
		return "";	/* servers only: images without the network refuse api= */
	r->api = 2;	/* served: the load phase reads it */
	static char word[24];

	snprintf(word, sizeof word, "api=%d ", TG_API_PORT);
	return word;
}

void tg_api_open(struct tg_run *r)
{
	r->api_fd = -1;
	r->api_used_max = 0;
	r->api_n = 0;
	if (r->api != 2 || !r->net.addr[0])
		return;
	if (nt_enter(&r->net) != 0)
		return;
	r->api_fd = nt_connect(r->net.addr, TG_API_PORT, ut_now_ns() + 2000 * 1000000ull);
	nt_leave();	/* the socket stays in the namespace it was made in */
}

static void api_drop(struct tg_run *r)
{
	if (r->api_fd >= 0)
		close(r->api_fd);
	r->api_fd = -1;
}

/* One GET /os/memory on the kept connection: "used" in bytes, or -1. */
static long long api_used(struct tg_run *r)
{
	static const char req[] = "GET /os/memory HTTP/1.1\r\nHost: guest\r\n\r\n";
	char buf[4096];
	size_t got = 0;
	uint64_t deadline = ut_now_ns() + TG_API_WAIT_MS * 1000000ull;

	if (send(r->api_fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
		return -1;
	for (;;) {
		char *end = memmem(buf, got, "\r\n\r\n", 4), *cl;

		if (end && (cl = memmem(buf, (size_t)(end - buf), "Content-Length: ", 16))) {
			size_t head = (size_t)(end + 4 - buf), len = strtoul(cl + 16, NULL, 10);

			if (strncmp(buf, "HTTP/1.1 200 ", 13) || head + len > sizeof buf)
				return -1;
			if (got >= head + len) {
				json_t *j = json_loadb(buf + head, len, 0, NULL);
				json_t *u = json_object_get(j, "used");
				long long v = json_is_integer(u) ? json_integer_value(u) : -1;

				json_decref(j);
				return got == head + len ? v : -1;	/* nothing more was asked */
			}
		}
		uint64_t now = ut_now_ns();
		struct pollfd p = { .fd = r->api_fd, .events = POLLIN };

		if (got == sizeof buf || now >= deadline ||
		    pr_poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) != 1)
			return -1;
		ssize_t k = recv(r->api_fd, buf + got, sizeof buf - got, 0);

		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
}

void tg_api_sample(struct tg_run *r)
{
	if (r->api_fd < 0)
		return;
	long long used = api_used(r);

	if (used < 0) {
		api_drop(r);
		return;
	}
	r->api_n++;
	if (used / 1024 > r->api_used_max)
		r->api_used_max = (long)(used / 1024);
}

void tg_api_finish(struct tg_run *r, int ok)
{
	if (ok && r->api_n > 0)
		tg_sample(r, "guest_mem_used", (double)r->api_used_max);
	api_drop(r);
}
