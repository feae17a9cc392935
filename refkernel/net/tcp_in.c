/* tcp_in.c — receiving TCP segments, in the order of RFC 9293 §3.10.7
 * ("SEGMENT ARRIVES"): tcp_input() validates and demultiplexes, then
 * tcp_listen_input() (LISTEN), tcp_syn_sent_input() (SYN_SENT) or
 * tcp_process() (every other state): sequence check, RST, SYN, ACK
 * (tcp_ack_new / tcp_dupack: RFC 5681 and RFC 6582 NewReno, with SACK
 * blocks feeding tcp_sack.c when both ends agreed), data (in order, or
 * into the out-of-order queue), FIN. */
#include "net_impl.h"

/* A parsed segment. (seq) and (data, len) are trimmed to the window. */
struct tcp_seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	tcp_seq_t seq, ack;
	tcp_seq_t seq0;                 /* as received, before trimming */
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *data;
	uint32_t len;
	bool has_mss, has_ws, has_sack_ok;
	const uint8_t *sack;            /* SACK blocks (8 bytes each), or NULL */
	unsigned nsack;
	uint16_t mss;
	uint8_t ws;
};

/* Options (RFC 9293 §3.2): false when malformed. Every option but END and NOP
 * has a length of at least 2, so the walk always moves forward. */
static bool tcp_parse_options(struct tcp_seg *seg, const uint8_t *opt, size_t optlen)
{
	size_t i = 0;
	while (i < optlen) {
		uint8_t kind = opt[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || opt[i + 1] < 2 || i + opt[i + 1] > optlen)
			return false;
		uint8_t len = opt[i + 1];
		if (kind == 2) {
			if (len != 4)
				return false;
			seg->has_mss = true;
			seg->mss = rd16(opt + i + 2);
		} else if (kind == 3) {
			if (len != 3)
				return false;
			seg->has_ws = true;
			seg->ws = MIN(opt[i + 2], 14);   /* RFC 7323 §2.3 */
		} else if (kind == 4) {
			if (len != 2)
				return false;
			seg->has_sack_ok = true;         /* RFC 2018 §2 */
		} else if (kind == 5) {
			if (len < 10 || (len - 2) % 8 != 0)
				return false;
			seg->sack = opt + i + 2;         /* RFC 2018 §3 */
			seg->nsack = (len - 2u) / 8;
		}
		i += len;
	}
	return true;
}

/* Apply the peer's MSS and window scale from its SYN. */
static void tcp_apply_syn_options(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	uint32_t mss = seg->has_mss ? seg->mss : TCP_DEFAULT_MSS;
	mss = MIN(mss, (uint32_t)(pcb->stk->mtu - IP_HLEN - TCP_HLEN));
	if (pcb->user_mss)
		mss = MIN(mss, (uint32_t)pcb->user_mss);
	pcb->mss = (uint16_t)MAX(mss, 64u);
	pcb->ws_ok = seg->has_ws;
	pcb->sack_ok = seg->has_sack_ok;
	if (seg->has_ws) {
		pcb->snd_wscale = seg->ws;
	} else {
		pcb->snd_wscale = 0;
		pcb->rcv_wscale = 0;
	}
}

/* Both SYNs are acknowledged: start the data phase. */
static void tcp_established(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	/* RFC 5681 §3.1 initial window */
	pcb->cwnd = pcb->mss > 2190 ? 2u * pcb->mss : pcb->mss > 1095 ? 3u * pcb->mss : 4u * pcb->mss;
	pcb->ssthresh = 0x7fffffff;
	pcb->recover = pcb->iss;
	pcb->snd_una = seq_add(pcb->iss, 1);
	pcb->snd_nxt = pcb->snd_max = SEQ_MAX(pcb->snd_nxt, pcb->snd_una);
	pcb->snd_sml = pcb->snd_una;
	pcb->snd_wnd = seg->wnd;         /* the SYN's window is never scaled */
	if (!(seg->flags & TCP_SYN))
		pcb->snd_wnd = (uint32_t)seg->wnd << pcb->snd_wscale;
	pcb->snd_wnd_max = pcb->snd_wnd;
	pcb->snd_wl1 = seg->seq0;
	pcb->snd_wl2 = seg->ack;
	pcb->retries = 0;
	pcb->t_rexmt = 0;
	pcb->last_rx = pcb->stk->now;
	if (pcb->rtt_timing) {
		tcp_update_rto(pcb, (uint32_t)(pcb->stk->now - pcb->rtt_start));
		pcb->rtt_timing = false;
	}
	tcp_set_state(pcb, pcb->fin_queued ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED);
}

static void tcp_listen_input(struct tcp_pcb *l, const struct tcp_seg *seg)
{
	struct net_stack *stk = l->stk;
	if (seg->flags & TCP_RST) {
		CNT(stk, tcp_drop_state);
		return;
	}
	if (seg->flags & TCP_ACK) {
		CNT(stk, tcp_drop_state);
		tcp_reply_rst(stk, seg->src, seg->dst, seg->sport, seg->dport, seg->seq, seg->ack,
			      seg->flags, seg->len);
		return;
	}
	if (!(seg->flags & TCP_SYN) || (seg->flags & TCP_FIN)) {
		CNT(stk, tcp_drop_state);
		return;
	}
	/* A full SYN queue evicts its oldest embryo, so that a flood of SYNs
	 * never locks real clients out for long. */
	unsigned syn_max = MIN(MAX(l->backlog, 16u), (unsigned)TCP_BACKLOG_MAX);
	if (l->nsyn >= syn_max) {
		struct tcp_pcb *old = l->synq;
		while (old->q_next)
			old = old->q_next;
		CNT(stk, tcp_syn_evict);
		tcp_drop(old, 0);
	}
	struct tcp_pcb *pcb = tcp_pcb_new(stk);
	if (!pcb) {
		CNT(stk, tcp_syn_drop);
		return;
	}
	pcb->lip = seg->dst;
	pcb->lport = seg->dport;
	pcb->rip = seg->src;
	pcb->rport = seg->sport;
	pcb->reuseaddr = l->reuseaddr;
	pcb->nodelay = l->nodelay;
	pcb->keepalive = l->keepalive;
	pcb->keepidle_s = l->keepidle_s;
	pcb->keepintvl_s = l->keepintvl_s;
	pcb->keepcnt = l->keepcnt;
	pcb->user_mss = l->user_mss;
	pcb->sndbuf.max = l->sndbuf.max;
	pcb->rcvbuf.max = l->rcvbuf.max;
	pcb->rcv_wscale = tcp_pick_wscale(pcb->rcvbuf.max);
	tcp_apply_syn_options(pcb, seg);
	pcb->irs = seg->seq;
	pcb->rcv_nxt = pcb->rcv_adv = seq_add(seg->seq, 1);
	pcb->iss = seq_make(netp_random());
	pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->iss;
	pcb->snd_wnd = seg->wnd;
	pcb->snd_wl1 = seg->seq;
	pcb->state = TCP_SYN_RECEIVED;
	pcb->listener = l;
	pcb->q_next = l->synq;
	l->synq = pcb;
	l->nsyn++;
	tcp_hash_insert(pcb);
	tcp_send_syn(pcb);
	pcb->t_rexmt = stk->now + pcb->rto;
}

static void tcp_syn_sent_input(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
	struct net_stack *stk = pcb->stk;
	bool ack_ok = false;
	if (seg->flags & TCP_ACK) {
		if (SEQ_LEQ(seg->ack, pcb->iss) || SEQ_GT(seg->ack, pcb->snd_max)) {
			CNT(stk, tcp_drop_state);
			tcp_reply_rst(stk, seg->src, seg->dst, seg->sport, seg->dport, seg->seq,
				      seg->ack, seg->flags, seg->len);
			return;
		}
		ack_ok = true;
	}
	if (seg->flags & TCP_RST) {
		if (ack_ok) {
			CNT(stk, tcp_rst_rx);
			tcp_drop(pcb, -ECONNREFUSED);
		} else {
			CNT(stk, tcp_drop_state);
		}
		return;
	}
	if (!(seg->flags & TCP_SYN)) {
		CNT(stk, tcp_drop_state);
		return;
	}
	tcp_apply_syn_options(pcb, seg);
	pcb->irs = seg->seq;
	pcb->rcv_nxt = pcb->rcv_adv = seq_add(seg->seq, 1);
	if (ack_ok) {
		tcp_established(pcb, seg);
		pcb->ack_now = true;      /* data in a SYN-ACK is not taken: it comes again */
		tcp_output(pcb);
	} else {
		/* Simultaneous open (RFC 9293 Figure 7). */
		pcb->snd_wnd = seg->wnd;
		pcb->snd_wl1 = seg->seq;
		pcb->state = TCP_SYN_RECEIVED;
		tcp_send_syn(pcb);
	}
}

/* RFC 9293 §3.10.7.4 first check, then trim the segment to the window.
 * Returns false when the segment is not acceptable. */
static bool tcp_trim_to_window(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
	int32_t adv = seq_diff(pcb->rcv_adv, pcb->rcv_nxt);
	uint32_t wnd = adv > 0 ? (uint32_t)adv : 0;
	uint32_t seglen = seg->len + ((seg->flags & TCP_SYN) ? 1 : 0) + ((seg->flags & TCP_FIN) ? 1 : 0);
	tcp_seq_t lo = pcb->rcv_nxt, hi = seq_add(pcb->rcv_nxt, wnd);
	bool ok;
	if (seglen == 0)
		/* Inclusive right edge, as Linux does: a peer that filled our
		 * window sends its ACKs from exactly there (RFC 9293 would drop
		 * them, and both sides could wait for each other for minutes). */
		ok = SEQ_GEQ(seg->seq, lo) && SEQ_LEQ(seg->seq, hi);
	else if (wnd == 0)
		ok = SEQ_EQ(seg->seq, lo);       /* a probe: take its ACK, not its data */
	else
		ok = SEQ_IN(seg->seq, lo, hi) || SEQ_IN(seq_add(seg->seq, seglen - 1), lo, hi);
	if (!ok)
		return false;
	int32_t old = seq_diff(lo, seg->seq);    /* bytes before rcv_nxt */
	if (old > 0) {
		if (seg->flags & TCP_SYN) {
			seg->flags &= (uint8_t)~TCP_SYN;
			seg->seq = seq_add(seg->seq, 1);
			old--;
		}
		uint32_t k = MIN((uint32_t)old, seg->len);
		seg->data += k;
		seg->len -= k;
		seg->seq = seq_add(seg->seq, k);
	}
	int32_t room = seq_diff(hi, seg->seq);
	if (room < 0)
		room = 0;
	if (seg->len > (uint32_t)room) {
		seg->len = (uint32_t)room;
		seg->flags &= (uint8_t)~TCP_FIN;   /* the FIN was past the window */
		pcb->ack_now = true;
	}
	return true;
}

/* Insert into the out-of-order queue (sorted, disjoint). False: no room. */
static bool tcp_ooo_insert(struct tcp_pcb *pcb, tcp_seq_t seq, const uint8_t *data,
			   uint32_t len, bool fin)
{
	struct tcp_ooo **pp = &pcb->ooo;
	/* Skip segments that end at or before the new one starts; trim against
	 * the one before, drop the ones the new one covers, trim against the next. */
	while (*pp && SEQ_LEQ(seq_add((*pp)->seq, (*pp)->len), seq))
		pp = &(*pp)->next;
	if (*pp && SEQ_LEQ((*pp)->seq, seq)) {
		uint32_t covered = (uint32_t)seq_diff(seq_add((*pp)->seq, (*pp)->len), seq);
		if (covered >= len)
			return true;           /* a duplicate */
		seq = seq_add(seq, covered);
		data += covered;
		len -= covered;
		pp = &(*pp)->next;
	}
	while (*pp && SEQ_GEQ(seq_add(seq, len), seq_add((*pp)->seq, (*pp)->len))) {
		struct tcp_ooo *gone = *pp;     /* entirely inside the new one */
		*pp = gone->next;
		fin = fin || gone->fin;
		netp_free(gone);
		pcb->nooo--;
	}
	if (*pp && SEQ_GT(seq_add(seq, len), (*pp)->seq)) {
		len = (uint32_t)seq_diff((*pp)->seq, seq);
		fin = false;
	}
	if (len == 0 && !fin)
		return true;
	if (pcb->nooo >= TCP_OOO_MAX)
		return false;
	struct tcp_ooo *o = netp_alloc(sizeof(*o) + len);
	if (!o)
		return false;
	o->seq = seq;
	o->len = len;
	o->fin = fin;
	memcpy(o->data, data, len);
	o->next = *pp;
	*pp = o;
	pcb->nooo++;
	pcb->ooo_last = seq;
	return true;
}

/* Move what the queue holds at rcv_nxt into the receive buffer. Returns
 * true when a FIN became in order. */
static bool tcp_ooo_pull(struct tcp_pcb *pcb)
{
	bool fin = false;
	while (pcb->ooo && SEQ_LEQ(pcb->ooo->seq, pcb->rcv_nxt)) {
		struct tcp_ooo *o = pcb->ooo;
		pcb->ooo = o->next;
		pcb->nooo--;
		int32_t skip = seq_diff(pcb->rcv_nxt, o->seq);
		if ((uint32_t)skip <= o->len) {
			uint32_t want = o->len - (uint32_t)skip;
			uint32_t k = (uint32_t)nring_write(&pcb->rcvbuf, o->data + skip, want);
			pcb->rcv_nxt = seq_add(pcb->rcv_nxt, k);
			if (k < want)
				CNT(pcb->stk, tcp_drop_nomem);
			else if (o->fin)
				fin = true;
		}
		netp_free(o);
		if (fin)
			break;
	}
	if (fin) {
		while (pcb->ooo) {           /* nothing can follow a FIN */
			struct tcp_ooo *o = pcb->ooo;
			pcb->ooo = o->next;
			netp_free(o);
		}
		pcb->nooo = 0;
	}
	return fin;
}

/* Resend the next hole the scoreboard shows, if any (RFC 6675 NextSeg). */
static bool tcp_resend_hole(struct tcp_pcb *pcb)
{
	tcp_seq_t seq;
	uint32_t len;
	if (!tcp_sack_next_hole(pcb, pcb->rexmit_next, &seq, &len))
		return false;
	len = MIN(len, (uint32_t)seq_diff(seq_add(pcb->snd_una, pcb->sndbuf.len), seq));
	if (len == 0)
		return false;
	CNT(pcb->stk, tcp_retx);
	tcp_xmit(pcb, seq, len, TCP_ACK);
	pcb->rexmit_next = seq_add(seq, len);
	return true;
}

/* NewReno on a duplicate ACK (RFC 5681 §3.2, RFC 6582 §3.2); with SACK the
 * holes the scoreboard shows are resent first (RFC 6675 §5), and the
 * RFC 6582 "recover" guard is not needed: only ACKs that SACK new data
 * count, and a go-back-N does not make those. */
static void tcp_dupack(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	struct net_stack *stk = pcb->stk;
	CNT(stk, tcp_dupack_rx);
	pcb->dupacks++;
	if (pcb->in_recovery) {
		if (pcb->sack_ok && tcp_resend_hole(pcb))
			return;             /* the segment that left made room for it */
		pcb->cwnd += pcb->mss;      /* (4) inflate: a segment has left the network */
		tcp_output(pcb);
	} else if (pcb->dupacks < 3) {
		tcp_output(pcb);            /* limited transmit (RFC 3042) */
	} else if (pcb->dupacks == 3 && (pcb->sack_ok || SEQ_GT(seg->ack, pcb->recover))) {
		uint32_t flight = (uint32_t)seq_diff(pcb->snd_max, pcb->snd_una);
		pcb->ssthresh = MAX(flight / 2, 2u * pcb->mss);
		pcb->recover = pcb->snd_max;
		CNT(stk, tcp_fast_retx);
		tcp_retransmit_first(pcb);
		pcb->rexmit_next = seq_add(pcb->snd_una, MIN((uint32_t)pcb->mss, pcb->sndbuf.len));
		pcb->cwnd = pcb->ssthresh + 3u * pcb->mss;
		pcb->in_recovery = true;
		pcb->t_rexmt = stk->now + pcb->rto;
	}
}

/* (acked) new bytes acknowledged. Returns false when the connection is gone. */
static bool tcp_ack_new(struct tcp_pcb *pcb, const struct tcp_seg *seg, uint32_t acked)
{
	struct net_stack *stk = pcb->stk;
	uint32_t data = MIN(acked, pcb->sndbuf.len);
	nring_drop(&pcb->sndbuf, data);
	if (acked > data && pcb->fin_queued)
		pcb->fin_acked = true;
	pcb->snd_una = seg->ack;
	if (SEQ_LT(pcb->snd_nxt, pcb->snd_una))
		pcb->snd_nxt = pcb->snd_una;
	tcp_sack_trim(pcb);
	if (pcb->rtt_timing && SEQ_GT(seg->ack, pcb->rtt_seq)) {
		tcp_update_rto(pcb, (uint32_t)(stk->now - pcb->rtt_start));
		pcb->rtt_timing = false;
	}
	pcb->retries = 0;
	uint32_t flight = (uint32_t)seq_diff(pcb->snd_max, pcb->snd_una);
	if (pcb->in_recovery) {
		if (SEQ_GEQ(seg->ack, pcb->recover)) {
			/* Full ACK: deflate, recovery is over (RFC 6582 §3.2 (3)). */
			pcb->cwnd = MIN(pcb->ssthresh, MAX(flight, (uint32_t)pcb->mss) + pcb->mss);
			pcb->in_recovery = false;
			pcb->dupacks = 0;
		} else {
			/* Partial ACK: the next hole is lost too; send it now. */
			tcp_retransmit_first(pcb);
			tcp_seq_t sent = seq_add(pcb->snd_una, MIN((uint32_t)pcb->mss, pcb->sndbuf.len));
			if (SEQ_LT(pcb->rexmit_next, sent))
				pcb->rexmit_next = sent;
			pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : 0;
			if (acked >= pcb->mss)
				pcb->cwnd += pcb->mss;
			pcb->cwnd = MAX(pcb->cwnd, (uint32_t)pcb->mss);
		}
	} else {
		pcb->dupacks = 0;
		if (pcb->cwnd < pcb->ssthresh) {
			pcb->cwnd += MIN(acked, (uint32_t)pcb->mss);     /* slow start */
		} else {
			pcb->bytes_acked += acked;                       /* congestion avoidance */
			if (pcb->bytes_acked >= pcb->cwnd) {
				pcb->bytes_acked -= pcb->cwnd;
				pcb->cwnd += pcb->mss;
			}
		}
		pcb->cwnd = MIN(pcb->cwnd, (uint32_t)SOCK_BUF_MAX * 4);
	}
	/* RFC 6298 (5.2), (5.3) */
	pcb->t_rexmt = SEQ_EQ(pcb->snd_una, pcb->snd_max) ? 0 : stk->now + pcb->rto;
	if (pcb->t_persist)
		pcb->persist_ms = MAX(pcb->rto, (uint32_t)TCP_PERSIST_MIN_MS);

	if (!pcb->fin_acked)
		return true;
	switch (pcb->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(pcb, TCP_FIN_WAIT_2);
		return true;
	case TCP_CLOSING:
		tcp_set_state(pcb, TCP_TIME_WAIT);
		return true;
	case TCP_LAST_ACK:
		tcp_drop(pcb, 0);
		return false;
	default:
		return true;
	}
}

/* The ACK field in a synchronized state (RFC 9293 §3.10.7.4 fifth check).
 * Returns false when the segment must go no further. */
static bool tcp_ack_input(struct tcp_pcb *pcb, const struct tcp_seg *seg)
{
	struct net_stack *stk = pcb->stk;
	if (SEQ_GT(seg->ack, pcb->snd_max)) {
		CNT(stk, tcp_drop_state);      /* acknowledges what we never sent */
		tcp_send_ack(pcb);
		return false;
	}
	if (SEQ_LT(seg->ack, pcb->snd_una))
		return true;                  /* an old ACK: ignore it, keep the data */
	uint32_t acked = (uint32_t)seq_diff(seg->ack, pcb->snd_una);
	uint32_t wnd = (uint32_t)seg->wnd << pcb->snd_wscale;
	/* A duplicate ACK (RFC 5681 §2): no data, same window. With SACK it is
	 * an ACK that SACKs new data (RFC 6675 §2), so ACKs riding on the
	 * peer's data count and duplicated frames do not. */
	uint32_t sacked = 0;
	if (pcb->sack_ok && seg->nsack)
		sacked = tcp_sack_update(pcb, seg->sack, seg->nsack);
	bool dup = pcb->sack_ok ? sacked > 0 :
		   seg->len == 0 && !(seg->flags & TCP_FIN) && wnd == pcb->snd_wnd;
	if (acked > 0) {
		if (!tcp_ack_new(pcb, seg, acked))
			return false;
	} else if (dup && pcb->snd_wnd != 0 && SEQ_LT(pcb->snd_una, pcb->snd_max)) {
		tcp_dupack(pcb, seg);
	}
	/* Window update (SND.WL1/WL2 rule). */
	if (SEQ_LT(pcb->snd_wl1, seg->seq0) ||
	    (SEQ_EQ(pcb->snd_wl1, seg->seq0) && SEQ_LEQ(pcb->snd_wl2, seg->ack))) {
		pcb->snd_wnd = wnd;
		pcb->snd_wnd_max = MAX(pcb->snd_wnd_max, wnd);
		pcb->snd_wl1 = seg->seq0;
		pcb->snd_wl2 = seg->ack;
	}
	return true;
}

/* Our FIN is in order: RFC 9293 §3.10.7.4 eighth check. */
static void tcp_fin_input(struct tcp_pcb *pcb)
{
	pcb->rcv_nxt = seq_add(pcb->rcv_nxt, 1);
	pcb->fin_rcvd = true;
	pcb->ack_now = true;
	switch (pcb->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(pcb, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		tcp_set_state(pcb, pcb->fin_acked ? TCP_TIME_WAIT : TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_set_state(pcb, TCP_TIME_WAIT);
		break;
	default:
		break;
	}
}

/* Payload and FIN (sixth to eighth checks). Returns false when gone. */
static bool tcp_data_input(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
	struct net_stack *stk = pcb->stk;
	bool fin = (seg->flags & TCP_FIN) != 0;
	if (seg->len == 0 && !fin)
		return true;
	if (pcb->state != TCP_ESTABLISHED && pcb->state != TCP_FIN_WAIT_1 &&
	    pcb->state != TCP_FIN_WAIT_2) {
		CNT(stk, tcp_drop_state);      /* the peer already sent its FIN */
		pcb->ack_now = true;
		return true;
	}
	if (!pcb->sock && !pcb->listener && seg->len > 0) {
		/* Closed by the application: nobody will read this (Linux: RST).
		 * (A child still in its listener's accept queue has no socket yet
		 * either, but accept() will read what it queues.) */
		CNT(stk, tcp_drop_state);
		tcp_send_rst_for(pcb);
		tcp_drop(pcb, -ECONNRESET);
		return false;
	}
	if (!SEQ_EQ(seg->seq, pcb->rcv_nxt)) {
		/* A hole before it: keep it, and send a duplicate ACK at once
		 * (RFC 5681 §4.2) so the sender can retransmit fast. */
		if (tcp_ooo_insert(pcb, seg->seq, seg->data, seg->len, fin))
			CNT(stk, tcp_ooo);
		else
			CNT(stk, tcp_drop_nomem);
		pcb->ack_now = true;
		return true;
	}
	bool filled_hole = pcb->ooo != NULL;
	uint32_t k = (uint32_t)nring_write(&pcb->rcvbuf, seg->data, seg->len);
	pcb->rcv_nxt = seq_add(pcb->rcv_nxt, k);
	if (k < seg->len) {
		CNT(stk, tcp_drop_nomem);
		fin = false;
		pcb->ack_now = true;
	}
	if (filled_hole && !fin && k == seg->len)
		fin = tcp_ooo_pull(pcb);
	if (fin) {
		tcp_fin_input(pcb);
	} else if (filled_hole) {
		pcb->ack_now = true;           /* RFC 5681 §4.2: ACK a filled hole at once */
	} else if (k > 0) {
		/* Delayed ACK (RFC 9293 §3.8.6.3): every second full segment at once. */
		pcb->unacked_segs++;
		if (pcb->unacked_segs >= 2)
			pcb->ack_now = true;
		else if (!pcb->t_delack)
			pcb->t_delack = stk->now + TCP_DELACK_MS;
	}
	return true;
}

/* Every state but CLOSED, LISTEN and SYN_SENT. */
static void tcp_process(struct tcp_pcb *pcb, struct tcp_seg *seg)
{
	struct net_stack *stk = pcb->stk;
	if (pcb->state == TCP_SYN_RECEIVED && (seg->flags & TCP_SYN) && SEQ_EQ(seg->seq, pcb->irs)) {
		if (!(seg->flags & TCP_ACK)) {
			tcp_send_syn(pcb);        /* their SYN again: our SYN-ACK again */
			return;
		}
		/* Simultaneous open: their SYN-ACK repeats the SYN we have. */
		seg->flags &= (uint8_t)~TCP_SYN;
		seg->seq = seq_add(seg->seq, 1);
	}
	if (!tcp_trim_to_window(pcb, seg)) {
		CNT(stk, tcp_drop_seq);
		if (!(seg->flags & TCP_RST))
			tcp_send_ack(pcb);
		return;
	}
	if (seg->flags & TCP_RST) {
		/* RFC 5961 §3.2: only an exact match resets; else a challenge ACK. */
		if (!SEQ_EQ(seg->seq0, pcb->rcv_nxt)) {
			CNT(stk, tcp_challenge_ack);
			tcp_send_ack(pcb);
			return;
		}
		CNT(stk, tcp_rst_rx);
		int err = -ECONNRESET;
		if (pcb->state == TCP_SYN_RECEIVED)
			err = pcb->listener ? 0 : -ECONNREFUSED;
		else if (pcb->state >= TCP_CLOSING)
			err = 0;                  /* CLOSING, LAST_ACK, TIME_WAIT */
		tcp_drop(pcb, err);
		return;
	}
	if (seg->flags & TCP_SYN) {
		CNT(stk, tcp_challenge_ack);      /* RFC 5961 §4.2 */
		tcp_send_ack(pcb);
		return;
	}
	if (!(seg->flags & TCP_ACK)) {
		CNT(stk, tcp_drop_state);
		return;
	}
	pcb->last_rx = stk->now;
	pcb->keep_probes = 0;
	if (pcb->state == TCP_SYN_RECEIVED) {
		if (SEQ_LEQ(seg->ack, pcb->snd_una) || SEQ_GT(seg->ack, pcb->snd_max)) {
			CNT(stk, tcp_drop_state);
			tcp_reply_rst(stk, seg->src, seg->dst, seg->sport, seg->dport, seg->seq0,
				      seg->ack, seg->flags, seg->len);
			return;
		}
		struct tcp_pcb *l = pcb->listener;
		if (l && l->naccept >= l->backlog) {
			CNT(stk, tcp_accept_full);   /* stay embryonic; the SYN-ACK repeats */
			return;
		}
		tcp_established(pcb, seg);
		if (l) {
			/* From the SYN queue to the tail of the accept queue. */
			struct tcp_pcb **pp = &l->synq;
			while (*pp != pcb)
				pp = &(*pp)->q_next;
			*pp = pcb->q_next;
			l->nsyn--;
			pcb->q_next = NULL;
			pp = &l->acceptq;
			while (*pp)
				pp = &(*pp)->q_next;
			*pp = pcb;
			l->naccept++;
			pcb->in_acceptq = true;
			CNT(stk, tcp_passive_open);
		}
	}
	if (!tcp_ack_input(pcb, seg))
		return;
	if (!tcp_data_input(pcb, seg))
		return;
	if (pcb->state == TCP_TIME_WAIT && (seg->flags & TCP_FIN))
		pcb->t_close = stk->now + 2 * TCP_MSL_MS;   /* a FIN again: restart */
	tcp_output(pcb);
}

void tcp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen,
	       unsigned flags)
{
	CNT(stk, tcp_rx);
	const uint8_t *h = ip + hlen;
	size_t len = iplen - hlen;
	size_t doff = len >= TCP_HLEN ? (size_t)(h[12] >> 4) * 4 : 0;
	if (doff < TCP_HLEN || doff > len) {
		CNT(stk, tcp_drop_bad);
		return;
	}
	struct tcp_seg seg = {
		.src = rd32(ip + 12),
		.dst = rd32(ip + 16),
		.sport = rd16(h),
		.dport = rd16(h + 2),
		.seq = seq_make(rd32(h + 4)),
		.ack = seq_make(rd32(h + 8)),
		.flags = h[13] & 0x3f,
		.wnd = rd16(h + 14),
		.data = h + doff,
		.len = (uint32_t)(len - doff),
	};
	seg.seq0 = seg.seq;
	uint32_t sum = net_csum_pseudo(seg.src, seg.dst, IP_PROTO_TCP, (uint16_t)len);
	if (!(flags & NETDEV_RX_CSUM_OK) && net_csum_fold(net_csum_add(sum, h, len)) != 0) {
		CNT(stk, tcp_drop_csum);
		return;
	}
	if (!ip_is_local(stk, seg.dst) || seg.sport == 0 || seg.dport == 0 ||
	    !tcp_parse_options(&seg, h + TCP_HLEN, doff - TCP_HLEN)) {
		CNT(stk, tcp_drop_bad);
		return;
	}
	struct tcp_pcb *pcb = tcp_lookup(stk, seg.dst, seg.dport, seg.src, seg.sport);
	if (pcb && pcb->state == TCP_TIME_WAIT && (seg.flags & TCP_SYN) && !pcb->sock &&
	    SEQ_GT(seg.seq, pcb->rcv_nxt) && tcp_lookup_listener(stk, seg.dst, seg.dport)) {
		tcp_drop(pcb, 0);            /* a new incarnation (RFC 9293 §3.6.1) */
		pcb = NULL;
	}
	if (!pcb) {
		struct tcp_pcb *l = tcp_lookup_listener(stk, seg.dst, seg.dport);
		if (l) {
			tcp_listen_input(l, &seg);
			return;
		}
		CNT(stk, tcp_drop_noport);
		uint32_t seglen = seg.len + ((seg.flags & TCP_SYN) ? 1 : 0) + ((seg.flags & TCP_FIN) ? 1 : 0);
		tcp_reply_rst(stk, seg.src, seg.dst, seg.sport, seg.dport, seg.seq, seg.ack,
			      seg.flags, seglen);
		return;
	}
	if (pcb->state == TCP_SYN_SENT)
		tcp_syn_sent_input(pcb, &seg);
	else
		tcp_process(pcb, &seg);
}
