/* test_proc.c: children with deadlines: output lines, exit status, timeout
 * and kill, exec failure, the cleanup registry. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

struct lines {
	int n;
	char last[64];
	const char *stop_at;
};

static int on_line(void *ctx, const char *line, uint64_t t)
{
	struct lines *l = ctx;

	(void)t;
	l->n++;
	snprintf(l->last, sizeof l->last, "%s", line);
	return l->stop_at && !strcmp(line, l->stop_at);
}

static uint64_t in_ms(int ms)
{
	return ut_now_ns() + (uint64_t)ms * 1000000ull;
}

Test(proc, lines_and_exit_status)
{
	struct pr_child c;
	struct lines l = { 0 };
	char why[256];
	char *argv[] = { "sh", "-c", "echo one; echo two >&2; printf three; exit 3", NULL };

	cr_assert_eq(pr_spawn(&c, argv, 0, why, sizeof why), 0, "%s", why);
	cr_assert_eq(pr_read(&c, in_ms(5000), on_line, &l), PR_EOF);
	cr_assert_eq(l.n, 3, "stdout and stderr lines, and the unterminated tail");
	cr_assert_str_eq(l.last, "three");
	cr_assert_eq(pr_wait(&c, in_ms(5000)), PR_EOF);
	cr_assert_eq(c.status, 3);
	cr_assert(c.t_exit >= c.t_start);
	pr_kill(&c);
}

Test(proc, match_stops_reading)
{
	struct pr_child c;
	struct lines l = { .stop_at = "ready" };
	char why[256];
	char *argv[] = { "sh", "-c", "echo booting; echo ready; sleep 5", NULL };

	cr_assert_eq(pr_spawn(&c, argv, 0, why, sizeof why), 0);
	cr_assert_eq(pr_read(&c, in_ms(3000), on_line, &l), PR_MATCH);
	cr_assert_eq(l.n, 2);
	pr_kill(&c);
}

/* Members of process group pg that are not zombies (an orphan's zombie
 * waits for whoever adopted it, which may not be this test). */
static int live_in_group(pid_t pg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int live = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[512], state;
		int pgrp;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		char *r = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;

		fclose(f);
		if (r && sscanf(r + 2, "%c %*d %d", &state, &pgrp) == 2 && pgrp == pg && state != 'Z')
			live++;
	}
	if (d)
		closedir(d);
	return live;
}

Test(proc, timeout_then_kill_reaps_the_group)
{
	struct pr_child c;
	char why[256];
	char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	uint64_t t0 = ut_now_ns();
	pid_t pid;

	cr_assert_eq(pr_spawn(&c, argv, 0, why, sizeof why), 0);
	pid = c.pid;
	cr_assert_eq(pr_read(&c, in_ms(150), NULL, NULL), PR_TIMEOUT);
	cr_assert_lt(ut_now_ns() - t0, 2000000000ull, "the deadline was honoured");
	pr_kill(&c);
	cr_assert_eq(kill(pid, 0), -1, "the child is gone");
	for (int i = 0; i < 100 && live_in_group(pid); i++)
		usleep(10000);
	cr_assert_eq(live_in_group(pid), 0, "and its whole process group");
}

Test(proc, exec_failure_is_status_127)
{
	struct pr_child c;
	char why[256];
	char *argv[] = { "/nonexistent/ukbench-no-such-tool", NULL };

	cr_assert_eq(pr_spawn(&c, argv, 0, why, sizeof why), 0);
	cr_assert_eq(pr_read(&c, in_ms(3000), NULL, NULL), PR_EOF);
	cr_assert_eq(pr_wait(&c, in_ms(3000)), PR_EOF);
	cr_assert_eq(c.status, 127);
	cr_assert(strstr(c.out.p, "cannot run"));
	pr_kill(&c);
}

Test(proc, capture_first_line)
{
	char out[64];
	char *argv[] = { "sh", "-c", "echo first; echo second", NULL };

	cr_assert_eq(ut_capture(argv, out, sizeof out, 3000), 0);
	cr_assert_str_eq(out, "first");
}

static int cleaned;

static void count_cleanup(void *arg)
{
	cleaned += *(int *)arg;
}

Test(proc, cleanup_registry_runs_once)
{
	static int one = 1, ten = 10;
	int a = pr_cleanup_push(count_cleanup, &one);

	pr_cleanup_push(count_cleanup, &ten);
	cr_assert_geq(a, 0);
	pr_cleanup_pop(a);
	cr_assert_eq(cleaned, 1);
	pr_cleanup_pop(a);	/* already done: nothing */
	cr_assert_eq(cleaned, 1);
	pr_cleanup_all();
	cr_assert_eq(cleaned, 11);
}
