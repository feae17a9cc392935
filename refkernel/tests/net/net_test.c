/* net_test.c — the scaffolding of net_test.h: fake interfaces, forgers, the
 * lossy in-memory link and the connection shortcuts. Test memory comes from
 * malloc, so that only the stack's own blocks count in the leak check. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "net_test.h"
#include "platform_host.h"

uint64_t t_now = 1000;
void (*t_teardown)(void);
int t_rcvbuf;

static const uint8_t mac_a_base[5] = { 0x02, 0x00, 0x00, 0x00, 0x00 };

struct tframe {
	struct tframe *next;
	int to;
	size_t len;
	uint8_t data[];
};

static void link_push(struct tlink *l, int to, const void *frame, size_t len)
{
	l->sent++;
	unsigned copies = 1;
	if (l->loss_pct && l->rng % 100 < l->loss_pct) {
		l->dropped++;
		copies = 0;
	}
	l->rng = l->rng * 1103515245u + 12345u;
	if (copies && l->dup_pct && (l->rng >> 8) % 100 < l->dup_pct) {
		l->duplicated++;
		copies = 2;
	}
	l->rng = l->rng * 1103515245u + 12345u;
	for (unsigned i = 0; i < copies; i++) {
		struct tframe *f = malloc(sizeof(*f) + len);
		cr_assert(f);
		f->next = NULL;
		f->to = to;
		f->len = len;
		memcpy(f->data, frame, len);
		struct tframe **pp = &l->q;
		while (*pp)
			pp = &(*pp)->next;
		*pp = f;
	}
}

static int tdev_tx(struct netdev *dev, const void *frame, size_t len)
{
	struct tstack *t = dev->priv;
	cr_assert(len >= ETH_HLEN && len <= NET_FRAME_MAX, "frame of %zu bytes", len);
	if (t->link) {
		link_push(t->link, !t->side, frame, len);
		return 0;
	}
	if (t->ntx >= T_TX_MAX)
		return -ENOBUFS;
	t->tx[t->ntx] = malloc(len);
	memcpy(t->tx[t->ntx], frame, len);
	t->tx_len[t->ntx++] = len;
	return 0;
}

void tstack_init(struct tstack *t, uint32_t ip, uint8_t mac_last)
{
	memset(t, 0, sizeof(*t));
	t->dev.tx = tdev_tx;
	memcpy(t->dev.mac, mac_a_base, 5);
	t->dev.mac[5] = mac_last;
	t->dev.mtu = 1500;
	t->dev.priv = t;
	struct net_config cfg = { .ip = ip, .netmask = 0xffffff00, .gateway = IP(10, 0, 0, 1) };
	t->stk = net_stack_create(&t->dev, &cfg, t_now);
	cr_assert(t->stk);
}

void tstack_clear(struct tstack *t)
{
	for (int i = 0; i < t->ntx; i++)
		free(t->tx[i]);
	t->ntx = 0;
}

void tstack_fini(struct tstack *t)
{
	net_stack_destroy(t->stk);
	t->stk = NULL;
	tstack_clear(t);
}

void t_check_no_leaks(void)
{
	cr_assert_eq(netp_host_live_blocks(), 0, "%ld blocks leaked", netp_host_live_blocks());
}

bool tstack_parse(const struct tstack *t, int i, struct tpkt *p)
{
	memset(p, 0, sizeof(*p));
	p->ws = -1;
	if (i < 0 || i >= t->ntx)
		return false;
	const uint8_t *f = t->tx[i];
	size_t len = t->tx_len[i];
	p->ethertype = rd16(f + 12);
	if (p->ethertype != ETH_TYPE_IP)
		return true;
	const uint8_t *ip = f + ETH_HLEN;
	size_t hl = (ip[0] & 15) * 4;
	cr_assert_eq(net_csum_fold(net_csum_add(0, ip, hl)), 0, "bad IP checksum sent");
	size_t total = rd16(ip + 2);
	cr_assert_leq(total + ETH_HLEN, len);
	p->proto = ip[9];
	p->src = rd32(ip + 12);
	p->dst = rd32(ip + 16);
	const uint8_t *l4 = ip + hl;
	size_t l4len = total - hl;
	if (p->proto == IP_PROTO_TCP) {
		uint32_t sum = net_csum_pseudo(p->src, p->dst, IP_PROTO_TCP, (uint16_t)l4len);
		cr_assert_eq(net_csum_fold(net_csum_add(sum, l4, l4len)), 0, "bad TCP checksum sent");
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->seq = rd32(l4 + 4);
		p->ack = rd32(l4 + 8);
		p->flags = l4[13];
		p->wnd = rd16(l4 + 14);
		size_t doff = (l4[12] >> 4) * 4;
		for (size_t o = TCP_HLEN; o < doff;) {
			if (l4[o] == 0)
				break;
			if (l4[o] == 1) {
				o++;
				continue;
			}
			if (l4[o] == 2)
				p->mss = rd16(l4 + o + 2);
			if (l4[o] == 3)
				p->ws = l4[o + 2];
			if (l4[o] == 4)
				p->sack_ok = true;
			if (l4[o] == 5)
				for (int b = 0; b < (l4[o + 1] - 2) / 8 && b < 4; b++) {
					p->sack[b][0] = rd32(l4 + o + 2 + 8 * b);
					p->sack[b][1] = rd32(l4 + o + 6 + 8 * b);
					p->nsack = b + 1;
				}
			o += l4[o + 1];
		}
		p->data = l4 + doff;
		p->len = l4len - doff;
	} else if (p->proto == IP_PROTO_UDP) {
		uint32_t sum = net_csum_pseudo(p->src, p->dst, IP_PROTO_UDP, (uint16_t)l4len);
		cr_assert_eq(net_csum_fold(net_csum_add(sum, l4, l4len)), 0, "bad UDP checksum sent");
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->data = l4 + UDP_HLEN;
		p->len = l4len - UDP_HLEN;
	} else if (p->proto == IP_PROTO_ICMP) {
		cr_assert_eq(net_csum_fold(net_csum_add(0, l4, l4len)), 0, "bad ICMP checksum sent");
		p->icmp_type = l4[0];
		p->data = l4;
		p->len = l4len;
	}
	return true;
}

bool tstack_last_tcp(const struct tstack *t, struct tpkt *p)
{
	for (int i = t->ntx - 1; i >= 0; i--)
		if (tstack_parse(t, i, p) && p->proto == IP_PROTO_TCP)
			return true;
	return false;
}

int tstack_count_tcp(const struct tstack *t, uint8_t flag_mask)
{
	int n = 0;
	struct tpkt p;
	for (int i = 0; i < t->ntx; i++)
		if (tstack_parse(t, i, &p) && p.proto == IP_PROTO_TCP &&
		    (flag_mask == 0 || (p.flags & flag_mask)))
			n++;
	return n;
}

void tstack_advance(struct tstack *t, uint64_t ms)
{
	uint64_t end = t_now + ms;
	while (t_now < end) {
		t_now = MIN(end, t_now + NET_TIMER_TICK_MS);
		net_timer(t->stk, t_now);
	}
}

void t_inject(struct tstack *t, const uint8_t *frame, size_t len)
{
	net_input(&t->dev, frame, len);
}

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };

size_t t_build_ip(uint8_t *frame, uint32_t src, uint32_t dst, uint8_t proto,
		  const uint8_t *l4, size_t l4len)
{
	memset(frame, 0, ETH_HLEN);
	memcpy(frame, mac_a_base, 5);
	frame[5] = 0x02;                 /* the stack under test is ...:02 */
	memcpy(frame + 6, peer_mac, 6);
	wr16(frame + 12, ETH_TYPE_IP);
	uint8_t *ip = frame + ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	wr16(ip + 4, 1);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	wr16(ip + 10, 0);
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	wr16(ip + 10, net_csum_fold(net_csum_add(0, ip, IP_HLEN)));
	memmove(ip + IP_HLEN, l4, l4len);
	return ETH_HLEN + IP_HLEN + l4len;
}

void t_send_tcp(struct tstack *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t wnd, const void *data, size_t len,
		const uint8_t *opts, size_t optlen)
{
	uint8_t seg[NET_FRAME_MAX], frame[NET_FRAME_MAX + 64];
	size_t hlen = TCP_HLEN + ((optlen + 3) & ~(size_t)3);
	cr_assert_leq(hlen + len, sizeof(seg));
	memset(seg, 0, hlen);
	wr16(seg, sport);
	wr16(seg + 2, dport);
	wr32(seg + 4, seq);
	wr32(seg + 8, ack);
	seg[12] = (uint8_t)((hlen / 4) << 4);
	seg[13] = flags;
	wr16(seg + 14, wnd);
	if (optlen)
		memcpy(seg + TCP_HLEN, opts, optlen);
	if (len)
		memcpy(seg + hlen, data, len);
	uint32_t sum = net_csum_pseudo(T_IP_B, T_IP_A, IP_PROTO_TCP, (uint16_t)(hlen + len));
	wr16(seg + 16, net_csum_fold(net_csum_add(sum, seg, hlen + len)));
	size_t n = t_build_ip(frame, T_IP_B, T_IP_A, IP_PROTO_TCP, seg, hlen + len);
	t_inject(t, frame, n);
}

void t_send_udp(struct tstack *t, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t seg[NET_FRAME_MAX], frame[NET_FRAME_MAX + 64];
	wr16(seg, sport);
	wr16(seg + 2, dport);
	wr16(seg + 4, (uint16_t)(UDP_HLEN + len));
	wr16(seg + 6, 0);
	memcpy(seg + UDP_HLEN, data, len);
	uint32_t sum = net_csum_pseudo(T_IP_B, T_IP_A, IP_PROTO_UDP, (uint16_t)(UDP_HLEN + len));
	wr16(seg + 6, net_csum_fold(net_csum_add(sum, seg, UDP_HLEN + len)));
	size_t n = t_build_ip(frame, T_IP_B, T_IP_A, IP_PROTO_UDP, seg, UDP_HLEN + len);
	t_inject(t, frame, n);
}

void tstack_learn_peer(struct tstack *t)
{
	uint8_t f[ETH_HLEN + 28];
	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	wr16(f + 12, ETH_TYPE_ARP);
	uint8_t *a = f + ETH_HLEN;
	wr16(a, 1);
	wr16(a + 2, ETH_TYPE_IP);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	wr32(a + 14, T_IP_B);
	memset(a + 18, 0, 6);
	wr32(a + 24, T_IP_A);
	t_inject(t, f, sizeof(f));
	tstack_clear(t);
}

/* ---- link ---- */

void tlink_init(struct tlink *l, struct tstack *a, struct tstack *b)
{
	memset(l, 0, sizeof(*l));
	l->end[0] = a;
	l->end[1] = b;
	l->rng = 42;
	a->link = l;
	a->side = 0;
	b->link = l;
	b->side = 1;
}

void tlink_fini(struct tlink *l)
{
	while (l->q) {
		struct tframe *f = l->q;
		l->q = f->next;
		free(f);
	}
}

void tlink_deliver(struct tlink *l)
{
	struct tframe *batch = l->q;
	l->q = NULL;
	while (batch) {
		struct tframe *f = batch;
		if (l->reorder_pct && f->next && l->rng % 100 < l->reorder_pct) {
			/* Swap with the next frame: it overtakes this one. */
			struct tframe *g = f->next;
			f->next = g->next;
			g->next = f;
			f = g;
			l->reordered++;
		}
		l->rng = l->rng * 1103515245u + 12345u;
		batch = f->next;
		struct tstack *to = l->end[f->to];
		if (to->stk)
			net_input(&to->dev, f->data, f->len);
		free(f);
	}
}

void tlink_run(struct tlink *l, uint64_t ms)
{
	for (uint64_t i = 0; i < ms; i++) {
		for (int round = 0; round < 64 && l->q; round++)
			tlink_deliver(l);
		t_now++;
		for (int k = 0; k < 2; k++)
			if (l->end[k]->stk)
				net_timer(l->end[k]->stk, t_now);
	}
}

/* ---- connection shortcuts ---- */

void tconn_set_state(struct tconn *c, struct tstack *t, enum tcp_state st,
		     uint32_t iss, uint32_t irs, uint16_t wnd)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	cr_assert_eq(sock_socket(t->stk, NET_SOCK_STREAM, &c->s), 0);
	struct tcp_pcb *pcb = c->s->tcp;
	c->pcb = pcb;
	c->lport = 5000;
	c->rport = 40000;
	pcb->lip = T_IP_A;
	pcb->lport = c->lport;
	pcb->rip = T_IP_B;
	pcb->rport = c->rport;
	pcb->iss = seq_make(iss);
	pcb->irs = seq_make(irs);
	pcb->mss = 1460;
	pcb->cwnd = 10 * 1460;
	pcb->ssthresh = 0x7fffffff;
	pcb->recover = pcb->iss;
	pcb->snd_wnd = pcb->snd_wnd_max = wnd;
	pcb->snd_wl1 = seq_make(irs);
	pcb->snd_una = seq_make(iss + 1);
	pcb->rcv_nxt = seq_make(irs + 1);
	pcb->last_rx = t_now;
	bool our_fin = st == TCP_FIN_WAIT_1 || st == TCP_FIN_WAIT_2 || st == TCP_CLOSING ||
		       st == TCP_LAST_ACK || st == TCP_TIME_WAIT;
	bool their_fin = st == TCP_CLOSE_WAIT || st == TCP_CLOSING || st == TCP_LAST_ACK ||
			 st == TCP_TIME_WAIT;
	if (st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED)
		pcb->snd_una = seq_make(iss);
	if (st == TCP_SYN_SENT)
		pcb->rcv_nxt = seq_make(0);
	pcb->snd_nxt = pcb->snd_max = seq_make(iss + 1);
	pcb->snd_sml = pcb->snd_una;
	if (our_fin) {
		pcb->fin_queued = true;
		pcb->snd_nxt = pcb->snd_max = seq_add(pcb->snd_max, 1);
	}
	if (st == TCP_FIN_WAIT_2 || st == TCP_TIME_WAIT) {
		pcb->fin_acked = true;
		pcb->snd_una = pcb->snd_max;
	}
	if (their_fin) {
		pcb->fin_rcvd = true;
		pcb->rcv_nxt = seq_add(pcb->rcv_nxt, 1);
	}
	pcb->rcv_adv = seq_add(pcb->rcv_nxt, 65535);
	tcp_hash_insert(pcb);
	tcp_set_state(pcb, st);
	if (st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED || our_fin)
		pcb->t_rexmt = t_now + pcb->rto;
	c->snd = pcb->rcv_nxt.v;
	c->rcv = pcb->snd_una.v;
}

void tconn_accept(struct tconn *c, struct tstack *t, uint32_t irs, uint16_t wnd,
		  const uint8_t *synopts, size_t optlen)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->lport = 80;
	c->rport = 40001;
	struct sock *l;
	cr_assert_eq(sock_socket(t->stk, NET_SOCK_STREAM, &l), 0);
	struct net_addr a = { 0, c->lport };
	cr_assert_eq(sock_bind(l, &a), 0);
	if (t_rcvbuf)
		sock_setsockopt(l, NET_SOL_SOCKET, NET_SO_RCVBUF, &t_rcvbuf, sizeof(t_rcvbuf));
	cr_assert_eq(sock_listen(l, 4), 0);
	tstack_clear(t);
	t_send_tcp(t, c->rport, c->lport, irs, 0, TCP_SYN, wnd, NULL, 0, synopts, optlen);
	struct tpkt p;
	cr_assert(tstack_last_tcp(t, &p), "no SYN-ACK");
	cr_assert_eq(p.flags, TCP_SYN | TCP_ACK);
	cr_assert_eq(p.ack, irs + 1);
	c->snd = irs + 1;
	c->rcv = p.seq + 1;
	t_send_tcp(t, c->rport, c->lport, c->snd, c->rcv, TCP_ACK, wnd, NULL, 0, NULL, 0);
	struct net_addr peer;
	cr_assert_eq(sock_accept(l, &c->s, &peer), 0);
	cr_assert_eq(peer.ip, T_IP_B);
	cr_assert_eq(peer.port, c->rport);
	sock_close(l);
	c->pcb = c->s->tcp;
	cr_assert_eq(c->pcb->state, TCP_ESTABLISHED);
	tstack_clear(t);
}

void tconn_send(struct tconn *c, uint8_t flags, const void *data, size_t len)
{
	t_send_tcp(c->t, c->rport, c->lport, c->snd, c->rcv, flags | TCP_ACK, 65535, data, len,
		   NULL, 0);
	c->snd += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

void tconn_ack(struct tconn *c, uint32_t ack, uint16_t wnd)
{
	c->rcv = ack;
	t_send_tcp(c->t, c->rport, c->lport, c->snd, ack, TCP_ACK, wnd, NULL, 0, NULL, 0);
}

static struct tstack *fx_a, *fx_b;
static struct tlink *fx_l;

static void fixture_end(void)
{
	if (fx_l)
		tlink_fini(fx_l);
	tstack_fini(fx_a);
	if (fx_b)
		tstack_fini(fx_b);
	t_check_no_leaks();
}

void t_fixture_one(struct tstack *a)
{
	fx_a = a, fx_b = NULL, fx_l = NULL;
	t_teardown = fixture_end;
	tstack_init(a, T_IP_A, 0x02);
}

void t_fixture_two(struct tstack *a, struct tstack *b, struct tlink *l)
{
	t_fixture_one(a);
	fx_b = b, fx_l = l;
	tstack_init(b, T_IP_B, 0x03);
	tlink_init(l, a, b);
}
