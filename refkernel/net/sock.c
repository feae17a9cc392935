/* sock.c — the socket API of net.h: argument checks, the SOL_SOCKET options,
 * and dispatch to udp.c or tcp.c by socket type. Nothing here blocks; the
 * syscall layer waits on sock_poll() readiness when the caller wants to. */
#include "net_impl.h"

/* What a call sent to ourselves arrives before it returns (loop.c). */
static long drained(struct net_stack *stk, long r)
{
	lo_drain(stk);
	return r;
}

int sock_socket(struct net_stack *stk, int type, struct sock **out)
{
	if (type != NET_SOCK_STREAM && type != NET_SOCK_DGRAM)
		return -EPROTONOSUPPORT;
	if (stk->nsocks >= SOCK_MAX)
		return -ENFILE;
	struct sock *s = netp_alloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->stk = stk;
	s->type = type;
	s->sndbuf = SOCK_BUF_DEFAULT;
	s->rcvbuf = SOCK_BUF_DEFAULT;
	int rc = type == NET_SOCK_STREAM ? tcp_create(s) : udp_create(s);
	if (rc < 0) {
		netp_free(s);
		return rc;
	}
	stk->nsocks++;
	*out = s;
	return 0;
}

int sock_bind(struct sock *s, const struct net_addr *addr)
{
	return s->type == NET_SOCK_STREAM ? tcp_bind(s, addr) : udp_bind(s, addr);
}

int sock_listen(struct sock *s, int backlog)
{
	if (s->type != NET_SOCK_STREAM)
		return -EOPNOTSUPP;
	return tcp_listen(s, backlog);
}

int sock_accept(struct sock *s, struct sock **out, struct net_addr *peer)
{
	if (s->type != NET_SOCK_STREAM)
		return -EOPNOTSUPP;
	struct net_stack *stk = s->stk;
	if (stk->nsocks >= SOCK_MAX)
		return -ENFILE;
	struct sock *c = netp_alloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->stk = stk;
	c->type = NET_SOCK_STREAM;
	int rc = tcp_accept(s, c, peer);
	if (rc < 0) {
		netp_free(c);
		return rc;
	}
	stk->nsocks++;
	*out = c;
	return 0;
}

int sock_connect(struct sock *s, const struct net_addr *addr)
{
	if (addr->port == 0 || addr->ip == 0)
		return -EINVAL;
	return (int)drained(s->stk, s->type == NET_SOCK_STREAM ? tcp_connect(s, addr) : udp_connect(s, addr));
}

long sock_sendmsg(struct sock *s, const struct net_iov *iov, int n,
		  const struct net_addr *to, int flags)
{
	(void)flags;
	if (n < 0)
		return -EINVAL;
	if (s->wr_shut)
		return -EPIPE;
	if (s->type == NET_SOCK_STREAM)
		return drained(s->stk, tcp_sendmsg(s, iov, n));
	return drained(s->stk, udp_sendmsg(s, iov, n, to));
}

long sock_recvmsg(struct sock *s, const struct net_iov *iov, int n,
		  struct net_addr *from, int flags, int *out_flags)
{
	if (n < 0)
		return -EINVAL;
	if (out_flags)
		*out_flags = 0;
	if (s->type == NET_SOCK_STREAM) {
		if (from)
			tcp_getnames(s, NULL, from);
		return drained(s->stk, tcp_recvmsg(s, iov, n, flags));   /* a window update */
	}
	return udp_recvmsg(s, iov, n, from, flags, out_flags);
}

long sock_send(struct sock *s, const void *buf, size_t len, int flags)
{
	struct net_iov v = { (void *)buf, len };
	return sock_sendmsg(s, &v, 1, NULL, flags);
}

long sock_recv(struct sock *s, void *buf, size_t len, int flags)
{
	struct net_iov v = { buf, len };
	return sock_recvmsg(s, &v, 1, NULL, flags, NULL);
}

int sock_shutdown(struct sock *s, int how)
{
	if (how < NET_SHUT_RD || how > NET_SHUT_RDWR)
		return -EINVAL;
	if (s->type == NET_SOCK_STREAM)
		return (int)drained(s->stk, tcp_shutdown(s, how));
	if (how != NET_SHUT_WR)
		s->rd_shut = true;
	if (how != NET_SHUT_RD)
		s->wr_shut = true;
	return 0;
}

int sock_close(struct sock *s)
{
	struct net_stack *stk = s->stk;
	if (s->type == NET_SOCK_STREAM)
		tcp_close(s);
	else
		udp_close(s);
	stk->nsocks--;
	netp_free(s);
	return (int)drained(stk, 0);
}

static uint32_t clamp_buf(int v)
{
	if (v < SOCK_BUF_MIN)
		return SOCK_BUF_MIN;
	return v > SOCK_BUF_MAX ? SOCK_BUF_MAX : (uint32_t)v;
}

int sock_setsockopt(struct sock *s, int level, int name, const void *val, size_t len)
{
	int v;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == NET_SOL_SOCKET) {
		switch (name) {
		case NET_SO_REUSEADDR:
			s->reuseaddr = v != 0;
			if (s->tcp)
				s->tcp->reuseaddr = s->reuseaddr;
			return 0;
		case NET_SO_SNDBUF:
			s->sndbuf = clamp_buf(v);
			break;
		case NET_SO_RCVBUF:
			s->rcvbuf = clamp_buf(v);
			break;
		case NET_SO_KEEPALIVE:
			break;
		default:
			return -ENOPROTOOPT;
		}
	} else if (level != NET_IPPROTO_TCP || s->type != NET_SOCK_STREAM) {
		return -ENOPROTOOPT;
	}
	return (int)drained(s->stk, s->type == NET_SOCK_STREAM ? tcp_setopt(s, level, name, v) : 0);
}

int sock_getsockopt(struct sock *s, int level, int name, void *val, size_t *len)
{
	int v = 0;
	if (*len < sizeof(int))
		return -EINVAL;
	if (level == NET_SOL_SOCKET) {
		switch (name) {
		case NET_SO_REUSEADDR:
			v = s->reuseaddr;
			break;
		case NET_SO_TYPE:
			v = s->type;
			break;
		case NET_SO_SNDBUF:
			v = (int)s->sndbuf;
			break;
		case NET_SO_RCVBUF:
			v = (int)s->rcvbuf;
			break;
		case NET_SO_ERROR:
		case NET_SO_KEEPALIVE:
			if (s->type == NET_SOCK_STREAM) {
				int rc = tcp_getopt(s, level, name, &v);
				if (rc < 0)
					return rc;
			}
			break;
		default:
			return -ENOPROTOOPT;
		}
	} else if (level == NET_IPPROTO_TCP && s->type == NET_SOCK_STREAM) {
		int rc = tcp_getopt(s, level, name, &v);
		if (rc < 0)
			return rc;
	} else {
		return -ENOPROTOOPT;
	}
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int sock_getsockname(struct sock *s, struct net_addr *addr)
{
	if (s->type == NET_SOCK_STREAM)
		return tcp_getnames(s, addr, NULL);
	addr->ip = s->udp->lip;
	addr->port = s->udp->lport;
	return 0;
}

int sock_getpeername(struct sock *s, struct net_addr *addr)
{
	if (s->type == NET_SOCK_STREAM)
		return tcp_getnames(s, NULL, addr);
	if (!s->udp->rport)
		return -ENOTCONN;
	addr->ip = s->udp->rip;
	addr->port = s->udp->rport;
	return 0;
}

unsigned sock_poll(struct sock *s)
{
	return s->type == NET_SOCK_STREAM ? tcp_poll(s) : udp_poll(s);
}

long sock_nread(struct sock *s)
{
	if (s->type == NET_SOCK_STREAM)
		return s->tcp ? (long)s->tcp->rcvbuf.len : 0;
	return udp_nread(s);
}
