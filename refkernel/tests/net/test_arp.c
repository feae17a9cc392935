/* test_arp.c — ARP entries past their reachable time (RFC 1122 §2.3.2.1,
 * Linux's NUD states): traffic keeps flowing while an entry is re-validated
 * by a unicast probe, confirmations (the peer's ARP, its IPv4 packets) keep
 * it reachable, and an entry whose peer answers no probe is really removed.
 * Timers fire by hand; one stack with a forged peer, then two stacks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include "net_test.h"

static struct tstack A, B;
static struct tlink L;
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x03 };

static void setup(void) { t_fixture_one(&A); }
static void setup2(void) { t_fixture_two(&A, &B, &L); }

TestSuite(arp_nud, .init = setup);
TestSuite(arp_link, .init = setup2, .timeout = 60);

static struct arp_entry *entry(struct tstack *t, uint32_t ip)
{
	for (int i = 0; i < ARP_CACHE_SIZE; i++)
		if (t->stk->arp[i].state != ARP_FREE && t->stk->arp[i].ip == ip)
			return &t->stk->arp[i];
	return NULL;
}

/* An ARP packet from the peer (B, mac_b) to (eth_dst). */
static void peer_arp(uint16_t op, const uint8_t *eth_dst)
{
	uint8_t f[ETH_HLEN + 28];
	memcpy(f, eth_dst, 6);
	memcpy(f + 6, mac_b, 6);
	wr16(f + 12, ETH_TYPE_ARP);
	uint8_t *a = f + ETH_HLEN;
	wr16(a, 1);
	wr16(a + 2, ETH_TYPE_IP);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, mac_b, 6);
	wr32(a + 14, T_IP_B);
	memset(a + 18, 0, 6);
	wr32(a + 24, T_IP_A);
	t_inject(&A, f, sizeof(f));
}

/* What A sent since the last look, by kind. */
struct seen { int udp_to_b, arp_bcast, arp_ucast, arp_reply, other; };

static void look(struct seen *s)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	for (int i = 0; i < A.ntx; i++) {
		const uint8_t *f = A.tx[i];
		if (rd16(f + 12) == ETH_TYPE_ARP) {
			bool req = rd16(f + ETH_HLEN + 6) == 1;
			cr_assert_eq(rd32(f + ETH_HLEN + 24), T_IP_B, "ARP about B only");
			if (!req)
				s->arp_reply++;
			else if (memcmp(f, bcast, 6) == 0)
				s->arp_bcast++;
			else if (memcmp(f, mac_b, 6) == 0)
				s->arp_ucast++;
			else
				s->other++;
			continue;
		}
		struct tpkt p;
		if (tstack_parse(&A, i, &p) && p.proto == IP_PROTO_UDP && memcmp(f, mac_b, 6) == 0)
			s->udp_to_b++;
		else
			s->other++;
	}
	tstack_clear(&A);
}

static struct sock *udp_sock(struct tstack *t, uint16_t port)
{
	struct sock *s;
	cr_assert_eq(sock_socket(t->stk, NET_SOCK_DGRAM, &s), 0);
	struct net_addr a = { 0, port };
	cr_assert_eq(sock_bind(s, &a), 0);
	return s;
}

static void send_one(struct sock *s)
{
	struct net_addr to = { T_IP_B, 7 };
	struct net_iov v = { "ping", 4 };
	cr_assert_eq(sock_sendmsg(s, &v, 1, &to, 0), 4);
}

NET_TEST(arp_nud, one_way_traffic_past_expiry_is_probed_unicast_and_never_waits)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	struct sock *s = udp_sock(&A, 5000);
	/* A datagram every 100 ms for three reachable times; B answers every
	 * probe at once but sends nothing else, so nothing else confirms. */
	struct seen seen = { 0 };
	int sent = 0, answered = 0;
	uint64_t first_probe = 0, t0 = t_now;
	for (int step = 0; step < 3 * ARP_REACHABLE_MS / 100; step++) {
		send_one(s);
		sent++;
		int before = seen.arp_ucast;
		look(&seen);
		if (seen.arp_ucast > before) {
			if (!first_probe)
				first_probe = t_now;
			cr_assert_eq(entry(&A, T_IP_B)->state, ARP_PROBE);
			peer_arp(2, A.dev.mac);
			answered++;
			cr_assert_eq(entry(&A, T_IP_B)->state, ARP_REACHABLE, "the answer confirms");
			look(&seen);
		}
		tstack_advance(&A, 100);
	}
	cr_assert_eq(seen.udp_to_b, sent, "every datagram went straight to B's MAC");
	cr_assert_eq(seen.arp_bcast, 0, "the entry was never forgotten");
	cr_assert_eq(seen.other, 0);
	cr_assert_geq(answered, 2, "a probe per reachable time (%d)", answered);
	cr_assert_eq(A.stk->cnt.arp_probe, (uint64_t)seen.arp_ucast);
	cr_assert_eq(seen.arp_ucast, answered, "one probe each time: the answer came at once");
	/* The first probe: after the reachable time, within the delay and one retry. */
	cr_assert_geq(first_probe - t0, ARP_REACHABLE_MS);
	cr_assert_leq(first_probe - t0, ARP_REACHABLE_MS + ARP_DELAY_MS + 200);
	cr_assert_eq(A.stk->cnt.arp_queue_drop + A.stk->cnt.arp_unresolved, 0);
	sock_close(s);
}

NET_TEST(arp_nud, a_peer_that_stops_answering_is_removed_after_unicast_probes)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	struct sock *s = udp_sock(&A, 5000);
	struct seen seen = { 0 };
	int sent = 0;
	uint64_t t0 = t_now;
	/* Sending on past the reachable time and the delay: probes, unanswered. */
	while (t_now - t0 < ARP_REACHABLE_MS + ARP_DELAY_MS + (ARP_TRIES - 1) * ARP_RETRY_MS + 500 &&
	       entry(&A, T_IP_B)) {
		send_one(s);
		sent++;
		tstack_advance(&A, 100);
	}
	cr_assert_not_null(entry(&A, T_IP_B), "still in use while probing");
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_PROBE);
	look(&seen);
	cr_assert_eq(seen.udp_to_b, sent, "traffic flowed while probing");
	cr_assert_eq(seen.arp_ucast, ARP_TRIES, "ARP_TRIES unicast probes to B's MAC");
	cr_assert_eq(seen.arp_bcast, 0);
	tstack_advance(&A, ARP_RETRY_MS);
	cr_assert_null(entry(&A, T_IP_B), "removed once the last probe went unanswered");
	cr_assert_eq(A.stk->cnt.arp_probe_fail, 1);
	/* The next datagram waits for a new resolution, asked by broadcast. */
	send_one(s);
	look(&seen);
	cr_assert_eq(seen.arp_bcast, 1);
	cr_assert_eq(seen.udp_to_b, sent);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_PENDING);
	sock_close(s);
}

NET_TEST(arp_nud, traffic_from_the_peer_keeps_the_entry_reachable)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	struct sock *s = udp_sock(&A, 5000);
	struct seen seen = { 0 };
	int sent = 0;
	for (int step = 0; step < 3 * ARP_REACHABLE_MS / 100; step++) {
		send_one(s);
		sent++;
		t_send_udp(&A, 7, 5000, "pong", 4);        /* from B's MAC and address */
		char buf[8];
		cr_assert_eq(sock_recv(s, buf, sizeof(buf), 0), 4);
		tstack_advance(&A, 100);
		cr_assert_eq(entry(&A, T_IP_B)->state, ARP_REACHABLE);
	}
	look(&seen);
	cr_assert_eq(seen.udp_to_b, sent);
	cr_assert_eq(seen.arp_bcast + seen.arp_ucast, 0, "never asked: B's packets confirm it");
	sock_close(s);
}

NET_TEST(arp_nud, packets_from_another_mac_do_not_confirm)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	struct sock *s = udp_sock(&A, 5000);
	/* B's address from another MAC (a moved or forged address). */
	uint8_t seg[UDP_HLEN + 4] = { 0 }, f[128];
	wr16(seg, 7);
	wr16(seg + 2, 5000);
	wr16(seg + 4, sizeof(seg));
	memcpy(seg + UDP_HLEN, "pong", 4);
	size_t n = t_build_ip(f, T_IP_B, T_IP_A, IP_PROTO_UDP, seg, sizeof(seg));
	f[11] = 0x99;
	for (int step = 0; step < ARP_REACHABLE_MS / 1000 + 1; step++) {
		t_inject(&A, f, n);
		tstack_advance(&A, 1000);
	}
	cr_assert_eq(A.stk->cnt.udp_rx, ARP_REACHABLE_MS / 1000 + 1, "delivered all the same");
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_STALE, "but not a confirmation");
	sock_close(s);
}

NET_TEST(arp_nud, the_peers_own_arp_refreshes_the_entry)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_advance(&A, ARP_REACHABLE_MS - 1000);
	peer_arp(1, A.dev.mac);                         /* Linux's own unicast probe */
	tstack_advance(&A, 1500);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_REACHABLE);
	tstack_advance(&A, ARP_REACHABLE_MS);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_STALE);
	struct seen seen = { 0 };
	look(&seen);
	cr_assert_eq(seen.arp_reply, 2, "both requests answered");
	cr_assert_eq(seen.arp_bcast + seen.arp_ucast, 0);
}

NET_TEST(arp_nud, an_unused_entry_goes_stale_then_is_forgotten_without_a_probe)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	tstack_advance(&A, ARP_REACHABLE_MS + 20);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_STALE);
	tstack_advance(&A, ARP_STALE_MS);
	cr_assert_null(entry(&A, T_IP_B));
	cr_assert_eq(A.ntx, 0, "no probe for an entry nobody uses");
	struct sock *s = udp_sock(&A, 5000);
	send_one(s);
	struct seen seen = { 0 };
	look(&seen);
	cr_assert_eq(seen.arp_bcast, 1, "forgotten: asks again");
	cr_assert_eq(seen.udp_to_b, 0);
	sock_close(s);
}

NET_TEST(arp_nud, a_stale_entry_used_again_is_probed_after_the_delay)
{
	peer_arp(1, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	tstack_clear(&A);
	tstack_advance(&A, ARP_REACHABLE_MS + 20);
	struct sock *s = udp_sock(&A, 5000);
	send_one(s);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_DELAY);
	struct seen seen = { 0 };
	look(&seen);
	cr_assert_eq(seen.udp_to_b, 1, "a stale MAC is used at once");
	tstack_advance(&A, ARP_DELAY_MS - 20);
	look(&seen);
	cr_assert_eq(seen.arp_ucast, 0, "the delay leaves time for a confirmation");
	tstack_advance(&A, 40);
	look(&seen);
	cr_assert_eq(seen.arp_ucast, 1);
	cr_assert_eq(entry(&A, T_IP_B)->state, ARP_PROBE);
	sock_close(s);
}

/* Two real stacks: A sends bursts of datagrams (more than ARP_PENDING_MAX
 * could hold) to B for three reachable times and B sends nothing but its
 * ARP answers, so A re-validates by probing and B answers; nothing may be
 * lost. */
NET_TEST(arp_link, one_way_stream_past_expiry_loses_nothing)
{
	struct sock *sa = udp_sock(&A, 5000), *sb = udp_sock(&B, 7);
	int sent = 1, got = 0;
	send_one(sa);                  /* the first resolution */
	tlink_run(&L, 10);
	for (int step = 0; step < 3 * ARP_REACHABLE_MS / 50; step++) {
		for (int k = 0; k < 2 * ARP_PENDING_MAX; k++, sent++)
			send_one(sa);
		tlink_run(&L, 50);
		char buf[8];
		while (sock_recv(sb, buf, sizeof(buf), 0) == 4)
			got++;
	}
	const struct net_counters *c = net_counters(A.stk);
	cr_assert_eq(got, sent, "B received every datagram (%d of %d)", got, sent);
	cr_assert_geq(c->arp_probe, 2, "re-validated by unicast probes");
	cr_assert_eq(c->arp_probe_fail, 0);
	cr_assert_eq(c->arp_tx, 1 + c->arp_probe, "one broadcast request, then probes only");
	cr_assert_eq(c->arp_queue_drop + c->arp_unresolved, 0);
	cr_assert_eq(c->eth_tx_err, 0);
	sock_close(sa);
	sock_close(sb);
}

/* TCP both ways past the expiry: every segment confirms, no ARP at all. */
NET_TEST(arp_link, tcp_request_response_past_expiry_needs_no_arp)
{
	struct sock *l, *c, *srv;
	cr_assert_eq(sock_socket(B.stk, NET_SOCK_STREAM, &l), 0);
	struct net_addr a = { 0, 80 }, to = { T_IP_B, 80 };
	cr_assert_eq(sock_bind(l, &a), 0);
	cr_assert_eq(sock_listen(l, 8), 0);
	cr_assert_eq(sock_socket(A.stk, NET_SOCK_STREAM, &c), 0);
	cr_assert_eq(sock_connect(c, &to), -EINPROGRESS);
	for (int i = 0; i < 5000 && !(sock_poll(l) & NET_POLLIN); i++)
		tlink_run(&L, 1);
	cr_assert_eq(sock_accept(l, &srv, NULL), 0);
	uint64_t arp_a = A.stk->cnt.arp_tx, arp_b = B.stk->cnt.arp_tx;
	int rounds = 0;
	for (; rounds < 3 * ARP_REACHABLE_MS / 100; rounds++) {
		char buf[64];
		cr_assert_eq(sock_send(c, "GET", 3, 0), 3);
		tlink_run(&L, 50);
		cr_assert_eq(sock_recv(srv, buf, sizeof(buf), 0), 3, "round %d", rounds);
		cr_assert_eq(sock_send(srv, "200 OK", 6, 0), 6);
		tlink_run(&L, 50);
		cr_assert_eq(sock_recv(c, buf, sizeof(buf), 0), 6, "round %d", rounds);
	}
	cr_assert_eq(A.stk->cnt.arp_tx, arp_a, "A never asked again");
	cr_assert_eq(B.stk->cnt.arp_tx, arp_b, "B never asked again");
	cr_assert_eq(A.stk->cnt.tcp_retx + B.stk->cnt.tcp_retx, 0);
	sock_close(c);
	sock_close(srv);
	sock_close(l);
	tlink_run(&L, 2 * TCP_MSL_MS + 1000);
}
