/* loop.c: the single-threaded, level-triggered event loop (contract in ukb.h).
 * ukb_loop_init() picks epoll, or poll when epoll is missing (also later, if
 * epoll_ctl or epoll_wait turn out to be ENOSYS); handlers are
 * kept per fd in slots[]; ukb_loop_run() waits, dispatches, ticks, until
 * ukb_stop is set by a signal. */
#include "ukb.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#define EVBUF_N 256

int ukb_loop_init(struct ukb_loop *l, int max_fds, int force_poll)
{
	memset(l, 0, sizeof(*l));
	l->epfd = -1;
	l->max_fds = max_fds;
	l->tick_ms = 1000;
	l->slots = calloc(max_fds, sizeof(*l->slots));
	if (!l->slots)
		return -ENOMEM;
	for (int i = 0; i < max_fds; i++)
		l->slots[i].pidx = -1;
	if (!force_poll) {
		l->epfd = epoll_create1(0);
		if (l->epfd < 0 && errno != ENOSYS && errno != EINVAL) {
			int err = -errno;
			free(l->slots);
			return err;
		}
	}
	if (l->epfd >= 0)
		l->evbuf = calloc(EVBUF_N, sizeof(struct epoll_event));
	else
		l->pfds = calloc(max_fds, sizeof(struct pollfd));
	if (!l->evbuf && !l->pfds) {
		ukb_loop_fini(l);
		return -ENOMEM;
	}
	return 0;
}

const char *ukb_loop_backend(const struct ukb_loop *l)
{
	return l->epfd >= 0 ? "epoll" : "poll";
}

static int switch_to_poll(struct ukb_loop *l);

static uint32_t to_epoll(unsigned ev)
{
	return (ev & UKB_EV_READ ? EPOLLIN : 0) | (ev & UKB_EV_WRITE ? EPOLLOUT : 0);
}

static short to_poll(unsigned ev)
{
	return (ev & UKB_EV_READ ? POLLIN : 0) | (ev & UKB_EV_WRITE ? POLLOUT : 0);
}

int ukb_loop_add(struct ukb_loop *l, int fd, unsigned events, ukb_ev_fn fn, void *arg)
{
	struct ukb_loop_slot *s;

	if (fd < 0 || fd >= l->max_fds)
		return -EMFILE;
	s = &l->slots[fd];
	if (s->fn)
		return -EEXIST;
	if (l->epfd >= 0) {
		struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
			if (errno != ENOSYS || switch_to_poll(l) < 0)
				return -errno;
			return ukb_loop_add(l, fd, events, fn, arg);
		}
	} else {
		struct pollfd *p = (struct pollfd *)l->pfds + l->npfds;
		p->fd = fd;
		p->events = to_poll(events);
		p->revents = 0;
		s->pidx = l->npfds++;
	}
	s->fn = fn;
	s->arg = arg;
	s->events = events;
	return 0;
}

int ukb_loop_mod(struct ukb_loop *l, int fd, unsigned events)
{
	struct ukb_loop_slot *s;

	if (fd < 0 || fd >= l->max_fds || !l->slots[fd].fn)
		return -ENOENT;
	s = &l->slots[fd];
	if (s->events == events)
		return 0;
	if (l->epfd >= 0) {
		struct epoll_event e = { .events = to_epoll(events), .data.fd = fd };
		if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &e) < 0)
			return -errno;
	} else {
		((struct pollfd *)l->pfds)[s->pidx].events = to_poll(events);
	}
	s->events = events;
	return 0;
}

int ukb_loop_del(struct ukb_loop *l, int fd)
{
	struct ukb_loop_slot *s;

	if (fd < 0 || fd >= l->max_fds || !l->slots[fd].fn)
		return -ENOENT;
	s = &l->slots[fd];
	if (l->epfd >= 0) {
		struct epoll_event e = { 0 };
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, &e);
	} else {
		/* Move the last pollfd into the hole; mark it so a dispatch in
		 * progress skips it (fd = -1 is ignored by poll too). */
		struct pollfd *p = l->pfds;
		int last = --l->npfds;
		if (s->pidx != last) {
			p[s->pidx] = p[last];
			l->slots[p[s->pidx].fd].pidx = s->pidx;
		}
		p[last].fd = -1;
		p[last].revents = 0;
	}
	s->fn = NULL;
	s->arg = NULL;
	s->events = 0;
	s->pidx = -1;
	return 0;
}

void ukb_loop_set_tick(struct ukb_loop *l, int tick_ms, ukb_tick_fn fn, void *arg)
{
	l->tick_ms = tick_ms;
	l->tick = fn;
	l->tick_arg = arg;
}

static void dispatch(struct ukb_loop *l, int fd, unsigned ev)
{
	struct ukb_loop_slot *s;

	if (fd < 0 || fd >= l->max_fds)
		return;
	s = &l->slots[fd];
	if (s->fn)
		s->fn(l, fd, ev, s->arg);
}

/* A kernel may create epoll instances but not wait on them: move every
 * registered fd to the poll backend and carry on. */
static int switch_to_poll(struct ukb_loop *l)
{
	struct pollfd *p = calloc(l->max_fds, sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->pfds = p;
	l->npfds = 0;
	for (int fd = 0; fd < l->max_fds; fd++) {
		struct ukb_loop_slot *s = &l->slots[fd];
		if (!s->fn)
			continue;
		p[l->npfds] = (struct pollfd){ .fd = fd, .events = to_poll(s->events) };
		s->pidx = l->npfds++;
	}
	close(l->epfd);
	l->epfd = -1;
	free(l->evbuf);
	l->evbuf = NULL;
	return 0;
}

static int run_epoll(struct ukb_loop *l)
{
	struct epoll_event *ev = l->evbuf;
	int n = epoll_wait(l->epfd, ev, EVBUF_N, l->tick_ms);

	if (n < 0 && errno == ENOSYS)
		return switch_to_poll(l);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		uint32_t e = ev[i].events;
		unsigned u = (e & EPOLLIN ? UKB_EV_READ : 0) |
			     (e & EPOLLOUT ? UKB_EV_WRITE : 0) |
			     (e & (EPOLLERR | EPOLLHUP) ? UKB_EV_ERR : 0);
		dispatch(l, ev[i].data.fd, u);
	}
	return 0;
}

static int run_poll(struct ukb_loop *l)
{
	struct pollfd *p = l->pfds;
	int n = poll(p, l->npfds, l->tick_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	/* Handlers may delete entries (swapping the last one in) or add new
	 * ones at the end: walk backwards over the entries present now, so a
	 * swapped-in entry has already been visited or is new. */
	for (int i = l->npfds - 1; i >= 0 && n > 0; i--) {
		short r;
		int fd;

		if (i >= l->npfds)
			continue;
		r = p[i].revents;
		fd = p[i].fd;
		if (!r || fd < 0)
			continue;
		p[i].revents = 0;
		n--;
		dispatch(l, fd, (r & POLLIN ? UKB_EV_READ : 0) |
				(r & POLLOUT ? UKB_EV_WRITE : 0) |
				(r & (POLLERR | POLLHUP | POLLNVAL) ? UKB_EV_ERR : 0));
	}
	return 0;
}

int ukb_loop_run(struct ukb_loop *l)
{
	while (!ukb_stop) {
		int err = l->epfd >= 0 ? run_epoll(l) : run_poll(l);
		if (err < 0)
			return err;
		if (l->tick)
			l->tick(l, l->tick_arg);
	}
	return 0;
}

void ukb_loop_fini(struct ukb_loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->slots);
	free(l->evbuf);
	free(l->pfds);
	memset(l, 0, sizeof(*l));
	l->epfd = -1;
}
