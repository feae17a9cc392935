/* test_link.c — Ethernet, ARP, IPv4, ICMP echo and UDP: forged frames into a
 * stack with a recording interface, and two stacks over an in-memory link.
 * Every test ends with the leak check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "net_test.h"

static struct tstack A, B;
static struct tlink L;

static void setup(void) { t_fixture_one(&A); }
static void setup2(void) { t_fixture_two(&A, &B, &L); }

TestSuite(eth, .init = setup);
TestSuite(arp, .init = setup);
TestSuite(ip, .init = setup);
TestSuite(udp, .init = setup2);

/* ---- Ethernet ---- */

NET_TEST(eth, short_foreign_and_unknown_frames_are_counted)
{
	uint8_t f[64] = { 0 };
	t_inject(&A, f, 13);
	cr_assert_eq(A.stk->cnt.eth_drop_short, 1);
	memcpy(f, "\x02\x00\x00\x00\x00\x09", 6);          /* someone else's MAC */
	wr16(f + 12, ETH_TYPE_IP);
	t_inject(&A, f, 60);
	cr_assert_eq(A.stk->cnt.eth_drop_dst, 1);
	memcpy(f, A.dev.mac, 6);
	wr16(f + 12, 0x86dd);                                  /* IPv6 */
	t_inject(&A, f, 60);
	cr_assert_eq(A.stk->cnt.eth_drop_type, 1);
	cr_assert_eq(A.stk->cnt.eth_rx, 3);
	cr_assert_eq(A.ntx, 0);
}

NET_TEST(eth, every_prefix_of_every_frame_kind_is_safe)
{
	/* Truncate valid ARP, ICMP, UDP and TCP frames at every length. */
	uint8_t l4[64] = { 8, 0 }, frame[256], cut[256];
	size_t n = t_build_ip(frame, T_IP_B, T_IP_A, IP_PROTO_ICMP, l4, sizeof(l4));
	for (size_t i = 0; i <= n; i++) {
		memcpy(cut, frame, i);
		t_inject(&A, cut, i);
	}
	frame[ETH_HLEN + 9] = IP_PROTO_UDP;
	for (size_t i = 0; i <= n; i++)
		t_inject(&A, frame, i);
	frame[ETH_HLEN + 9] = IP_PROTO_TCP;
	for (size_t i = 0; i <= n; i++)
		t_inject(&A, frame, i);
	cr_assert_gt(A.stk->cnt.ip_drop_hdr, 0);
}

/* ---- ARP ---- */

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, sha, 6);
	wr16(f + 12, ETH_TYPE_ARP);
	uint8_t *a = f + ETH_HLEN;
	wr16(a, 1);
	wr16(a + 2, ETH_TYPE_IP);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	wr32(a + 14, spa);
	memset(a + 18, 0, 6);
	wr32(a + 24, tpa);
	return ETH_HLEN + 28;
}

static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x03 };

NET_TEST(arp, request_for_us_gets_a_reply_and_teaches_the_cache)
{
	uint8_t f[64];
	t_inject(&A, f, arp_frame(f, 1, mac_b, T_IP_B, T_IP_A));
	cr_assert_eq(A.ntx, 1);
	const uint8_t *r = A.tx[0];
	cr_assert_eq(memcmp(r, mac_b, 6), 0);
	cr_assert_eq(rd16(r + 12), ETH_TYPE_ARP);
	cr_assert_eq(rd16(r + ETH_HLEN + 6), 2);
	cr_assert_eq(memcmp(r + ETH_HLEN + 8, A.dev.mac, 6), 0);
	cr_assert_eq(rd32(r + ETH_HLEN + 14), T_IP_A);
	cr_assert_eq(rd32(r + ETH_HLEN + 24), T_IP_B);
	/* Learned: a packet to B goes out at once, no request. */
	tstack_clear(&A);
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "hi", 2 };
	cr_assert_eq(sock_sendmsg(s, &v, 1, &to, 0), 2);
	cr_assert_eq(A.ntx, 1);
	cr_assert_eq(rd16(A.tx[0] + 12), ETH_TYPE_IP);
	sock_close(s);
}

NET_TEST(arp, requests_for_others_and_malformed_are_dropped)
{
	uint8_t f[64];
	t_inject(&A, f, arp_frame(f, 1, mac_b, T_IP_B, IP(10, 0, 0, 77)));
	cr_assert_eq(A.ntx, 0);
	size_t n = arp_frame(f, 3, mac_b, T_IP_B, T_IP_A);  /* bad op */
	t_inject(&A, f, n);
	n = arp_frame(f, 1, mac_b, T_IP_B, T_IP_A);
	f[ETH_HLEN + 4] = 8;                                /* bad hardware length */
	t_inject(&A, f, n);
	t_inject(&A, f, ETH_HLEN + 27);                     /* short */
	n = arp_frame(f, 1, mac_b, T_IP_A, T_IP_A);         /* claims our address */
	t_inject(&A, f, n);
	cr_assert_eq(A.stk->cnt.arp_drop_bad, 5);
	cr_assert_eq(A.ntx, 0);
}

NET_TEST(arp, unresolved_packets_wait_then_go_on_reply)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "abc", 3 };
	for (int i = 0; i < 3; i++)
		cr_assert_eq(sock_sendmsg(s, &v, 1, &to, 0), 3);
	cr_assert_eq(A.ntx, 1, "one ARP request, the datagrams wait");
	cr_assert_eq(rd16(A.tx[0] + 12), ETH_TYPE_ARP);
	cr_assert_eq(rd32(A.tx[0] + ETH_HLEN + 24), T_IP_B);
	uint8_t f[64];
	size_t n = arp_frame(f, 2, mac_b, T_IP_B, T_IP_A);
	memcpy(f, A.dev.mac, 6);
	t_inject(&A, f, n);
	cr_assert_eq(A.ntx, 4);
	for (int i = 1; i < 4; i++) {
		struct tpkt p;
		tstack_parse(&A, i, &p);
		cr_assert_eq(p.proto, IP_PROTO_UDP);
		cr_assert_eq(memcmp(A.tx[i], mac_b, 6), 0);
		cr_assert_eq(p.len, 3);
	}
	sock_close(s);
}

NET_TEST(arp, pending_queue_is_bounded_and_gives_up_after_retries)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "abc", 3 };
	for (int i = 0; i < ARP_PENDING_MAX + 5; i++)
		sock_sendmsg(s, &v, 1, &to, 0);
	cr_assert_eq(A.stk->cnt.arp_queue_drop, 5);
	tstack_advance(&A, ARP_RETRY_MS * ARP_TRIES + 50);
	cr_assert_eq(A.ntx, ARP_TRIES, "a request per try");
	cr_assert_eq(A.stk->cnt.arp_unresolved, ARP_PENDING_MAX);
	sock_close(s);
}

NET_TEST(arp, cache_full_evicts_without_leaking)
{
	uint8_t f[64];
	uint8_t mac[6] = { 0x02, 0, 0, 0, 1, 0 };
	for (int i = 0; i < ARP_CACHE_SIZE + 20; i++) {
		mac[5] = (uint8_t)i;
		t_inject(&A, f, arp_frame(f, 1, mac, IP(10, 0, 0, 100 + i), T_IP_A));
	}
	cr_assert_eq(A.stk->cnt.arp_rx, ARP_CACHE_SIZE + 20);
}

/* ---- IPv4 and ICMP ---- */

static size_t ping_frame(uint8_t *frame, uint16_t id, uint16_t seq, size_t datalen)
{
	uint8_t m[1500];
	m[0] = 8;
	m[1] = 0;
	wr16(m + 2, 0);
	wr16(m + 4, id);
	wr16(m + 6, seq);
	for (size_t i = 0; i < datalen; i++)
		m[8 + i] = (uint8_t)i;
	wr16(m + 2, net_csum_fold(net_csum_add(0, m, 8 + datalen)));
	return t_build_ip(frame, T_IP_B, T_IP_A, IP_PROTO_ICMP, m, 8 + datalen);
}

NET_TEST(ip, echo_request_is_answered)
{
	tstack_learn_peer(&A);
	uint8_t f[1600];
	t_inject(&A, f, ping_frame(f, 0x1234, 7, 56));
	cr_assert_eq(A.ntx, 1);
	struct tpkt p;
	tstack_parse(&A, 0, &p);
	cr_assert_eq(p.proto, IP_PROTO_ICMP);
	cr_assert_eq(p.icmp_type, 0);
	cr_assert_eq(p.dst, T_IP_B);
	cr_assert_eq(p.len, 64);
	cr_assert_eq(rd16(p.data + 4), 0x1234);
	cr_assert_eq(rd16(p.data + 6), 7);
	cr_assert_eq(p.data[8 + 55], 55);
	/* Largest ping that fits the MTU, and an odd length. */
	t_inject(&A, f, ping_frame(f, 1, 8, 1472));
	t_inject(&A, f, ping_frame(f, 1, 9, 33));
	cr_assert_eq(A.stk->cnt.icmp_tx, 3);
}

NET_TEST(ip, bad_headers_are_counted_by_reason)
{
	tstack_learn_peer(&A);
	uint8_t f[1600];
	size_t n = ping_frame(f, 1, 1, 8);
	uint8_t g[1600];
	uint8_t *ip = g + ETH_HLEN;
#define MUTATE(stmt) do { memcpy(g, f, n); stmt; } while (0)
#define FIXSUM() do { wr16(ip + 10, 0); wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, 20))); } while (0)
	MUTATE(ip[0] = 0x65; FIXSUM());                  /* version 6 */
	t_inject(&A, g, n);
	MUTATE(ip[0] = 0x44; FIXSUM());                  /* IHL 4 */
	t_inject(&A, g, n);
	MUTATE(ip[0] = 0x4f; FIXSUM());                  /* IHL past the end */
	t_inject(&A, g, n);
	MUTATE(wr16(ip + 2, 2000); FIXSUM());            /* total > frame */
	t_inject(&A, g, n);
	MUTATE(wr16(ip + 2, 10); FIXSUM());              /* total < header */
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.ip_drop_hdr, 5);
	MUTATE(ip[10] ^= 1);
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.ip_drop_csum, 1);
	MUTATE(wr16(ip + 6, 0x2000); FIXSUM());          /* MF */
	t_inject(&A, g, n);
	MUTATE(wr16(ip + 6, 0x0010); FIXSUM());          /* offset */
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.ip_frag_rx, 2, "fragments go to reassembly");
	MUTATE(wr32(ip + 16, IP(10, 0, 0, 9)); FIXSUM());
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.ip_drop_dst, 1);
	MUTATE(ip[9] = 99; FIXSUM());
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.ip_drop_proto, 1);
	MUTATE(ip[IP_HLEN + 2] ^= 0x40);                 /* ICMP checksum */
	t_inject(&A, g, n);
	cr_assert_eq(A.stk->cnt.icmp_drop_bad, 1);
	cr_assert_eq(A.ntx, 0, "nothing answered");
	/* Ethernet padding after the packet is ignored. */
	memcpy(g, f, n);
	memset(g + n, 0xee, 20);
	t_inject(&A, g, n + 20);
	cr_assert_eq(A.ntx, 1);
}

NET_TEST(ip, no_route_without_gateway)
{
	struct net_config cfg = { .ip = T_IP_A, .netmask = 0xffffff00 };
	struct tstack C;
	memset(&C, 0, sizeof(C));
	C.dev = A.dev;
	C.dev.priv = &C;
	C.stk = net_stack_create(&C.dev, &cfg, t_now);
	struct sock *s;
	cr_assert_eq(sock_socket(C.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr to = { IP(8, 8, 8, 8), 53 };
	struct net_iov v = { "x", 1 };
	cr_assert_eq(sock_sendmsg(s, &v, 1, &to, 0), -ENETUNREACH);
	cr_assert_eq(C.stk->cnt.ip_drop_noroute, 1);
	tstack_fini(&C);
}

NET_TEST(ip, counters_line_and_address_parser)
{
	char line[4096];
	A.stk->cnt.tcp_retx = 12345;
	int n = net_counters_format(A.stk, line, sizeof(line));
	cr_assert_eq((size_t)n, strlen(line));
	cr_assert(strncmp(line, "refkernel: net eth_rx=0 ", 24) == 0, "%s", line);
	cr_assert(strstr(line, " tcp_retx=12345 "), "%s", line);
	char small[16];
	cr_assert_eq(net_counters_format(A.stk, small, sizeof(small)), n);
	cr_assert_eq(strlen(small), 15);
	uint32_t ip;
	cr_assert_eq(net_parse_ipv4("10.0.2.15", 9, &ip), 0);
	cr_assert_eq(ip, IP(10, 0, 2, 15));
	cr_assert_eq(net_parse_ipv4("10.0.2.256", 10, &ip), -EINVAL);
	cr_assert_eq(net_parse_ipv4("10.0.2", 6, &ip), -EINVAL);
	cr_assert_eq(net_parse_ipv4("10.0.2.1x", 9, &ip), -EINVAL);
	cr_assert_eq(net_parse_ipv4("1..2.3", 6, &ip), -EINVAL);
}

/* ---- UDP over the link ---- */

static struct sock *udp_bound(struct tstack *t, uint16_t port)
{
	struct sock *s;
	cr_assert_eq(sock_socket(t->stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr a = { 0, port };
	cr_assert_eq(sock_bind(s, &a), 0);
	return s;
}

NET_TEST(udp, datagrams_cross_the_link_both_ways)
{
	struct sock *sa = udp_bound(&A, 0), *sb = udp_bound(&B, 7);
	struct net_addr to = { T_IP_B, 7 }, from;
	char buf[2000];
	for (size_t len = 0; len <= 1472; len += 92) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(i * 7 + len);
		struct net_iov v = { buf, len };
		cr_assert_eq(sock_sendmsg(sa, &v, 1, &to, 0), (long)len);
		tlink_run(&L, 1);
		cr_assert(sock_poll(sb) & NET_POLLIN);
		cr_assert_eq(sock_nread(sb), (long)len);
		char got[2000];
		struct net_iov r = { got, sizeof(got) };
		cr_assert_eq(sock_recvmsg(sb, &r, 1, &from, 0, NULL), (long)len);
		cr_assert_eq(memcmp(got, buf, len), 0);
		cr_assert_eq(from.ip, T_IP_A);
		/* Echo it back. */
		struct net_iov e = { got, len };
		cr_assert_eq(sock_sendmsg(sb, &e, 1, &from, 0), (long)len);
		tlink_run(&L, 1);
		cr_assert_eq(sock_recv(sa, got, sizeof(got), 0), (long)len);
	}
	struct net_addr me;
	sock_getsockname(sa, &me);
	cr_assert_geq(me.port, 49152);
	cr_assert_eq(sock_recv(sa, buf, 1, 0), -EAGAIN);
	sock_close(sa);
	sock_close(sb);
}

NET_TEST(udp, limits_truncation_and_errors)
{
	struct sock *sa = udp_bound(&A, 1000), *sb = udp_bound(&B, 7);
	static char buf[70000];
	struct net_iov big = { buf, 65508 };
	struct net_addr to = { T_IP_B, 7 };
	cr_assert_eq(sock_sendmsg(sa, &big, 1, &to, 0), -EMSGSIZE);
	cr_assert_eq(sock_send(sa, buf, 1, 0), -EDESTADDRREQ);
	struct sock *dup;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &dup), 0);
	struct net_addr same = { 0, 1000 };
	cr_assert_eq(sock_bind(dup, &same), -EADDRINUSE);
	struct net_addr foreign = { IP(10, 0, 0, 99), 1001 };
	cr_assert_eq(sock_bind(dup, &foreign), -EADDRNOTAVAIL);
	sock_close(dup);
	/* Truncation reports MSG_TRUNC; PEEK leaves the datagram. */
	struct net_iov v = { buf, 100 };
	sock_sendmsg(sa, &v, 1, &to, 0);
	tlink_run(&L, 1);
	char got[10];
	struct net_iov r = { got, sizeof(got) };
	int fl;
	cr_assert_eq(sock_recvmsg(sb, &r, 1, NULL, NET_MSG_PEEK, &fl), 10);
	cr_assert_eq(sock_recvmsg(sb, &r, 1, NULL, 0, &fl), 10);
	cr_assert_eq(fl, NET_MSG_TRUNC);
	cr_assert_eq(sock_recvmsg(sb, &r, 1, NULL, 0, &fl), -EAGAIN);
	/* A full receive buffer drops and counts. */
	int small = 2048;
	cr_assert_eq(sock_setsockopt(sb, NET_SOL_SOCKET, NET_SO_RCVBUF, &small, sizeof(small)), 0);
	struct net_iov k = { buf, 1000 };
	for (int i = 0; i < 5; i++)
		sock_sendmsg(sa, &k, 1, &to, 0);
	tlink_run(&L, 1);
	cr_assert_eq(B.stk->cnt.udp_drop_full, 3);
	sock_close(sa);
	sock_close(sb);
}

NET_TEST(udp, closed_port_answers_port_unreachable)
{
	struct sock *sa = udp_bound(&A, 1000);
	struct net_addr to = { T_IP_B, 9999 };
	struct net_iov v = { "x", 1 };
	sock_sendmsg(sa, &v, 1, &to, 0);
	tlink_run(&L, 2);
	cr_assert_eq(B.stk->cnt.udp_drop_noport, 1);
	cr_assert_eq(B.stk->cnt.icmp_tx, 1);
	cr_assert_eq(A.stk->cnt.icmp_drop_type, 1, "A counts the error it got");
	sock_close(sa);
}

NET_TEST(udp, connected_socket_filters_and_bad_checksum_drops)
{
	struct sock *sb = udp_bound(&B, 7);
	struct net_addr peer = { T_IP_A, 1234 };
	cr_assert_eq(sock_connect(sb, &peer), 0);
	struct sock *sa = udp_bound(&A, 1235);
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "x", 1 };
	sock_sendmsg(sa, &v, 1, &to, 0);     /* wrong source port */
	tlink_run(&L, 2);
	cr_assert_eq(B.stk->cnt.udp_drop_noport, 1);
	struct net_addr got;
	cr_assert_eq(sock_getpeername(sb, &got), 0);
	cr_assert_eq(got.port, 1234);
	sock_close(sa);
	sock_close(sb);
	/* A forged datagram with a broken checksum. */
	A.link = NULL;
	tstack_learn_peer(&A);
	struct sock *s = udp_bound(&A, 53);
	uint8_t seg[16] = { 0, 1, 0, 53, 0, 12, 0x12, 0x34, 'a', 'b', 'c', 'd' };
	uint8_t f[128];
	size_t n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_UDP, seg, 12);
	t_inject(&A, f, n);
	cr_assert_eq(A.stk->cnt.udp_drop_bad, 1);
	wr16(seg + 4, 40);                   /* length beyond the packet */
	n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_UDP, seg, 12);
	t_inject(&A, f, n);
	cr_assert_eq(A.stk->cnt.udp_drop_bad, 2);
	sock_close(s);
	tstack_clear(&A);
}

/* ---- checksum ---- */

static uint16_t ref_csum(const uint8_t *d, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? d[i] : (uint32_t)d[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

NET_TEST(eth, checksum_matches_rfc1071_and_a_reference)
{
	const uint8_t v[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	cr_assert_eq(net_csum_fold(net_csum_add(0, v, 8)), (uint16_t)~0xddf2);
	uint8_t buf[300];
	uint32_t x = 1;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 4; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n++)
			cr_assert_eq(net_csum_fold(net_csum_add(0, buf + off, n)), ref_csum(buf + off, n),
				     "offset %zu length %zu", off, n);
	memset(buf, 0xff, sizeof(buf));
	cr_assert_eq(net_csum_fold(net_csum_add(0xfffff, buf, sizeof(buf))),
		     net_csum_fold(0xfffff + 0xffff));
}

NET_TEST(ip, checksum_offload_both_ways)
{
	tstack_learn_peer(&A);
	A.dev.features = NETDEV_F_TX_CSUM;
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "offload", 7 };
	cr_assert_eq(sock_sendmsg(s, &v, 1, &to, 0), 7);
	/* The field holds the pseudo-header sum; the device would finish it. */
	const uint8_t *udp = A.tx[0] + ETH_HLEN + IP_HLEN;
	uint16_t field = rd16(udp + 6);
	cr_assert_eq(field, (uint16_t)~net_csum_fold(net_csum_pseudo(T_IP_A, T_IP_B, IP_PROTO_UDP, 15)));
	uint8_t done[64];
	memcpy(done, udp, 15);
	wr16(done + 6, net_csum_fold(net_csum_add(0, udp, 15)));   /* what the device does */
	cr_assert_eq(net_csum_fold(net_csum_add(net_csum_pseudo(T_IP_A, T_IP_B, IP_PROTO_UDP, 15),
						done, 15)), 0);
	/* Receive: a wrong checksum passes when the device vouches for it. */
	sock_close(s);
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr me = { 0, 9 };
	cr_assert_eq(sock_bind(s, &me), 0);
	uint8_t seg[12] = { 0, 1, 0, 9, 0, 12, 0xde, 0xad, 'a', 'b', 'c', 'd' };
	uint8_t f[128];
	size_t n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_UDP, seg, 12);
	net_input(&A.dev, f, n);
	cr_assert_eq(A.stk->cnt.udp_drop_bad, 1);
	net_input_flags(&A.dev, f, n, NETDEV_RX_CSUM_OK);
	cr_assert_eq(sock_nread(s), 4);
	sock_close(s);
}

/* ---- fragments ---- */

/* Fragment (off, len) of a UDP datagram to port 7 with IP id (id). */
static void udp_fragment(struct tstack *t, uint16_t id, const uint8_t *dgram, size_t off, size_t len,
			 bool more)
{
	uint8_t f[1600];
	size_t n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_UDP, dgram + off, len);
	uint8_t *ip = f + ETH_HLEN;
	wr16(ip + 4, id);
	wr16(ip + 6, (uint16_t)(off / 8) | (more ? IP_FLAG_MF : 0));
	wr16(ip + 10, 0);
	wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, IP_HLEN)));
	t_inject(t, f, n);
}

static size_t make_dgram(uint8_t *d, size_t payload)
{
	wr16(d, 999);
	wr16(d + 2, 7);
	wr16(d + 4, (uint16_t)(UDP_HLEN + payload));
	wr16(d + 6, 0);
	for (size_t i = 0; i < payload; i++)
		d[UDP_HLEN + i] = (uint8_t)(i * 31 + 7);
	uint32_t sum = net_csum_pseudo(T_IP_B, T_IP_A, IP_PROTO_UDP, (uint16_t)(UDP_HLEN + payload));
	wr16(d + 6, net_csum_fold(net_csum_add(sum, d, UDP_HLEN + payload)));
	return UDP_HLEN + payload;
}

NET_TEST(ip, fragments_reassemble_in_any_order_with_overlaps)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr a = { 0, 7 };
	cr_assert_eq(sock_bind(s, &a), 0);
	static uint8_t d[4000];
	size_t n = make_dgram(d, 3000);
	udp_fragment(&A, 42, d, 2000, n - 2000, false);     /* the last first */
	udp_fragment(&A, 42, d, 0, 1200, true);
	cr_assert_eq(sock_nread(s), 0, "a hole from 1200 to 2000");
	udp_fragment(&A, 42, d, 800, 1200, true);           /* overlaps both */
	cr_assert_eq(sock_nread(s), 3000);
	cr_assert_eq(A.stk->cnt.ip_reass_ok, 1);
	static uint8_t got[4000];
	cr_assert_eq(sock_recv(s, got, sizeof(got), 0), 3000);
	cr_assert_eq(memcmp(got, d + UDP_HLEN, 3000), 0);
	/* A duplicate fragment afterwards starts a new slot that times out. */
	udp_fragment(&A, 42, d, 0, 1200, true);
	tstack_advance(&A, IP_REASS_TIMEOUT_MS + 20);
	cr_assert_eq(A.stk->cnt.ip_reass_timeout, 1);
	sock_close(s);
}

NET_TEST(ip, bad_fragments_are_dropped)
{
	static uint8_t d[70000];
	make_dgram(d, 1000);
	udp_fragment(&A, 1, d, 0, 100, true);               /* not a multiple of 8 */
	cr_assert_eq(A.stk->cnt.ip_drop_frag, 1);
	udp_fragment(&A, 2, d, 65528, 16, false);           /* past 64 KiB */
	cr_assert_eq(A.stk->cnt.ip_drop_frag, 2);
	udp_fragment(&A, 3, d, 0, 800, true);
	udp_fragment(&A, 3, d, 1600, 8, false);             /* end at 1608 */
	udp_fragment(&A, 3, d, 2400, 8, false);             /* another end */
	cr_assert_eq(A.stk->cnt.ip_drop_frag, 3);
	/* More datagrams than slots: the oldest gives way. */
	for (uint16_t id = 10; id < 10 + IP_REASS_SLOTS + 2; id++)
		udp_fragment(&A, id, d, 0, 800, true);
	cr_assert_eq(A.stk->cnt.ip_reass_timeout, 2);
	cr_assert_eq(A.ntx, 0);
}

NET_TEST(udp, large_datagrams_fragment_and_reassemble)
{
	struct sock *sa = udp_bound(&A, 0), *sb = udp_bound(&B, 7);
	static char out[65507], in[65507];
	size_t sizes[] = { 1473, 3000, 8000, 65507 };
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		for (size_t i = 0; i < sizes[k]; i++)
			out[i] = (char)(i * 13 + k);
		struct net_addr to = { T_IP_B, 7 };
		struct net_iov v = { out, sizes[k] };
		cr_assert_eq(sock_sendmsg(sa, &v, 1, &to, 0), (long)sizes[k]);
		tlink_run(&L, 2);
		cr_assert_eq(sock_recv(sb, in, sizeof(in), 0), (long)sizes[k]);
		cr_assert_eq(memcmp(in, out, sizes[k]), 0);
	}
	cr_assert_eq(B.stk->cnt.ip_reass_ok, 4);
	cr_assert_eq(A.stk->cnt.ip_frag_tx, 2 + 3 + 6 + 45);
	sock_close(sa);
	sock_close(sb);
}

NET_TEST(ip, large_ping_is_answered_in_fragments)
{
	tstack_learn_peer(&A);
	static uint8_t m[5000];
	m[0] = 8;
	for (size_t i = 8; i < 4008; i++)
		m[i] = (uint8_t)i;
	wr16(m + 2, net_csum_fold(net_csum_add(0, m, 4008)));
	uint8_t f[1600];
	for (size_t off = 0; off < 4008; off += 1480) {
		size_t len = MIN((size_t)1480, 4008 - off);
		size_t n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_ICMP, m + off, len);
		uint8_t *ip = f + ETH_HLEN;
		wr16(ip + 6, (uint16_t)(off / 8) | (off + len < 4008 ? IP_FLAG_MF : 0));
		wr16(ip + 10, 0);
		wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, IP_HLEN)));
		t_inject(&A, f, n);
	}
	cr_assert_eq(A.stk->cnt.icmp_tx, 1);
	cr_assert_eq(A.ntx, 3, "the reply leaves in three fragments");
	size_t bytes = 0;
	for (int i = 0; i < A.ntx; i++) {
		const uint8_t *ip = A.tx[i] + ETH_HLEN;
		cr_assert_eq((size_t)(rd16(ip + 6) & IP_OFFSET_MASK) * 8, bytes);
		cr_assert_eq(!!(rd16(ip + 6) & IP_FLAG_MF), i < 2);
		bytes += rd16(ip + 2) - IP_HLEN;
	}
	cr_assert_eq(bytes, 4008);
}

NET_TEST(arp, announcement_is_a_broadcast_request_for_our_own_address)
{
	net_announce(A.stk);
	cr_assert_eq(A.ntx, 1);
	const uint8_t *f = A.tx[0];
	cr_assert_eq(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6), 0, "broadcast");
	cr_assert_eq(rd16(f + 12), ETH_TYPE_ARP);
	cr_assert_eq(rd16(f + ETH_HLEN + 6), 1, "a request");
	cr_assert_eq(rd32(f + ETH_HLEN + 14), T_IP_A, "sender: our address");
	cr_assert_eq(rd32(f + ETH_HLEN + 24), T_IP_A, "target: our address too");
	cr_assert_eq(A.stk->cnt.arp_tx, 1);
}
