/* perf.c: software counters (task clock, context switches, page faults) of a
 * child and everything it forks, through perf_event_open(2) directly, as
 * libperf does. pr_spawn() opens them while the child waits at its exec gate
 * (enable_on_exec), so they count from the first instruction of the VMM.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdlib.h>
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

/* KVM's tracepoints, counted on the VMM's threads (where KVM fires them). */
static const char *const kvm_events[PF_KVM_N] = {
	"kvm_exit", "kvm_userspace_exit", "kvm_pio", "kvm_mmio", "kvm_emulate_insn",
	"kvm_inj_virq",
};

static long tracepoint_id(const char *name)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[160];
	struct ut_buf b = { 0 };
	long id = -1;

	for (int i = 0; i < 2 && id < 0; i++) {
		snprintf(path, sizeof path, "%s/events/kvm/%s/id", roots[i], name);
		if (ut_read_file(path, &b) == 0 && b.p)
			id = atol(b.p);
		ut_buf_free(&b);
	}
	return id;
}

const char *pf_kvm_name(int i)
{
	return kvm_events[i];
}

int pf_open_kvm(pid_t pid, int fds[PF_KVM_N])
{
	int ok = 0;

	for (int i = 0; i < PF_KVM_N; i++) {
		struct perf_event_attr a;
		long id = tracepoint_id(kvm_events[i]);

		fds[i] = -1;
		if (id < 0)
			continue;
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (unsigned long long)id;
		a.disabled = 1;
		a.enable_on_exec = 1;
		a.inherit = 1;
		fds[i] = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
		ok += fds[i] >= 0;
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
