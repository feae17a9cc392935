/* util.c — the Internet checksum (RFC 1071) and the growable byte ring behind
 * TCP's send and receive buffers. Storage is allocated on first use and
 * doubled as data arrives, up to the socket's limit, so a connection holds
 * only as much buffer memory as it has needed so far. */
#include "net_impl.h"

/* One's complement sum of (data) added to (sum), whose 16-bit words are in
 * network order. The words are summed 32 bits at a time in host order (RFC
 * 1071 §2(B): the sum does not depend on byte order) and swapped once. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
	uint64_t s = 0;
	size_t i = 0;
	for (; i + 4 <= len; i += 4) {
		uint32_t w;
		__builtin_memcpy(&w, data + i, 4);
		s += w;
	}
	if (i + 2 <= len) {
		uint16_t w;
		__builtin_memcpy(&w, data + i, 2);
		s += w;
		i += 2;
	}
	if (i < len) {
		uint16_t w = 0;
		__builtin_memcpy(&w, data + i, 1);   /* the odd byte, zero-padded */
		s += w;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t r = (uint16_t)s;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	r = __builtin_bswap16(r);
#endif
	return sum + r;
}

uint16_t net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	return s + proto + len;
}

uint16_t net_l4_csum(const struct net_stack *stk, uint32_t src, uint32_t dst, uint8_t proto,
		     const uint8_t *l4, size_t len)
{
	uint32_t pseudo = net_csum_pseudo(src ? src : ip_src_for(stk, dst), dst, proto, (uint16_t)len);
	size_t mtu = stk->dev->mtu ? stk->dev->mtu : NETDEV_MTU_DEFAULT;
	/* looped back: delivered as checked (NETDEV_RX_CSUM_OK), like Linux's lo */
	if (ip_is_local(stk, dst))
		return (uint16_t)~net_csum_fold(pseudo);
	/* offload only what leaves in one frame: a device cannot finish the
	 * checksum of a datagram that ip_output() will fragment */
	if ((stk->dev->features & NETDEV_F_TX_CSUM) && len + 20 <= mtu)
		return (uint16_t)~net_csum_fold(pseudo);
	uint16_t c = net_csum_fold(net_csum_add(pseudo, l4, len));
	/* UDP (RFC 768): a computed zero is sent as all ones; 0 means none. */
	return (c == 0 && proto == IP_PROTO_UDP) ? 0xffff : c;
}

/* Make room for (need) bytes in total; false when the memory is not there. */
static bool nring_grow(struct nring *r, uint32_t need)
{
	if (need <= r->cap)
		return true;
	uint32_t cap = r->cap ? r->cap : SOCK_BUF_MIN;
	while (cap < need)
		cap *= 2;
	if (cap > r->max)
		cap = r->max;
	uint8_t *nb = netp_alloc(cap);
	if (!nb)
		return false;
	nring_peek(r, 0, nb, r->len);       /* unwrap into the new storage */
	netp_free(r->buf);
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return true;
}

int nring_write(struct nring *r, const uint8_t *data, uint32_t n)
{
	n = MIN(n, nring_space(r));
	if (n == 0 || !nring_grow(r, r->len + n))
		return 0;
	uint32_t tail = r->head + r->len;
	if (tail >= r->cap)
		tail -= r->cap;
	uint32_t first = MIN(n, r->cap - tail);
	memcpy(r->buf + tail, data, first);
	memcpy(r->buf, data + first, n - first);
	r->len += n;
	return (int)n;
}

void nring_peek(const struct nring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	if (n == 0)
		return;
	uint32_t pos = r->head + off;
	if (pos >= r->cap)
		pos -= r->cap;
	uint32_t first = MIN(n, r->cap - pos);
	memcpy(dst, r->buf + pos, first);
	memcpy(dst + first, r->buf, n - first);
}

void nring_drop(struct nring *r, uint32_t n)
{
	n = MIN(n, r->len);
	r->head += n;
	if (r->head >= r->cap)
		r->head -= r->cap;
	r->len -= n;
	if (r->len == 0)
		r->head = 0;    /* keep the storage: the next write needs it again */
}

void nring_free(struct nring *r)
{
	netp_free(r->buf);
	r->buf = NULL;
	r->cap = r->head = r->len = 0;
}
