/* sys_thread.c — the thread calls musl's pthreads use: clone, exit, futex,
 * set_robust_list, gettid, tkill/tgkill, sched_yield, sched_getaffinity.
 * One process: fork-like clones fail with -ENOSYS. tkill/tgkill are in
 * sys_signal.c. */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "x86.h"

#define A uint64_t
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

int64_t sys_clone_frame(const struct x86_syscall_frame *f)
{
	static bool said;
	int r = sched_clone(f->rdi, f->rsi, f->rdx, f->r10, f->r8, f);
	if (r == -ENOSYS && !said) {
		said = true;
		kprintf("refkernel: clone without CLONE_VM|CLONE_THREAD (a new process): one process only\n");
	}
	return r;
}

int64_t sys_exit(A code, A b, A c, A d, A e, A f)
{
	(void)code; (void)b; (void)c; (void)d; (void)e; (void)f;
	sched_exit_thread();
}

int64_t sys_gettid(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return sched_current->tid;
}

int64_t sys_futex(A uaddr, A op, A val, A uts, A uaddr2, A val3)
{
	int cmd = (int)(op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	uint64_t deadline = 0;
	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && uts) {
		uint64_t ns;
		int r = sys_timespec_ns(uts, &ns);
		if (r)
			return r;
		uint64_t rt;
		if (cmd == FUTEX_WAIT)
			deadline = sys_deadline(ns);              /* relative */
		else if (op & FUTEX_CLOCK_REALTIME)
			deadline = sys_deadline(ns > (rt = time_realtime_ns()) ? ns - rt : 0);
		else
			deadline = ns + 1;                        /* absolute CLOCK_MONOTONIC, ns <= KTIME_MAX */
	}
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait((uint32_t *)uaddr, (uint32_t)val, deadline, ~0u);
	case FUTEX_WAIT_BITSET:
		return futex_wait((uint32_t *)uaddr, (uint32_t)val, deadline, (uint32_t)val3);
	case FUTEX_WAKE:
		return futex_wake((uint32_t *)uaddr, (int)val, ~0u);
	case FUTEX_WAKE_BITSET:
		return futex_wake((uint32_t *)uaddr, (int)val, (uint32_t)val3);
	case FUTEX_REQUEUE:
		return futex_requeue((uint32_t *)uaddr, (int)val, (uint32_t *)uaddr2, (int)uts, NULL);
	case FUTEX_CMP_REQUEUE: {
		uint32_t cmp = (uint32_t)val3;
		return futex_requeue((uint32_t *)uaddr, (int)val, (uint32_t *)uaddr2, (int)uts, &cmp);
	}
	default:
		return -ENOSYS;
	}
}

static uint64_t robust_list;
int64_t sys_set_robust_list(A head, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (len != 24)
		return -EINVAL;
	robust_list = head; /* recorded; robust mutexes matter only when a thread dies holding one */
	return 0;
}

int64_t sys_sched_yield(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	sched_yield();
	return 0;
}

int64_t sys_sched_getaffinity(A pid, A len, A mask, A d, A e, A f)
{
	(void)pid; (void)d; (void)e; (void)f;
	if (len < 8)
		return -EINVAL;
	if (!mm_user_ok((void *)mask, 8, true))
		return -EFAULT;
	*(uint64_t *)mask = 1; /* one CPU */
	return 8;
}
