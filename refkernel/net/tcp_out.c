/* tcp_out.c — sending TCP segments. tcp_output() decides what the send and
 * congestion windows, Nagle, limited transmit and the sender's silly-window
 * rule allow (skipping data the peer SACKed when it goes back), then
 * tcp_xmit() builds each segment (header, options, a copy of the data from
 * the send buffer) and passes it to ip_output(). Retransmission timeouts
 * (RFC 6298 §5, RFC 5681 §3.1) are handled here too. */
#include "net_impl.h"

#define TCP_OPT_MSS 2
#define TCP_OPT_WS 3
#define TCP_OPT_NOP 1
#define TCP_OPT_SACK_OK 4
#define TCP_OPT_SACK 5

/* SACK blocks (RFC 2018 §3-4) describing the out-of-order queue: adjacent
 * segments merge into one block; the block holding the latest segment goes
 * first. Returns the option bytes written at (opt). */
static size_t tcp_sack_option(const struct tcp_pcb *pcb, uint8_t *opt)
{
	tcp_seq_t lo[TCP_SACK_BLOCKS], hi[TCP_SACK_BLOCKS], cur_lo = { 0 }, cur_hi = { 0 };
	tcp_seq_t last_lo = { 0 }, last_hi = { 0 };
	unsigned n = 0;
	bool open = false, cur_has_last = false, have_last = false;
	/* One pass over the queue, merging adjacent segments into blocks: keep
	 * the first few blocks and the one holding the latest segment. */
	for (const struct tcp_ooo *o = pcb->ooo;; o = o->next) {
		if (open && (!o || !SEQ_EQ(cur_hi, o->seq))) {
			if (cur_has_last) {
				last_lo = cur_lo;
				last_hi = cur_hi;
				have_last = true;
			} else if (n < TCP_SACK_BLOCKS - 1) {
				lo[n] = cur_lo;
				hi[n] = cur_hi;
				n++;
			}
			open = false;
		}
		if (!o)
			break;
		if (!open) {
			cur_lo = o->seq;
			cur_has_last = false;
			open = true;
		}
		cur_hi = seq_add(o->seq, o->len);
		cur_has_last = cur_has_last || SEQ_EQ(o->seq, pcb->ooo_last);
	}
	unsigned k = 0;
	opt[0] = TCP_OPT_NOP;
	opt[1] = TCP_OPT_NOP;
	opt[2] = TCP_OPT_SACK;
	if (have_last) {
		wr32(opt + 4, last_lo.v);
		wr32(opt + 8, last_hi.v);
		k++;
	}
	for (unsigned i = 0; i < n; i++, k++) {
		wr32(opt + 4 + 8 * k, lo[i].v);
		wr32(opt + 8 + 8 * k, hi[i].v);
	}
	if (k == 0)
		return 0;
	opt[3] = (uint8_t)(2 + 8 * k);
	return 4 + 8 * k;
}

/* Was our FIN sent (it may still be unacknowledged)? */
static bool tcp_fin_sent(const struct tcp_pcb *pcb)
{
	return pcb->fin_queued &&
	       SEQ_GT(pcb->snd_max, seq_add(pcb->snd_una, pcb->sndbuf.len));
}

/* Checksum the segment at frame + NET_HDR_ROOM and send it from (src) to (dst). */
static int tcp_checksum_and_send(struct net_stack *stk, uint8_t *frame, uint32_t src, uint32_t dst,
				 size_t seglen)
{
	uint8_t *h = frame + NET_HDR_ROOM;
	wr16(h + 16, net_l4_csum(stk, src, dst, IP_PROTO_TCP, h, seglen));
	int rc = ip_output(stk, frame, seglen, src, dst, IP_PROTO_TCP);
	if (rc == 0)
		CNT(stk, tcp_tx);
	return rc;
}

int tcp_xmit(struct tcp_pcb *pcb, tcp_seq_t seq, uint32_t len, uint8_t flags)
{
	struct net_stack *stk = pcb->stk;
	uint8_t frame[NET_FRAME_MAX];
	uint8_t *h = frame + NET_HDR_ROOM;
	size_t optlen = 0;
	uint8_t *opt = h + TCP_HLEN;
	if (flags & TCP_SYN) {
		/* MSS (RFC 9293 §3.7.1), window scale (RFC 7323 §2) when agreed or asked. */
		opt[0] = TCP_OPT_MSS;
		opt[1] = 4;
		wr16(opt + 2, (uint16_t)(stk->mtu - IP_HLEN - TCP_HLEN));
		optlen = 4;
		if (pcb->state == TCP_SYN_SENT || pcb->ws_ok) {
			opt[optlen] = TCP_OPT_NOP;
			opt[optlen + 1] = TCP_OPT_WS;
			opt[optlen + 2] = 3;
			opt[optlen + 3] = pcb->rcv_wscale;
			optlen += 4;
		}
		if (pcb->state == TCP_SYN_SENT || pcb->sack_ok) {
			opt[optlen] = TCP_OPT_NOP;
			opt[optlen + 1] = TCP_OPT_NOP;
			opt[optlen + 2] = TCP_OPT_SACK_OK;
			opt[optlen + 3] = 2;
			optlen += 4;
		}
	} else if (pcb->sack_ok && pcb->ooo && len == 0 && (flags & TCP_ACK)) {
		/* Only pure ACKs carry SACK blocks, so data segments keep their
		 * full MSS; the duplicate ACKs a hole causes are pure ACKs. */
		optlen = tcp_sack_option(pcb, opt);
	}
	size_t hlen = TCP_HLEN + optlen;
	if (hlen + len + IP_HLEN > stk->mtu)
		return -EMSGSIZE;
	if (len > 0)
		nring_peek(&pcb->sndbuf, (uint32_t)seq_diff(seq, pcb->snd_una), h + hlen, len);

	/* The window: never scaled in a SYN segment (RFC 7323 §2.2). */
	uint32_t wnd = tcp_rcv_window(pcb);
	uint32_t field = (flags & TCP_SYN) ? MIN(wnd, 65535u) : MIN(wnd >> pcb->rcv_wscale, 65535u);
	if (flags & TCP_ACK) {
		tcp_seq_t edge = seq_add(pcb->rcv_nxt, (flags & TCP_SYN) ? field : field << pcb->rcv_wscale);
		if (SEQ_GT(edge, pcb->rcv_adv))
			pcb->rcv_adv = edge;
	}
	wr16(h, pcb->lport);
	wr16(h + 2, pcb->rport);
	wr32(h + 4, seq.v);
	wr32(h + 8, (flags & TCP_ACK) ? pcb->rcv_nxt.v : 0);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = flags;
	wr16(h + 14, (uint16_t)field);
	wr16(h + 16, 0);
	wr16(h + 18, 0);
	if (flags & TCP_ACK) {
		/* Every segment carries the ACK: nothing is owed any more. */
		pcb->ack_now = false;
		pcb->unacked_segs = 0;
		pcb->t_delack = 0;
	}
	if (flags & TCP_RST)
		CNT(stk, tcp_rst_tx);
	return tcp_checksum_and_send(stk, frame, pcb->lip, pcb->rip, hlen + len);
}

void tcp_send_syn(struct tcp_pcb *pcb)
{
	uint8_t flags = pcb->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
	if (!pcb->rtt_timing) {
		pcb->rtt_timing = true;
		pcb->rtt_seq = pcb->iss;
		pcb->rtt_start = pcb->stk->now;
	}
	tcp_xmit(pcb, pcb->iss, 0, flags);
	pcb->snd_max = seq_add(pcb->iss, 1);
	pcb->snd_nxt = pcb->snd_max;
}

/* A pure ACK carries snd_max, not snd_nxt: after a timeout snd_nxt went
 * back, and the peer would find that sequence number old and drop the ACK. */
void tcp_send_ack(struct tcp_pcb *pcb)
{
	if (pcb->state == TCP_SYN_RECEIVED)
		tcp_send_syn(pcb);
	else
		tcp_xmit(pcb, pcb->snd_max, 0, TCP_ACK);
}

void tcp_send_rst_for(struct tcp_pcb *pcb)
{
	if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN || pcb->state == TCP_SYN_SENT)
		return;
	tcp_xmit(pcb, pcb->snd_max, 0, TCP_RST | TCP_ACK);
}

void tcp_reply_rst(struct net_stack *stk, uint32_t src, uint32_t dst, uint16_t sport,
		   uint16_t dport, tcp_seq_t seq, tcp_seq_t ack, uint8_t flags, uint32_t seglen)
{
	if (flags & TCP_RST)
		return;   /* never answer a reset */
	uint8_t frame[NET_FRAME_MAX];
	uint8_t *h = frame + NET_HDR_ROOM;
	/* RFC 9293 §3.10.7.1: take the ACK as our sequence number, or ACK theirs. */
	uint8_t out = TCP_RST;
	tcp_seq_t s = seq_make(0), a = seq_make(0);
	if (flags & TCP_ACK) {
		s = ack;
	} else {
		out |= TCP_ACK;
		a = seq_add(seq, seglen);
	}
	wr16(h, dport);          /* our port */
	wr16(h + 2, sport);
	wr32(h + 4, s.v);
	wr32(h + 8, a.v);
	h[12] = (TCP_HLEN / 4) << 4;
	h[13] = out;
	wr16(h + 14, 0);
	wr16(h + 16, 0);
	wr16(h + 18, 0);
	CNT(stk, tcp_rst_tx);
	tcp_checksum_and_send(stk, frame, dst, src, TCP_HLEN);
}

void tcp_retransmit_first(struct tcp_pcb *pcb)
{
	uint32_t len = MIN((uint32_t)pcb->mss, pcb->sndbuf.len);
	uint8_t flags = TCP_ACK;
	if (len == pcb->sndbuf.len && tcp_fin_sent(pcb) && !pcb->fin_acked)
		flags |= TCP_FIN;
	if (len == 0 && !(flags & TCP_FIN))
		return;
	CNT(pcb->stk, tcp_retx);
	pcb->rtt_timing = false;   /* Karn: no RTT sample from a retransmission */
	tcp_xmit(pcb, pcb->snd_una, len, flags);
}

static bool tcp_can_send_data(const struct tcp_pcb *pcb)
{
	switch (pcb->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void tcp_output(struct tcp_pcb *pcb)
{
	struct net_stack *stk = pcb->stk;
	bool sent = false;
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED ||
	    pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN) {
		if (pcb->ack_now && pcb->state == TCP_SYN_RECEIVED)
			tcp_send_syn(pcb);
		pcb->ack_now = false;
		return;
	}
	if (pcb->t_persist && pcb->snd_wnd > 0) {
		/* The window reopened: leave persist and send again from the
		 * probe byte, which the peer may have dropped. */
		pcb->t_persist = 0;
		pcb->snd_nxt = pcb->snd_una;
	}
	while (tcp_can_send_data(pcb)) {
		uint32_t sack_room = UINT32_MAX;
		if (SEQ_LT(pcb->snd_nxt, pcb->snd_max) && pcb->nsb)
			pcb->snd_nxt = tcp_sack_skip(pcb, pcb->snd_nxt, &sack_room);
		uint32_t off = (uint32_t)seq_diff(pcb->snd_nxt, pcb->snd_una);
		uint32_t buffered = pcb->sndbuf.len;
		uint32_t avail = buffered > off ? buffered - off : 0;
		/* Limited transmit (RFC 3042): each of the first two duplicate
		 * ACKs lets one more segment out, so a small window still
		 * produces the third duplicate that starts fast retransmit. */
		uint32_t lt = pcb->in_recovery ? 0 : MIN(pcb->dupacks, 2u) * pcb->mss;
		uint32_t wnd = MIN(pcb->snd_wnd, pcb->cwnd + lt);
		uint32_t usable = wnd > off ? wnd - off : 0;
		uint32_t len = MIN(MIN(avail, usable), MIN((uint32_t)pcb->mss, sack_room));
		bool fin = pcb->fin_queued && !pcb->fin_acked && off + len == buffered;
		bool rexmit = SEQ_LT(pcb->snd_nxt, pcb->snd_max);
		if (len == 0 && !fin)
			break;
		if (len < pcb->mss && !rexmit && !fin) {
			if (len < avail) {
				/* Window-limited: wait for a useful window (RFC 9293 §3.8.6.2.1). */
				if (len < pcb->snd_wnd_max / 2)
					break;
			} else if (pcb->cork) {
				break;   /* TCP_CORK: the tail waits for the uncork */
			} else if (!pcb->nodelay && SEQ_GT(pcb->snd_sml, pcb->snd_una)) {
				/* Nagle (RFC 896) as Minshall refined it (and Linux does):
				 * wait only while an earlier small segment is unacknowledged,
				 * so "full segments + a tail" is not held for a delayed ACK. */
				break;
			}
		}
		uint8_t flags = TCP_ACK;
		if (fin)
			flags |= TCP_FIN;
		if (len > 0 && off + len == buffered)
			flags |= TCP_PSH;
		if (tcp_xmit(pcb, pcb->snd_nxt, len, flags) < 0)
			break;
		if (rexmit) {
			CNT(stk, tcp_retx);
		} else if (!pcb->rtt_timing && len > 0) {
			pcb->rtt_timing = true;
			pcb->rtt_seq = pcb->snd_nxt;
			pcb->rtt_start = stk->now;
		}
		if (len < pcb->mss)
			pcb->snd_sml = seq_add(pcb->snd_nxt, len);
		pcb->snd_nxt = seq_add(pcb->snd_nxt, len + (fin ? 1 : 0));
		pcb->snd_max = SEQ_MAX(pcb->snd_max, pcb->snd_nxt);
		sent = true;
	}
	/* Persist (RFC 9293 §3.8.6.1) while the peer's window is closed and data
	 * waits; otherwise the retransmission timer runs while data is in flight. */
	uint32_t off = (uint32_t)seq_diff(pcb->snd_nxt, pcb->snd_una);
	if (pcb->snd_wnd == 0 && pcb->sndbuf.len > off && tcp_can_send_data(pcb)) {
		if (!pcb->t_persist) {
			pcb->persist_ms = MAX(pcb->rto, (uint32_t)TCP_PERSIST_MIN_MS);
			pcb->t_persist = stk->now + pcb->persist_ms;
		}
		pcb->t_rexmt = 0;
	} else {
		pcb->t_persist = 0;
		if (SEQ_LT(pcb->snd_una, pcb->snd_max) && !pcb->t_rexmt)
			pcb->t_rexmt = stk->now + pcb->rto;
	}
	if (!sent && pcb->ack_now)
		tcp_send_ack(pcb);
}

void tcp_retransmit_timeout(struct tcp_pcb *pcb)
{
	struct net_stack *stk = pcb->stk;
	pcb->t_rexmt = 0;
	pcb->retries++;
	unsigned limit = pcb->state == TCP_SYN_SENT ? TCP_SYN_RETRIES :
			 pcb->state == TCP_SYN_RECEIVED ? TCP_SYNACK_RETRIES : TCP_RETRIES_MAX;
	if (pcb->retries > limit) {
		CNT(stk, tcp_timeout);
		tcp_send_rst_for(pcb);
		tcp_drop(pcb, -ETIMEDOUT);
		return;
	}
	CNT(stk, tcp_rto);
	pcb->rto = MIN(pcb->rto * 2, (uint32_t)TCP_RTO_MAX_MS);   /* RFC 6298 (5.5) */
	pcb->rtt_timing = false;
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
		CNT(stk, tcp_retx);
		tcp_send_syn(pcb);
		pcb->rtt_timing = false;
		pcb->t_rexmt = stk->now + pcb->rto;
		return;
	}
	/* RFC 5681 (4): halve once per loss episode, restart from one segment;
	 * RFC 6582 §4 (4): recovery ends, recover = highest sent. */
	if (pcb->retries == 1) {
		uint32_t flight = (uint32_t)seq_diff(pcb->snd_max, pcb->snd_una);
		pcb->ssthresh = MAX(flight / 2, 2u * pcb->mss);
	}
	pcb->cwnd = pcb->mss;
	pcb->bytes_acked = 0;
	pcb->in_recovery = false;
	pcb->dupacks = 0;
	pcb->recover = pcb->snd_max;
	tcp_sack_clear(pcb);           /* RFC 2018 §8: the peer may have dropped it */
	pcb->snd_nxt = pcb->snd_una;   /* go back N */
	tcp_output(pcb);
	if (!pcb->t_rexmt && !pcb->t_persist && SEQ_LT(pcb->snd_una, pcb->snd_max))
		pcb->t_rexmt = stk->now + pcb->rto;
}
