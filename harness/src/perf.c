/* perf.c: software counters (task clock, context switches, page faults) of a
 * child and everything it forks, through perf_event_open(2) directly, as
 * libperf does. pr_spawn() opens them while the child waits at its exec gate
 * (enable_on_exec), so they count from the first instruction of the VMM.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ukb.h"

static const unsigned long long pf_config[PF_N] = {
	[PF_TASK_CLOCK] = PERF_COUNT_SW_TASK_CLOCK,
	[PF_CTX_SWITCHES] = PERF_COUNT_SW_CONTEXT_SWITCHES,
	[PF_PAGE_FAULTS] = PERF_COUNT_SW_PAGE_FAULTS,
};

int pf_open(pid_t pid, int fds[PF_N])
{
	int ok = 0;

	for (int i = 0; i < PF_N; i++) {
		struct perf_event_attr a;

		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.type = PERF_TYPE_SOFTWARE;
		a.config = pf_config[i];
		a.disabled = 1;
		a.enable_on_exec = 1;
		a.inherit = 1;	/* threads and children of the VMM too */
		fds[i] = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
		ok += fds[i] >= 0;
	}
	return ok ? 0 : -1;
}

/* Reads the totals; a counter that could not be opened reads as -1. */
int pf_read(int fds[PF_N], double val[PF_N])
{
	int ok = 0;

	for (int i = 0; i < PF_N; i++) {
		unsigned long long v;

		val[i] = -1;
		if (fds[i] < 0 || read(fds[i], &v, sizeof v) != (ssize_t)sizeof v)
			continue;
		val[i] = i == PF_TASK_CLOCK ? (double)v / 1e6 : (double)v;
		ok++;
	}
	return ok ? 0 : -1;
}

void pf_close(int fds[PF_N])
{
	for (int i = 0; i < PF_N; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
