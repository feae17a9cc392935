/* test_tcp_link.c — two whole stacks talking TCP over the in-memory link:
 * bulk transfers checked byte by byte (clean, and over a link that drops,
 * reorders and duplicates), simultaneous open and close, many connections at
 * once. Both stacks must end with no connection and no memory left. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include "net_test.h"
#include "platform_host.h"

static struct tstack A, B;
static struct tlink L;

static void setup(void) { t_fixture_two(&A, &B, &L); }

TestSuite(tcplink, .init = setup, .timeout = 60);

static uint8_t pattern(size_t i, uint8_t seed)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ seed;
}

/* One direction of a transfer: writes pattern bytes, reads and checks. */
struct xfer {
	struct sock *s;
	size_t total, sent, rcvd;
	uint8_t seed_out, seed_in;
	bool shut;
};

static void xfer_step(struct xfer *x)
{
	uint8_t buf[16384];
	while (x->sent < x->total && (sock_poll(x->s) & NET_POLLOUT)) {
		size_t n = MIN(sizeof(buf), x->total - x->sent);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(x->sent + i, x->seed_out);
		long k = sock_send(x->s, buf, n, 0);
		if (k <= 0) {
			cr_assert_eq(k, -EAGAIN, "send: %ld in %s", k, tcp_state_names[x->s->tcp->state]);
			break;
		}
		x->sent += (size_t)k;
	}
	if (x->sent == x->total && !x->shut) {
		cr_assert_eq(sock_shutdown(x->s, NET_SHUT_WR), 0);
		x->shut = true;
	}
	for (;;) {
		long k = sock_recv(x->s, buf, sizeof(buf), 0);
		if (k <= 0)
			break;
		for (long i = 0; i < k; i++)
			cr_assert_eq(buf[i], pattern(x->rcvd + (size_t)i, x->seed_in),
				     "byte %zu", x->rcvd + (size_t)i);
		x->rcvd += (size_t)k;
	}
}

static void connect_pair(struct sock **client, struct sock **server, uint16_t port)
{
	struct sock *l;
	cr_assert_eq(sock_socket(B.stk, NET_SOCK_STREAM, &l), 0);
	struct net_addr a = { 0, port };
	cr_assert_eq(sock_bind(l, &a), 0);
	cr_assert_eq(sock_listen(l, 8), 0);
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, client), 0);
	struct net_addr to = { T_IP_B, port };
	cr_assert_eq(sock_connect(*client, &to), -EINPROGRESS);
	for (int i = 0; i < 5000 && !(sock_poll(l) & NET_POLLIN); i++)
		tlink_run(&L, 1);
	cr_assert_eq(sock_accept(l, server, NULL), 0);
	for (int i = 0; i < 5000 && !(sock_poll(*client) & NET_POLLOUT); i++)
		tlink_run(&L, 1);
	cr_assert_eq((*client)->tcp->state, TCP_ESTABLISHED);
	sock_close(l);
}

/* NETDBG=1 in the environment: the state of both ends every 2 s. */
static void trace(uint64_t t, char who, const struct tcp_pcb *p)
{
	fprintf(stderr, "%lu %c %s una=%u nxt=%u max=%u cwnd=%u ssthresh=%u wnd=%u rto=%u "
		"retries=%u rcv_nxt=%u ooo=%u recovery=%d sndbuf=%u rcvbuf=%u\n",
		t, who, tcp_state_names[p->state], p->snd_una.v - p->iss.v, p->snd_nxt.v - p->iss.v,
		p->snd_max.v - p->iss.v, p->cwnd, p->ssthresh, p->snd_wnd, p->rto, p->retries,
		p->rcv_nxt.v - p->irs.v, p->nooo, p->in_recovery, p->sndbuf.len, p->rcvbuf.len);
}

static uint32_t iss_seen[2];

/* Both ways at once; returns the simulated milliseconds it took. */
static uint64_t transfer(size_t bytes, uint64_t limit_ms)
{
	struct sock *c, *s;
	connect_pair(&c, &s, 5001);
	iss_seen[0] = c->tcp->iss.v;
	iss_seen[1] = s->tcp->iss.v;
	struct xfer xa = { c, bytes, 0, 0, 0x11, 0x22, false };
	struct xfer xb = { s, bytes, 0, 0, 0x22, 0x11, false };
	uint64_t start = t_now;
	while ((xa.rcvd < bytes || xb.rcvd < bytes) && t_now - start < limit_ms) {
		xfer_step(&xa);
		xfer_step(&xb);
		tlink_run(&L, 1);
		if (getenv("NETDBG") && (t_now - start) % 2000 == 0) {
			trace(t_now - start, 'A', c->tcp);
			trace(t_now - start, 'B', s->tcp);
		}
	}
	uint64_t took = t_now - start;
	cr_assert_eq(xa.rcvd, bytes, "A got %zu of %zu in %lu ms", xa.rcvd, bytes, took);
	cr_assert_eq(xb.rcvd, bytes, "B got %zu of %zu", xb.rcvd, bytes);
	/* Both FINs crossed: end of stream on both sides. */
	for (int i = 0; i < 5000 && (sock_recv(c, NULL, 0, 0) != 0 || sock_recv(s, NULL, 0, 0) != 0); i++)
		tlink_run(&L, 1);
	char x;
	cr_assert_eq(sock_recv(c, &x, 1, 0), 0);
	cr_assert_eq(sock_recv(s, &x, 1, 0), 0);
	sock_close(c);
	sock_close(s);
	tlink_run(&L, 2 * TCP_MSL_MS + 1000);
	cr_assert_eq(A.stk->ntcp, 0);
	cr_assert_eq(B.stk->ntcp, 0);
	return took;
}

NET_TEST(tcplink, clean_link_moves_4_mib_each_way)
{
	transfer(4u << 20, 60000);
	cr_assert_eq(A.stk->cnt.tcp_retx, 0);
	cr_assert_eq(B.stk->cnt.tcp_retx, 0);
	cr_assert_gt(A.stk->cnt.tcp_tx, 2800);
}

NET_TEST(tcplink, lossy_reordering_duplicating_link_moves_4_mib_each_way)
{
	L.loss_pct = 5;
	L.reorder_pct = 25;
	L.dup_pct = 1;
	/* Both initial sequence numbers just below 2^32: the stream wraps. */
	netp_host_next_random(0xfff00000u);
	netp_host_next_random(0xffe00000u);
	uint64_t took = transfer(4u << 20, 600000);
	cr_assert_eq(iss_seen[0], 0xfff00000u);
	cr_assert_eq(iss_seen[1], 0xffe00000u);
	cr_assert_gt(A.stk->cnt.tcp_retx + B.stk->cnt.tcp_retx, 0);
	cr_assert_gt(A.stk->cnt.tcp_fast_retx + B.stk->cnt.tcp_fast_retx, 0);
	cr_assert_gt(L.dropped, 0);
	cr_assert_gt(L.reordered, 0);
	cr_assert_gt(L.duplicated, 0);
	cr_log_info("lossy: %lu ms simulated, retx %lu+%lu, fast %lu+%lu, rto %lu+%lu",
		    took, A.stk->cnt.tcp_retx, B.stk->cnt.tcp_retx, A.stk->cnt.tcp_fast_retx,
		    B.stk->cnt.tcp_fast_retx, A.stk->cnt.tcp_rto, B.stk->cnt.tcp_rto);
}

NET_TEST(tcplink, simultaneous_open)
{
	struct sock *a, *b;
	sock_socket(A.stk, NET_SOCK_STREAM, &a);
	sock_socket(B.stk, NET_SOCK_STREAM, &b);
	struct net_addr pa = { 0, 7000 }, pb = { 0, 7001 };
	cr_assert_eq(sock_bind(a, &pa), 0);
	cr_assert_eq(sock_bind(b, &pb), 0);
	struct net_addr ta = { T_IP_B, 7001 }, tb = { T_IP_A, 7000 };
	cr_assert_eq(sock_connect(a, &ta), -EINPROGRESS);
	/* B resolves A by ARP meanwhile; let the ARP exchange finish first. */
	cr_assert_eq(sock_connect(b, &tb), -EINPROGRESS);
	tlink_deliver(&L);                 /* ARP requests cross: both learn, both SYNs go */
	tlink_deliver(&L);                 /* the SYNs cross */
	cr_assert_eq(a->tcp->state, TCP_SYN_RECEIVED);
	cr_assert_eq(b->tcp->state, TCP_SYN_RECEIVED);
	tlink_run(&L, 10);
	cr_assert_eq(a->tcp->state, TCP_ESTABLISHED);
	cr_assert_eq(b->tcp->state, TCP_ESTABLISHED);
	cr_assert_eq(sock_send(a, "ping", 4, 0), 4);
	tlink_run(&L, 50);
	char buf[8];
	cr_assert_eq(sock_recv(b, buf, sizeof(buf), 0), 4);
	sock_close(a);
	sock_close(b);
	tlink_run(&L, 2 * TCP_MSL_MS + 1000);
	cr_assert_eq(A.stk->ntcp + B.stk->ntcp, 0);
}

NET_TEST(tcplink, simultaneous_close)
{
	struct sock *c, *s;
	connect_pair(&c, &s, 5002);
	cr_assert_eq(sock_shutdown(c, NET_SHUT_WR), 0);
	cr_assert_eq(sock_shutdown(s, NET_SHUT_WR), 0);
	tlink_deliver(&L);                 /* the FINs cross */
	cr_assert_eq(c->tcp->state, TCP_CLOSING);
	cr_assert_eq(s->tcp->state, TCP_CLOSING);
	tlink_deliver(&L);                 /* the ACKs of the FINs */
	cr_assert_eq(c->tcp->state, TCP_TIME_WAIT);
	cr_assert_eq(s->tcp->state, TCP_TIME_WAIT);
	cr_assert(sock_poll(c) & NET_POLLHUP);
	sock_close(c);
	sock_close(s);
	tlink_run(&L, 2 * TCP_MSL_MS + 100);
	cr_assert_eq(A.stk->ntcp + B.stk->ntcp, 0);
}

NET_TEST(tcplink, two_hundred_connections_at_once)
{
	enum { N = 200 };
	struct sock *l, *cl[N], *sv[N];
	sock_socket(B.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 };
	sock_bind(l, &a);
	sock_listen(l, N);
	struct net_addr to = { T_IP_B, 80 };
	for (int i = 0; i < N; i++) {
		cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &cl[i]), 0);
		cr_assert_eq(sock_connect(cl[i], &to), -EINPROGRESS);
	}
	/* Only the first few SYNs wait for ARP; the rest come again after 1 s. */
	tlink_run(&L, 1500);
	for (int i = 0; i < N; i++)
		cr_assert_eq(sock_accept(l, &sv[i], NULL), 0, "connection %d", i);
	cr_assert_eq(sock_accept(l, &sv[0], NULL), -EAGAIN);
	for (int i = 0; i < N; i++) {
		char msg[16];
		int n = snprintf(msg, sizeof(msg), "req %d", i);
		cr_assert_eq(sock_send(cl[i], msg, (size_t)n, 0), n);
	}
	tlink_run(&L, 50);
	for (int i = 0; i < N; i++) {
		char buf[32];
		long n = sock_recv(sv[i], buf, sizeof(buf), 0);
		cr_assert_gt(n, 0);
		cr_assert_eq(sock_send(sv[i], buf, (size_t)n, 0), n);
		sock_close(sv[i]);                 /* the server closes first */
	}
	tlink_run(&L, 50);
	for (int i = 0; i < N; i++) {
		char buf[32];
		cr_assert_gt(sock_recv(cl[i], buf, sizeof(buf), 0), 0);
		cr_assert_eq(sock_recv(cl[i], buf, sizeof(buf), 0), 0);
		sock_close(cl[i]);
	}
	sock_close(l);
	tlink_run(&L, 100);
	cr_assert_eq(A.stk->ntcp, 0, "the clients closed last: no TIME_WAIT there");
	cr_assert_eq(B.stk->ntcp, N, "the server's side waits in TIME_WAIT");
	tlink_run(&L, 2 * TCP_MSL_MS + 100);
	cr_assert_eq(B.stk->ntcp, 0);
	cr_assert_eq(A.stk->cnt.tcp_rst_tx + B.stk->cnt.tcp_rst_tx, 0);
}
