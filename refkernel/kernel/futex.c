/* futex.c — FUTEX_WAIT/WAKE/REQUEUE over lib/futex_table.c and the
 * scheduler. Keys are the futex's address: one process, one address space,
 * so private and shared futexes are the same thing here. */
#include "kernel.h"
#include "ksched.h"

extern struct futex_table sched_futexes;

static void woken(struct futex_waiter *w, void *ctx)
{
	(void)ctx;
	struct thread *t = QUEUE_ENTRY(w, struct thread, fw);
	sched_wake(t, 0);
}

int futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	if (((uint64_t)uaddr & 3) || !mm_user_ok(uaddr, 4, false))
		return -EFAULT;
	if (!bitset)
		return -EINVAL;
	if (*(volatile uint32_t *)uaddr != val)
		return -EAGAIN;
	if (sched_nthreads() == 1 && !deadline) /* nobody can ever wake it: say so, do not hang */
		kpanic(KEXIT_PANIC, "deadlock: the only thread waits forever on futex %p", (void *)uaddr);
	futex_table_enqueue(&sched_futexes, &sched_current->fw, (uint64_t)uaddr, bitset);
	if (sched_nthreads() == 1) { /* only a timeout can end it */
		uint64_t seen = irq_events_now();
		while (time_ns() < deadline)
			kwait(deadline, &seen);
		futex_table_cancel(&sched_current->fw);
		return -ETIMEDOUT;
	}
	return sched_block(W_FUTEX, deadline);
}

int futex_wake(uint32_t *uaddr, int n, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	return futex_table_wake(&sched_futexes, (uint64_t)uaddr, n, bitset, woken, NULL);
}

int futex_requeue(uint32_t *uaddr, int nwake, uint32_t *uaddr2, int nmove, const uint32_t *cmpval)
{
	if (!mm_user_ok(uaddr, 4, false) || !mm_user_ok(uaddr2, 4, false))
		return -EFAULT;
	if (cmpval && *(volatile uint32_t *)uaddr != *cmpval)
		return -EAGAIN;
	return futex_table_requeue(&sched_futexes, (uint64_t)uaddr, nwake, (uint64_t)uaddr2, nmove, woken, NULL);
}
