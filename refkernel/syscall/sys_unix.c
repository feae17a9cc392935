/* sys_unix.c — AF_UNIX sockets, entirely in the kernel: socketpair (nginx's
 * channels, its EPOLLRDHUP probe), and sockets bound to names. A path name
 * is a socket file on the file system (sys_fs_sock_bind: stat shows
 * S_IFSOCK, unlink removes the name, binding an existing name is
 * -EADDRINUSE) and connect() finds it through the path walk (-ENOENT when
 * nothing is there, as glibc's nscd probe expects; -ECONNREFUSED for a file
 * no socket listens on); the table of bound sockets maps its vnode to the
 * socket. Abstract names (a leading NUL) live in that table only, as do
 * paths in an image without the file system. SOCK_STREAM carries bytes; SOCK_DGRAM and SOCK_SEQPACKET
 * whole messages, over a socketpair only. No descriptors or credentials
 * pass: control data is -EOPNOTSUPP. Blocking works as for pipes
 * (sys_file.c): the waiter sleeps in kwait_until() and every change wakes
 * it (sched_events). sys_socket.c calls unix_*() for these fds. */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "sys_unix.h"
#include "sys_fs.h"
#include "x86.h"

#define A uint64_t
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_NONBLOCK 04000
#define UNIX_BUF (208 * 1024)  /* Linux's default wmem: what one end may have queued */
#define UNIX_PATH 108
#define UNIX_NAMES 64
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40

struct umsg {
	struct umsg *next;
	uint32_t len, off;     /* off: bytes of a stream message already read */
	uint8_t data[];
};

struct usock {
	int type;
	bool listening, rd_shut, wr_shut;
	bool peer_gone;        /* connected once, the other end closed */
	bool peer_wr_shut;     /* the other end shut its writing: end of stream */
	struct usock *peer;
	struct umsg *head, *tail;
	uint32_t queued;       /* bytes waiting in our receive queue */
	struct usock *pending; /* listening: connections to accept, FIFO */
	struct usock *next_pending;
	int backlog, npending;
	uint32_t namelen;      /* bound: sun_path's bytes (abstract names start with NUL) */
	char name[UNIX_PATH];
	void *vn;              /* bound to a path: its socket file (held), else NULL */
};

static struct usock *names[UNIX_NAMES];

static int64_t u_read(struct kfile *f, void *buf, uint64_t n);
static int64_t u_write(struct kfile *f, const void *buf, uint64_t n);
static int u_close(struct kfile *f);
static unsigned u_poll(struct kfile *f);
static int64_t u_ioctl(struct kfile *f, uint64_t req, uint64_t arg);
static const struct kfile_ops unix_ops = { u_read, u_write, u_ioctl, u_close, u_poll };

bool unix_is(const struct kfile *f) { return f && f->ops == &unix_ops; }

static struct usock *us_new(int type)
{
	struct usock *u = kmalloc(sizeof(*u));
	if (u)
		*u = (struct usock){ .type = type };
	return u;
}

static int us_install(struct usock *u, int flags)
{
	struct kfile *f = kmalloc(sizeof(*f));
	if (!f) {
		kfree(u);
		return -ENOMEM;
	}
	*f = (struct kfile){ &unix_ops, u, 2 /* O_RDWR */ | (flags & SOCK_NONBLOCK), 1, 0 };
	int fd = fd_install(f);
	if (fd < 0)
		u_close(f);
	return fd;
}

/* The other end is gone (or shut): what it sent stays readable. */
static void us_unlink(struct usock *u)
{
	if (u->peer) {
		u->peer->peer = NULL;
		u->peer->peer_gone = true;
		u->peer = NULL;
	}
}

static void us_free(struct usock *u)
{
	us_unlink(u);
	for (int i = 0; i < UNIX_NAMES; i++)
		if (names[i] == u)
			names[i] = NULL;
	if (u->vn)
		sys_fs_sock_put(u->vn); /* the file stays, as on Linux: connect finds no one */
	struct umsg *m;
	while ((m = u->head)) {
		u->head = m->next;
		kfree(m);
	}
	struct usock *p;
	while ((p = u->pending)) {    /* never accepted: their clients see the end */
		u->pending = p->next_pending;
		us_free(p);
	}
	kfree(u);
	sched_events();
}

int64_t unix_socket(A type, A flags)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	struct usock *u = us_new((int)type);
	return u ? us_install(u, (int)flags) : -ENOMEM;
}

int64_t unix_socketpair(A type, A flags, A usv)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (!mm_user_ok((void *)usv, 2 * sizeof(int), true))
		return -EFAULT;
	struct usock *a = us_new((int)type), *b = us_new((int)type);
	if (!a || !b) {
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	a->peer = b;
	b->peer = a;
	int fa = us_install(a, (int)flags);
	if (fa < 0) {
		us_free(b);
		return fa;
	}
	int fb = us_install(b, (int)flags);
	if (fb < 0) {
		sys_close((A)fa, 0, 0, 0, 0, 0);
		return fb;
	}
	((int *)usv)[0] = fa;
	((int *)usv)[1] = fb;
	return 0;
}

/* sockaddr_un from the application: (family, path) into (name, *len). */
static int get_name(A uaddr, A alen, char *name, uint32_t *len)
{
	if (alen < 2 || alen > 2 + UNIX_PATH)
		return -EINVAL;
	if (!mm_user_ok((void *)uaddr, alen, false))
		return -EFAULT;
	const uint8_t *sa = (const void *)uaddr;
	if ((sa[0] | sa[1] << 8) != AF_UNIX)
		return -EINVAL;
	uint32_t n = (uint32_t)alen - 2;
	memcpy(name, sa + 2, n);
	if (n && name[0]) { /* a path: up to its NUL */
		uint32_t k = 0;
		while (k < n && name[k])
			k++;
		n = k;
	}
	if (!n)
		return -EINVAL;
	*len = n;
	return 0;
}

/* The socket bound to (vn) if set, else to the name (name, len). */
static struct usock *lookup(void *vn, const char *name, uint32_t len)
{
	for (int i = 0; i < UNIX_NAMES; i++)
		if (names[i] && (vn ? names[i]->vn == vn : !names[i]->vn && names[i]->namelen == len &&
						   !memcmp(names[i]->name, name, len)))
			return names[i];
	return NULL;
}

/* The name at (uaddr, alen) into (name, *len) and, when it is a path, its
 * socket file into (*vn) by (op): sys_fs_sock_bind makes one,
 * sys_fs_sock_find finds one. (busy), the caller's own refusal or 0, comes
 * after a bad name and before the file system is touched, as on Linux.
 * *vn stays NULL for an abstract name and in an image without the file
 * system (-ENOSYS). */
static int resolve_name(A uaddr, A alen, int busy, int (*op)(const char *, void **),
			char *name, uint32_t *len, void **vn)
{
	*vn = NULL;
	int r = get_name(uaddr, alen, name, len);
	if (r)
		return r;
	if (busy)
		return busy;
	if (!name[0])
		return 0;
	char path[UNIX_PATH + 1];
	memcpy(path, name, *len);
	path[*len] = 0;
	r = op(path, vn);
	return r == -ENOSYS ? 0 : r;
}

int64_t unix_bind(struct kfile *f, A uaddr, A alen)
{
	struct usock *u = f->priv;
	int slot = 0;
	while (slot < UNIX_NAMES && names[slot])
		slot++;
	int busy = u->namelen ? -EINVAL : slot == UNIX_NAMES ? -ENOSPC : 0;
	char name[UNIX_PATH];
	uint32_t len;
	void *vn;
	int r = resolve_name(uaddr, alen, busy, sys_fs_sock_bind, name, &len, &vn);
	if (r)
		return r;
	if (!vn && lookup(NULL, name, len))
		return -EADDRINUSE;
	names[slot] = u;
	memcpy(u->name, name, len);
	u->namelen = len;
	u->vn = vn;
	return 0;
}

int64_t unix_listen(struct kfile *f, A backlog)
{
	struct usock *u = f->priv;
	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (!u->namelen || u->peer || u->peer_gone)
		return -EINVAL;
	u->listening = true;
	u->backlog = (int)MIN(MAX((int)backlog, 1), 4096);
	return 0;
}

int64_t unix_connect(struct kfile *f, A uaddr, A alen)
{
	struct usock *u = f->priv;
	char name[UNIX_PATH];
	uint32_t len;
	void *vn;
	int r = resolve_name(uaddr, alen, u->peer || u->peer_gone ? -EISCONN : 0,
			     sys_fs_sock_find, name, &len, &vn);
	if (r)
		return r;
	struct usock *l = lookup(vn, name, len);
	if (vn)
		sys_fs_sock_put(vn);
	if (!l)
		return vn ? -ECONNREFUSED : -ENOENT;
	if (!l->listening || l->type != u->type || u->type == SOCK_DGRAM)
		return -ECONNREFUSED;
	if (l->npending >= l->backlog)
		return -EAGAIN;   /* Linux would wait for room; a stand-in for that */
	struct usock *s = us_new(u->type);
	if (!s)
		return -ENOMEM;
	s->peer = u;
	u->peer = s;
	struct usock **q = &l->pending;
	while (*q)
		q = &(*q)->next_pending;
	*q = s;
	l->npending++;
	sched_events();
	return 0;
}

static bool accept_ready(void *ctx) { return ((struct usock *)ctx)->pending != NULL; }

int64_t unix_accept(struct kfile *f, A uaddr, A ualen, A flags)
{
	struct usock *l = f->priv;
	if (!l->listening)
		return -EINVAL;
	while (!l->pending) {
		if (f->flags & KF_NONBLOCK)
			return -EAGAIN;
		kwait_until(accept_ready, l, 0);
	}
	struct usock *s = l->pending;
	l->pending = s->next_pending;
	l->npending--;
	if (uaddr && ualen) {   /* the client is unnamed: only the family */
		if (!mm_user_ok((void *)ualen, 4, true))
			return -EFAULT;
		if (*(uint32_t *)ualen >= 2 && mm_user_ok((void *)uaddr, 2, true))
			*(uint16_t *)uaddr = AF_UNIX;
		*(uint32_t *)ualen = 2;
	}
	return us_install(s, (int)flags);
}

static bool readable(const struct usock *u)
{
	return u->head || u->peer_gone || u->peer_wr_shut || u->rd_shut;
}

static bool writable(const struct usock *u)
{
	return !u->peer || u->wr_shut || u->peer->queued < UNIX_BUF;
}

static bool read_ready(void *ctx) { return readable(ctx); }
static bool write_ready(void *ctx) { return writable(ctx); }

static int u_wait(struct kfile *f, bool nonblock, bool (*ready)(void *), const char *what)
{
	if ((f->flags & KF_NONBLOCK) || nonblock)
		return -EAGAIN;
	if (sched_nthreads() == 1)
		kpanic(KEXIT_PANIC, "deadlock: the only thread blocks on a unix socket %s that only it can change", what);
	kwait_until(ready, f->priv, 0);
	return 0;
}

/* After a wait: the user buffer may be gone; a kernel one (sendfile) stays. */
static bool buf_ok(const void *b, uint64_t n, bool write)
{
	return (uintptr_t)b >= DMAP_BASE || mm_user_ok(b, n, write);
}

int64_t unix_send(struct kfile *f, const void *buf, uint64_t n, int flags)
{
	struct usock *u = f->priv;
	for (;;) {
		if (u->wr_shut || u->peer_gone)
			return -EPIPE;
		if (!u->peer)
			return u->type == SOCK_STREAM ? -ENOTCONN : -EDESTADDRREQ;
		if (u->type != SOCK_STREAM && n > UNIX_BUF)
			return -EMSGSIZE;
		uint32_t room = UNIX_BUF - MIN(u->peer->queued, UNIX_BUF);
		if (room && (u->type == SOCK_STREAM || room >= n))
			break;
		int r = u_wait(f, flags & MSG_DONTWAIT, write_ready, "write");
		if (r)
			return r;
	}
	struct usock *p = u->peer;
	uint64_t k = u->type == SOCK_STREAM ? MIN(n, (uint64_t)(UNIX_BUF - p->queued)) : n;
	if (!buf_ok(buf, k, false))
		return -EFAULT;
	struct umsg *m = kmalloc(sizeof(*m) + k);
	if (!m)
		return -ENOMEM;
	*m = (struct umsg){ NULL, (uint32_t)k, 0 };
	memcpy(m->data, buf, k);
	if (p->tail)
		p->tail->next = m;
	else
		p->head = m;
	p->tail = m;
	p->queued += (uint32_t)k;
	sched_events();
	return (int64_t)k;
}

int64_t unix_recv(struct kfile *f, void *buf, uint64_t n, int flags, int *oflags)
{
	struct usock *u = f->priv;
	while (!readable(u)) {
		if (!u->peer && u->type == SOCK_STREAM)
			return u->listening ? -EINVAL : -ENOTCONN;
		int r = u_wait(f, flags & MSG_DONTWAIT, read_ready, "read");
		if (r)
			return r;
	}
	if (!u->head)
		return 0;   /* end of stream */
	uint64_t done = 0;
	if (u->type != SOCK_STREAM) {   /* one message, truncated to the buffer */
		struct umsg *m = u->head;
		uint32_t len = m->len;
		done = MIN(n, len);
		if (!buf_ok(buf, done, true))
			return -EFAULT;
		memcpy(buf, m->data, done);
		if (len > n && oflags)
			*oflags |= MSG_TRUNC;
		if (!(flags & MSG_PEEK)) {
			u->head = m->next;
			if (!u->head)
				u->tail = NULL;
			u->queued -= len;
			kfree(m);
		}
		sched_events();
		return (int64_t)((flags & MSG_TRUNC) ? len : done);
	}
	for (struct umsg *m = u->head; m && done < n;) {
		uint64_t k = MIN(n - done, (uint64_t)(m->len - m->off));
		if (!buf_ok((uint8_t *)buf + done, k, true))
			return done ? (int64_t)done : -EFAULT;
		memcpy((uint8_t *)buf + done, m->data + m->off, k);
		done += k;
		if (flags & MSG_PEEK) {
			m = m->next;
			continue;
		}
		m->off += (uint32_t)k;
		u->queued -= (uint32_t)k;
		if (m->off == m->len) {
			u->head = m->next;
			if (!u->head)
				u->tail = NULL;
			kfree(m);
			m = u->head;
		}
	}
	sched_events();   /* a writer waiting for room */
	return (int64_t)done;
}

static int64_t u_read(struct kfile *f, void *buf, uint64_t n) { return unix_recv(f, buf, n, 0, NULL); }
static int64_t u_write(struct kfile *f, const void *buf, uint64_t n)
{
	int64_t r = unix_send(f, buf, n, 0);
	return r == -EPIPE ? sock_epipe(false) : r;
}

#define FIONREAD 0x541b
static int64_t u_ioctl(struct kfile *f, uint64_t req, uint64_t arg)
{
	if (req != FIONREAD)
		return -ENOTTY;
	if (!mm_user_ok((void *)arg, sizeof(int), true))
		return -EFAULT;
	*(int *)arg = (int)unix_nread(f);
	return 0;
}

static int u_close(struct kfile *f)
{
	us_free(f->priv);
	kfree(f);
	return 0;
}

static unsigned u_poll(struct kfile *f)
{
	struct usock *u = f->priv;
	if (u->listening)
		return u->pending ? KPOLLIN : 0;
	unsigned ev = 0;
	if (u->head || u->peer_gone || u->peer_wr_shut || u->rd_shut)
		ev |= KPOLLIN;
	if (u->peer_gone || u->peer_wr_shut || u->rd_shut)
		ev |= KPOLLRDHUP;
	if (u->peer_gone || (u->rd_shut && u->wr_shut))
		ev |= KPOLLHUP;
	if (u->peer && !u->wr_shut && u->peer->queued < UNIX_BUF)
		ev |= KPOLLOUT;
	return ev;
}

int64_t unix_shutdown(struct kfile *f, A how)
{
	struct usock *u = f->priv;
	if (how > 2)
		return -EINVAL;
	if (!u->peer && !u->peer_gone)
		return -ENOTCONN;
	if (how != 1)
		u->rd_shut = true;
	if (how != 0) {
		u->wr_shut = true;
		if (u->peer)
			u->peer->peer_wr_shut = true;
	}
	sched_events();
	return 0;
}

/* getsockname (peer false) / getpeername: family and the bound name. */
int64_t unix_name(struct kfile *f, A uaddr, A ualen, bool peer)
{
	struct usock *u = f->priv, *w = peer ? u->peer : u;
	if (peer && !w)
		return -ENOTCONN;
	if (!mm_user_ok((void *)ualen, 4, true))
		return -EFAULT;
	uint8_t sa[2 + UNIX_PATH] = { AF_UNIX, 0 };
	uint32_t n = 2;
	if (w->namelen) {
		memcpy(sa + 2, w->name, w->namelen);
		n += w->namelen + (w->name[0] ? 1 : 0);   /* a path's NUL */
	}
	uint32_t room = *(uint32_t *)ualen;
	if (!mm_user_ok((void *)uaddr, MIN(room, n), true))
		return -EFAULT;
	memcpy((void *)uaddr, sa, MIN(room, n));
	*(uint32_t *)ualen = n;
	return 0;
}

int unix_type(const struct kfile *f) { return ((const struct usock *)f->priv)->type; }

uint32_t unix_nread(const struct kfile *f)
{
	const struct usock *u = f->priv;
	if (u->type != SOCK_STREAM)
		return u->head ? u->head->len : 0;
	return u->queued;
}
