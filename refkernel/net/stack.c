/* stack.c — the stack's entry points: create/destroy, net_input (from the
 * driver), net_timer (from the kernel's clock) and the counters line.
 * net_input -> eth_input; net_timer -> arp_timer, tcp_timer; each ends with
 * lo_drain (what the stack sent itself meanwhile). */
#include "net_impl.h"

struct net_stack *net_stack_create(struct netdev *dev, const struct net_config *cfg,
				   uint64_t now_ms)
{
	struct net_stack *stk = netp_alloc(sizeof(*stk));
	if (!stk)
		return NULL;
	stk->dev = dev;
	stk->ip = cfg->ip;
	stk->netmask = cfg->netmask;
	stk->gateway = cfg->gateway;
	stk->arp_reachable_ms = cfg->arp_reachable_ms ? cfg->arp_reachable_ms : ARP_REACHABLE_MS;
	stk->mtu = dev->mtu ? dev->mtu : NETDEV_MTU_DEFAULT;
	if (stk->mtu > NET_FRAME_MAX - ETH_HLEN)
		stk->mtu = NET_FRAME_MAX - ETH_HLEN;
	stk->now = now_ms;
	stk->ip_id = (uint16_t)netp_random();
	stk->next_port = 49152 + netp_random() % 16384;
	dev->stack = stk;
	return stk;
}

void net_stack_destroy(struct net_stack *stk)
{
	if (!stk)
		return;
	tcp_destroy_all(stk);
	udp_destroy_all(stk);
	arp_flush(stk);
	ip_reass_flush(stk);
	lo_flush(stk);
	stk->dev->stack = NULL;
	netp_free(stk);
}

void net_input_flags(struct netdev *dev, const void *frame, size_t len, unsigned flags)
{
	struct net_stack *stk = dev->stack;
	if (stk) {
		eth_input(stk, frame, len, flags);
		lo_drain(stk);
	}
}

void net_input(struct netdev *dev, const void *frame, size_t len)
{
	net_input_flags(dev, frame, len, 0);
}

void net_timer(struct net_stack *stk, uint64_t now_ms)
{
	if (now_ms > stk->now)
		stk->now = now_ms;
	arp_timer(stk);
	ip_reass_timer(stk);
	tcp_timer(stk);
	lo_drain(stk);
}

const struct net_counters *net_counters(const struct net_stack *stk)
{
	return &stk->cnt;
}

/* Appends to a bounded buffer, counting the full length like snprintf. */
struct line {
	char *buf;
	size_t size, len;
};

static void line_put(struct line *l, const char *s)
{
	for (; *s; s++, l->len++)
		if (l->len + 1 < l->size)
			l->buf[l->len] = *s;
}

static void line_num(struct line *l, uint64_t v)
{
	char tmp[21];
	int i = sizeof(tmp) - 1;
	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	line_put(l, tmp + i);
}

int net_counters_format(const struct net_stack *stk, char *buf, size_t size)
{
	struct line l = { buf, size, 0 };
	line_put(&l, "refkernel: net");
#define NET_COUNTER_PRINT(name, what) \
	line_put(&l, " " #name "="); \
	line_num(&l, stk->cnt.name);
	NET_COUNTERS(NET_COUNTER_PRINT)
#undef NET_COUNTER_PRINT
	if (size > 0)
		buf[MIN(l.len, size - 1)] = '\0';
	return (int)l.len;
}

int net_parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint32_t ip = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			i++;
		}
		unsigned v = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -EINVAL;
		ip = ip << 8 | v;
	}
	if (i != len)
		return -EINVAL;
	*out = ip;
	return 0;
}
