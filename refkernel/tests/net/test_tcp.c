/* test_tcp.c — TCP against forged segments (lwIP style): connections made by
 * the set-state shortcut or a forged handshake, segments built relative to
 * the connection's sequence numbers, timers fired by hand, and the leak
 * check after every test. */
#include <criterion/criterion.h>
#include "net_test.h"
#include "platform_host.h"

static struct tstack A;

static void setup(void)
{
	t_fixture_one(&A);
	tstack_learn_peer(&A);
}

TestSuite(tcp, .init = setup);

static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };   /* MSS 1460, WS 7 */

/* ---- handshakes ---- */

NET_TEST(tcp, passive_open_negotiates_mss_and_window_scale)
{
	struct tconn c;
	struct sock *l;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &l), 0);
	struct net_addr a = { 0, 80 };
	cr_assert_eq(sock_bind(l, &a), 0);
	cr_assert_eq(sock_listen(l, 4), 0);
	cr_assert_eq(sock_poll(l), 0);
	t_send_tcp(&A, 40000, 80, 1000, 0, TCP_SYN, 65535, NULL, 0, syn_opts, sizeof(syn_opts));
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_SYN | TCP_ACK);
	cr_assert_eq(p.ack, 1001);
	cr_assert_eq(p.mss, 1460);
	cr_assert_eq(p.ws, 3, "256 KiB buffer needs scale 3");
	struct sock *s;
	cr_assert_eq(sock_accept(l, &s, NULL), -EAGAIN);
	t_send_tcp(&A, 40000, 80, 1001, p.seq + 1, TCP_ACK, 100, NULL, 0, NULL, 0);
	cr_assert(sock_poll(l) & NET_POLLIN);
	cr_assert_eq(sock_accept(l, &s, NULL), 0);
	cr_assert_eq(s->tcp->snd_wnd, 100u << 7);
	cr_assert_eq(s->tcp->mss, 1460);
	cr_assert(sock_poll(s) & NET_POLLOUT);
	cr_assert_eq(A.stk->cnt.tcp_passive_open, 1);
	(void)c;
	sock_close(s);
	sock_close(l);
}

NET_TEST(tcp, no_window_scale_without_the_option)
{
	struct tconn c;
	const uint8_t mss_only[] = { 2, 4, 0x02, 0x00 };
	tconn_accept(&c, &A, 5000, 30000, mss_only, sizeof(mss_only));
	cr_assert_eq(c.pcb->snd_wscale, 0);
	cr_assert_eq(c.pcb->rcv_wscale, 0);
	cr_assert_eq(c.pcb->mss, 512);
	cr_assert_eq(c.pcb->snd_wnd, 30000);
	sock_close(c.s);
}

NET_TEST(tcp, active_open_and_refused)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &s), 0);
	struct net_addr to = { T_IP_B, 80 };
	cr_assert_eq(sock_connect(s, &to), -EINPROGRESS);
	cr_assert_eq(sock_connect(s, &to), -EALREADY);
	cr_assert_eq(sock_poll(s) & NET_POLLOUT, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_SYN);
	cr_assert_eq(p.mss, 1460);
	cr_assert_eq(p.ws, 3);
	cr_assert(p.sack_ok);
	/* A SYN-ACK acknowledging something else gets a RST and changes nothing. */
	t_send_tcp(&A, 80, p.sport, 777, p.seq + 5, TCP_SYN | TCP_ACK, 1000, NULL, 0, NULL, 0);
	struct tpkt r;
	cr_assert(tstack_last_tcp(&A, &r));
	cr_assert_eq(r.flags, TCP_RST);
	cr_assert_eq(r.seq, p.seq + 5);
	cr_assert_eq(s->tcp->state, TCP_SYN_SENT);
	/* The real refusal. */
	t_send_tcp(&A, 80, p.sport, 0, p.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	cr_assert_eq(s->tcp->state, TCP_CLOSED);
	cr_assert(sock_poll(s) & NET_POLLERR);
	int err;
	size_t len = sizeof(err);
	cr_assert_eq(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_ERROR, &err, &len), 0);
	cr_assert_eq(err, ECONNREFUSED);
	sock_close(s);
}

NET_TEST(tcp, active_open_completes)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &s), 0);
	struct net_addr to = { T_IP_B, 80 };
	cr_assert_eq(sock_connect(s, &to), -EINPROGRESS);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	tstack_clear(&A);
	t_now += 30;
	t_send_tcp(&A, 80, p.sport, 9000, p.seq + 1, TCP_SYN | TCP_ACK, 8192, NULL, 0,
		   syn_opts, sizeof(syn_opts));
	cr_assert_eq(s->tcp->state, TCP_ESTABLISHED);
	cr_assert_eq(s->tcp->snd_wnd, 8192, "a SYN's window is not scaled");
	cr_assert(s->tcp->rtt_valid);
	struct tpkt ack;
	cr_assert(tstack_last_tcp(&A, &ack));
	cr_assert_eq(ack.flags, TCP_ACK);
	cr_assert_eq(ack.ack, 9001);
	cr_assert(sock_poll(s) & NET_POLLOUT);
	cr_assert_eq(sock_connect(s, &to), -EISCONN);
	struct net_addr peer;
	cr_assert_eq(sock_getpeername(s, &peer), 0);
	cr_assert_eq(peer.port, 80);
	sock_close(s);
}

NET_TEST(tcp, closed_port_gets_rst)
{
	t_send_tcp(&A, 40000, 81, 1000, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_RST | TCP_ACK);
	cr_assert_eq(p.ack, 1001);
	cr_assert_eq(p.seq, 0);
	t_send_tcp(&A, 40000, 81, 1000, 5555, TCP_ACK, 65535, "x", 1, NULL, 0);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_RST);
	cr_assert_eq(p.seq, 5555);
	tstack_clear(&A);
	t_send_tcp(&A, 40000, 81, 1000, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	cr_assert_eq(A.ntx, 0, "no RST for a RST");
	cr_assert_eq(A.stk->cnt.tcp_drop_noport, 3);
}

NET_TEST(tcp, syn_retransmits_then_times_out)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &s), 0);
	struct net_addr to = { T_IP_B, 80 };
	sock_connect(s, &to);
	tstack_advance(&A, 200000);
	cr_assert_eq(A.stk->cnt.tcp_retx, TCP_SYN_RETRIES);
	cr_assert_eq(s->tcp->state, TCP_CLOSED);
	cr_assert_eq(sock_recv(s, NULL, 0, 0), -ETIMEDOUT);
	cr_assert_eq(A.stk->cnt.tcp_timeout, 1);
	sock_close(s);
}

/* ---- data ---- */

NET_TEST(tcp, receive_in_order_with_delayed_ack)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, syn_opts, sizeof(syn_opts));
	tconn_send(&c, TCP_PSH, "hello", 5);
	cr_assert_eq(A.ntx, 0, "the ACK is delayed");
	cr_assert(sock_poll(c.s) & NET_POLLIN);
	tstack_advance(&A, TCP_DELACK_MS);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, c.snd);
	tstack_clear(&A);
	/* Two segments: ACK at once. */
	tconn_send(&c, 0, "ab", 2);
	tconn_send(&c, 0, "cd", 2);
	cr_assert_eq(A.ntx, 1);
	char buf[32];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 9);
	cr_assert_eq(memcmp(buf, "helloabcd", 9), 0);
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), -EAGAIN);
	sock_close(c.s);
}

NET_TEST(tcp, out_of_order_segments_are_queued_and_merged)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, syn_opts, sizeof(syn_opts));
	uint32_t base = c.snd;
	/* Send bytes 10..19, 5..14 (overlap), 30..39 + FIN, then 0..9, 20..29. */
	char data[40];
	for (int i = 0; i < 40; i++)
		data[i] = (char)('a' + i % 26);
	c.snd = base + 10;
	tconn_send(&c, 0, data + 10, 10);
	c.snd = base + 5;
	tconn_send(&c, 0, data + 5, 10);
	c.snd = base + 30;
	tconn_send(&c, TCP_FIN, data + 30, 10);
	cr_assert_eq(A.stk->cnt.tcp_ooo, 3);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base, "duplicate ACKs for the hole");
	cr_assert_eq(A.ntx, 3);
	c.snd = base;
	tconn_send(&c, 0, data, 10);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base + 20);
	cr_assert_eq(c.pcb->nooo, 1);
	c.snd = base + 20;
	tconn_send(&c, 0, data + 20, 10);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base + 41, "all data and the FIN");
	cr_assert_eq(c.pcb->state, TCP_CLOSE_WAIT);
	char buf[64];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 40);
	cr_assert_eq(memcmp(buf, data, 40), 0);
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 0);
	cr_assert(sock_poll(c.s) & NET_POLLRDHUP);
	sock_close(c.s);
	cr_assert_eq(c.pcb->state, TCP_LAST_ACK);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_FIN | TCP_ACK);
	c.snd = base + 41;
	tconn_ack(&c, p.seq + 1, 65535);
	cr_assert_eq(A.stk->ntcp, 0, "LAST_ACK -> CLOSED frees the connection");
}

NET_TEST(tcp, send_segments_by_mss_and_nagle)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, syn_opts, sizeof(syn_opts));
	uint32_t base = c.rcv;
	static char big[5000];
	cr_assert_eq(sock_send(c.s, big, 5000, 0), 5000);
	/* The initial window (3 segments for this MSS) limits the burst. */
	cr_assert_eq(tstack_count_tcp(&A, 0), 3, "%d segs", tstack_count_tcp(&A, 0));
	struct tpkt p;
	tstack_parse(&A, 0, &p);
	cr_assert_eq(p.len, 1460);
	cr_assert_eq(p.seq, c.rcv);
	tstack_clear(&A);
	tconn_ack(&c, c.rcv + 3 * 1460, 65535);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.len, 5000 - 3 * 1460);
	cr_assert(p.flags & TCP_PSH);
	tstack_clear(&A);
	/* Nagle: a small write while a small segment is unacknowledged waits... */
	cr_assert_eq(sock_send(c.s, "x", 1, 0), 1);
	cr_assert_eq(A.ntx, 0);
	/* ...and goes when that one is acknowledged. */
	tconn_ack(&c, base + 5000, 65535);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.len, 1);
	tstack_clear(&A);
	cr_assert_eq(sock_send(c.s, "y", 1, 0), 1);
	cr_assert_eq(A.ntx, 0);
	/* TCP_NODELAY pushes it at once. */
	int one = 1;
	cr_assert_eq(sock_setsockopt(c.s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof(one)), 0);
	cr_assert_eq(A.ntx, 1);
	sock_close(c.s);
}

NET_TEST(tcp, retransmission_timeout_backs_off_and_gives_up)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, syn_opts, sizeof(syn_opts));
	cr_assert_eq(sock_send(c.s, "data", 4, 0), 4);
	uint32_t rto = c.pcb->rto;
	tstack_clear(&A);
	tstack_advance(&A, rto - 10);
	cr_assert_eq(A.ntx, 0);
	tstack_advance(&A, 20);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, c.rcv);
	cr_assert_eq(p.len, 4);
	cr_assert_eq(c.pcb->rto, 2 * rto);
	cr_assert_eq(c.pcb->cwnd, c.pcb->mss);
	cr_assert_eq(A.stk->cnt.tcp_rto, 1);
	cr_assert_eq(A.stk->cnt.tcp_retx, 1);
	/* An ACK resets the retry count and the RTO from the next sample. */
	tconn_ack(&c, c.rcv + 4, 65535);
	cr_assert_eq(c.pcb->t_rexmt, 0);
	cr_assert_eq(sock_send(c.s, "more", 4, 0), 4);
	tstack_advance(&A, 20 * 60000);
	cr_assert_eq(c.pcb->state, TCP_CLOSED);
	cr_assert_eq(A.stk->cnt.tcp_timeout, 1);
	cr_assert_eq(A.stk->cnt.tcp_rst_tx, 1);
	cr_assert_eq(sock_send(c.s, "x", 1, 0), -ETIMEDOUT);
	sock_close(c.s);
}

NET_TEST(tcp, rtt_estimator_follows_rfc6298)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 100, 200, 65535);
	tcp_update_rto(c.pcb, 100);
	cr_assert_eq(c.pcb->srtt8 >> 3, 100);
	cr_assert_eq(c.pcb->rttvar4 >> 2, 50);
	cr_assert_eq(c.pcb->rto, 300);
	tcp_update_rto(c.pcb, 100);
	cr_assert_eq(c.pcb->srtt8 >> 3, 100);
	cr_assert_eq(c.pcb->rto, 100 + 150);
	for (int i = 0; i < 50; i++)
		tcp_update_rto(c.pcb, 1);
	cr_assert_eq(c.pcb->rto, TCP_RTO_MIN_MS);
	sock_close(c.s);
}

NET_TEST(tcp, fast_retransmit_and_newreno_recovery)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	c.pcb->cwnd = 20 * 1460;
	static char buf[10 * 1460];
	cr_assert_eq(sock_send(c.s, buf, sizeof(buf), 0), (long)sizeof(buf));
	cr_assert_eq(tstack_count_tcp(&A, 0), 10);
	uint32_t una = c.rcv;
	tstack_clear(&A);
	/* Segment 1 arrived, 2 lost; 3, 4, 5 make dup ACKs. */
	tconn_ack(&c, una + 1460, 65535);
	for (int i = 0; i < 3; i++)
		tconn_ack(&c, una + 1460, 65535);
	cr_assert_eq(A.stk->cnt.tcp_fast_retx, 1);
	cr_assert(c.pcb->in_recovery);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, una + 1460);
	cr_assert_eq(p.len, 1460);
	uint32_t flight = 9 * 1460;
	cr_assert_eq(c.pcb->ssthresh, flight / 2);
	cr_assert_eq(c.pcb->cwnd, flight / 2 + 3 * 1460);
	/* A partial ACK (2 and 3 arrive, 4 also lost): retransmit 4 at once. */
	tstack_clear(&A);
	tconn_ack(&c, una + 3 * 1460, 65535);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, una + 3 * 1460);
	cr_assert(c.pcb->in_recovery);
	/* The full ACK ends recovery with cwnd = ssthresh at most. */
	tconn_ack(&c, una + 10 * 1460, 65535);
	cr_assert(!c.pcb->in_recovery);
	cr_assert_leq(c.pcb->cwnd, c.pcb->ssthresh);
	cr_assert_eq(A.stk->cnt.tcp_retx, 2);
	cr_assert_eq(A.stk->cnt.tcp_dupack_rx, 3);
	sock_close(c.s);
}

NET_TEST(tcp, zero_window_probe)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	cr_assert_eq(sock_send(c.s, "0123456789", 10, 0), 10);
	uint32_t una = c.rcv;
	tconn_ack(&c, una + 10, 0);                 /* all acked, window closed */
	tstack_clear(&A);
	cr_assert_eq(sock_send(c.s, "abcdef", 6, 0), 6);
	cr_assert_eq(A.ntx, 0, "nothing fits a zero window");
	cr_assert_neq(c.pcb->t_persist, 0);
	cr_assert_eq(c.pcb->t_rexmt, 0);
	/* The persist timer starts at the RTO (here the 200 ms floor). */
	tstack_advance(&A, 250);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.len, 1, "a one-byte probe");
	cr_assert_eq(p.seq, una + 10);
	cr_assert_eq(A.stk->cnt.tcp_zwp, 1);
	/* Still closed: the probes back off but the connection stays. */
	tconn_ack(&c, una + 10, 0);
	tstack_advance(&A, 100000);
	cr_assert_eq(c.pcb->state, TCP_ESTABLISHED);
	cr_assert_gt(A.stk->cnt.tcp_zwp, 2);
	cr_assert_lt(A.stk->cnt.tcp_zwp, 12);
	/* The window opens: the rest goes. */
	tstack_learn_peer(&A);      /* the ARP entry expired meanwhile */
	tconn_ack(&c, una + 10, 1000);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq + p.len, una + 16);
	tconn_ack(&c, una + 16, 1000);
	cr_assert_eq(c.pcb->sndbuf.len, 0);
	cr_assert_eq(c.pcb->t_persist, 0);
	sock_close(c.s);
}

NET_TEST(tcp, receive_window_closes_and_reopens)
{
	struct tconn c;
	t_rcvbuf = 4096;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	cr_assert_eq(c.pcb->rcvbuf.max, 4096);
	static char data[8192];
	uint32_t start = c.snd;
	for (int i = 0; i < 8; i++)
		tconn_send(&c, 0, data, 512);
	/* Beyond the window: trimmed away and answered with an ACK. */
	tconn_send(&c, 0, data, 100);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, start + 4096);
	cr_assert_eq(p.wnd, 0);
	cr_assert_eq(c.pcb->rcvbuf.len, 4096);
	tstack_clear(&A);
	char buf[4096];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 4096);
	cr_assert(tstack_last_tcp(&A, &p), "a window update");
	cr_assert_eq(p.wnd, 4096);
	sock_close(c.s);
}

NET_TEST(tcp, keepalive_probes_then_drops)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	int one = 1, idle = 10, intvl = 2, cnt = 3;
	cr_assert_eq(sock_setsockopt(c.s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &one, sizeof(one)), 0);
	sock_setsockopt(c.s, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, &idle, sizeof(idle));
	sock_setsockopt(c.s, NET_IPPROTO_TCP, NET_TCP_KEEPINTVL, &intvl, sizeof(intvl));
	sock_setsockopt(c.s, NET_IPPROTO_TCP, NET_TCP_KEEPCNT, &cnt, sizeof(cnt));
	tstack_advance(&A, 9000);
	cr_assert_eq(A.ntx, 0);
	tstack_advance(&A, 1100);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, c.rcv - 1, "keep-alive uses an old sequence number");
	/* An answer resets the count. */
	tconn_ack(&c, c.rcv, 65535);
	cr_assert_eq(c.pcb->keep_probes, 0);
	tstack_advance(&A, 10000 + 3 * 2000 + 100);
	cr_assert_eq(c.pcb->state, TCP_CLOSED);
	cr_assert_eq(A.stk->cnt.tcp_keepalive, 4);
	cr_assert_eq(sock_recv(c.s, NULL, 0, 0), -ETIMEDOUT);
	sock_close(c.s);
}

/* ---- closing ---- */

NET_TEST(tcp, active_close_through_time_wait)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	cr_assert_eq(sock_shutdown(c.s, NET_SHUT_WR), 0);
	cr_assert_eq(c.pcb->state, TCP_FIN_WAIT_1);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_FIN | TCP_ACK);
	cr_assert_eq(sock_send(c.s, "x", 1, 0), -EPIPE);
	tconn_ack(&c, p.seq + 1, 65535);
	cr_assert_eq(c.pcb->state, TCP_FIN_WAIT_2);
	tconn_send(&c, 0, "bye", 3);
	tconn_send(&c, TCP_FIN, NULL, 0);
	cr_assert_eq(c.pcb->state, TCP_TIME_WAIT);
	char buf[8];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 3);
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 0);
	sock_close(c.s);
	cr_assert_eq(A.stk->ntcp, 1, "TIME_WAIT outlives the socket");
	/* A retransmitted FIN is ACKed again. */
	tstack_clear(&A);
	c.snd--;
	tconn_send(&c, TCP_FIN, NULL, 0);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, c.snd);
	tstack_advance(&A, 2 * TCP_MSL_MS + 100);
	cr_assert_eq(A.stk->ntcp, 0);
}

NET_TEST(tcp, close_with_unread_data_sends_rst)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	tconn_send(&c, 0, "unread", 6);
	sock_close(c.s);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert(p.flags & TCP_RST);
	cr_assert_eq(A.stk->ntcp, 0);
}

NET_TEST(tcp, orphan_fin_wait_2_times_out)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	sock_close(c.s);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	tconn_ack(&c, p.seq + 1, 65535);
	cr_assert_eq(c.pcb->state, TCP_FIN_WAIT_2);
	tstack_advance(&A, TCP_FIN_TIMEOUT_MS + 100);
	cr_assert_eq(A.stk->ntcp, 0);
}

NET_TEST(tcp, data_after_close_gets_rst)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	sock_close(c.s);
	tconn_send(&c, 0, "late", 4);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert(p.flags & TCP_RST);
	cr_assert_eq(A.stk->ntcp, 0);
}

/* ---- RST in every state ---- */

static const enum tcp_state sync_states[] = {
	TCP_SYN_RECEIVED, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT,
	TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT,
};

NET_TEST(tcp, rst_in_every_synchronized_state)
{
	for (size_t i = 0; i < ARRAY_SIZE(sync_states); i++) {
		enum tcp_state st = sync_states[i];
		struct tconn c;
		tconn_set_state(&c, &A, st, 5000, 9000, 65535);
		const char *name = tcp_state_names[st];
		tstack_clear(&A);
		/* Outside the window: dropped without a word. */
		t_send_tcp(&A, c.rport, c.lport, c.snd + 200000, 0, TCP_RST, 0, NULL, 0, NULL, 0);
		cr_assert_eq(c.pcb->state, st, "%s", name);
		cr_assert_eq(A.ntx, 0, "%s", name);
		/* In the window but not exact: a challenge ACK (RFC 5961). */
		t_send_tcp(&A, c.rport, c.lport, c.snd + 10, 0, TCP_RST, 0, NULL, 0, NULL, 0);
		cr_assert_eq(c.pcb->state, st, "%s", name);
		struct tpkt p;
		cr_assert(tstack_last_tcp(&A, &p), "%s", name);
		cr_assert(p.flags & TCP_ACK, "%s", name);
		cr_assert_eq(p.ack, c.snd, "%s", name);
		/* Exact: the connection is gone. */
		t_send_tcp(&A, c.rport, c.lport, c.snd, 0, TCP_RST, 0, NULL, 0, NULL, 0);
		cr_assert_eq(c.pcb->state, TCP_CLOSED, "%s", name);
		int want = st >= TCP_CLOSING ? 0 : st == TCP_SYN_RECEIVED ? -ECONNREFUSED : -ECONNRESET;
		cr_assert_eq(c.pcb->err, want, "%s", name);
		cr_assert_eq(c.pcb->hashed, false, "%s", name);
		sock_close(c.s);
	}
	cr_assert_eq(A.stk->cnt.tcp_rst_rx, ARRAY_SIZE(sync_states));
	cr_assert_eq(A.stk->cnt.tcp_challenge_ack, ARRAY_SIZE(sync_states));
	cr_assert_eq(A.stk->ntcp, 0);
}

NET_TEST(tcp, rst_in_syn_sent_and_listen)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_SYN_SENT, 5000, 0, 65535);
	t_send_tcp(&A, c.rport, c.lport, 1, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	cr_assert_eq(c.pcb->state, TCP_SYN_SENT, "a RST without ACK is ignored");
	t_send_tcp(&A, c.rport, c.lport, 1, 5001, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	cr_assert_eq(c.pcb->state, TCP_CLOSED);
	cr_assert_eq(c.pcb->err, -ECONNREFUSED);
	sock_close(c.s);
	struct sock *l;
	sock_socket(A.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 };
	sock_bind(l, &a);
	sock_listen(l, 1);
	tstack_clear(&A);
	t_send_tcp(&A, 1234, 80, 1, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	cr_assert_eq(l->tcp->state, TCP_LISTEN);
	cr_assert_eq(A.ntx, 0);
	/* A SYN inside an established connection: challenge ACK, no reset. */
	struct tconn e;
	tconn_set_state(&e, &A, TCP_ESTABLISHED, 100, 200, 65535);
	t_send_tcp(&A, e.rport, e.lport, e.snd + 5, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	cr_assert_eq(e.pcb->state, TCP_ESTABLISHED);
	cr_assert_eq(A.stk->cnt.tcp_challenge_ack, 1);
	sock_close(e.s);
	sock_close(l);
}

NET_TEST(tcp, sequence_numbers_wrap)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 0xfffffc00u, 0xffffff00u, 65535);
	int one = 1;
	sock_setsockopt(c.s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof(one));
	static char out[3000], in[3000];
	for (int i = 0; i < 3000; i++) {
		out[i] = (char)(i * 13);
		in[i] = (char)(i * 7);
	}
	/* Their data crosses 2^32 in the receive direction... */
	for (int i = 0; i < 3; i++)
		tconn_send(&c, 0, in + i * 1000, 1000);
	char got[3000];
	cr_assert_eq(sock_recv(c.s, got, sizeof(got), 0), 3000);
	cr_assert_eq(memcmp(got, in, 3000), 0);
	cr_assert_lt(c.pcb->rcv_nxt.v, 0x1000u);
	/* ...and ours in the send direction, with ACKs on both sides of it. */
	tstack_clear(&A);
	cr_assert_eq(sock_send(c.s, out, 3000, 0), 3000);
	cr_assert_eq(tstack_count_tcp(&A, 0), 3, "%d segs", tstack_count_tcp(&A, 0));
	uint32_t una = c.rcv;
	tconn_ack(&c, una + 1460, 65535);
	cr_assert_eq(c.pcb->snd_una.v, una + 1460);
	cr_assert_lt(c.pcb->snd_una.v, 0x1000u, "acknowledged across the wrap");
	cr_assert_eq(c.pcb->sndbuf.len, 1540);
	tconn_ack(&c, una, 65535);                 /* older than snd_una: ignored */
	cr_assert_eq(c.pcb->sndbuf.len, 1540);
	tconn_ack(&c, una + 3000, 65535);
	cr_assert_eq(c.pcb->sndbuf.len, 0);
	cr_assert_eq(c.pcb->t_rexmt, 0);
	sock_close(c.s);
}

/* ---- listen queues ---- */

NET_TEST(tcp, backlog_and_syn_queue_are_bounded)
{
	struct sock *l;
	sock_socket(A.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 };
	sock_bind(l, &a);
	sock_listen(l, 2);
	/* Three handshakes: the third ACK finds the accept queue full. */
	for (int i = 0; i < 3; i++) {
		tstack_clear(&A);
		t_send_tcp(&A, 2000 + i, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
		struct tpkt p;
		cr_assert(tstack_last_tcp(&A, &p));
		t_send_tcp(&A, 2000 + i, 80, 101, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	}
	cr_assert_eq(l->tcp->naccept, 2);
	cr_assert_eq(A.stk->cnt.tcp_accept_full, 1);
	/* A flood of SYNs: the SYN queue stays bounded, the oldest go first. */
	for (int i = 0; i < 1000; i++)
		t_send_tcp(&A, 10000 + i, 80, 7, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	cr_assert_leq(l->tcp->nsyn, 16);
	cr_assert_geq(A.stk->cnt.tcp_syn_evict, 1000 - 16);
	cr_assert_leq(A.stk->ntcp, 1 + 2 + 16);
	/* The embryos give up after their SYN-ACK retries. */
	tstack_clear(&A);
	tstack_advance(&A, 100000);
	cr_assert_eq(l->tcp->nsyn, 0);
	struct sock *s;
	cr_assert_eq(sock_accept(l, &s, NULL), 0);
	sock_close(s);
	/* Still serving: a new client gets through. */
	tstack_learn_peer(&A);      /* the ARP entry expired meanwhile */
	t_send_tcp(&A, 3000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_SYN | TCP_ACK);
	t_send_tcp(&A, 3000, 80, 101, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(l->tcp->naccept, 2);
	sock_close(l);
	cr_assert_eq(A.stk->ntcp, 1, "closing the listener resets its queue; "
		     "the one accepted is closing");
}

NET_TEST(tcp, bind_rules)
{
	struct sock *a, *b;
	sock_socket(A.stk, NET_SOCK_STREAM, &a);
	sock_socket(A.stk, NET_SOCK_STREAM, &b);
	struct net_addr p = { 0, 8080 };
	cr_assert_eq(sock_bind(a, &p), 0);
	cr_assert_eq(sock_bind(a, &p), -EINVAL);
	cr_assert_eq(sock_bind(b, &p), -EADDRINUSE);
	int one = 1;
	sock_setsockopt(b, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(sock_bind(b, &p), 0, "REUSEADDR: nobody listens there");
	cr_assert_eq(sock_listen(a, 5), 0);
	sock_close(b);
	sock_socket(A.stk, NET_SOCK_STREAM, &b);
	sock_setsockopt(b, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(sock_bind(b, &p), -EADDRINUSE, "a listener holds the port");
	struct net_addr name;
	sock_getsockname(a, &name);
	cr_assert_eq(name.port, 8080);
	cr_assert_eq(sock_getpeername(a, &name), -ENOTCONN);
	char c;
	cr_assert_eq(sock_recv(b, &c, 1, 0), -ENOTCONN);
	cr_assert_eq(sock_send(b, &c, 1, 0), -ENOTCONN);
	sock_close(a);
	sock_close(b);
}

NET_TEST(tcp, malformed_segments_are_counted)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, NULL, 0);
	uint8_t seg[64] = { 0 }, f[128];
	wr16(seg, c.rport);
	wr16(seg + 2, c.lport);
	seg[12] = 0x40;                      /* data offset 16 < 20 */
	t_inject(&A, f, t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_TCP, seg, 20));
	seg[12] = 0xf0;                      /* data offset 60 > segment */
	t_inject(&A, f, t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_TCP, seg, 20));
	cr_assert_eq(A.stk->cnt.tcp_drop_bad, 2);
	seg[12] = 0x50;
	t_inject(&A, f, t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_TCP, seg, 20));
	cr_assert_eq(A.stk->cnt.tcp_drop_csum, 1);
	/* Option walks: a zero length (the classic loop), a length past the
	 * end, an MSS of the wrong size. */
	const uint8_t loop[] = { 2, 0, 0, 0 }, past[] = { 1, 1, 3, 9 }, mss[] = { 2, 3, 5, 1 };
	t_send_tcp(&A, 5, 80, 1, 0, TCP_SYN, 100, NULL, 0, loop, 4);
	t_send_tcp(&A, 5, 80, 1, 0, TCP_SYN, 100, NULL, 0, past, 4);
	t_send_tcp(&A, 5, 80, 1, 0, TCP_SYN, 100, NULL, 0, mss, 4);
	cr_assert_eq(A.stk->cnt.tcp_drop_bad, 5);
	cr_assert_eq(c.pcb->state, TCP_ESTABLISHED);
	sock_close(c.s);
}

NET_TEST(tcp, allocation_failures_are_survived)
{
	/* Every allocation of a handshake and a transfer failing in turn. */
	for (long n = 0; n < 12; n++) {
		struct sock *l = NULL;
		if (sock_socket(A.stk, NET_SOCK_STREAM, &l) < 0)
			continue;
		struct net_addr a = { 0, 80 };
		sock_bind(l, &a);
		sock_listen(l, 4);
		netp_host_fail_after(n);
		tstack_clear(&A);
		t_send_tcp(&A, 7000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
		struct tpkt p;
		if (tstack_last_tcp(&A, &p)) {
			t_send_tcp(&A, 7000, 80, 101, p.seq + 1, TCP_ACK, 65535, "abcdef", 6, NULL, 0);
			t_send_tcp(&A, 7000, 80, 107, p.seq + 1, TCP_ACK, 65535, "ghijkl", 6, NULL, 0);
		}
		netp_host_fail_after(-1);
		struct sock *s;
		if (sock_accept(l, &s, NULL) == 0)
			sock_close(s);
		sock_close(l);
		tstack_advance(&A, 200000);
		cr_assert_eq(A.stk->ntcp, 0, "after failure %ld", n);
	}
}

/* ---- edge cases of the receive path ---- */

NET_TEST(tcp, partly_old_segments_are_trimmed)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	uint32_t base = c.snd;
	tconn_send(&c, 0, "abcdef", 6);
	c.snd = base + 3;                       /* "defghi": three old, three new */
	tconn_send(&c, 0, "defghi", 6);
	char buf[16];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 9);
	cr_assert_eq(memcmp(buf, "abcdefghi", 9), 0);
	/* Wholly old: not acceptable, answered with an ACK. */
	tstack_clear(&A);
	c.snd = base;
	tconn_send(&c, 0, "abc", 3);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base + 9);
	cr_assert_eq(A.stk->cnt.tcp_drop_seq, 1);
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), -EAGAIN);
	sock_close(c.s);
}

NET_TEST(tcp, out_of_order_overlaps_are_merged)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	uint32_t base = c.snd;
	char data[64];
	for (int i = 0; i < 64; i++)
		data[i] = (char)(' ' + i);
#define AT(off, len) do { c.snd = base + (off); tconn_send(&c, 0, data + (off), (len)); } while (0)
	AT(10, 5);      /* [10,15) */
	AT(20, 5);      /* [20,25) */
	AT(30, 5);      /* [30,35) */
	AT(8, 30);      /* [8,38) swallows all three */
	cr_assert_eq(c.pcb->nooo, 1);
	AT(12, 3);      /* inside: a duplicate */
	AT(40, 10);     /* [40,50) */
	AT(36, 8);      /* [36,44): front trimmed to [38,40) */
	cr_assert_eq(c.pcb->nooo, 3);
	AT(0, 8);
	cr_assert_eq(c.pcb->nooo, 0);
	cr_assert_eq(c.pcb->rcv_nxt.v, base + 50);
	char buf[64];
	cr_assert_eq(sock_recv(c.s, buf, sizeof(buf), 0), 50);
	cr_assert_eq(memcmp(buf, data, 50), 0);
#undef AT
	sock_close(c.s);
}

NET_TEST(tcp, ack_of_unsent_data_and_data_after_fin)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_CLOSE_WAIT, 5000, 9000, 65535);
	tstack_clear(&A);
	tconn_ack(&c, c.rcv + 1000, 65535);     /* we never sent that */
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, c.snd);
	cr_assert_eq(A.stk->cnt.tcp_drop_state, 1);
	c.rcv -= 1000;
	tconn_send(&c, 0, "after fin", 9);      /* the peer said FIN already */
	cr_assert_eq(A.stk->cnt.tcp_drop_state, 2);
	cr_assert_eq(c.pcb->rcvbuf.len, 0);
	sock_close(c.s);
}

NET_TEST(tcp, bad_ack_in_syn_received_gets_rst)
{
	struct sock *l;
	sock_socket(A.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 };
	sock_bind(l, &a);
	sock_listen(l, 4);
	t_send_tcp(&A, 4000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	t_send_tcp(&A, 4000, 80, 101, p.seq + 77, TCP_ACK, 65535, NULL, 0, NULL, 0);
	struct tpkt r;
	cr_assert(tstack_last_tcp(&A, &r));
	cr_assert_eq(r.flags, TCP_RST);
	cr_assert_eq(r.seq, p.seq + 77);
	/* Their SYN again: our SYN-ACK again. */
	t_send_tcp(&A, 4000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	cr_assert(tstack_last_tcp(&A, &r));
	cr_assert_eq(r.flags, TCP_SYN | TCP_ACK);
	cr_assert_eq(r.seq, p.seq);
	cr_assert_eq(l->tcp->nsyn, 1);
	sock_close(l);
}

NET_TEST(tcp, syn_to_time_wait_starts_a_new_connection)
{
	struct sock *l;
	sock_socket(A.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 5000 };
	int one = 1;
	sock_setsockopt(l, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof(one));
	struct tconn c;
	tconn_set_state(&c, &A, TCP_TIME_WAIT, 5000, 9000, 65535);
	sock_close(c.s);
	cr_assert_eq(sock_bind(l, &a), 0, "REUSEADDR binds over TIME_WAIT");
	cr_assert_eq(sock_listen(l, 4), 0);
	tstack_clear(&A);
	t_send_tcp(&A, c.rport, c.lport, c.snd + 100000, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_SYN | TCP_ACK);
	cr_assert_eq(p.ack, c.snd + 100001);
	cr_assert_eq(l->tcp->nsyn, 1);
	sock_close(l);
}

NET_TEST(tcp, socket_options)
{
	struct sock *s;
	sock_socket(A.stk, NET_SOCK_STREAM, &s);
	int v;
	size_t len = sizeof(v);
	cr_assert_eq(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, &v, &len), 0);
	cr_assert_eq(v, NET_SOCK_STREAM);
	v = 1 << 20;
	cr_assert_eq(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_SNDBUF, &v, sizeof(v)), 0);
	cr_assert_eq(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_SNDBUF, &v, &len), 0);
	cr_assert_eq(v, 1 << 20);
	v = 1;
	cr_assert_eq(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_RCVBUF, &v, sizeof(v)), 0);
	sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_RCVBUF, &v, &len);
	cr_assert_eq(v, SOCK_BUF_MIN, "clamped");
	v = 1;
	sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &v, sizeof(v));
	sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &v, &len);
	cr_assert_eq(v, 1);
	sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v, sizeof(v));
	sock_getsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v, &len);
	cr_assert_eq(v, 1);
	v = 1000;
	cr_assert_eq(sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_MAXSEG, &v, sizeof(v)), 0);
	v = 10;
	cr_assert_eq(sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_MAXSEG, &v, sizeof(v)), -EINVAL);
	cr_assert_eq(sock_setsockopt(s, NET_IPPROTO_TCP, 99, &v, sizeof(v)), -ENOPROTOOPT);
	cr_assert_eq(sock_setsockopt(s, 77, 1, &v, sizeof(v)), -ENOPROTOOPT);
	cr_assert_eq(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_SNDBUF, &v, 2), -EINVAL);
	cr_assert_eq(sock_getsockopt(s, NET_SOL_SOCKET, 99, &v, &len), -ENOPROTOOPT);
	len = 1;
	cr_assert_eq(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, &v, &len), -EINVAL);
	cr_assert_eq(sock_shutdown(s, NET_SHUT_WR), -ENOTCONN);
	cr_assert_eq(sock_shutdown(s, 7), -EINVAL);
	struct sock *u;
	sock_socket(A.stk, NET_SOCK_DGRAM, &u);
	len = sizeof(v);
	cr_assert_eq(sock_setsockopt(u, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v, sizeof(v)), -ENOPROTOOPT);
	cr_assert_eq(sock_listen(u, 1), -EOPNOTSUPP);
	cr_assert_eq(sock_getsockopt(u, NET_SOL_SOCKET, NET_SO_ERROR, &v, &len), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(sock_shutdown(u, NET_SHUT_RD), 0);
	cr_assert(sock_poll(u) & NET_POLLIN);
	char b;
	cr_assert_eq(sock_recv(u, &b, 1, 0), 0);
	cr_assert_eq(sock_socket(A.stk, 3, &u), -EPROTONOSUPPORT);
	sock_close(s);
	sock_close(u);
}

NET_TEST(tcp, connection_limit_recycles_time_wait)
{
	/* Fill the table with orphaned TIME_WAIT connections. */
	for (int i = 0; i < SOCK_MAX; i++) {
		struct tconn c;
		tconn_set_state(&c, &A, TCP_TIME_WAIT, 5000, 9000, 65535);
		sock_close(c.s);
	}
	cr_assert_eq(A.stk->ntcp, SOCK_MAX);
	struct sock *l;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &l), 0, "a TIME_WAIT made room");
	cr_assert_eq(A.stk->cnt.tcp_tw_recycled, 1);
	cr_assert_eq(A.stk->ntcp, SOCK_MAX);
	sock_close(l);
}

NET_TEST(tcp, ack_from_the_right_edge_of_our_window_is_taken)
{
	/* The peer filled our window and its first segment was lost: its ACKs
	 * carry seq = rcv_nxt + window. They must still acknowledge our data. */
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	cr_assert_eq(sock_send(c.s, "abc", 3, 0), 3);
	tstack_clear(&A);
	uint32_t edge = c.pcb->rcv_adv.v;
	t_send_tcp(&A, c.rport, c.lport, edge, c.rcv + 3, TCP_ACK, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(c.pcb->sndbuf.len, 0, "the ACK was taken");
	cr_assert_eq(A.ntx, 0, "and not answered as unacceptable");
	t_send_tcp(&A, c.rport, c.lport, edge + 1, c.rcv + 3, TCP_ACK, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(A.stk->cnt.tcp_drop_seq, 1, "one past the edge is not");
	sock_close(c.s);
}

NET_TEST(tcp, sack_blocks_describe_the_out_of_order_queue)
{
	const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };   /* MSS, SACK permitted */
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, opts, sizeof(opts));
	cr_assert(c.pcb->sack_ok);
	uint32_t base = c.snd;
	static char d[100];
#define AT(off, len) do { c.snd = base + (off); tconn_send(&c, 0, d, (len)); } while (0)
	AT(10, 10);
	AT(20, 10);       /* adjacent: one block [10,30) */
	AT(50, 10);
	AT(70, 5);        /* the latest: reported first */
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base);
	cr_assert_eq(p.nsack, 3);
	cr_assert_eq(p.sack[0][0], base + 70);
	cr_assert_eq(p.sack[0][1], base + 75);
	cr_assert_eq(p.sack[1][0], base + 10);
	cr_assert_eq(p.sack[1][1], base + 30);
	cr_assert_eq(p.sack[2][0], base + 50);
	cr_assert_eq(p.sack[2][1], base + 60);
	AT(0, 10);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.ack, base + 30);
	cr_assert_eq(p.nsack, 2);
#undef AT
	sock_close(c.s);
}

NET_TEST(tcp, no_sack_without_permission)
{
	struct tconn c;
	tconn_accept(&c, &A, 1000, 65535, syn_opts, sizeof(syn_opts));
	cr_assert(!c.pcb->sack_ok);
	c.snd += 10;
	tconn_send(&c, 0, "x", 1);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.nsack, 0);
	sock_close(c.s);
}

/* ---- loss recovery helpers: limited transmit, SACK scoreboard ---- */

NET_TEST(tcp, limited_transmit_sends_on_the_first_two_dupacks)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	c.pcb->cwnd = 2 * 1460;
	static char buf[6 * 1460];
	cr_assert_eq(sock_send(c.s, buf, sizeof(buf), 0), (long)sizeof(buf));
	cr_assert_eq(tstack_count_tcp(&A, 0), 2);
	uint32_t una = c.rcv;
	tstack_clear(&A);
	tconn_ack(&c, una, 65535);
	cr_assert_eq(tstack_count_tcp(&A, 0), 1, "first dupack: one new segment");
	struct tpkt p;
	tstack_last_tcp(&A, &p);
	cr_assert_eq(p.seq, una + 2 * 1460);
	tconn_ack(&c, una, 65535);
	cr_assert_eq(tstack_count_tcp(&A, 0), 2, "second dupack: one more");
	int before = A.ntx;
	tconn_ack(&c, una, 65535);
	cr_assert(tstack_parse(&A, before, &p));
	cr_assert_eq(p.seq, una, "third: fast retransmit");
	cr_assert_eq(A.stk->cnt.tcp_fast_retx, 1);
	sock_close(c.s);
}

/* An ACK of (ack) from the peer carrying SACK blocks [lo, hi) (absolute). */
static void sack_ack(struct tconn *c, uint32_t ack, const uint32_t (*blk)[2], int n,
		     const void *data, size_t len)
{
	uint8_t opt[40] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	for (int i = 0; i < n; i++) {
		wr32(opt + 4 + 8 * i, blk[i][0]);
		wr32(opt + 8 + 8 * i, blk[i][1]);
	}
	t_send_tcp(c->t, c->rport, c->lport, c->snd, ack, TCP_ACK, 65535, data, len, opt,
		   4 + 8 * (size_t)n);
	c->snd += (uint32_t)len;
}

NET_TEST(tcp, sack_scoreboard_drives_recovery)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	c.pcb->sack_ok = true;
	c.pcb->cwnd = 20 * 1460;
	static char buf[10 * 1460];
	cr_assert_eq(sock_send(c.s, buf, sizeof(buf), 0), (long)sizeof(buf));
	uint32_t s0 = c.rcv;
#define S(i) (s0 + (i) * 1460u)
	tstack_clear(&A);
	/* S0 and S3 are lost. The ACKs carry data of their own (an echo), so
	 * only their SACK news makes them duplicates. */
	const uint32_t b1[][2] = { { S(1), S(2) } };
	const uint32_t b2[][2] = { { S(1), S(3) } };
	const uint32_t b3[][2] = { { S(4), S(5) }, { S(1), S(3) } };
	const uint32_t b4[][2] = { { S(4), S(6) }, { S(1), S(3) } };
	sack_ack(&c, s0, b1, 1, "d", 1);
	sack_ack(&c, s0, b2, 1, "d", 1);
	sack_ack(&c, s0, b2, 1, NULL, 0);            /* nothing new: not a duplicate */
	cr_assert_eq(c.pcb->dupacks, 2);
	cr_assert_eq(c.pcb->nsb, 1);
	sack_ack(&c, s0, b3, 2, "d", 1);
	cr_assert_eq(A.stk->cnt.tcp_fast_retx, 1);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, S(0));
	sack_ack(&c, s0, b4, 2, "d", 1);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.seq, S(3), "the next hole, past what the peer holds");
	cr_assert_eq(p.len, 1460);
	/* S0 arrives: a partial ACK up to S3; the scoreboard trims itself. */
	tconn_ack(&c, S(3), 65535);
	cr_assert_eq(c.pcb->nsb, 1);
	cr_assert_eq(c.pcb->sb[0].lo.v, S(4));
	tconn_ack(&c, S(10), 65535);
	cr_assert(!c.pcb->in_recovery);
	cr_assert_eq(c.pcb->nsb, 0);
#undef S
	char sink[16];
	sock_recv(c.s, sink, sizeof(sink), 0);
	sock_close(c.s);
}

NET_TEST(tcp, sack_blocks_beyond_what_we_sent_are_clipped)
{
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	c.pcb->sack_ok = true;
	cr_assert_eq(sock_send(c.s, "0123456789", 10, 0), 10);
	const uint32_t b[][2] = { { c.rcv + 5, c.rcv + 100000 }, { c.rcv - 50, c.rcv - 10 },
				  { c.rcv + 7, c.rcv + 3 } };
	sack_ack(&c, c.rcv, b, 3, NULL, 0);
	cr_assert_eq(c.pcb->nsb, 1);
	cr_assert_eq(c.pcb->sb[0].hi.v, c.pcb->snd_max.v);
	sock_close(c.s);
}

NET_TEST(tcp, data_before_accept_is_kept)
{
	struct sock *l;
	sock_socket(A.stk, NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 };
	sock_bind(l, &a);
	sock_listen(l, 4);
	t_send_tcp(&A, 4000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	t_send_tcp(&A, 4000, 80, 101, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	t_send_tcp(&A, 4000, 80, 101, p.seq + 1, TCP_ACK | TCP_PSH, 65535, "GET /", 5, NULL, 0);
	t_send_tcp(&A, 4000, 80, 106, p.seq + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(A.stk->cnt.tcp_rst_tx, 0);
	struct sock *s;
	cr_assert_eq(sock_accept(l, &s, NULL), 0);
	cr_assert_eq(s->tcp->state, TCP_CLOSE_WAIT);
	char buf[8];
	cr_assert_eq(sock_recv(s, buf, sizeof(buf), 0), 5);
	cr_assert_eq(sock_recv(s, buf, sizeof(buf), 0), 0);
	sock_close(s);
	sock_close(l);
}

NET_TEST(tcp, connect_again_after_refusal)
{
	struct sock *s;
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &s), 0);
	struct net_addr to = { T_IP_B, 80 };
	cr_assert_eq(sock_connect(s, &to), -EINPROGRESS);
	struct tpkt p;
	cr_assert(tstack_last_tcp(&A, &p));
	t_send_tcp(&A, 80, p.sport, 0, p.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	cr_assert_eq(s->tcp->state, TCP_CLOSED);
	tstack_clear(&A);
	cr_assert_eq(sock_connect(s, &to), -EINPROGRESS);
	cr_assert(tstack_last_tcp(&A, &p));
	cr_assert_eq(p.flags, TCP_SYN);
	t_send_tcp(&A, 80, p.sport, 500, p.seq + 1, TCP_SYN | TCP_ACK, 8192, NULL, 0, NULL, 0);
	cr_assert_eq(s->tcp->state, TCP_ESTABLISHED);
	int err = -1;
	size_t len = sizeof(err);
	sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_ERROR, &err, &len);
	cr_assert_eq(err, 0);
	sock_close(s);
}

NET_TEST(tcp, nagle_does_not_hold_a_tail_behind_full_segments)
{
	/* Minshall's variant: "full segments + tail" goes out together, so a
	 * response is not held for the peer's delayed ACK. */
	struct tconn c;
	tconn_set_state(&c, &A, TCP_ESTABLISHED, 5000, 9000, 65535);
	static char resp[1460 + 300];
	cr_assert_eq(sock_send(c.s, resp, sizeof(resp), 0), (long)sizeof(resp));
	cr_assert_eq(tstack_count_tcp(&A, 0), 2);
	sock_close(c.s);
}
