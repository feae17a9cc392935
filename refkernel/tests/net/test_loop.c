/* test_loop.c — the loopback interface (net/loop.c): two sockets of one
 * stack talking over 127.0.0.1 and over the stack's own address, TCP and
 * UDP, with nothing reaching the device; the wire may not forge 127/8.
 * Every test ends with the leak check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "net_test.h"

static struct tstack A;

static void setup(void) { t_fixture_one(&A); }
TestSuite(loop, .init = setup);

/* A listener on (port) and a client connected to (ip):(port); returns the
 * accepted socket in *srv. The handshake runs inside sock_connect. */
static void tcp_pair(uint32_t ip, uint16_t port, struct sock **lis, struct sock **cli,
		     struct sock **srv)
{
	struct net_addr any = { 0, port }, to = { ip, port }, peer;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, lis), 0);
	cr_assert_eq(sock_bind(*lis, &any), 0);
	cr_assert_eq(sock_listen(*lis, 8), 0);
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, cli), 0);
	cr_assert_eq(sock_connect(*cli, &to), -EINPROGRESS);
	cr_assert(sock_poll(*cli) & NET_POLLOUT, "connected when connect returns");
	cr_assert(sock_poll(*lis) & NET_POLLIN);
	cr_assert_eq(sock_accept(*lis, srv, &peer), 0);
	cr_assert_eq(peer.ip, ip_is_loopback(ip) ? NET_IP_LOOPBACK : ip);
}

/* Move (n) bytes from (a) to (b) through the stack, reading as they come. */
static void pump(struct sock *a, struct sock *b, size_t n, uint8_t seed)
{
	static uint8_t out[1 << 16], in[1 << 16];
	size_t sent = 0, got = 0;
	uint8_t next = seed;
	for (int rounds = 0; got < n && rounds < 100000; rounds++) {
		if (sent < n) {
			size_t k = MIN(sizeof(out), n - sent);
			for (size_t i = 0; i < k; i++)
				out[i] = (uint8_t)(seed + sent + i);
			long w = sock_send(a, out, k, 0);
			cr_assert(w > 0 || w == -EAGAIN, "send: %ld", w);
			if (w > 0)
				sent += (size_t)w;
		}
		long r = sock_recv(b, in, sizeof(in), 0);
		cr_assert(r > 0 || r == -EAGAIN, "recv: %ld", r);
		for (long i = 0; i < r; i++, got++, next++)
			cr_assert_eq(in[i], next, "byte %zu", got);
	}
	cr_assert_eq(got, n);
}

NET_TEST(loop, tcp_over_127_0_0_1_never_reaches_the_device)
{
	struct sock *l, *c, *s;
	tcp_pair(IP(127, 0, 0, 1), 8080, &l, &c, &s);
	struct net_addr a;
	cr_assert_eq(sock_getsockname(c, &a), 0);
	cr_assert_eq(a.ip, NET_IP_LOOPBACK);
	cr_assert_eq(sock_getpeername(s, &a), 0);
	cr_assert_eq(a.ip, NET_IP_LOOPBACK);
	pump(c, s, 3u << 20, 7);      /* past both buffers: windows and ACKs loop too */
	pump(s, c, 1u << 20, 99);
	cr_assert_eq(sock_close(c), 0);
	char buf[8];
	cr_assert_eq(sock_recv(s, buf, sizeof(buf), 0), 0, "end of stream after the FIN");
	cr_assert_eq(sock_close(s), 0);
	cr_assert_eq(sock_close(l), 0);
	cr_assert_eq(A.ntx, 0, "%d frames went to the device", A.ntx);
	cr_assert_eq(A.stk->cnt.eth_tx, 0);
	cr_assert_gt(A.stk->cnt.lo_tx, 100);
	cr_assert_eq(A.stk->cnt.lo_rx, A.stk->cnt.lo_tx);
	cr_assert_eq(A.stk->cnt.tcp_drop_csum + A.stk->cnt.tcp_drop_bad + A.stk->cnt.tcp_retx, 0);
	cr_assert_eq(A.stk->ntcp, 1, "the closer's side waits in TIME_WAIT: %u", A.stk->ntcp);
	tstack_advance(&A, 2 * TCP_MSL_MS + 100);
	cr_assert_eq(A.stk->ntcp, 0, "TIME_WAIT ended: %u pcbs left", A.stk->ntcp);
}

NET_TEST(loop, tcp_to_our_own_address_and_any_127_address)
{
	struct sock *l, *c, *s;
	tcp_pair(T_IP_A, 80, &l, &c, &s);
	struct net_addr a;
	cr_assert_eq(sock_getsockname(c, &a), 0);
	cr_assert_eq(a.ip, T_IP_A, "the source is the interface's address");
	pump(c, s, 100000, 1);
	sock_close(c);
	sock_close(s);
	struct sock *c2, *s2;
	struct net_addr to = { IP(127, 1, 2, 3), 80 }, peer;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &c2), 0);
	cr_assert_eq(sock_connect(c2, &to), -EINPROGRESS);
	cr_assert_eq(sock_accept(l, &s2, &peer), 0);
	cr_assert_eq(sock_getsockname(s2, &a), 0);
	cr_assert_eq(a.ip, IP(127, 1, 2, 3), "accepted on the address it was asked for");
	pump(s2, c2, 5000, 3);
	sock_close(c2);
	sock_close(s2);
	sock_close(l);
	cr_assert_eq(A.ntx, 0);
}

NET_TEST(loop, tcp_refused_and_bound_addresses)
{
	struct sock *c, *b;
	struct net_addr to = { NET_IP_LOOPBACK, 9 };
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &c), 0);
	cr_assert_eq(sock_connect(c, &to), -EINPROGRESS);
	cr_assert(sock_poll(c) & NET_POLLERR, "refused at once: the RST looped back");
	int err = 0;
	size_t len = sizeof(err);
	cr_assert_eq(sock_getsockopt(c, NET_SOL_SOCKET, NET_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ECONNREFUSED);
	cr_assert_eq(A.stk->cnt.tcp_drop_noport, 1);
	sock_close(c);
	/* 127/8 is ours to bind; a foreign address is not */
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &b), 0);
	struct net_addr lo = { NET_IP_LOOPBACK, 6379 }, foreign = { IP(10, 0, 0, 9), 1 };
	cr_assert_eq(sock_bind(b, &foreign), -EADDRNOTAVAIL);
	cr_assert_eq(sock_bind(b, &lo), 0);
	cr_assert_eq(sock_listen(b, 4), 0);
	/* a listener on 127.0.0.1 does not answer on the interface's address */
	to = (struct net_addr){ T_IP_A, 6379 };
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &c), 0);
	cr_assert_eq(sock_connect(c, &to), -EINPROGRESS);
	len = sizeof(err);
	cr_assert_eq(sock_getsockopt(c, NET_SOL_SOCKET, NET_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ECONNREFUSED);
	sock_close(c);
	sock_close(b);
	cr_assert_eq(A.ntx, 0);
}

NET_TEST(loop, udp_over_127_0_0_1_with_large_datagrams)
{
	struct sock *a, *b;
	struct net_addr ba = { NET_IP_LOOPBACK, 5353 }, from;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &a), 0);
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &b), 0);
	cr_assert_eq(sock_bind(b, &ba), 0);
	static uint8_t big[60000], in[65536];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	struct net_iov v = { big, sizeof(big) };
	cr_assert_eq(sock_sendmsg(a, &v, 1, &ba, 0), (long)sizeof(big));
	v = (struct net_iov){ "ping", 4 };
	cr_assert_eq(sock_sendmsg(a, &v, 1, &ba, 0), 4);
	cr_assert(sock_poll(b) & NET_POLLIN);
	struct net_iov r = { in, sizeof(in) };
	cr_assert_eq(sock_recvmsg(b, &r, 1, &from, 0, NULL), (long)sizeof(big));
	cr_assert_eq(memcmp(in, big, sizeof(big)), 0);
	cr_assert_eq(from.ip, NET_IP_LOOPBACK);
	cr_assert_eq(sock_recvmsg(b, &r, 1, &from, 0, NULL), 4);
	cr_assert_eq(memcmp(in, "ping", 4), 0);
	/* the answer goes back to where it came from */
	v = (struct net_iov){ "pong", 4 };
	cr_assert_eq(sock_sendmsg(b, &v, 1, &from, 0), 4);
	cr_assert_eq(sock_recvmsg(a, &r, 1, &from, 0, NULL), 4);
	cr_assert_eq(from.port, 5353);
	cr_assert_eq(A.stk->cnt.ip_frag_tx, 0, "the loopback MTU needs no fragments");
	/* to our own address on a port nobody has: dropped and counted */
	struct net_addr none = { T_IP_A, 9999 };
	cr_assert_eq(sock_sendmsg(a, &v, 1, &none, 0), 4);
	cr_assert_eq(A.stk->cnt.udp_drop_noport, 1);
	sock_close(a);
	sock_close(b);
	cr_assert_eq(A.ntx, 0);
	cr_assert_eq(A.stk->cnt.lo_rx, A.stk->cnt.lo_tx);
}

NET_TEST(loop, the_wire_cannot_reach_127)
{
	struct sock *u;
	struct net_addr lo = { NET_IP_LOOPBACK, 53 };
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_DGRAM, &u), 0);
	cr_assert_eq(sock_bind(u, &lo), 0);
	uint8_t f[128], l4[12] = { 0 };
	wr16(l4, 1000);
	wr16(l4 + 2, 53);
	wr16(l4 + 4, sizeof(l4));
	size_t n = t_build_ip(f, T_IP_B, NET_IP_LOOPBACK, IP_PROTO_UDP, l4, sizeof(l4));
	t_inject(&A, f, n);
	n = t_build_ip(f, NET_IP_LOOPBACK, T_IP_A, IP_PROTO_UDP, l4, sizeof(l4));
	t_inject(&A, f, n);
	cr_assert_eq(A.stk->cnt.ip_drop_martian, 2);
	cr_assert_eq(A.stk->cnt.udp_rx, 0);
	cr_assert_eq(sock_poll(u) & NET_POLLIN, 0);
	sock_close(u);
}

NET_TEST(loop, tcp_cork_holds_the_tail_until_uncorked)
{
	struct sock *l, *c, *s;
	tcp_pair(NET_IP_LOOPBACK, 8081, &l, &c, &s);
	int on = 1, off = 0, v = 0;
	size_t len = sizeof(v);
	cr_assert_eq(sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_CORK, &on, sizeof(on)), 0);
	cr_assert_eq(sock_getsockopt(s, NET_IPPROTO_TCP, NET_TCP_CORK, &v, &len), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(sock_send(s, "header", 6, 0), 6);
	char buf[16];
	cr_assert_eq(sock_recv(c, buf, sizeof(buf), 0), -EAGAIN, "a corked tail waits");
	cr_assert_eq(sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_CORK, &off, sizeof(off)), 0);
	cr_assert_eq(sock_recv(c, buf, sizeof(buf), 0), 6, "uncorking sends it");
	cr_assert_eq(memcmp(buf, "header", 6), 0);
	sock_close(c);
	sock_close(s);
	sock_close(l);
}
