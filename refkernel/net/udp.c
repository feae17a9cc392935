/* udp.c — UDP (RFC 768) sockets: udp_input() checks length and checksum and
 * queues the datagram on the matching socket (a connected socket wins over a
 * wildcard one); udp_sendmsg() builds one datagram (up to 65507 bytes; past
 * the MTU ip_output() fragments it) and sends it through ip_output(). */
#include "net_impl.h"

static struct udp_pcb *udp_match(struct net_stack *stk, uint32_t dst, uint16_t dport,
				 uint32_t src, uint16_t sport)
{
	struct udp_pcb *wild = NULL;
	for (struct udp_pcb *u = stk->udp_all; u; u = u->next) {
		if (u->lport != dport || (u->lip && u->lip != dst))
			continue;
		if (!u->rport)
			wild = wild ? wild : u;
		else if (u->rip == src && u->rport == sport)
			return u;
	}
	return wild;
}

void udp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen,
	       unsigned flags)
{
	CNT(stk, udp_rx);
	const uint8_t *h = ip + hlen;
	size_t avail = iplen - hlen;
	size_t ulen = avail >= UDP_HLEN ? rd16(h + 4) : 0;
	if (ulen < UDP_HLEN || ulen > avail) {
		CNT(stk, udp_drop_bad);
		return;
	}
	uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
	if (rd16(h + 6) != 0 && !(flags & NETDEV_RX_CSUM_OK)) {   /* 0: no checksum sent */
		uint32_t sum = net_csum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)ulen);
		if (net_csum_fold(net_csum_add(sum, h, ulen)) != 0) {
			CNT(stk, udp_drop_bad);
			return;
		}
	}
	uint16_t sport = rd16(h), dport = rd16(h + 2);
	struct udp_pcb *u = udp_match(stk, dst, dport, src, sport);
	if (!u) {
		CNT(stk, udp_drop_noport);
		icmp_port_unreach(stk, ip, iplen);
		return;
	}
	uint32_t len = (uint32_t)(ulen - UDP_HLEN);
	if (u->queued + len > u->sock->rcvbuf) {
		CNT(stk, udp_drop_full);
		return;
	}
	struct udp_dgram *d = netp_alloc(sizeof(*d) + len);
	if (!d) {
		CNT(stk, udp_drop_nomem);
		return;
	}
	d->src_ip = src;
	d->src_port = sport;
	d->len = len;
	memcpy(d->data, h + UDP_HLEN, len);
	if (u->tail)
		u->tail->next = d;
	else
		u->head = d;
	u->tail = d;
	u->queued += len;
}

int udp_create(struct sock *s)
{
	struct udp_pcb *u = netp_alloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->udp = u;
	s->rcvbuf = UDP_RCVBUF_DEFAULT;
	u->next = s->stk->udp_all;
	s->stk->udp_all = u;
	return 0;
}

static bool udp_port_used(struct net_stack *stk, uint32_t lip, uint16_t port, bool reuse)
{
	for (struct udp_pcb *u = stk->udp_all; u; u = u->next)
		if (u->lport == port && (!lip || !u->lip || lip == u->lip) &&
		    !(reuse && u->sock->reuseaddr))
			return true;
	return false;
}

int udp_bind(struct sock *s, const struct net_addr *a)
{
	struct net_stack *stk = s->stk;
	struct udp_pcb *u = s->udp;
	if (u->lport)
		return -EINVAL;
	if (a->ip && !ip_is_local(stk, a->ip))
		return -EADDRNOTAVAIL;
	uint16_t port = a->port;
	if (port == 0) {
		for (int i = 0; i < 16384 && !port; i++) {
			uint16_t p = stk->next_port;
			stk->next_port = p == 65535 ? 49152 : p + 1;
			if (!udp_port_used(stk, a->ip, p, false))
				port = p;
		}
		if (!port)
			return -EADDRINUSE;
	} else if (udp_port_used(stk, a->ip, port, s->reuseaddr)) {
		return -EADDRINUSE;
	}
	u->lip = a->ip;
	u->lport = port;
	return 0;
}

int udp_connect(struct sock *s, const struct net_addr *a)
{
	struct udp_pcb *u = s->udp;
	if (!u->lport) {
		struct net_addr any = { 0, 0 };
		int rc = udp_bind(s, &any);
		if (rc < 0)
			return rc;
	}
	u->rip = a->ip;
	u->rport = a->port;
	return 0;
}

long udp_sendmsg(struct sock *s, const struct net_iov *iov, int n, const struct net_addr *to)
{
	struct net_stack *stk = s->stk;
	struct udp_pcb *u = s->udp;
	uint32_t dip = to ? to->ip : u->rip;
	uint16_t dport = to ? to->port : u->rport;
	if (!dport)
		return -EDESTADDRREQ;
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += iov[i].len;
	if (len > IP_MAX_PACKET - IP_HLEN - UDP_HLEN)
		return -EMSGSIZE;
	if (!u->lport) {
		struct net_addr any = { 0, 0 };
		int rc = udp_bind(s, &any);
		if (rc < 0)
			return rc;
	}
	/* A datagram larger than a frame is built in memory of its own. */
	uint8_t small[NET_FRAME_MAX];
	uint8_t *frame = small;
	if (NET_HDR_ROOM + UDP_HLEN + len > sizeof(small)) {
		frame = netp_alloc(NET_HDR_ROOM + UDP_HLEN + len);
		if (!frame)
			return -ENOMEM;
	}
	uint8_t *h = frame + NET_HDR_ROOM;
	size_t off = UDP_HLEN;
	for (int i = 0; i < n; i++) {
		memcpy(h + off, iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	uint16_t ulen = (uint16_t)(UDP_HLEN + len);
	wr16(h, u->lport);
	wr16(h + 2, dport);
	wr16(h + 4, ulen);
	wr16(h + 6, 0);
	wr16(h + 6, net_l4_csum(stk, u->lip, dip, IP_PROTO_UDP, h, ulen));
	int rc = ip_output(stk, frame, ulen, u->lip, dip, IP_PROTO_UDP);
	if (frame != small)
		netp_free(frame);
	if (rc < 0)
		return rc;
	CNT(stk, udp_tx);
	return (long)len;
}

long udp_recvmsg(struct sock *s, const struct net_iov *iov, int n, struct net_addr *from,
		 int flags, int *out_flags)
{
	struct udp_pcb *u = s->udp;
	struct udp_dgram *d = u->head;
	if (!d)
		return s->rd_shut ? 0 : -EAGAIN;
	uint32_t off = 0;
	for (int i = 0; i < n && off < d->len; i++) {
		uint32_t k = (uint32_t)MIN(iov[i].len, (size_t)(d->len - off));
		memcpy(iov[i].base, d->data + off, k);
		off += k;
	}
	if (off < d->len && out_flags)
		*out_flags |= NET_MSG_TRUNC;
	if (from) {
		from->ip = d->src_ip;
		from->port = d->src_port;
	}
	if (flags & NET_MSG_PEEK)
		return off;
	u->head = d->next;
	if (!u->head)
		u->tail = NULL;
	u->queued -= d->len;
	netp_free(d);
	return off;
}

unsigned udp_poll(struct sock *s)
{
	unsigned m = NET_POLLOUT;
	if (s->udp->head || s->rd_shut)
		m |= NET_POLLIN;
	return m;
}

long udp_nread(struct sock *s)
{
	return s->udp->head ? (long)s->udp->head->len : 0;
}

static void udp_free(struct net_stack *stk, struct udp_pcb *u)
{
	for (struct udp_pcb **pp = &stk->udp_all; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	while (u->head) {
		struct udp_dgram *d = u->head;
		u->head = d->next;
		netp_free(d);
	}
	netp_free(u);
}

void udp_close(struct sock *s)
{
	udp_free(s->stk, s->udp);
	s->udp = NULL;
}

void udp_destroy_all(struct net_stack *stk)
{
	while (stk->udp_all) {
		struct sock *s = stk->udp_all->sock;
		udp_free(stk, stk->udp_all);
		stk->nsocks--;
		netp_free(s);
	}
}
