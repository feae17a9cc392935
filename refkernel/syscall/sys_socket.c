/* sys_socket.c — the BSD socket calls over the stack's sock_* API (net.h).
 * A socket is a kfile whose priv is the struct sock. The stack never blocks:
 * where Linux would, a blocking fd waits in kwait_until() (network polled,
 * vCPU halted between interrupts) until sock_poll() says the call can go on;
 * a non-blocking fd gets -EAGAIN. Addresses are struct sockaddr_in, checked
 * with mm_user_ok. AF_UNIX fds go to sys_unix.c; AF_INET6 is -EAFNOSUPPORT
 * (programs fall back to IPv4). A write to a closed socket gives -EPIPE and
 * SIGPIPE unless MSG_NOSIGNAL (sock_epipe). */
#include "kernel.h"
#include "syscall.h"
#include "net.h"
#include "sys_unix.h"
#include "ksched.h"
#include "x86.h"

#define A uint64_t
#define AF_UNIX 1
#define AF_INET 2
#define SIGPIPE 13
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC  02000000
#define MSG_DONTWAIT  0x40
#define MSG_NOSIGNAL  0x4000
#define FIONREAD      0x541b

struct sockaddr_in_k { uint16_t family, port; uint32_t addr; uint8_t zero[8]; };
struct msghdr_k { uint64_t name; uint32_t namelen, pad0; uint64_t iov, iovlen, control, controllen; int32_t flags, pad1; };

static uint16_t bswap16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

static int64_t sk_read(struct kfile *f, void *buf, uint64_t n);
static int64_t sk_write(struct kfile *f, const void *buf, uint64_t n);
static int64_t sk_ioctl(struct kfile *f, uint64_t req, uint64_t arg);
static int sk_close(struct kfile *f) { int r = sock_close(f->priv); kfree(f); return r; }
static unsigned sk_poll(struct kfile *f) { knet_poll(); return sock_poll(f->priv); }
static const struct kfile_ops sock_ops = { sk_read, sk_write, sk_ioctl, sk_close, sk_poll };

static struct sock *sock_of(A fd, struct kfile **kf, int64_t *err)
{
	struct kfile *f = fd_get((unsigned)fd);
	*err = !f ? -EBADF : f->ops != &sock_ops ? -ENOTSOCK : 0;
	if (kf)
		*kf = f;
	return *err ? NULL : f->priv;
}

/* The AF_UNIX socket (fd) is, or NULL. */
static struct kfile *unix_of(A fd)
{
	struct kfile *f = fd_get((unsigned)fd);
	return unix_is(f) ? f : NULL;
}

int64_t sock_epipe(bool nosignal)
{
	/* SIGPIPE goes to this thread (tkill): its handler runs, or its default
	 * action ends the process (status 128+13), or it waits while blocked,
	 * as on Linux; the call itself returns -EPIPE. */
	if (!nosignal && sys_sig_handler(SIGPIPE) != 1)
		sys_tkill((uint64_t)sched_current->tid, SIGPIPE, 0, 0, 0, 0);
	return -EPIPE;
}

static int install_sock(struct sock *s, int flags)
{
	struct kfile *f = kmalloc(sizeof(*f));
	if (!f) {
		sock_close(s);
		return -ENOMEM;
	}
	*f = (struct kfile){ &sock_ops, s, 2 /* O_RDWR */ | (flags & SOCK_NONBLOCK), 1, 0 };
	int fd = fd_install(f);
	if (fd < 0)
		sk_close(f);
	return fd;
}

static int get_addr(A uaddr, A len, struct net_addr *out)
{
	if (len < sizeof(struct sockaddr_in_k))
		return -EINVAL;
	if (!mm_user_ok((void *)uaddr, sizeof(struct sockaddr_in_k), false))
		return -EFAULT;
	const struct sockaddr_in_k *sa = (const void *)uaddr;
	if (sa->family != AF_INET)
		return -EAFNOSUPPORT;
	*out = (struct net_addr){ bswap32(sa->addr), bswap16(sa->port) };
	return 0;
}

static int put_addr(const struct net_addr *a, A uaddr, A ulen)
{
	if (!uaddr)
		return 0;
	if (!mm_user_ok((void *)ulen, 4, true))
		return -EFAULT;
	uint32_t len = *(uint32_t *)ulen;
	struct sockaddr_in_k sa = { AF_INET, bswap16(a->port), bswap32(a->ip), { 0 } };
	if (!mm_user_ok((void *)uaddr, MIN(len, sizeof(sa)), true))
		return -EFAULT;
	memcpy((void *)uaddr, &sa, MIN(len, sizeof(sa)));
	*(uint32_t *)ulen = sizeof(sa);
	return 0;
}

struct waitctx { struct sock *s; unsigned mask; };
static bool sock_ready(void *ctx)
{
	struct waitctx *w = ctx;
	return sock_poll(w->s) & (w->mask | NET_POLLERR | NET_POLLHUP);
}

/* Run (op) until it does not say -EAGAIN; blocking fds wait for (mask). */
#define BLOCKING(f, s, mask, nonblock, op) ({                                  \
	long r_;                                                                \
	knet_poll();                                                            \
	while ((r_ = (op)) == -EAGAIN && !((f)->flags & KF_NONBLOCK) && !(nonblock)) { \
		struct waitctx w_ = { (s), (mask) };                            \
		kwait_until(sock_ready, &w_, 0);                                  \
	}                                                                       \
	r_; })

int64_t sys_socket(A domain, A type, A proto, A d, A e, A f)
{
	(void)proto; (void)d; (void)e; (void)f;
	if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (domain == AF_UNIX)
		return unix_socket(type & SOCK_TYPE_MASK, type);
	if (domain != AF_INET)
		return -EAFNOSUPPORT;   /* AF_INET6 among them */
	if (!knet_stack)
		return -ENETDOWN; /* no ip= on the kernel command line */
	struct sock *s;
	int r = sock_socket(knet_stack, (int)(type & SOCK_TYPE_MASK), &s);
	return r ? r : install_sock(s, (int)type);
}

int64_t sys_socketpair(A domain, A type, A proto, A usv, A e, A f)
{
	(void)e; (void)f;
	if (type & ~(uint64_t)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (domain != AF_UNIX)
		return domain == AF_INET ? -EOPNOTSUPP : -EAFNOSUPPORT;
	if (proto)
		return -EPROTONOSUPPORT;
	return unix_socketpair(type & SOCK_TYPE_MASK, type, usv);
}

int64_t sys_bind(A fd, A addr, A len, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	int64_t err;
	struct kfile *u = unix_of(fd);
	if (u)
		return unix_bind(u, addr, len);
	struct net_addr na;
	struct sock *s = sock_of(fd, NULL, &err);
	if (!s)
		return err;
	int r = get_addr(addr, len, &na);
	return r ? r : sock_bind(s, &na);
}

int64_t sys_listen(A fd, A backlog, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int64_t err;
	struct kfile *u = unix_of(fd);
	if (u)
		return unix_listen(u, backlog);
	struct sock *s = sock_of(fd, NULL, &err);
	return s ? sock_listen(s, (int)MIN(MAX((int)backlog, 1), 4096)) : err;
}

int64_t sys_accept4(A fd, A addr, A len, A flags, A e, A f)
{
	(void)e; (void)f;
	int64_t err;
	struct kfile *kf;
	struct sock *s = sock_of(fd, &kf, &err), *c;
	struct net_addr peer;
	if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (unix_is(kf))
		return unix_accept(kf, addr, len, flags);
	if (!s)
		return err;
	long r = BLOCKING(kf, s, NET_POLLIN, false, sock_accept(s, &c, &peer));
	if (r)
		return r;
	int nfd = install_sock(c, (int)flags);
	if (nfd >= 0 && put_addr(&peer, addr, len)) {
		sys_close((A)nfd, 0, 0, 0, 0, 0);
		return -EFAULT;
	}
	return nfd;
}

int64_t sys_accept(A fd, A addr, A len, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_accept4(fd, addr, len, 0, 0, 0);
}

int64_t sys_connect(A fd, A addr, A len, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	int64_t err;
	struct kfile *kf;
	struct net_addr na;
	struct sock *s = sock_of(fd, &kf, &err);
	if (unix_is(kf))
		return unix_connect(kf, addr, len);
	if (!s)
		return err;
	int r = get_addr(addr, len, &na);
	if (r)
		return r;
	knet_poll();
	r = sock_connect(s, &na);
	if (r != -EINPROGRESS || (kf->flags & KF_NONBLOCK))
		return r;
	struct waitctx w = { s, NET_POLLOUT };
	kwait_until(sock_ready, &w, 0);
	int so_err = 0;
	size_t l = sizeof(so_err);
	sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_ERROR, &so_err, &l);
	return -so_err;
}

/* Copy the user's iovec (checked) into net_iov form. */
static int get_iov(A uiov, A cnt, struct net_iov *iov, bool write)
{
	if (cnt > 64)
		return -EMSGSIZE;
	if (!mm_user_ok((void *)uiov, cnt * 16, false))
		return -EFAULT;
	const uint64_t *v = (const void *)uiov;
	for (A i = 0; i < cnt; i++) {
		if (!mm_user_ok((void *)v[2 * i], v[2 * i + 1], write))
			return -EFAULT;
		iov[i] = (struct net_iov){ (void *)v[2 * i], v[2 * i + 1] };
	}
	return 0;
}

/* The iovec's buffers, checked again: a blocking call waits between tries,
 * and another thread may unmap them meanwhile. */
static bool iov_ok(const struct net_iov *iov, int n, bool write)
{
	for (int i = 0; i < n; i++)
		if (!mm_user_ok(iov[i].base, iov[i].len, write))
			return false;
	return true;
}

/* An AF_UNIX send or receive of an iovec: one buffer as it is, several
 * gathered into (scattered from) one, so a datagram stays one message. */
static int64_t unix_iov(struct kfile *f, const struct net_iov *iov, int n, A flags, int *oflags,
			bool send)
{
	int fl = (int)(flags & (MSG_DONTWAIT | NET_MSG_PEEK | NET_MSG_TRUNC));
	if (n == 1)
		return send ? unix_send(f, iov[0].base, iov[0].len, fl)
			    : unix_recv(f, iov[0].base, iov[0].len, fl, oflags);
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].len;
	if (total > (4u << 20))
		return -EMSGSIZE;
	uint8_t *b = kmalloc(total ? total : 1);
	if (!b)
		return -ENOMEM;
	int64_t r = 0;
	uint64_t off = 0;
	if (send)
		for (int i = 0; i < n; off += iov[i].len, i++)
			memcpy(b + off, iov[i].base, iov[i].len);
	r = send ? unix_send(f, b, total, fl) : unix_recv(f, b, total, fl, oflags);
	if (!send && r > 0) {
		if (!iov_ok(iov, n, true))
			r = -EFAULT;
		for (int i = 0; i < n && r > 0 && off < (uint64_t)r; i++) {
			uint64_t k = MIN(iov[i].len, (uint64_t)r - off);
			memcpy(iov[i].base, b + off, k);
			off += k;
		}
	}
	kfree(b);
	return r;
}

static int64_t do_send(A fd, const struct net_iov *iov, int n, A uaddr, A alen, A flags)
{
	int64_t err;
	struct kfile *kf;
	struct net_addr to;
	struct sock *s = sock_of(fd, &kf, &err);
	if (unix_is(kf)) {
		if (uaddr)   /* connected sockets only (a stand-in for named datagrams) */
			return unix_type(kf) == 1 ? -EISCONN : -EOPNOTSUPP;
		err = unix_iov(kf, iov, n, flags, NULL, true);
		return err == -EPIPE ? sock_epipe(flags & MSG_NOSIGNAL) : err;
	}
	if (!s)
		return err;
	if (uaddr && (err = get_addr(uaddr, alen, &to)))
		return err;
	err = BLOCKING(kf, s, NET_POLLOUT, flags & MSG_DONTWAIT,
		       !iov_ok(iov, n, false) ? -EFAULT :
		       sock_sendmsg(s, iov, n, uaddr ? &to : NULL, (int)(flags & ~(uint64_t)(MSG_DONTWAIT | MSG_NOSIGNAL))));
	int type = NET_SOCK_STREAM;
	size_t tl = sizeof(type);
	sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, &type, &tl);
	return err == -EPIPE && type == NET_SOCK_STREAM ? sock_epipe(flags & MSG_NOSIGNAL) : err;
}

static int64_t do_recv(A fd, const struct net_iov *iov, int n, A uaddr, A ualen, A flags, int *oflags)
{
	int64_t err;
	struct kfile *kf;
	struct net_addr from;
	struct sock *s = sock_of(fd, &kf, &err);
	if (unix_is(kf)) {
		int64_t r = unix_iov(kf, iov, n, flags, oflags, false);
		if (r >= 0 && uaddr && ualen && mm_user_ok((void *)ualen, 4, true))
			*(uint32_t *)ualen = 0;   /* the sender is unnamed */
		return r;
	}
	if (!s)
		return err;
	long r = BLOCKING(kf, s, NET_POLLIN, flags & MSG_DONTWAIT,
			  !iov_ok(iov, n, true) ? -EFAULT :
			  sock_recvmsg(s, iov, n, &from, (int)(flags & NET_MSG_PEEK), oflags));
	if (r >= 0 && uaddr && put_addr(&from, uaddr, ualen))
		return -EFAULT;
	return r;
}

int64_t sys_sendto(A fd, A buf, A len, A flags, A addr, A alen)
{
	if (!mm_user_ok((void *)buf, len, false))
		return -EFAULT;
	struct net_iov iov = { (void *)buf, len };
	return do_send(fd, &iov, 1, addr, alen, flags);
}

int64_t sys_recvfrom(A fd, A buf, A len, A flags, A addr, A alen)
{
	if (!mm_user_ok((void *)buf, len, true))
		return -EFAULT;
	struct net_iov iov = { (void *)buf, len };
	return do_recv(fd, &iov, 1, addr, alen, flags, NULL);
}

int64_t sys_sendmsg(A fd, A umsg, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct net_iov iov[64];
	if (!mm_user_ok((void *)umsg, sizeof(struct msghdr_k), false))
		return -EFAULT;
	const struct msghdr_k *m = (const void *)umsg;
	if (m->controllen && unix_of(fd))
		return -EOPNOTSUPP;   /* no descriptors or credentials pass */
	int r = get_iov(m->iov, m->iovlen, iov, false);
	return r ? r : do_send(fd, iov, (int)m->iovlen, m->name, m->namelen, flags);
}

int64_t sys_recvmsg(A fd, A umsg, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct net_iov iov[64];
	if (!mm_user_ok((void *)umsg, sizeof(struct msghdr_k), true))
		return -EFAULT;
	struct msghdr_k *m = (void *)umsg;
	int r = get_iov(m->iov, m->iovlen, iov, true), oflags = 0;
	if (r)
		return r;
	int64_t n = do_recv(fd, iov, (int)m->iovlen, m->name, m->name ? umsg + 8 : 0, flags, &oflags);
	if (n >= 0 && !mm_user_ok(m, sizeof(*m), true))
		return -EFAULT; /* unmapped while the call waited */
	if (n >= 0) {
		m->flags = oflags;
		m->controllen = 0;
	}
	return n;
}

/* A kernel buffer (sendfile's bounce buffer, in the high half) is not the
 * application's: it stays mapped while the call waits. */
static bool buf_ok(const struct net_iov *iov, bool write)
{
	return (uintptr_t)iov->base >= DMAP_BASE || iov_ok(iov, 1, write);
}

static int64_t sk_read(struct kfile *f, void *buf, uint64_t n)
{
	struct net_iov iov = { buf, n };
	return BLOCKING(f, (struct sock *)f->priv, NET_POLLIN, false,
			!buf_ok(&iov, true) ? -EFAULT : sock_recvmsg(f->priv, &iov, 1, NULL, 0, NULL));
}

static int64_t sk_write(struct kfile *f, const void *buf, uint64_t n)
{
	struct net_iov iov = { (void *)buf, n };
	struct sock *s = f->priv;
	int64_t r = BLOCKING(f, s, NET_POLLOUT, false,
			     !buf_ok(&iov, false) ? -EFAULT : sock_sendmsg(s, &iov, 1, NULL, 0));
	return r == -EPIPE ? sock_epipe(false) : r;
}

static int64_t sk_ioctl(struct kfile *f, uint64_t req, uint64_t arg)
{
	if (req != FIONREAD)
		return -ENOTTY;
	if (!mm_user_ok((void *)arg, sizeof(int), true))
		return -EFAULT;
	knet_poll();
	long n = sock_nread(f->priv);
	if (n < 0)
		return n;
	*(int *)arg = (int)n;
	return 0;
}

int64_t sys_shutdown(A fd, A how, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int64_t err;
	struct kfile *u = unix_of(fd);
	if (u)
		return unix_shutdown(u, how);
	struct sock *s = sock_of(fd, NULL, &err);
	return s ? sock_shutdown(s, (int)how) : err;
}

static int64_t name_of(A fd, A addr, A len, bool peer)
{
	int64_t err;
	struct net_addr na;
	struct kfile *u = unix_of(fd);
	if (u)
		return unix_name(u, addr, len, peer);
	struct sock *s = sock_of(fd, NULL, &err);
	if (!s)
		return err;
	int r = peer ? sock_getpeername(s, &na) : sock_getsockname(s, &na);
	return r ? r : put_addr(&na, addr, len);
}

int64_t sys_getsockname(A fd, A addr, A len, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return name_of(fd, addr, len, false);
}

int64_t sys_getpeername(A fd, A addr, A len, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return name_of(fd, addr, len, true);
}

int64_t sys_setsockopt(A fd, A level, A name, A val, A len, A f)
{
	(void)f;
	int64_t err;
	struct sock *s = sock_of(fd, NULL, &err);
	if (unix_of(fd)) {   /* buffer sizes and reuse: nothing to change here */
		if (level != NET_SOL_SOCKET)
			return -ENOPROTOOPT;
		return name == NET_SO_SNDBUF || name == NET_SO_RCVBUF || name == NET_SO_REUSEADDR ||
		       name == NET_SO_KEEPALIVE ? 0 : -ENOPROTOOPT;
	}
	if (!s)
		return err;
	if (!mm_user_ok((void *)val, len, false))
		return -EFAULT;
	return sock_setsockopt(s, (int)level, (int)name, (const void *)val, len);
}

int64_t sys_getsockopt(A fd, A level, A name, A val, A ulen, A f)
{
	(void)f;
	int64_t err;
	struct kfile *u = unix_of(fd);
	struct sock *s = sock_of(fd, NULL, &err);
	if (!s && !u)
		return err;
	if (!mm_user_ok((void *)ulen, 4, true))
		return -EFAULT;
	size_t len = *(uint32_t *)ulen;
	if (!mm_user_ok((void *)val, len, true))
		return -EFAULT;
	if (u) {
		int v;
		if (level != NET_SOL_SOCKET || len < sizeof(int))
			return level != NET_SOL_SOCKET ? -ENOPROTOOPT : -EINVAL;
		switch (name) {
		case NET_SO_TYPE: v = unix_type(u); break;
		case NET_SO_ERROR: v = 0; break;
		case NET_SO_SNDBUF: case NET_SO_RCVBUF: v = 208 * 1024; break;
		default: return -ENOPROTOOPT;
		}
		*(int *)val = v;
		*(uint32_t *)ulen = sizeof(int);
		return 0;
	}
	knet_poll();
	int r = sock_getsockopt(s, (int)level, (int)name, (void *)val, &len);
	if (!r)
		*(uint32_t *)ulen = (uint32_t)len;
	return r;
}
