/* icmp.c — ICMP (RFC 792): answers echo requests, sends port unreachable for
 * UDP datagrams nobody listens to; every other message is counted and
 * ignored. */
#include "net_impl.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_PORT_UNREACH 3
#define ICMP_HLEN 8

void icmp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen)
{
	CNT(stk, icmp_rx);
	const uint8_t *m = ip + hlen;
	size_t len = iplen - hlen;
	if (len < ICMP_HLEN || net_csum_fold(net_csum_add(0, m, len)) != 0) {
		CNT(stk, icmp_drop_bad);
		return;
	}
	uint32_t dst = rd32(ip + 16);
	if (m[0] != ICMP_ECHO_REQUEST || !ip_is_local(stk, dst)) {
		CNT(stk, icmp_drop_type);   /* replies, errors, broadcast pings */
		return;
	}
	/* A reassembled large ping gets a reply built in memory of its own;
	 * ip_output() fragments it. */
	uint8_t small[NET_FRAME_MAX];
	uint8_t *frame = small;
	if (NET_HDR_ROOM + len > sizeof(small)) {
		frame = netp_alloc(NET_HDR_ROOM + len);
		if (!frame) {
			CNT(stk, icmp_drop_bad);
			return;
		}
	}
	uint8_t *r = frame + NET_HDR_ROOM;
	memcpy(r, m, len);               /* same id, sequence and data */
	r[0] = ICMP_ECHO_REPLY;
	r[1] = 0;
	wr16(r + 2, 0);
	wr16(r + 2, net_csum_fold(net_csum_add(0, r, len)));
	if (ip_output(stk, frame, len, dst, rd32(ip + 12), IP_PROTO_ICMP) == 0)
		CNT(stk, icmp_tx);
	if (frame != small)
		netp_free(frame);
}

void icmp_port_unreach(struct net_stack *stk, const uint8_t *ip, size_t iplen)
{
	uint32_t dst = rd32(ip + 16);
	if (!ip_is_local(stk, dst))
		return;                      /* never answer a broadcast */
	size_t quote = MIN(iplen, (size_t)((ip[0] & 0x0f) * 4 + 8));
	uint8_t frame[NET_FRAME_MAX];
	uint8_t *r = frame + NET_HDR_ROOM;
	r[0] = ICMP_DEST_UNREACH;
	r[1] = ICMP_PORT_UNREACH;
	wr16(r + 2, 0);
	wr32(r + 4, 0);
	memcpy(r + ICMP_HLEN, ip, quote);
	wr16(r + 2, net_csum_fold(net_csum_add(0, r, ICMP_HLEN + quote)));
	if (ip_output(stk, frame, ICMP_HLEN + quote, dst, rd32(ip + 12), IP_PROTO_ICMP) == 0)
		CNT(stk, icmp_tx);
}
