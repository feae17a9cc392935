/* ip.c — IPv4 (RFC 791): ip_input() validates the header (version, lengths,
 * checksum), hands fragments to ip_frag.c and dispatches whole packets to
 * ICMP, UDP or TCP (ip_deliver); ip_output() fills the header, picks the next
 * hop (on-link or the gateway), fragments what exceeds the MTU and hands each
 * packet to eth_output_ip(). No options are sent; received ones are skipped. */
#include "net_impl.h"

#define IP_TTL 64

bool ip_is_local(const struct net_stack *stk, uint32_t ip)
{
	return ip == stk->ip || ip_is_loopback(ip);
}

uint32_t ip_src_for(const struct net_stack *stk, uint32_t dst)
{
	return ip_is_loopback(dst) ? NET_IP_LOOPBACK : stk->ip;
}

static bool ip_is_broadcast(const struct net_stack *stk, uint32_t ip)
{
	return ip == 0xffffffff ||
	       (stk->netmask != 0xffffffff && ip == (stk->ip | ~stk->netmask));
}

void ip_input(struct net_stack *stk, const uint8_t *pkt, size_t len, const uint8_t *src_mac,
	      unsigned flags)
{
	CNT(stk, ip_rx);
	if (len < IP_HLEN || (pkt[0] >> 4) != 4) {
		CNT(stk, ip_drop_hdr);
		return;
	}
	size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
	size_t total = rd16(pkt + 2);
	/* The frame may carry Ethernet padding after the packet: trust total. */
	if (hlen < IP_HLEN || total < hlen || total > len) {
		CNT(stk, ip_drop_hdr);
		return;
	}
	if (net_csum_fold(net_csum_add(0, pkt, hlen)) != 0) {
		CNT(stk, ip_drop_csum);
		return;
	}
	uint32_t src = rd32(pkt + 12), dst = rd32(pkt + 16);
	if (ip_is_loopback(src) || ip_is_loopback(dst)) {
		CNT(stk, ip_drop_martian);   /* RFC 1122 §3.2.1.3: never on a wire */
		return;
	}
	if (src == 0xffffffff || (src >> 28) == 0xe) {
		CNT(stk, ip_drop_hdr);   /* a broadcast or multicast source */
		return;
	}
	if (!ip_is_local(stk, dst) && !ip_is_broadcast(stk, dst)) {
		CNT(stk, ip_drop_dst);
		return;
	}
	/* Link-layer advice (RFC 1122 §2.3.2.1): the hop that sent it is there. */
	if (((src ^ stk->ip) & stk->netmask) == 0)
		arp_confirm(stk, src, src_mac);
	else if (stk->gateway)
		arp_confirm(stk, stk->gateway, src_mac);
	if (rd16(pkt + 6) & (IP_FLAG_MF | IP_OFFSET_MASK)) {
		ip_reass_input(stk, pkt, total, hlen);
		return;
	}
	ip_deliver(stk, pkt, total, hlen, flags);
}

void ip_deliver(struct net_stack *stk, const uint8_t *pkt, size_t total, size_t hlen,
		unsigned flags)
{
	switch (pkt[9]) {
	case IP_PROTO_ICMP:
		icmp_input(stk, pkt, total, hlen);
		break;
	case IP_PROTO_UDP:
		udp_input(stk, pkt, total, hlen, flags);
		break;
	case IP_PROTO_TCP:
		tcp_input(stk, pkt, total, hlen, flags);
		break;
	default:
		CNT(stk, ip_drop_proto);
	}
}

/* Header of a packet of (total) bytes, DF unless it is a fragment. */
static void ip_fill_header(uint8_t *h, size_t total, uint16_t id, uint16_t frag,
			   uint8_t proto, uint32_t src, uint32_t dst)
{
	h[0] = 0x45;
	h[1] = 0;
	wr16(h + 2, (uint16_t)total);
	wr16(h + 4, id);
	wr16(h + 6, frag);
	h[8] = IP_TTL;
	h[9] = proto;
	wr16(h + 10, 0);
	wr32(h + 12, src);
	wr32(h + 16, dst);
	wr16(h + 10, net_csum_fold(net_csum_add(0, h, IP_HLEN)));
}

int ip_output(struct net_stack *stk, uint8_t *frame, size_t l4len, uint32_t src, uint32_t dst,
	      uint8_t proto)
{
	size_t total = IP_HLEN + l4len;
	if (total > IP_MAX_PACKET || (total > stk->mtu && proto == IP_PROTO_TCP))
		return -EMSGSIZE;
	if (!src)
		src = ip_src_for(stk, dst);
	uint32_t nexthop = dst;
	if (ip_is_local(stk, dst)) {
		/* the loopback interface: its MTU is the largest packet, no fragments */
		ip_fill_header(frame + ETH_HLEN, total, stk->ip_id++, IP_FLAG_DF, proto, src, dst);
		CNT(stk, ip_tx);
		return lo_output(stk, frame + ETH_HLEN, total);
	}
	if (!ip_is_broadcast(stk, dst) && (dst & stk->netmask) != (stk->ip & stk->netmask)) {
		if (!stk->gateway) {
			CNT(stk, ip_drop_noroute);
			return -ENETUNREACH;
		}
		nexthop = stk->gateway;
	}
	uint16_t id = stk->ip_id++;
	if (total <= stk->mtu) {
		ip_fill_header(frame + ETH_HLEN, total, id, IP_FLAG_DF, proto, src, dst);
		CNT(stk, ip_tx);
		return eth_output_ip(stk, frame, total, nexthop);
	}
	/* Fragments (RFC 791 §3.2): payload in multiples of 8 bytes, each
	 * copied into a frame of its own behind a header of its own. */
	size_t step = (size_t)(stk->mtu - IP_HLEN) & ~(size_t)7;
	for (size_t off = 0; off < l4len; off += step) {
		size_t n = MIN(step, l4len - off);
		uint8_t f[NET_FRAME_MAX];
		memcpy(f + NET_HDR_ROOM, frame + NET_HDR_ROOM + off, n);
		uint16_t fl = (uint16_t)(off / 8) | (off + n < l4len ? IP_FLAG_MF : 0);
		ip_fill_header(f + ETH_HLEN, IP_HLEN + n, id, fl, proto, src, dst);
		CNT(stk, ip_tx);
		CNT(stk, ip_frag_tx);
		int rc = eth_output_ip(stk, f, IP_HLEN + n, nexthop);
		if (rc < 0)
			return rc;
	}
	return 0;
}
