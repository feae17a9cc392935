/* net_test.h — test scaffolding for the stack, in the manner of lwIP's
 * tcp_helper.h: a fake interface that records what the stack sends, frame
 * forgers (ARP, ICMP, UDP, TCP relative to a connection's sequence numbers),
 * a parser for recorded frames, and an in-memory link joining two stacks that
 * can drop, reorder and duplicate. Tests include net_impl.h for the set-state
 * shortcut and the pcb fields. */
#ifndef NET_TEST_H
#define NET_TEST_H
#include <stdbool.h>
#include <stdint.h>
#include "net_impl.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define T_IP_A IP(10, 0, 0, 2)      /* the stack under test */
#define T_IP_B IP(10, 0, 0, 3)      /* its peer (forged, or a second stack) */
#define T_TX_MAX 4096

struct tlink;

/* A stack and its fake interface. */
struct tstack {
	struct netdev dev;
	struct net_stack *stk;
	uint8_t *tx[T_TX_MAX];          /* recorded frames (not through a link) */
	size_t tx_len[T_TX_MAX];
	int ntx;
	struct tlink *link;
	int side;
};

/* A parsed frame the stack sent. */
struct tpkt {
	uint16_t ethertype;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss;                   /* 0: no option */
	int ws;                         /* -1: no option */
	bool sack_ok;
	int nsack;                      /* SACK blocks */
	uint32_t sack[4][2];
	const uint8_t *data;            /* transport payload (ICMP: whole message) */
	size_t len;
	uint8_t icmp_type;
};

/* An in-memory link between two stacks. */
struct tlink {
	struct tstack *end[2];
	struct tframe *q;               /* frames in flight, FIFO */
	unsigned loss_pct, dup_pct, reorder_pct;
	uint32_t rng;
	unsigned long sent, dropped, duplicated, reordered;
};

extern uint64_t t_now;                  /* the test clock, ms */
extern int t_rcvbuf;                    /* SO_RCVBUF for tconn_accept's listener, 0: default */

void tstack_init(struct tstack *t, uint32_t ip, uint8_t mac_last);
void tstack_fini(struct tstack *t);
void tstack_clear(struct tstack *t);   /* forget recorded frames */
bool tstack_parse(const struct tstack *t, int i, struct tpkt *p);   /* frame i */
/* The last recorded TCP segment (or false). */
bool tstack_last_tcp(const struct tstack *t, struct tpkt *p);
int tstack_count_tcp(const struct tstack *t, uint8_t flag_mask);
void tstack_advance(struct tstack *t, uint64_t ms);   /* t_now += ms; net_timer */
/* Make the stack know the peer's MAC (T_IP_B) by a forged ARP request. */
void tstack_learn_peer(struct tstack *t);

/* Forgers: whole frames from the peer (T_IP_B, MAC ...:03) into net_input. */
void t_inject(struct tstack *t, const uint8_t *frame, size_t len);
size_t t_build_ip(uint8_t *frame, uint32_t src, uint32_t dst, uint8_t proto,
		  const uint8_t *l4, size_t l4len);
void t_send_tcp(struct tstack *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t wnd, const void *data, size_t len,
		const uint8_t *opts, size_t optlen);
void t_send_udp(struct tstack *t, uint16_t sport, uint16_t dport, const void *data, size_t len);

/* Two stacks over one link. */
void tlink_init(struct tlink *l, struct tstack *a, struct tstack *b);
void tlink_fini(struct tlink *l);
/* Deliver every frame in flight (new frames sent meanwhile wait). */
void tlink_deliver(struct tlink *l);
/* Run both stacks for (ms) of test time, 1 ms a step. */
void tlink_run(struct tlink *l, uint64_t ms);

/* A forged TCP connection to the stack under test (lwIP's test_tcp_new
 * counterpart): the peer side is just numbers the test moves by hand. */
struct tconn {
	struct tstack *t;
	struct sock *s;                 /* our side's socket */
	struct tcp_pcb *pcb;
	uint16_t lport, rport;          /* our port, the peer's port */
	uint32_t snd;                   /* the peer's next sequence number */
	uint32_t rcv;                   /* what the peer has received of ours */
};
/* Set-state shortcut: a connection in (state) with our ISS (iss) and the
 * peer's ISS (irs), established options, window (wnd), mss 1460. */
void tconn_set_state(struct tconn *c, struct tstack *t, enum tcp_state st,
		     uint32_t iss, uint32_t irs, uint16_t wnd);
/* A real passive open: listen, forged SYN, SYN-ACK, ACK, accept. */
void tconn_accept(struct tconn *c, struct tstack *t, uint32_t irs, uint16_t wnd,
		  const uint8_t *synopts, size_t optlen);
void tconn_send(struct tconn *c, uint8_t flags, const void *data, size_t len);
void tconn_ack(struct tconn *c, uint32_t ack, uint16_t wnd);

/* Leak check: everything the stack allocated is freed. */
void t_check_no_leaks(void);

/* A Criterion test whose body is followed by the suite's teardown (which
 * ends with t_check_no_leaks). The suite's .init sets t_teardown. This is
 * not left to .fini because Criterion 2.4 does not fail a test for an
 * assertion in .fini. */
extern void (*t_teardown)(void);
/* The usual fixtures, called from a suite's .init: one stack (a) at T_IP_A,
 * or two (a at T_IP_A, b at T_IP_B) joined by the in-memory link (l). They
 * set t_teardown to finish what they made and check for leaks. */
void t_fixture_one(struct tstack *a);
void t_fixture_two(struct tstack *a, struct tstack *b, struct tlink *l);

#define NET_TEST(suite, name, ...) \
	static void suite##_##name##_body(void); \
	Test(suite, name, ##__VA_ARGS__) \
	{ \
		suite##_##name##_body(); \
		t_teardown(); \
	} \
	static void suite##_##name##_body(void)

#endif
