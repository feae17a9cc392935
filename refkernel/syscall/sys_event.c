/* sys_event.c — event file descriptors: eventfd2 (a 64-bit counter) and
 * timerfd_create/settime/gettime (expirations counted from the clock when
 * asked: nothing runs at expiry). Both poll like Linux's and work under
 * epoll. A blocking read waits in kwait_until with the timer's next expiry
 * as its deadline; sys_event_next() tells the idle wait (kwait) of the
 * earliest deadline of every timer, alarms included, so that a wait for
 * anything else ends in time. Part of fs.o, with the rest of the ABI. */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "sys_proc.h"

#define A uint64_t
#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK  04000
#define EFD_CLOEXEC   02000000
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9

static int close_free(struct kfile *f);

/* ---- eventfd ---- */

struct efd { uint64_t count; bool sem; };
#define EFD_MAX 0xfffffffffffffffeULL

static bool efd_readable(void *ctx) { return ((struct efd *)ctx)->count > 0; }
static bool efd_writable(void *ctx) { return ((struct efd *)ctx)->count < EFD_MAX; }

static int wait_for(struct kfile *f, bool (*ready)(void *), uint64_t deadline)
{
	if (f->flags & KF_NONBLOCK)
		return -EAGAIN;
	if (sched_nthreads() == 1 && !deadline && !sys_signal_timers())
		kpanic(KEXIT_PANIC, "deadlock: the only thread blocks on an event fd that only it can change");
	int r = kwait_until(ready, f->priv, deadline);
	return r == -ETIMEDOUT ? 0 : r;
}

static int64_t efd_read(struct kfile *f, void *buf, uint64_t n)
{
	struct efd *e = f->priv;
	if (n < 8)
		return -EINVAL;
	while (!e->count) {
		int r = wait_for(f, efd_readable, 0);
		if (r)
			return r;
	}
	if (!mm_user_ok(buf, 8, true))
		return -EFAULT;
	uint64_t v = e->sem ? 1 : e->count;
	e->count -= v;
	*(uint64_t *)buf = v;
	return 8;
}

static int64_t efd_write(struct kfile *f, const void *buf, uint64_t n)
{
	struct efd *e = f->priv;
	if (n < 8)
		return -EINVAL;
	if (!mm_user_ok(buf, 8, false))
		return -EFAULT;
	uint64_t v = *(const uint64_t *)buf;
	if (v == ~0ULL)
		return -EINVAL;
	while (EFD_MAX - e->count < v) {
		int r = wait_for(f, efd_writable, 0);
		if (r)
			return r;
	}
	e->count += v;
	return 8;
}

static unsigned efd_poll(struct kfile *f)
{
	struct efd *e = f->priv;
	return (e->count ? KPOLLIN | KPOLLRDNORM : 0) | (e->count < EFD_MAX ? KPOLLOUT | KPOLLWRNORM : 0) |
	       (e->count == ~0ULL ? KPOLLERR : 0);
}

static const struct kfile_ops efd_ops = { efd_read, efd_write, NULL, close_free, efd_poll };

int64_t sys_eventfd2(A count, A flags, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (flags & ~(A)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	struct efd *ev = kmalloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	*ev = (struct efd){ (uint32_t)count, (flags & EFD_SEMAPHORE) != 0 };
	int fd = fd_install_new(&efd_ops, ev, (int)flags & KF_NONBLOCK);
	if (fd < 0)
		kfree(ev);
	return fd;
}

int64_t sys_eventfd(A count, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return sys_eventfd2(count, 0, 0, 0, 0, 0);
}

/* ---- timerfd ---- */

struct tfd {
	struct tfd *next;     /* every armed or not: sys_event_next looks at them */
	int clock;
	uint64_t at, every;   /* next expiry in time_ns(), 0: disarmed; period */
	uint64_t ticks;       /* expirations not yet read */
};
static struct tfd *timers;

static void advance(struct tfd *t)
{
	uint64_t now = time_ns();
	if (!t->at || now < t->at)
		return;
	if (t->every) {
		uint64_t n = (now - t->at) / t->every + 1;
		t->ticks += n;
		t->at += n * t->every;
	} else {
		t->ticks++;
		t->at = 0;
	}
}

static bool tfd_readable(void *ctx)
{
	struct tfd *t = ctx;
	advance(t);
	return t->ticks > 0;
}

static int64_t tfd_read(struct kfile *f, void *buf, uint64_t n)
{
	struct tfd *t = f->priv;
	if (n < 8)
		return -EINVAL;
	while (!tfd_readable(t)) {
		if (!t->at && (f->flags & KF_NONBLOCK) == 0 && sched_nthreads() == 1)
			kpanic(KEXIT_PANIC, "deadlock: the only thread reads a disarmed timerfd");
		int r = wait_for(f, tfd_readable, t->at);
		if (r)
			return r;
	}
	if (!mm_user_ok(buf, 8, true))
		return -EFAULT;
	*(uint64_t *)buf = t->ticks;
	t->ticks = 0;
	return 8;
}

static unsigned tfd_poll(struct kfile *f)
{
	return tfd_readable(f->priv) ? KPOLLIN | KPOLLRDNORM : 0;
}

static int tfd_close(struct kfile *f)
{
	for (struct tfd **pp = &timers; *pp; pp = &(*pp)->next)
		if (*pp == f->priv) {
			*pp = (*pp)->next;
			break;
		}
	return close_free(f);
}

static const struct kfile_ops tfd_ops = { tfd_read, NULL, NULL, tfd_close, tfd_poll };

bool sys_is_event(const struct kfile *k, const char **kind)
{
	if (k->ops == &efd_ops)
		*kind = "anon_inode:[eventfd]";
	else if (k->ops == &tfd_ops)
		*kind = "anon_inode:[timerfd]";
	else if (sys_is_signalfd(k))
		*kind = "anon_inode:[signalfd]";
	else
		return false;
	return true;
}

static int close_free(struct kfile *f)
{
	kfree(f->priv);
	kfree(f);
	return 0;
}

int64_t sys_timerfd_create(A clock, A flags, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int clk = (int)clock;
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME &&
	    clk != CLOCK_REALTIME_ALARM && clk != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (flags & ~(A)(EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	struct tfd *t = kmalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct tfd){ timers, clk == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : clk, 0, 0, 0 };
	int fd = fd_install_new(&tfd_ops, t, (int)flags & KF_NONBLOCK);
	if (fd < 0) {
		kfree(t);
		return fd;
	}
	timers = t;
	return fd;
}

struct kitimerspec { int64_t isec, insec, vsec, vnsec; };

static struct tfd *tfd_of(A ufd, int *err)
{
	struct kfile *k = fd_get((unsigned)ufd);
	*err = !k ? -EBADF : k->ops != &tfd_ops ? -EINVAL : 0;
	return *err ? NULL : k->priv;
}

static void current(const struct tfd *t, struct kitimerspec *o)
{
	uint64_t now = time_ns(), left = t->at > now ? t->at - now : t->at ? 1 : 0;
	*o = (struct kitimerspec){ (int64_t)(t->every / 1000000000), (int64_t)(t->every % 1000000000),
				   (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
}

static bool ts_ok(int64_t s, int64_t ns) { return s >= 0 && ns >= 0 && ns < 1000000000; }

static uint64_t ts_ns(int64_t s, int64_t ns)
{
	return (uint64_t)s >= SYS_NS_MAX / 1000000000 ? SYS_NS_MAX : (uint64_t)s * 1000000000 + (uint64_t)ns;
}

int64_t sys_timerfd_settime(A ufd, A flags, A unew, A uold, A e, A f)
{
	(void)e; (void)f;
	int err;
	struct tfd *t = tfd_of(ufd, &err);
	if (!t)
		return err;
	if (flags & ~(A)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (!mm_user_ok((void *)unew, sizeof(struct kitimerspec), false))
		return -EFAULT;
	if (uold && !mm_user_ok((void *)uold, sizeof(struct kitimerspec), true))
		return -EFAULT;
	struct kitimerspec n = *(struct kitimerspec *)unew, o;
	if (!ts_ok(n.isec, n.insec) || !ts_ok(n.vsec, n.vnsec))
		return -EINVAL;
	advance(t);
	current(t, &o);
	uint64_t v = ts_ns(n.vsec, n.vnsec), now = time_ns();
	t->ticks = 0;
	t->every = v ? ts_ns(n.isec, n.insec) : 0;
	if (!v) {
		t->at = 0;
	} else if (flags & TFD_TIMER_ABSTIME) {
		uint64_t base = t->clock == CLOCK_REALTIME ? time_realtime_ns() : now;
		t->at = v > base ? sys_deadline(v - base) : now; /* a past time: expired now */
		if (!t->at)
			t->at = 1;
	} else {
		t->at = sys_deadline(v);
	}
	if (uold)
		*(struct kitimerspec *)uold = o;
	return 0;
}

int64_t sys_timerfd_gettime(A ufd, A ucur, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int err;
	struct tfd *t = tfd_of(ufd, &err);
	if (!t)
		return err;
	if (!mm_user_ok((void *)ucur, sizeof(struct kitimerspec), true))
		return -EFAULT;
	advance(t);
	current(t, (struct kitimerspec *)ucur);
	return 0;
}

/* The earliest expiry of any timer (0: none); expired alarms are posted. */
uint64_t sys_event_next(void)
{
	uint64_t d = sys_signal_timers();
	if (sys_signal_posted())
		return 1; /* a thread may have been woken: do not halt */
	for (struct tfd *t = timers; t; t = t->next)
		if (t->at && (!d || t->at < d))
			d = t->at;
	return d;
}
