/* tcp.c — TCP connections outside the segment path: pcb lifetime, the demux
 * hash, ports, timers (RFC 6298 RTO, delayed ACK, persist, keep-alive,
 * TIME_WAIT) and the socket operations (bind, listen, accept, connect, send,
 * recv, shutdown, close, poll, options). Segments arrive in tcp_in.c and
 * leave through tcp_out.c. */
#include "net_impl.h"

const char *const tcp_state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

/* ---- pcb lifetime and lookup ---- */

static void tcp_pcb_free(struct tcp_pcb *pcb);

/* At the connection limit, the orphaned TIME_WAIT closest to its end makes
 * room (as Linux does past tcp_max_tw_buckets). False when there is none. */
static bool tcp_recycle_time_wait(struct net_stack *stk)
{
	struct tcp_pcb *old = NULL;
	for (struct tcp_pcb *p = stk->tcp_all; p; p = p->all_next)
		if (p->state == TCP_TIME_WAIT && !p->sock && (!old || p->t_close < old->t_close))
			old = p;
	if (!old)
		return false;
	CNT(stk, tcp_tw_recycled);
	tcp_pcb_free(old);
	return true;
}

struct tcp_pcb *tcp_pcb_new(struct net_stack *stk)
{
	if (stk->ntcp >= SOCK_MAX && !tcp_recycle_time_wait(stk))
		return NULL;
	struct tcp_pcb *pcb = netp_alloc(sizeof(*pcb));
	if (!pcb)
		return NULL;
	pcb->stk = stk;
	pcb->state = TCP_CLOSED;
	pcb->mss = TCP_DEFAULT_MSS;
	pcb->rto = TCP_RTO_INIT_MS;
	pcb->ssthresh = 0x7fffffff;
	pcb->sndbuf.max = SOCK_BUF_DEFAULT;
	pcb->rcvbuf.max = SOCK_BUF_DEFAULT;
	pcb->keepidle_s = TCP_KEEPIDLE_S;
	pcb->keepintvl_s = TCP_KEEPINTVL_S;
	pcb->keepcnt = TCP_KEEPCNT;
	pcb->all_next = stk->tcp_all;
	if (stk->tcp_all)
		stk->tcp_all->all_prev = pcb;
	stk->tcp_all = pcb;
	stk->ntcp++;
	return pcb;
}

static unsigned tcp_hash(uint32_t rip, uint16_t lport, uint16_t rport)
{
	uint32_t h = rip ^ (uint32_t)rport << 16 ^ lport;
	h ^= h >> 16;
	h *= 0x45d9f3b;
	h ^= h >> 16;
	return h % TCP_HASH_SIZE;
}

void tcp_hash_insert(struct tcp_pcb *pcb)
{
	struct tcp_pcb **b = &pcb->stk->tcp_hash[tcp_hash(pcb->rip, pcb->lport, pcb->rport)];
	pcb->hash_next = *b;
	*b = pcb;
	pcb->hashed = true;
}

static void tcp_hash_remove(struct tcp_pcb *pcb)
{
	if (!pcb->hashed)
		return;
	struct tcp_pcb **pp = &pcb->stk->tcp_hash[tcp_hash(pcb->rip, pcb->lport, pcb->rport)];
	for (; *pp; pp = &(*pp)->hash_next)
		if (*pp == pcb) {
			*pp = pcb->hash_next;
			break;
		}
	pcb->hashed = false;
}

struct tcp_pcb *tcp_lookup(struct net_stack *stk, uint32_t lip, uint16_t lport,
			   uint32_t rip, uint16_t rport)
{
	struct tcp_pcb *p = stk->tcp_hash[tcp_hash(rip, lport, rport)];
	for (; p; p = p->hash_next)
		if (p->lport == lport && p->rport == rport && p->rip == rip && p->lip == lip)
			return p;
	return NULL;
}

struct tcp_pcb *tcp_lookup_listener(struct net_stack *stk, uint32_t lip, uint16_t lport)
{
	struct tcp_pcb *wild = NULL;
	for (struct tcp_pcb *p = stk->tcp_all; p; p = p->all_next) {
		if (p->state != TCP_LISTEN || p->lport != lport)
			continue;
		if (p->lip == lip)
			return p;
		if (!p->lip)
			wild = p;
	}
	return wild;
}

/* Unlink a child from its listener's SYN or accept queue. */
static void tcp_unqueue(struct tcp_pcb *pcb)
{
	struct tcp_pcb *l = pcb->listener;
	if (!l)
		return;
	struct tcp_pcb **pp = pcb->in_acceptq ? &l->acceptq : &l->synq;
	for (; *pp; pp = &(*pp)->q_next)
		if (*pp == pcb) {
			*pp = pcb->q_next;
			break;
		}
	if (pcb->in_acceptq)
		l->naccept--;
	else
		l->nsyn--;
	pcb->listener = NULL;
	pcb->q_next = NULL;
	pcb->in_acceptq = false;
}

static void tcp_free_data(struct tcp_pcb *pcb)
{
	nring_free(&pcb->sndbuf);
	while (pcb->ooo) {
		struct tcp_ooo *o = pcb->ooo;
		pcb->ooo = o->next;
		netp_free(o);
	}
	pcb->nooo = 0;
}

static void tcp_pcb_free(struct tcp_pcb *pcb)
{
	struct net_stack *stk = pcb->stk;
	tcp_unqueue(pcb);
	tcp_hash_remove(pcb);
	if (pcb->all_prev)
		pcb->all_prev->all_next = pcb->all_next;
	else
		stk->tcp_all = pcb->all_next;
	if (pcb->all_next)
		pcb->all_next->all_prev = pcb->all_prev;
	tcp_free_data(pcb);
	nring_free(&pcb->rcvbuf);
	stk->ntcp--;
	netp_free(pcb);
}

static void tcp_stop_timers(struct tcp_pcb *pcb)
{
	pcb->t_rexmt = pcb->t_persist = pcb->t_delack = pcb->t_close = 0;
}

void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state st)
{
	pcb->state = st;
	if (st == TCP_TIME_WAIT) {
		tcp_stop_timers(pcb);
		pcb->t_close = pcb->stk->now + 2 * TCP_MSL_MS;
		tcp_free_data(pcb);       /* nothing more to send or reorder */
		if (!pcb->sock)
			nring_free(&pcb->rcvbuf);
	} else if (st == TCP_FIN_WAIT_2) {
		nring_free(&pcb->sndbuf);  /* all sent and acknowledged */
		if (!pcb->sock)
			pcb->t_close = pcb->stk->now + TCP_FIN_TIMEOUT_MS;
	}
}

static void tcp_drop_children(struct tcp_pcb *l)
{
	while (l->synq || l->acceptq) {
		struct tcp_pcb *c = l->synq ? l->synq : l->acceptq;
		tcp_send_rst_for(c);
		tcp_pcb_free(c);
	}
}

void tcp_drop(struct tcp_pcb *pcb, int err)
{
	if (pcb->state == TCP_LISTEN)
		tcp_drop_children(pcb);
	tcp_hash_remove(pcb);
	tcp_stop_timers(pcb);
	pcb->state = TCP_CLOSED;
	pcb->err = err;
	tcp_free_data(pcb);
	if (err)
		nring_free(&pcb->rcvbuf);   /* a reset discards what was not read */
	if (!pcb->sock)
		tcp_pcb_free(pcb);        /* orphan or embryo: nobody to tell */
}

/* ---- RTO (RFC 6298 §2) ---- */

void tcp_update_rto(struct tcp_pcb *pcb, uint32_t r)
{
	if (!pcb->rtt_valid) {
		pcb->srtt8 = r << 3;          /* SRTT = R */
		pcb->rttvar4 = r << 1;        /* RTTVAR = R/2 */
		pcb->rtt_valid = true;
	} else {
		int32_t delta = (int32_t)r - (int32_t)(pcb->srtt8 >> 3);
		pcb->srtt8 = (uint32_t)((int32_t)pcb->srtt8 + delta);   /* 7/8 SRTT + R/8 */
		uint32_t adelta = (uint32_t)(delta < 0 ? -delta : delta);
		/* RTTVAR = 3/4 RTTVAR + |SRTT - R|/4, kept times 4 */
		pcb->rttvar4 = pcb->rttvar4 - (pcb->rttvar4 >> 2) + adelta;
	}
	uint32_t rto = (pcb->srtt8 >> 3) + MAX((uint32_t)NET_TIMER_TICK_MS, pcb->rttvar4);
	pcb->rto = MIN(MAX(rto, (uint32_t)TCP_RTO_MIN_MS), (uint32_t)TCP_RTO_MAX_MS);
}

/* ---- timers ---- */

static void tcp_persist_timeout(struct tcp_pcb *pcb)
{
	uint32_t off = (uint32_t)seq_diff(pcb->snd_nxt, pcb->snd_una);
	pcb->persist_ms = MIN(pcb->persist_ms * 2, (uint32_t)TCP_RTO_MAX_MS);
	pcb->t_persist = pcb->stk->now + pcb->persist_ms;
	if (pcb->snd_wnd > 0 || pcb->sndbuf.len == 0) {
		pcb->t_persist = 0;
		tcp_output(pcb);
		return;
	}
	/* RFC 9293 §3.8.6.1: probe with one byte beyond the closed window. */
	CNT(pcb->stk, tcp_zwp);
	tcp_xmit(pcb, pcb->snd_una, 1, TCP_ACK);
	if (off == 0) {
		pcb->snd_nxt = seq_add(pcb->snd_una, 1);
		pcb->snd_max = SEQ_MAX(pcb->snd_max, pcb->snd_nxt);
	}
}

static void tcp_keepalive_timeout(struct tcp_pcb *pcb)
{
	uint64_t due = pcb->last_rx + (uint64_t)pcb->keepidle_s * 1000 +
		       (uint64_t)pcb->keep_probes * pcb->keepintvl_s * 1000;
	if (pcb->stk->now < due)
		return;
	if (pcb->keep_probes >= pcb->keepcnt) {
		CNT(pcb->stk, tcp_timeout);
		tcp_send_rst_for(pcb);
		tcp_drop(pcb, -ETIMEDOUT);
		return;
	}
	pcb->keep_probes++;
	CNT(pcb->stk, tcp_keepalive);
	/* An old sequence number: the peer answers with an ACK. */
	tcp_xmit(pcb, seq_add(pcb->snd_una, (uint32_t)-1), 0, TCP_ACK);
}

/* Runs the due timers of one connection; may free (pcb) and nothing else. */
static void tcp_pcb_timers(struct tcp_pcb *pcb)
{
	uint64_t now = pcb->stk->now;
	if (pcb->t_close && now >= pcb->t_close) {
		tcp_drop(pcb, 0);
		return;
	}
	if (pcb->t_rexmt && now >= pcb->t_rexmt) {
		tcp_retransmit_timeout(pcb);
		return;
	}
	if (pcb->t_persist && now >= pcb->t_persist)
		tcp_persist_timeout(pcb);
	if (pcb->t_delack && now >= pcb->t_delack) {
		pcb->t_delack = 0;
		pcb->ack_now = true;
		tcp_output(pcb);
	}
	if (pcb->keepalive && (pcb->state == TCP_ESTABLISHED || pcb->state == TCP_CLOSE_WAIT))
		tcp_keepalive_timeout(pcb);
}

void tcp_timer(struct net_stack *stk)
{
	struct tcp_pcb *p = stk->tcp_all;
	while (p) {
		struct tcp_pcb *next = p->all_next;
		tcp_pcb_timers(p);
		p = next;
	}
}

void tcp_destroy_all(struct net_stack *stk)
{
	while (stk->tcp_all) {
		struct tcp_pcb *p = stk->tcp_all;
		if (p->sock) {
			stk->nsocks--;
			netp_free(p->sock);
		}
		tcp_pcb_free(p);
	}
}

/* ---- socket operations ---- */

int tcp_create(struct sock *s)
{
	struct tcp_pcb *pcb = tcp_pcb_new(s->stk);
	if (!pcb)
		return s->stk->ntcp >= SOCK_MAX ? -ENFILE : -ENOMEM;
	pcb->sock = s;
	s->tcp = pcb;
	return 0;
}

static bool tcp_port_used(struct net_stack *stk, const struct tcp_pcb *self, uint32_t lip,
			  uint16_t port, bool reuse)
{
	for (struct tcp_pcb *p = stk->tcp_all; p; p = p->all_next) {
		if (p == self || p->lport != port || (lip && p->lip && lip != p->lip))
			continue;
		if (p->state == TCP_LISTEN || !reuse)
			return true;
	}
	return false;
}

static int tcp_bind_port(struct tcp_pcb *pcb, uint32_t ip, uint16_t port)
{
	struct net_stack *stk = pcb->stk;
	if (port == 0) {
		for (int i = 0; i < 16384 && !port; i++) {
			uint16_t p = stk->next_port;
			stk->next_port = p == 65535 ? 49152 : p + 1;
			if (!tcp_port_used(stk, pcb, ip, p, false))
				port = p;
		}
		if (!port)
			return -EADDRINUSE;
	} else if (tcp_port_used(stk, pcb, ip, port, pcb->reuseaddr)) {
		return -EADDRINUSE;
	}
	pcb->lip = ip;
	pcb->lport = port;
	return 0;
}

int tcp_bind(struct sock *s, const struct net_addr *a)
{
	struct tcp_pcb *pcb = s->tcp;
	if (pcb->lport || pcb->state != TCP_CLOSED)
		return -EINVAL;
	if (a->ip && !ip_is_local(s->stk, a->ip))
		return -EADDRNOTAVAIL;
	return tcp_bind_port(pcb, a->ip, a->port);
}

int tcp_listen(struct sock *s, int backlog)
{
	struct tcp_pcb *pcb = s->tcp;
	if (pcb->state != TCP_CLOSED && pcb->state != TCP_LISTEN)
		return -EINVAL;
	if (!pcb->lport) {
		int rc = tcp_bind_port(pcb, 0, 0);
		if (rc < 0)
			return rc;
	}
	pcb->backlog = (unsigned)MIN(MAX(backlog, 1), TCP_BACKLOG_MAX);
	pcb->rcvbuf.max = s->rcvbuf;
	pcb->sndbuf.max = s->sndbuf;
	pcb->state = TCP_LISTEN;
	return 0;
}

int tcp_accept(struct sock *s, struct sock *c, struct net_addr *peer)
{
	struct tcp_pcb *l = s->tcp;
	if (l->state != TCP_LISTEN)
		return -EINVAL;
	struct tcp_pcb *pcb = l->acceptq;
	if (!pcb)
		return -EAGAIN;
	tcp_unqueue(pcb);
	pcb->sock = c;
	c->tcp = pcb;
	c->sndbuf = pcb->sndbuf.max;
	c->rcvbuf = pcb->rcvbuf.max;
	if (peer) {
		peer->ip = pcb->rip;
		peer->port = pcb->rport;
	}
	return 0;
}

uint8_t tcp_pick_wscale(uint32_t bufmax)
{
	uint8_t ws = 0;
	while (ws < 14 && (65535u << ws) < bufmax)
		ws++;
	return ws;
}

int tcp_connect(struct sock *s, const struct net_addr *a)
{
	struct tcp_pcb *pcb = s->tcp;
	struct net_stack *stk = s->stk;
	switch (pcb->state) {
	case TCP_CLOSED:
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -EALREADY;
	case TCP_LISTEN:
		return -EINVAL;
	default:
		return -EISCONN;
	}
	if (!ip_is_local(stk, a->ip) &&
	    (a->ip & stk->netmask) != (stk->ip & stk->netmask) && !stk->gateway)
		return -ENETUNREACH;
	uint32_t lip = pcb->lip ? pcb->lip : ip_src_for(stk, a->ip);
	if (!pcb->lport) {
		int rc = tcp_bind_port(pcb, 0, 0);
		if (rc < 0)
			return rc;
	}
	if (tcp_lookup(stk, lip, pcb->lport, a->ip, a->port))
		return -EADDRNOTAVAIL;
	pcb->lip = lip;
	pcb->rip = a->ip;
	pcb->rport = a->port;
	pcb->err = 0;
	/* A socket may connect again after a failed attempt: start clean. */
	pcb->fin_queued = pcb->fin_acked = pcb->fin_rcvd = false;
	pcb->rto = TCP_RTO_INIT_MS;
	pcb->rtt_valid = pcb->rtt_timing = false;
	pcb->nsb = 0;
	pcb->sndbuf.max = s->sndbuf;
	pcb->rcvbuf.max = s->rcvbuf;
	pcb->rcv_wscale = tcp_pick_wscale(s->rcvbuf);
	pcb->iss = seq_make(netp_random());
	pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->iss;
	pcb->retries = 0;
	pcb->state = TCP_SYN_SENT;
	tcp_hash_insert(pcb);
	CNT(stk, tcp_active_open);
	tcp_send_syn(pcb);
	pcb->t_rexmt = stk->now + pcb->rto;
	return -EINPROGRESS;
}

long tcp_sendmsg(struct sock *s, const struct net_iov *iov, int n)
{
	struct tcp_pcb *pcb = s->tcp;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -EAGAIN;
	case TCP_CLOSED:
		if (pcb->err) {
			int err = pcb->err;
			pcb->err = 0;
			return err;
		}
		return pcb->rport ? -EPIPE : -ENOTCONN;
	case TCP_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (pcb->fin_queued)
		return -EPIPE;
	long total = 0;
	for (int i = 0; i < n; i++) {
		int k = nring_write(&pcb->sndbuf, iov[i].base, (uint32_t)MIN(iov[i].len, (size_t)INT32_MAX));
		total += k;
		if ((size_t)k < iov[i].len)
			break;
	}
	if (total == 0) {
		size_t want = 0;
		for (int i = 0; i < n; i++)
			want += iov[i].len;
		if (want == 0)
			return 0;
		return nring_space(&pcb->sndbuf) ? -ENOBUFS : -EAGAIN;
	}
	tcp_output(pcb);
	return total;
}

uint32_t tcp_rcv_window(const struct tcp_pcb *pcb)
{
	uint32_t space = nring_space(&pcb->rcvbuf);
	/* RFC 9293 §3.8.6.2.2: do not advertise a sliver (silly window). */
	if (space < MIN(pcb->rcvbuf.max / 2, (uint32_t)pcb->mss))
		space = 0;
	space = MIN(space, 65535u << pcb->rcv_wscale);
	int32_t adv = seq_diff(pcb->rcv_adv, pcb->rcv_nxt);
	if (adv > 0 && (uint32_t)adv > space)
		space = (uint32_t)adv;     /* never shrink the window (§3.8.6.2.2) */
	return space;
}

long tcp_recvmsg(struct sock *s, const struct net_iov *iov, int n, int flags)
{
	struct tcp_pcb *pcb = s->tcp;
	if (pcb->rcvbuf.len > 0 && !s->rd_shut) {
		uint32_t off = 0;
		for (int i = 0; i < n && off < pcb->rcvbuf.len; i++) {
			uint32_t k = (uint32_t)MIN(iov[i].len, (size_t)(pcb->rcvbuf.len - off));
			nring_peek(&pcb->rcvbuf, off, iov[i].base, k);
			off += k;
		}
		if (flags & NET_MSG_PEEK)
			return off;
		uint32_t before = tcp_rcv_window(pcb);
		nring_drop(&pcb->rcvbuf, off);
		/* Window update when the window grew by two segments or half the buffer. */
		uint32_t after = tcp_rcv_window(pcb);
		if (pcb->state >= TCP_ESTABLISHED && !pcb->fin_rcvd &&
		    after - before >= MIN(pcb->rcvbuf.max / 2, 2u * pcb->mss)) {
			pcb->ack_now = true;
			tcp_output(pcb);
		}
		return off;
	}
	if (pcb->err) {
		int err = pcb->err;
		pcb->err = 0;
		return err;
	}
	if (pcb->fin_rcvd || s->rd_shut || (pcb->state == TCP_CLOSED && pcb->rport))
		return 0;
	if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN)
		return -ENOTCONN;
	return -EAGAIN;
}

/* Queue our FIN (RFC 9293 §3.10.4 CLOSE) and move to the next state. */
static void tcp_queue_fin(struct tcp_pcb *pcb)
{
	if (pcb->fin_queued)
		return;
	pcb->fin_queued = true;
	if (pcb->state == TCP_ESTABLISHED)
		tcp_set_state(pcb, TCP_FIN_WAIT_1);
	else if (pcb->state == TCP_CLOSE_WAIT)
		tcp_set_state(pcb, TCP_LAST_ACK);
	/* SYN_RECEIVED: the FIN goes out once established (tcp_in.c). */
	tcp_output(pcb);
}

int tcp_shutdown(struct sock *s, int how)
{
	struct tcp_pcb *pcb = s->tcp;
	if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN || pcb->state == TCP_SYN_SENT)
		return -ENOTCONN;
	if (how != NET_SHUT_WR)
		s->rd_shut = true;
	if (how != NET_SHUT_RD) {
		s->wr_shut = true;
		tcp_queue_fin(pcb);
	}
	return 0;
}

void tcp_close(struct sock *s)
{
	struct tcp_pcb *pcb = s->tcp;
	s->tcp = NULL;
	pcb->sock = NULL;
	switch (pcb->state) {
	case TCP_CLOSED:
		tcp_pcb_free(pcb);
		return;
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		tcp_drop(pcb, 0);
		return;
	default:
		break;
	}
	if (pcb->rcvbuf.len > 0) {
		/* RFC 9293 §3.10.4 / RFC 2525: data left unread is lost; say so. */
		tcp_send_rst_for(pcb);
		tcp_drop(pcb, -ECONNRESET);
		return;
	}
	nring_free(&pcb->rcvbuf);     /* empty, and nobody reads any more */
	if (pcb->state == TCP_FIN_WAIT_2)
		pcb->t_close = pcb->stk->now + TCP_FIN_TIMEOUT_MS;
	tcp_queue_fin(pcb);
}

unsigned tcp_poll(struct sock *s)
{
	struct tcp_pcb *pcb = s->tcp;
	unsigned m = 0;
	if (pcb->state == TCP_LISTEN)
		return pcb->acceptq ? NET_POLLIN : 0;
	if (pcb->err)
		m |= NET_POLLERR;
	if (pcb->rcvbuf.len > 0 || pcb->fin_rcvd || s->rd_shut || pcb->err)
		m |= NET_POLLIN;
	if (pcb->fin_rcvd)
		m |= NET_POLLRDHUP;
	if (pcb->state == TCP_CLOSED) {
		m |= NET_POLLIN | NET_POLLOUT | NET_POLLHUP;
	} else if ((pcb->state == TCP_ESTABLISHED || pcb->state == TCP_CLOSE_WAIT) &&
		   !pcb->fin_queued && nring_space(&pcb->sndbuf) > 0) {
		m |= NET_POLLOUT;
	}
	if (pcb->fin_rcvd && pcb->fin_queued)
		m |= NET_POLLHUP;
	return m;
}

int tcp_setopt(struct sock *s, int level, int name, int v)
{
	struct tcp_pcb *pcb = s->tcp;
	if (level == NET_SOL_SOCKET) {
		if (name == NET_SO_KEEPALIVE) {
			pcb->keepalive = v != 0;
			pcb->keep_probes = 0;
			pcb->last_rx = s->stk->now;
		} else if (name == NET_SO_SNDBUF && pcb->state != TCP_LISTEN) {
			pcb->sndbuf.max = MAX(s->sndbuf, pcb->sndbuf.len);
		} else if (name == NET_SO_RCVBUF && pcb->state != TCP_LISTEN) {
			pcb->rcvbuf.max = MAX(s->rcvbuf, pcb->rcvbuf.len + tcp_rcv_window(pcb));
		}
		return 0;
	}
	switch (name) {
	case NET_TCP_NODELAY:
		pcb->nodelay = v != 0;
		if (pcb->nodelay && pcb->state >= TCP_ESTABLISHED)
			tcp_output(pcb);
		return 0;
	case NET_TCP_CORK:
		pcb->cork = v != 0;
		if (!pcb->cork && pcb->state >= TCP_ESTABLISHED)
			tcp_output(pcb);
		return 0;
	case NET_TCP_MAXSEG:
		if (v < 88 || v > 65535)
			return -EINVAL;
		pcb->user_mss = (uint16_t)v;
		return 0;
	case NET_TCP_KEEPIDLE:
	case NET_TCP_KEEPINTVL:
	case NET_TCP_KEEPCNT:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (name == NET_TCP_KEEPIDLE)
			pcb->keepidle_s = (uint32_t)v;
		else if (name == NET_TCP_KEEPINTVL)
			pcb->keepintvl_s = (uint32_t)v;
		else
			pcb->keepcnt = (uint32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_getopt(struct sock *s, int level, int name, int *v)
{
	struct tcp_pcb *pcb = s->tcp;
	if (level == NET_SOL_SOCKET) {
		if (name == NET_SO_ERROR) {
			*v = -pcb->err;
			pcb->err = 0;
		} else {
			*v = pcb->keepalive;
		}
		return 0;
	}
	switch (name) {
	case NET_TCP_NODELAY:
		*v = pcb->nodelay;
		return 0;
	case NET_TCP_CORK:
		*v = pcb->cork;
		return 0;
	case NET_TCP_MAXSEG:
		*v = pcb->mss;
		return 0;
	case NET_TCP_KEEPIDLE:
		*v = (int)pcb->keepidle_s;
		return 0;
	case NET_TCP_KEEPINTVL:
		*v = (int)pcb->keepintvl_s;
		return 0;
	case NET_TCP_KEEPCNT:
		*v = (int)pcb->keepcnt;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_getnames(struct sock *s, struct net_addr *local, struct net_addr *peer)
{
	struct tcp_pcb *pcb = s->tcp;
	if (local) {
		local->ip = pcb->lip;
		local->port = pcb->lport;
	}
	if (peer) {
		if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN ||
		    pcb->state == TCP_SYN_SENT)
			return -ENOTCONN;
		peer->ip = pcb->rip;
		peer->port = pcb->rport;
	}
	return 0;
}
