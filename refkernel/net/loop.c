/* loop.c — the loopback interface: packets to 127.0.0.0/8 or to our own
 * address never reach the device. ip_output() hands each one to lo_output(),
 * which queues a copy; lo_drain() delivers the queue to ip_deliver() as if
 * received (checksums taken as valid, as Linux's lo does), including what
 * the delivery itself sends back (the ACK of a segment, the answer to a
 * ping). Delivery is deferred so that a protocol never re-enters itself
 * while sending: every entry point of the stack (net_input, net_timer and
 * the sock_* calls) drains before it returns. MTU: IP_MAX_PACKET. */
#include "net_impl.h"

struct lo_packet {
	struct lo_packet *next;
	size_t len;
	uint8_t data[];
};

int lo_output(struct net_stack *stk, const uint8_t *pkt, size_t len)
{
	if (stk->lo_len >= LO_QUEUE_MAX) {
		CNT(stk, lo_drop_full);
		return -ENOBUFS;
	}
	struct lo_packet *p = netp_alloc(sizeof(*p) + len);
	if (!p) {
		CNT(stk, lo_drop_nomem);
		return -ENOBUFS;
	}
	p->len = len;
	memcpy(p->data, pkt, len);
	if (stk->lo_tail)
		stk->lo_tail->next = p;
	else
		stk->lo_head = p;
	stk->lo_tail = p;
	stk->lo_len++;
	CNT(stk, lo_tx);
	return 0;
}

void lo_drain(struct net_stack *stk)
{
	if (stk->lo_busy)
		return;
	stk->lo_busy = true;
	struct lo_packet *p;
	while ((p = stk->lo_head)) {
		stk->lo_head = p->next;
		if (!stk->lo_head)
			stk->lo_tail = NULL;
		stk->lo_len--;
		CNT(stk, lo_rx);
		ip_deliver(stk, p->data, p->len, (size_t)(p->data[0] & 0x0f) * 4, NETDEV_RX_CSUM_OK);
		netp_free(p);
	}
	stk->lo_busy = false;
}

void lo_flush(struct net_stack *stk)
{
	struct lo_packet *p;
	while ((p = stk->lo_head)) {
		stk->lo_head = p->next;
		netp_free(p);
	}
	stk->lo_tail = NULL;
	stk->lo_len = 0;
}
