/* eth.c — Ethernet II framing. eth_input() checks the destination and hands
 * the payload to ARP or IPv4; eth_output_ip() finds the next hop's MAC through
 * ARP and calls the driver's tx, the one place frames leave the stack. */
#include "net_impl.h"

static const uint8_t eth_broadcast[NETDEV_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_input(struct net_stack *stk, const uint8_t *frame, size_t len, unsigned flags)
{
	CNT(stk, eth_rx);
	if (len < ETH_HLEN) {
		CNT(stk, eth_drop_short);
		return;
	}
	if (memcmp(frame, stk->dev->mac, NETDEV_ADDR_LEN) != 0 &&
	    memcmp(frame, eth_broadcast, NETDEV_ADDR_LEN) != 0) {
		CNT(stk, eth_drop_dst);
		return;
	}
	switch (rd16(frame + 12)) {
	case ETH_TYPE_IP:
		ip_input(stk, frame + ETH_HLEN, len - ETH_HLEN, frame + 6, flags);
		break;
	case ETH_TYPE_ARP:
		arp_input(stk, frame + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		CNT(stk, eth_drop_type);
	}
}

int eth_send(struct net_stack *stk, uint8_t *frame, size_t len,
	     const uint8_t *dst_mac, uint16_t type)
{
	memcpy(frame, dst_mac, NETDEV_ADDR_LEN);
	memcpy(frame + 6, stk->dev->mac, NETDEV_ADDR_LEN);
	wr16(frame + 12, type);
	int rc = stk->dev->tx(stk->dev, frame, len);
	if (rc < 0) {
		CNT(stk, eth_tx_err);
		return rc;
	}
	CNT(stk, eth_tx);
	return 0;
}

int eth_output_ip(struct net_stack *stk, uint8_t *frame, size_t iplen, uint32_t nexthop)
{
	const uint8_t *mac;
	if (nexthop == 0xffffffff || (stk->netmask != 0xffffffff &&
				      nexthop == (stk->ip | ~stk->netmask)))
		mac = eth_broadcast;
	else
		mac = arp_resolve(stk, nexthop, frame + ETH_HLEN, iplen);
	if (!mac)
		return 0;   /* queued until ARP answers (or dropped and counted) */
	return eth_send(stk, frame, ETH_HLEN + iplen, mac, ETH_TYPE_IP);
}
