/* ip_frag.c — IPv4 reassembly (RFC 791 §3.2, RFC 815): a few slots, each a
 * buffer for one datagram (header room, up to 64 KiB of payload, a bitmap of
 * the 8-byte blocks received). ip_input() hands every fragment to
 * ip_reass_input(); the complete datagram goes to ip_deliver(). Slots expire
 * after IP_REASS_TIMEOUT_MS (ip_reass_timer); when all are busy the oldest
 * gives way. Every bound is checked before a byte is copied. */
#include "net_impl.h"

#define REASS_BITMAP (IP_MAX_PACKET / 8 / 8 + 1)
#define REASS_BUF (IP_REASS_ROOM + IP_MAX_PACKET + REASS_BITMAP)

static uint8_t *reass_bitmap(struct ip_reass *r)
{
	return r->buf + IP_REASS_ROOM + IP_MAX_PACKET;
}

static void reass_free(struct ip_reass *r)
{
	netp_free(r->buf);
	r->buf = NULL;
}

/* The slot of this datagram, a new one, or NULL without memory. */
static struct ip_reass *reass_slot(struct net_stack *stk, uint32_t src, uint32_t dst,
				   uint16_t id, uint8_t proto)
{
	struct ip_reass *free_slot = NULL, *oldest = NULL;
	for (int i = 0; i < IP_REASS_SLOTS; i++) {
		struct ip_reass *r = &stk->reass[i];
		if (!r->buf) {
			free_slot = free_slot ? free_slot : r;
			continue;
		}
		if (r->src == src && r->dst == dst && r->id == id && r->proto == proto)
			return r;
		if (!oldest || r->expires < oldest->expires)
			oldest = r;
	}
	if (!free_slot) {
		CNT(stk, ip_reass_timeout);   /* gives way before its time */
		reass_free(oldest);
		free_slot = oldest;
	}
	free_slot->buf = netp_alloc(REASS_BUF);   /* zeroed: an empty bitmap */
	if (!free_slot->buf)
		return NULL;
	free_slot->src = src;
	free_slot->dst = dst;
	free_slot->id = id;
	free_slot->proto = proto;
	free_slot->hlen = 0;
	free_slot->total = 0;
	free_slot->expires = stk->now + IP_REASS_TIMEOUT_MS;
	return free_slot;
}

static bool reass_complete(struct ip_reass *r)
{
	if (!r->hlen || !r->total)
		return false;
	const uint8_t *bits = reass_bitmap(r);
	uint32_t blocks = (r->total + 7) / 8;
	for (uint32_t b = 0; b < blocks; b++)
		if (!(bits[b / 8] & (1u << (b % 8))))
			return false;
	return true;
}

void ip_reass_input(struct net_stack *stk, const uint8_t *pkt, size_t total, size_t hlen)
{
	CNT(stk, ip_frag_rx);
	uint16_t frag = rd16(pkt + 6);
	bool more = frag & IP_FLAG_MF;
	size_t off = (size_t)(frag & IP_OFFSET_MASK) * 8;
	size_t len = total - hlen;
	/* Non-final fragments carry multiples of 8 bytes; nothing may end past
	 * the largest datagram (the "ping of death" check). */
	if (len == 0 || (more && len % 8) || hlen + off + len > IP_MAX_PACKET) {
		CNT(stk, ip_drop_frag);
		return;
	}
	struct ip_reass *r = reass_slot(stk, rd32(pkt + 12), rd32(pkt + 16), rd16(pkt + 4), pkt[9]);
	if (!r) {
		CNT(stk, ip_drop_frag);
		return;
	}
	if (!more) {
		if ((r->total && r->total != off + len) || (r->hlen && r->hlen + off + len > IP_MAX_PACKET)) {
			CNT(stk, ip_drop_frag);   /* two different ends: give up on it */
			reass_free(r);
			return;
		}
		r->total = (uint32_t)(off + len);
	}
	if (r->total && off + len > r->total) {
		CNT(stk, ip_drop_frag);           /* data past the end */
		reass_free(r);
		return;
	}
	if (off == 0) {
		if (r->total && hlen + r->total > IP_MAX_PACKET) {
			CNT(stk, ip_drop_frag);
			reass_free(r);
			return;
		}
		memcpy(r->buf + IP_REASS_ROOM - hlen, pkt, hlen);
		r->hlen = (uint16_t)hlen;
	}
	memcpy(r->buf + IP_REASS_ROOM + off, pkt + hlen, len);   /* overlaps: last wins */
	uint8_t *bits = reass_bitmap(r);
	for (size_t b = off / 8; b < (off + len + 7) / 8; b++)
		bits[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!reass_complete(r))
		return;
	uint8_t *ip = r->buf + IP_REASS_ROOM - r->hlen;
	size_t whole = r->hlen + r->total;
	wr16(ip + 2, (uint16_t)whole);
	wr16(ip + 6, 0);
	CNT(stk, ip_reass_ok);
	/* The device's checksum verdict was about fragments: check it here. */
	ip_deliver(stk, ip, whole, r->hlen, 0);
	reass_free(r);
}

void ip_reass_timer(struct net_stack *stk)
{
	for (int i = 0; i < IP_REASS_SLOTS; i++) {
		struct ip_reass *r = &stk->reass[i];
		if (r->buf && stk->now >= r->expires) {
			CNT(stk, ip_reass_timeout);
			reass_free(r);
		}
	}
}

void ip_reass_flush(struct net_stack *stk)
{
	for (int i = 0; i < IP_REASS_SLOTS; i++)
		reass_free(&stk->reass[i]);
}
