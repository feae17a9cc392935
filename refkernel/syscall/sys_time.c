/* sys_time.c — clocks and sleeping, all from the TSC (kernel/time.c); the
 * CPU-time clocks from the scheduler's per-thread accounting.
 * Sleeping halts the vCPU until the LAPIC timer fires (kernel/irq.c). */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"

#define A uint64_t
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

struct timespec_k { int64_t sec, nsec; };

static int clock_now(uint64_t clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = time_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		*ns = sched_cpu_ns(clk == CLOCK_PROCESS_CPUTIME_ID); /* run time, idle excluded */
		return 0;
	default:
		return -EINVAL;
	}
}

int64_t sys_clock_gettime(A clk, A ts, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	uint64_t ns;
	int r = clock_now(clk, &ns);
	if (r)
		return r;
	if (!mm_user_ok((void *)ts, sizeof(struct timespec_k), true))
		return -EFAULT;
	*(struct timespec_k *)ts = (struct timespec_k){ (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
	return 0;
}

int64_t sys_clock_getres(A clk, A ts, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	uint64_t ns;
	if (clock_now(clk, &ns))
		return -EINVAL;
	if (ts) {
		if (!mm_user_ok((void *)ts, sizeof(struct timespec_k), true))
			return -EFAULT;
		*(struct timespec_k *)ts = (struct timespec_k){ 0, 1 };
	}
	return 0;
}

int64_t sys_gettimeofday(A tv, A tz, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (tv) {
		if (!mm_user_ok((void *)tv, 16, true))
			return -EFAULT;
		uint64_t ns = time_realtime_ns();
		((int64_t *)tv)[0] = (int64_t)(ns / 1000000000);
		((int64_t *)tv)[1] = (int64_t)(ns % 1000000000 / 1000);
	}
	if (tz) {
		if (!mm_user_ok((void *)tz, 8, true))
			return -EFAULT;
		memset((void *)tz, 0, 8);
	}
	return 0;
}

int64_t sys_time(A t, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	int64_t s = (int64_t)(time_realtime_ns() / 1000000000);
	if (t) {
		if (!mm_user_ok((void *)t, 8, true))
			return -EFAULT;
		*(int64_t *)t = s;
	}
	return s;
}

/* Halt (the vCPU idles) until the clock reaches (deadline). A deadline
 * beyond any time the clock reaches sleeps for ever, as on Linux. */
static int64_t sleep_until(uint64_t clk, uint64_t deadline)
{
	uint64_t now, seen = irq_events_now();
	while (!clock_now(clk, &now) && now < deadline) {
		if (sys_signal_interrupts())
			return -EINTR; /* a handler runs; nanosleep is not restarted (Linux: EINTR) */
		uint64_t until = sys_deadline(deadline - now), alarm = sys_signal_timers();
		if (alarm && alarm < until)
			until = alarm;
		if (sched_multi())
			sched_block(W_SLEEP, until);
		else
			kwait(until, &seen);
	}
	return 0;
}

uint64_t sys_deadline(uint64_t ns)
{
	uint64_t now = time_ns();
	return ns >= UINT64_MAX - now - 1 ? UINT64_MAX : now + ns + 1;
}

/* A struct timespec from the application, checked, as nanoseconds; what
 * does not fit in KTIME_MAX becomes KTIME_MAX (Linux's timespec64_to_ktime). */
int sys_timespec_ns(uint64_t ts, uint64_t *ns)
{
	if (!mm_user_ok((void *)ts, sizeof(struct timespec_k), false))
		return -EFAULT;
	const struct timespec_k *t = (const void *)ts;
	if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
		return -EINVAL;
	if ((uint64_t)t->sec >= SYS_NS_MAX / 1000000000)
		*ns = SYS_NS_MAX;
	else
		*ns = (uint64_t)t->sec * 1000000000 + (uint64_t)t->nsec;
	return 0;
}

int64_t sys_nanosleep(A req, A rem, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	uint64_t ns, now = time_ns();
	int r = sys_timespec_ns(req, &ns);
	if (r)
		return r;
	uint64_t end = ns >= UINT64_MAX - now ? UINT64_MAX : now + ns;
	int64_t r2 = sleep_until(CLOCK_MONOTONIC, end);
	uint64_t left = r2 && end > time_ns() ? end - time_ns() : 0;
	if (rem && mm_user_ok((void *)rem, sizeof(struct timespec_k), true))
		*(struct timespec_k *)rem = (struct timespec_k){ (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
	return r2;
}

/* Sleeping on a CPU-time clock: the thread's own cannot advance while it
 * sleeps (-EINVAL, as Linux); the process's is not supported here. */
int64_t sys_clock_nanosleep(A clk, A flags, A req, A rem, A e, A f)
{
	(void)e; (void)f;
	uint64_t ns, now;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (clk == CLOCK_PROCESS_CPUTIME_ID)
		return -EOPNOTSUPP;
	int r = clock_now(clk, &now);
	if (r)
		return r;
	if ((r = sys_timespec_ns(req, &ns)))
		return r;
	uint64_t end = (flags & TIMER_ABSTIME) ? ns : ns >= UINT64_MAX - now ? UINT64_MAX : now + ns;
	int64_t r2 = sleep_until(clk, end);
	if (rem && !(flags & TIMER_ABSTIME) && mm_user_ok((void *)rem, sizeof(struct timespec_k), true)) {
		uint64_t at = 0, left = r2 && !clock_now(clk, &at) && end > at ? end - at : 0;
		*(struct timespec_k *)rem = (struct timespec_k){ (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
	}
	return r2;
}
