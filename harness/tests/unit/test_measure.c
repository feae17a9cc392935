/* test_measure.c: what makes a figure trustworthy, against real sockets on
 * 127.0.0.1: stream fails on a reset instead of counting bytes that never
 * arrived, the load generators read rss_loaded all through the load, the
 * latency CDF holds each bucket edge once, samples are keyed by job. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ukb.h"

/* A listening socket on 127.0.0.1 and an ephemeral port. */
static int listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A child that serves one connection with fn, then exits (killed after 20 s). */
static pid_t serve(int lfd, void (*fn)(int fd))
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		alarm(20);
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0)
			fn(fd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Reads a little, then closes with data unread: the kernel answers with RST. */
static void sink_that_resets(int fd)
{
	char b[4096];

	for (int got = 0; got < 65536;) {
		ssize_t k = recv(fd, b, sizeof b, 0);

		if (k <= 0)
			break;
		got += (int)k;
	}
	usleep(300000);	/* the sender keeps queueing meanwhile */
	close(fd);
}

static void sink_that_reads_all(int fd)
{
	char b[65536];

	while (recv(fd, b, sizeof b, 0) > 0)
		;
	close(fd);
}

static void echo_all(int fd)
{
	char b[4096];
	ssize_t k;

	while ((k = recv(fd, b, sizeof b, 0)) > 0)
		if (send(fd, b, (size_t)k, MSG_NOSIGNAL) != k)
			break;
	close(fd);
}

Test(measure, stream_fails_when_the_sink_resets)
{
	struct lg_result res;
	char why[UKB_WHY] = "";
	int port, lfd = listener(&port);
	pid_t pid = serve(lfd, sink_that_resets);
	int rc = lg_stream("127.0.0.1", port, 1000, ut_now_ns() + 10000000000ull, NULL, NULL, &res,
			   why, sizeof why);

	reap(pid);
	cr_assert_eq(rc, -1, "a reset sink must fail the sample (got %.3f Gbit/s)", res.gbit_per_s);
	cr_assert(strstr(why, "reset") || strstr(why, "stream load:"), "%s", why);
}

Test(measure, stream_succeeds_when_the_sink_reads_everything)
{
	struct lg_result res;
	char why[UKB_WHY] = "";
	int port, lfd = listener(&port);
	pid_t pid = serve(lfd, sink_that_reads_all);
	int rc = lg_stream("127.0.0.1", port, 300, ut_now_ns() + 10000000000ull, NULL, NULL, &res,
			   why, sizeof why);

	reap(pid);
	cr_assert_eq(rc, 0, "%s", why);
	cr_assert(res.bytes > 0 && res.gbit_per_s > 0);
}

static void count_tick(void *ctx)
{
	++*(int *)ctx;
}

/* rss_loaded: readings all through the load, not one at half time. */
Test(measure, echo_load_ticks_all_through)
{
	struct lg_result *res = calloc(1, sizeof *res);
	char why[UKB_WHY] = "";
	int port, lfd = listener(&port), ticks = 0;
	pid_t pid = serve(lfd, echo_all);
	int rc = lg_echo("127.0.0.1", port, 1, 600, ut_now_ns() + 10000000000ull, count_tick, &ticks,
			 res, why, sizeof why);

	reap(pid);
	cr_assert_eq(rc, 0, "%s", why);
	/* first after 10 ms, then every LG_TICK_MS: 6 in 600 ms, allow for a loaded host */
	cr_assert(ticks >= 4, "only %d readings in a 600 ms load", ticks);
	free(res);
}

Test(measure, stream_load_ticks_all_through)
{
	struct lg_result res;
	char why[UKB_WHY] = "";
	int port, lfd = listener(&port), ticks = 0;
	pid_t pid = serve(lfd, sink_that_reads_all);
	int rc = lg_stream("127.0.0.1", port, 600, ut_now_ns() + 10000000000ull, count_tick, &ticks,
			   &res, why, sizeof why);

	reap(pid);
	cr_assert_eq(rc, 0, "%s", why);
	cr_assert(ticks >= 4, "only %d readings in a 600 ms load", ticks);
}

/* Each row of the CDF is one bucket's own upper edge: strictly increasing,
 * no duplicate, and the edge really is the largest value of its bucket. */
Test(measure, latency_cdf_rows_are_bucket_edges)
{
	static struct hg h;
	struct ut_buf b = { 0 };
	double prev = -1, cdf = 0;
	int rows = 0;

	memset(&h, 0, sizeof h);
	for (uint64_t v = 1; v < 200000; v = v * 11 / 10 + 1)
		for (int k = 0; k < 3; k++)
			hg_add(&h, v);
	rs_hist_csv(&h, &b);
	cr_assert(!strncmp(b.p, "latency_us,cdf\n", 15));
	for (char *line = strchr(b.p, '\n') + 1; line && *line; line = strchr(line, '\n') + 1) {
		double us, c;

		cr_assert_eq(sscanf(line, "%lf,%lf", &us, &c), 2, "%s", line);
		cr_assert(us > prev, "row %d: %.0f after %.0f (duplicate edge)", rows, us, prev);
		cr_assert(c > cdf, "row %d: cdf %.6f after %.6f", rows, c, cdf);
		prev = us;
		cdf = c;
		rows++;
	}
	cr_assert_float_eq(cdf, 1.0, 1e-9);
	for (int i = 0; i < HG_BUCKETS - 1; i++) {
		struct hg one;

		memset(&one, 0, sizeof one);
		hg_add(&one, hg_upper(i));
		cr_assert_eq(one.b[i], 1, "hg_upper(%d) = %llu is not in bucket %d", i,
			     (unsigned long long)hg_upper(i), i);
		memset(&one, 0, sizeof one);
		hg_add(&one, hg_upper(i) + 1);
		cr_assert_eq(one.b[i + 1], 1, "hg_upper(%d) + 1 is not in the next bucket", i);
	}
	ut_buf_free(&b);
}

/* make bench: the footprint job's one cold launch of hello must not join the
 * boot job's five warm ones. */
Test(measure, samples_keyed_by_job)
{
	struct rs_set r;
	struct ut_buf b = { 0 };

	memset(&r, 0, sizeof r);
	strcpy(r.experiment, "e");
	strcpy(r.job, "boot");
	for (int i = 1; i <= 5; i++)
		rs_add(&r, "native", "hello", "boot_to_ready", i, 1.0);
	strcpy(r.job, "footprint");
	rs_add(&r, "native", "hello", "boot_to_ready", 1, 50.0);
	rs_summary_csv(&r, &b);
	cr_assert(strstr(b.p, "e,boot,native,hello,boot_to_ready,ms,5,1,1,1,"), "%s", b.p);
	cr_assert(strstr(b.p, "e,footprint,native,hello,boot_to_ready,ms,1,50,"), "%s", b.p);
	ut_buf_free(&b);
	rs_free(&r);
}
