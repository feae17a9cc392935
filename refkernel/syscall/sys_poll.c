/* sys_poll.c — readiness: poll/ppoll, select/pselect6 and epoll, all over
 * kfile_poll(). Level-triggered throughout (an EPOLLET caller that reads to
 * -EAGAIN works the same); EPOLLONESHOT disarms after one report. Waiting
 * runs kwait_until(): the network is polled and the vCPU halts in between.
 * Other threads run meanwhile and may unmap the caller's arrays, so every
 * scan checks them again before writing (-EFAULT then). */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"

#define A uint64_t
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLONESHOT (1u << 30)
#define EPOLLET      (1u << 31)
#define EPOLL_MAX    65536

struct pollfd_k { int32_t fd; int16_t events, revents; };
struct epoll_event_k { uint32_t events; uint64_t data; } __attribute__((packed));

/* A deadline in time_ns() from a timeout in ms (<0: none, 0: now). */
static uint64_t deadline_ms(int64_t ms)
{
	return ms < 0 ? 0 : sys_deadline((uint64_t)ms * 1000000);
}

/* A deadline from a timespec timeout (NULL: none); (*zero): "do not wait". */
static int ts_deadline(A uts, uint64_t *deadline, bool *zero)
{
	uint64_t ns = 0;
	int r = uts ? sys_timespec_ns(uts, &ns) : 0;
	*deadline = uts ? sys_deadline(ns) : 0;
	*zero = uts && ns == 0;
	return r;
}

/* ---- poll ---- */

struct pollctx { struct pollfd_k *fds; uint64_t n; int ready; };

static bool poll_scan(void *ctx)
{
	struct pollctx *p = ctx;
	if (!mm_user_ok(p->fds, p->n * sizeof(struct pollfd_k), true)) {
		p->ready = -EFAULT;
		return true;
	}
	p->ready = 0;
	for (uint64_t i = 0; i < p->n; i++) {
		struct pollfd_k *pf = &p->fds[i];
		struct kfile *f = pf->fd < 0 ? NULL : fd_get((unsigned)pf->fd);
		unsigned ev = (unsigned)(uint16_t)pf->events | KPOLLERR | KPOLLHUP;
		pf->revents = pf->fd < 0 ? 0 : !f ? KPOLLNVAL : (int16_t)(kfile_poll(f) & ev);
		p->ready += pf->revents != 0;
	}
	return p->ready > 0;
}

/* A wait also ends for a signal to deliver: the call fails with EINTR. */
static bool poll_scan_intr(void *ctx) { return poll_scan(ctx) || sys_signal_interrupts(); }

static int64_t do_poll(A ufds, A n, uint64_t deadline, bool timeout_zero)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!mm_user_ok((void *)ufds, n * sizeof(struct pollfd_k), true))
		return -EFAULT;
	struct pollctx p = { (void *)ufds, n, 0 };
	knet_poll();
	if (poll_scan(&p) || timeout_zero)
		return p.ready;
	kwait_until(poll_scan_intr, &p, deadline);
	return p.ready || !sys_signal_interrupts() ? p.ready : -EINTR;
}

int64_t sys_poll(A ufds, A n, A timeout, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return do_poll(ufds, n, deadline_ms((int)timeout), (int)timeout == 0);
}

int64_t sys_ppoll(A ufds, A n, A uts, A sigmask, A e, A f)
{
	(void)sigmask; (void)e; (void)f;
	uint64_t deadline;
	bool zero;
	int r = ts_deadline(uts, &deadline, &zero);
	return r ? r : do_poll(ufds, n, deadline, zero);
}

/* ---- select: fd_set bitmaps of up to FD_MAX bits ---- */

struct selctx { int nfds; uint64_t *in[3], want[3][FD_MAX / 64]; int ready; };

static bool select_scan(void *ctx)
{
	struct selctx *s = ctx;
	static const unsigned mask[3] = { KPOLLIN | KPOLLHUP | KPOLLERR, KPOLLOUT | KPOLLERR, KPOLLPRI };
	uint64_t got[3][FD_MAX / 64] = { { 0 } };
	s->ready = 0;
	for (int fd = 0; fd < s->nfds; fd++) {
		unsigned ev = 0;
		bool asked = false;
		for (int k = 0; k < 3; k++)
			asked |= (s->want[k][fd / 64] >> (fd % 64)) & 1;
		if (!asked)
			continue;
		struct kfile *f = fd_get((unsigned)fd);
		if (!f) {
			s->ready = -EBADF;
			return true;
		}
		ev = kfile_poll(f);
		for (int k = 0; k < 3; k++)
			if (((s->want[k][fd / 64] >> (fd % 64)) & 1) && (ev & mask[k])) {
				got[k][fd / 64] |= 1ULL << (fd % 64);
				s->ready++;
			}
	}
	if (s->ready > 0)
		for (int k = 0; k < 3; k++)
			if (s->in[k] && !mm_user_ok(s->in[k], (size_t)(s->nfds + 63) / 64 * 8, true))
				s->ready = -EFAULT;
	if (s->ready > 0)
		for (int k = 0; k < 3; k++)
			if (s->in[k])
				memcpy(s->in[k], got[k], (size_t)(s->nfds + 63) / 64 * 8);
	return s->ready != 0;
}

static int64_t do_select(A nfds, A r, A w, A x, uint64_t deadline, bool zero)
{
	if ((int)nfds < 0 || nfds > FD_MAX)
		return -EINVAL;
	struct selctx s = { .nfds = (int)nfds };
	uint64_t sets[3] = { r, w, x };
	size_t bytes = (nfds + 63) / 64 * 8;
	for (int k = 0; k < 3; k++) {
		if (!sets[k])
			continue;
		if (!mm_user_ok((void *)sets[k], bytes, true))
			return -EFAULT;
		s.in[k] = (uint64_t *)sets[k];
		memcpy(s.want[k], s.in[k], bytes);
	}
	knet_poll();
	if (!select_scan(&s) && !zero)
		kwait_until(select_scan, &s, deadline);
	if (s.ready == 0) /* timed out: every set comes back empty */
		for (int k = 0; k < 3; k++)
			if (s.in[k] && mm_user_ok(s.in[k], bytes, true))
				memset(s.in[k], 0, bytes);
	return s.ready;
}

int64_t sys_select(A nfds, A r, A w, A x, A utv, A f)
{
	(void)f;
	uint64_t deadline = 0;
	bool zero = false;
	if (utv) {
		if (!mm_user_ok((void *)utv, 16, true))
			return -EFAULT;
		int64_t *tv = (int64_t *)utv;
		if (tv[0] < 0 || tv[1] < 0)
			return -EINVAL;
		zero = tv[0] == 0 && tv[1] == 0;
		/* saturating, as Linux's timespec64_to_ktime: huge is forever */
		uint64_t s = (uint64_t)tv[0] + (uint64_t)tv[1] / 1000000, us = (uint64_t)tv[1] % 1000000;
		uint64_t ns = s >= SYS_NS_MAX / 1000000000 ? SYS_NS_MAX : s * 1000000000 + us * 1000;
		deadline = sys_deadline(ns);
	}
	return do_select(nfds, r, w, x, deadline, zero);
}

int64_t sys_pselect6(A nfds, A r, A w, A x, A uts, A sig)
{
	(void)sig;
	uint64_t deadline;
	bool zero;
	int e = ts_deadline(uts, &deadline, &zero);
	return e ? e : do_select(nfds, r, w, x, deadline, zero);
}

/* ---- epoll ---- */

struct epitem { int fd; uint64_t file_id; uint32_t events; uint64_t data; };
struct epoll { struct epitem *items; int n, cap; };

static int ep_close(struct kfile *f)
{
	struct epoll *ep = f->priv;
	kfree(ep->items);
	kfree(ep);
	kfree(f);
	return 0;
}

static const struct kfile_ops epoll_ops = { NULL, NULL, NULL, ep_close, NULL };
bool sys_is_epoll(const struct kfile *k) { return k->ops == &epoll_ops; }

int64_t sys_epoll_create1(A flags, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if (flags & ~(uint64_t)02000000)
		return -EINVAL;
	struct epoll *ep = kmalloc(sizeof(*ep));
	struct kfile *kf = kmalloc(sizeof(*kf));
	if (!ep || !kf) {
		kfree(ep);
		kfree(kf);
		return -ENOMEM;
	}
	*ep = (struct epoll){ NULL, 0, 0 };
	*kf = (struct kfile){ &epoll_ops, ep, 0, 1, 0 };
	int fd = fd_install(kf);
	if (fd < 0)
		ep_close(kf);
	return fd;
}

int64_t sys_epoll_create(A size, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return (int)size <= 0 ? -EINVAL : sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

static struct epoll *epoll_of(unsigned epfd)
{
	struct kfile *f = fd_get(epfd);
	return f && f->ops == &epoll_ops ? f->priv : NULL;
}

int64_t sys_epoll_ctl(A uepfd, A op, A ufd, A uev, A e, A f)
{
	(void)e; (void)f;
	unsigned epfd = (unsigned)uepfd, fd = (unsigned)ufd;
	struct epoll *ep = epoll_of(epfd);
	struct kfile *target = fd_get(fd);
	if (!fd_get(epfd) || !target)
		return -EBADF;
	if (!ep || epfd == fd || epoll_of(fd))
		return -EINVAL;
	if (sys_fs_always_ready(target))
		return -EPERM; /* Linux: regular files and directories cannot be watched (poll: always ready) */
	struct epoll_event_k ev = { 0, 0 };
	if (op != EPOLL_CTL_DEL) {
		if (!mm_user_ok((void *)uev, sizeof(ev), false))
			return -EFAULT;
		ev = *(struct epoll_event_k *)uev;
	}
	int i;
	for (i = 0; i < ep->n; i++)
		if (ep->items[i].fd == (int)fd && ep->items[i].file_id == target->id)
			break;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (i < ep->n)
			return -EEXIST;
		if (ep->n == ep->cap) {
			if (ep->cap >= EPOLL_MAX)
				return -ENOSPC;
			int cap = ep->cap ? ep->cap * 2 : 16;
			struct epitem *n = kmalloc((size_t)cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			if (ep->n)
				memcpy(n, ep->items, (size_t)ep->n * sizeof(*n));
			kfree(ep->items);
			ep->items = n;
			ep->cap = cap;
		}
		ep->items[ep->n++] = (struct epitem){ (int)fd, target->id, ev.events, ev.data };
		return 0;
	case EPOLL_CTL_MOD:
		if (i == ep->n)
			return -ENOENT;
		ep->items[i].events = ev.events;
		ep->items[i].data = ev.data;
		return 0;
	case EPOLL_CTL_DEL:
		if (i == ep->n)
			return -ENOENT;
		ep->items[i] = ep->items[--ep->n];
		return 0;
	default:
		return -EINVAL;
	}
}

struct epctx { struct epoll *ep; struct epoll_event_k *out; int max, got; };

static bool epoll_scan(void *ctx)
{
	struct epctx *c = ctx;
	struct epoll *ep = c->ep;
	if (!mm_user_ok(c->out, (size_t)c->max * sizeof(*c->out), true)) {
		c->got = -EFAULT;
		return true;
	}
	c->got = 0;
	for (int i = 0; i < ep->n && c->got < c->max;) {
		struct epitem *it = &ep->items[i];
		struct kfile *f = fd_get((unsigned)it->fd);
		if (!f || f->id != it->file_id) { /* closed: Linux drops it from the set too */
			*it = ep->items[--ep->n];
			continue;
		}
		unsigned ev = kfile_poll(f) & (it->events | KPOLLERR | KPOLLHUP);
		if (ev && (it->events & ~(EPOLLONESHOT | EPOLLET))) {
			c->out[c->got++] = (struct epoll_event_k){ ev, it->data };
			if (it->events & EPOLLONESHOT)
				it->events = 0;
		}
		i++;
	}
	return c->got > 0;
}

static bool epoll_scan_intr(void *ctx) { return epoll_scan(ctx) || sys_signal_interrupts(); }

int64_t sys_epoll_wait(A epfd, A uev, A max, A timeout, A e, A f)
{
	(void)e; (void)f;
	struct epoll *ep = epoll_of((unsigned)epfd);
	if (!fd_get((unsigned)epfd))
		return -EBADF;
	if (!ep || (int)max <= 0 || max > EPOLL_MAX)
		return -EINVAL;
	if (!mm_user_ok((void *)uev, max * sizeof(struct epoll_event_k), true))
		return -EFAULT;
	struct epctx c = { ep, (void *)uev, (int)max, 0 };
	knet_poll();
	if (epoll_scan(&c) || (int)timeout == 0)
		return c.got;
	kwait_until(epoll_scan_intr, &c, deadline_ms((int)timeout));
	return c.got || !sys_signal_interrupts() ? c.got : -EINTR;
}

int64_t sys_epoll_pwait(A epfd, A uev, A max, A timeout, A sigmask, A f)
{
	(void)sigmask; (void)f;
	return sys_epoll_wait(epfd, uev, max, timeout, 0, 0);
}
