/* arp.c — ARP (RFC 826) for IPv4 over Ethernet: a small cache, answers to
 * requests for our address, requests for the addresses we send to (the
 * packets waiting for the answer queued per entry), and neighbour
 * unreachability detection after RFC 1122 §2.3.2.1 with Linux's NUD states:
 *
 *   PENDING --answer--> REACHABLE --reachable time--> STALE --used--> DELAY
 *   --ARP_DELAY_MS--> PROBE --ARP_TRIES unicast requests unanswered--> gone
 *
 * Every state but PENDING has a MAC and it is used, so re-validation delays
 * and drops nothing. Any ARP packet from the peer (its answer to our probe,
 * its own request) and any IPv4 packet from its MAC (arp_confirm, the
 * "link-layer advice" of §2.3.2.1) make the entry REACHABLE again, so a peer
 * that talks to us is never probed. A STALE entry nobody uses goes after
 * ARP_STALE_MS. arp_input() learns and answers; arp_resolve() is asked by
 * eth_output_ip(); arp_confirm() by ip_input(); arp_timer() retries, probes
 * and expires. */
#include "net_impl.h"

#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

static const uint8_t arp_zero[NETDEV_ADDR_LEN];
static const uint8_t arp_bcast[NETDEV_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void arp_send(struct net_stack *stk, uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *eth_dst)
{
	uint8_t frame[ETH_HLEN + ARP_LEN];
	uint8_t *p = frame + ETH_HLEN;
	wr16(p, 1);                        /* hardware: Ethernet */
	wr16(p + 2, ETH_TYPE_IP);
	p[4] = NETDEV_ADDR_LEN;
	p[5] = 4;
	wr16(p + 6, op);
	memcpy(p + 8, stk->dev->mac, NETDEV_ADDR_LEN);
	wr32(p + 14, stk->ip);
	memcpy(p + 18, tha, NETDEV_ADDR_LEN);
	wr32(p + 24, tpa);
	if (eth_send(stk, frame, sizeof(frame), eth_dst, ETH_TYPE_ARP) == 0)
		CNT(stk, arp_tx);
}

/* RFC 5227 §2.3 announcement: a broadcast request for our own address.
 * A neighbour still resolving us (its request came before our device was
 * up) learns our MAC from it and sends what it had queued for us. */
void net_announce(struct net_stack *stk)
{
	if (stk->ip)
		arp_send(stk, ARP_OP_REQUEST, arp_zero, stk->ip, arp_bcast);
}

/* A request for (e)'s address: broadcast while PENDING; a unicast probe to
 * the MAC we have otherwise (RFC 1122 §2.3.2.1 (2), as Linux's PROBE). */
static void arp_request(struct net_stack *stk, struct arp_entry *e)
{
	if (e->state == ARP_PENDING) {
		arp_send(stk, ARP_OP_REQUEST, arp_zero, e->ip, arp_bcast);
		return;
	}
	arp_send(stk, ARP_OP_REQUEST, arp_zero, e->ip, e->mac);
	CNT(stk, arp_probe);
}

static struct arp_entry *arp_find(struct net_stack *stk, uint32_t ip)
{
	struct arp_entry *h = &stk->arp[stk->arp_hint];
	if (h->state != ARP_FREE && h->ip == ip)
		return h;
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (stk->arp[i].state != ARP_FREE && stk->arp[i].ip == ip) {
			stk->arp_hint = (unsigned)i;
			return &stk->arp[i];
		}
	return NULL;
}

static void arp_drop_pending(struct net_stack *stk, struct arp_entry *e)
{
	while (e->pending) {
		struct arp_packet *p = e->pending;
		e->pending = p->next;
		netp_free(p);
		CNT(stk, arp_unresolved);
	}
	e->npending = 0;
}

/* Which entry gives way first: STALE ones, then the resolved ones, then the
 * pending ones (their queued packets are dropped and counted). */
static int arp_keep_rank(enum arp_state st)
{
	return st == ARP_STALE ? 0 : st == ARP_PENDING ? 2 : 1;
}

/* A free entry, else the least recently confirmed of the lowest rank. */
static struct arp_entry *arp_alloc(struct net_stack *stk)
{
	struct arp_entry *victim = NULL;
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &stk->arp[i];
		if (e->state == ARP_FREE)
			return e;
		if (!victim) {
			victim = e;
			continue;
		}
		int re = arp_keep_rank(e->state), rv = arp_keep_rank(victim->state);
		if (re < rv || (re == rv && e->confirmed < victim->confirmed))
			victim = e;
	}
	arp_drop_pending(stk, victim);
	victim->state = ARP_FREE;
	return victim;
}

/* (e) is confirmed at (mac): REACHABLE again, and everything that waited
 * for it goes. */
static void arp_learn(struct net_stack *stk, struct arp_entry *e, const uint8_t *mac)
{
	memcpy(e->mac, mac, NETDEV_ADDR_LEN);
	e->state = ARP_REACHABLE;
	e->confirmed = stk->now;
	e->expires = stk->now + stk->arp_reachable_ms;
	e->tries = 0;
	struct arp_packet *p = e->pending;
	e->pending = NULL;
	e->npending = 0;
	while (p) {
		struct arp_packet *next = p->next;
		eth_send(stk, p->data, p->len, e->mac, ETH_TYPE_IP);
		netp_free(p);
		p = next;
	}
}

void arp_input(struct net_stack *stk, const uint8_t *pkt, size_t len)
{
	CNT(stk, arp_rx);
	if (len < ARP_LEN || rd16(pkt) != 1 || rd16(pkt + 2) != ETH_TYPE_IP ||
	    pkt[4] != NETDEV_ADDR_LEN || pkt[5] != 4) {
		CNT(stk, arp_drop_bad);
		return;
	}
	uint16_t op = rd16(pkt + 6);
	const uint8_t *sha = pkt + 8;
	uint32_t spa = rd32(pkt + 14);
	uint32_t tpa = rd32(pkt + 24);
	if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || (sha[0] & 1) ||
	    spa == stk->ip) {
		CNT(stk, arp_drop_bad);   /* unknown op, multicast sender, address clash */
		return;
	}
	/* RFC 826 merge: refresh the sender if known; learn it if it talks to us. */
	struct arp_entry *e = spa ? arp_find(stk, spa) : NULL;
	if (e)
		arp_learn(stk, e, sha);
	if (tpa != stk->ip || stk->ip == 0) {
		if (!e)
			CNT(stk, arp_drop_bad);   /* about someone else: not ours */
		return;
	}
	if (!e && spa) {
		e = arp_alloc(stk);
		e->ip = spa;
		arp_learn(stk, e, sha);
	}
	if (op == ARP_OP_REQUEST)
		arp_send(stk, ARP_OP_REPLY, sha, spa, sha);
}

void arp_confirm(struct net_stack *stk, uint32_t ip, const uint8_t *mac)
{
	struct arp_entry *e = arp_find(stk, ip);
	if (!e || e->state == ARP_PENDING || memcmp(e->mac, mac, NETDEV_ADDR_LEN) != 0)
		return;   /* unknown, unresolved, or another MAC: only ARP may change it */
	e->state = ARP_REACHABLE;
	e->confirmed = stk->now;
	e->expires = stk->now + stk->arp_reachable_ms;
	e->tries = 0;
}

const uint8_t *arp_resolve(struct net_stack *stk, uint32_t ip, const uint8_t *frame, size_t iplen)
{
	struct arp_entry *e = arp_find(stk, ip);
	if (e && e->state != ARP_PENDING) {
		if (e->state == ARP_STALE) {   /* in use again: re-validate soon */
			e->state = ARP_DELAY;
			e->expires = stk->now + ARP_DELAY_MS;
		}
		return e->mac;
	}
	if (!e) {
		e = arp_alloc(stk);
		e->state = ARP_PENDING;
		e->ip = ip;
		e->tries = 1;
		e->confirmed = stk->now;
		e->expires = stk->now + ARP_RETRY_MS;
		arp_request(stk, e);
	}
	if (e->npending >= ARP_PENDING_MAX) {
		CNT(stk, arp_queue_drop);
		return NULL;
	}
	/* Keep the whole frame so that only the Ethernet header is left to fill. */
	struct arp_packet *p = netp_alloc(sizeof(*p) + ETH_HLEN + iplen);
	if (!p) {
		CNT(stk, arp_drop_nomem);
		return NULL;
	}
	p->len = ETH_HLEN + iplen;
	memcpy(p->data + ETH_HLEN, frame, iplen);
	struct arp_packet **tail = &e->pending;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	e->npending++;
	return NULL;
}

void arp_timer(struct net_stack *stk)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &stk->arp[i];
		if (e->state == ARP_FREE || stk->now < e->expires)
			continue;
		switch (e->state) {
		case ARP_REACHABLE:
			e->state = ARP_STALE;
			e->expires = stk->now + ARP_STALE_MS;
			continue;
		case ARP_DELAY:
			e->state = ARP_PROBE;
			e->tries = 0;
			/* fall through */
		case ARP_PENDING:
		case ARP_PROBE:
			if (e->tries < ARP_TRIES) {
				e->tries++;
				e->expires = stk->now + ARP_RETRY_MS;
				arp_request(stk, e);
				continue;
			}
			if (e->state == ARP_PROBE)
				CNT(stk, arp_probe_fail);
			break;
		default:   /* STALE and unused */
			break;
		}
		arp_drop_pending(stk, e);
		e->state = ARP_FREE;
	}
}

void arp_flush(struct net_stack *stk)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &stk->arp[i];
		while (e->pending) {
			struct arp_packet *p = e->pending;
			e->pending = p->next;
			netp_free(p);
		}
		e->npending = 0;
		e->state = ARP_FREE;
	}
}
