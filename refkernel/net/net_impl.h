/* net_impl.h — the stack's internal index (like xv6 defs.h): the shared
 * structures and every function one file of refkernel/net calls in another,
 * grouped by file. Receive path: net_input -> eth_input -> arp_input |
 * ip_input -> icmp_input | udp_input | tcp_input. Send path: sock -> udp_output
 * | tcp_output -> ip_output -> eth_output (ARP) -> dev->tx.
 */
#ifndef NET_IMPL_H
#define NET_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "klib.h"
#include "kerrno.h"
#include "net.h"
#include "netdev.h"
#include "net_platform.h"
#include "tcp_seq.h"

/* ---- wire formats (sizes; fields are read with rd16/rd32) ---- */
#define ETH_HLEN 14
#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define IP_HLEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_FLAG_MF 0x2000
#define IP_FLAG_DF 0x4000
#define IP_OFFSET_MASK 0x1fff
#define IP_MAX_PACKET 65535
#define UDP_HLEN 8
#define TCP_HLEN 20
#define TCP_OPT_MAX 40
/* Room before the transport header in a frame buffer being built. */
#define NET_HDR_ROOM (ETH_HLEN + IP_HLEN)
#define NET_FRAME_MAX (ETH_HLEN + 1500)

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

/* ---- tunables ---- */
#define ARP_CACHE_SIZE 64
#define ARP_PENDING_MAX 8         /* packets queued per unresolved address */
#define ARP_REACHABLE_MS 60000    /* default; net_config.arp_reachable_ms */
#define ARP_DELAY_MS 5000         /* STALE and used: time to be confirmed before probing */
#define ARP_STALE_MS 60000        /* STALE and unused: forgotten after this */
#define ARP_RETRY_MS 1000         /* between requests (PENDING) and probes (PROBE) */
#define ARP_TRIES 3               /* requests, and unicast probes, before giving up */
#define SOCK_MAX 4096             /* sockets, and TCP connections, per stack */
#define SOCK_BUF_DEFAULT (256 * 1024)
#define SOCK_BUF_MIN 2048
#define SOCK_BUF_MAX (4 * 1024 * 1024)
#define UDP_RCVBUF_DEFAULT (256 * 1024)
#define TCP_HASH_SIZE 256
#define TCP_MSL_MS 30000          /* TIME_WAIT lasts 2 MSL */
#define TCP_FIN_TIMEOUT_MS 60000  /* orphaned FIN_WAIT_2 */
#define TCP_RTO_INIT_MS 1000      /* RFC 6298 (2.1) */
#define TCP_RTO_MIN_MS 200        /* Linux's floor; RFC 6298 says 1 s */
#define TCP_RTO_MAX_MS 60000
#define TCP_RETRIES_MAX 12        /* RTOs in a row before giving up */
#define TCP_SYN_RETRIES 6
#define TCP_SYNACK_RETRIES 5
#define TCP_DELACK_MS 40
#define TCP_PERSIST_MIN_MS 200
#define TCP_KEEPIDLE_S 7200
#define TCP_KEEPINTVL_S 75
#define TCP_KEEPCNT 9
#define TCP_OOO_MAX 256           /* out-of-order segments kept (a 256 KiB window) */
#define TCP_SACK_BLOCKS 4         /* RFC 2018 blocks in an ACK (no timestamps) */
#define TCP_SACK_RANGES 8         /* ranges in the sender's scoreboard */
#define TCP_BACKLOG_MAX 1024
#define TCP_DEFAULT_MSS 536       /* RFC 9293 §3.7.1 when no MSS option */

#define LO_QUEUE_MAX 1024         /* looped-back packets waiting for lo_drain */
#define IP_REASS_SLOTS 4          /* datagrams being reassembled at once */
#define IP_REASS_TIMEOUT_MS 5000
#define IP_REASS_ROOM 60          /* header room before the payload */

/* ---- the stack ---- */
struct ip_reass {                   /* a datagram being put together */
	uint8_t *buf;                   /* NULL: slot free. Header room, payload, bitmap */
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint16_t hlen;                  /* header of the first fragment; 0 until seen */
	uint32_t total;                 /* payload length; 0 until the last fragment */
	uint64_t expires;
};

/* Linux's NUD states (arp.c has the transitions): PENDING has no MAC yet
 * (INCOMPLETE), every other state uses the MAC it has. */
enum arp_state { ARP_FREE, ARP_PENDING, ARP_REACHABLE, ARP_STALE, ARP_DELAY, ARP_PROBE };

struct arp_packet {                 /* an IP packet waiting for its MAC */
	struct arp_packet *next;
	size_t len;
	uint8_t data[];
};

struct arp_entry {
	enum arp_state state;
	uint32_t ip;
	uint8_t mac[NETDEV_ADDR_LEN];
	uint64_t expires;               /* when the state's timer is due */
	uint64_t confirmed;             /* last confirmation (PENDING: creation) */
	unsigned tries;                 /* requests or probes sent in this state */
	unsigned npending;
	struct arp_packet *pending;     /* FIFO */
};

struct tcp_pcb;
struct lo_packet;
struct udp_pcb;

struct net_stack {
	struct netdev *dev;
	uint32_t ip, netmask, gateway;
	uint16_t mtu;
	uint64_t now;                   /* ms, from net_timer */
	uint32_t arp_reachable_ms;
	unsigned arp_hint;              /* the ARP entry found last */
	uint16_t ip_id;
	uint16_t next_port;             /* ephemeral port cursor */
	unsigned nsocks;                /* struct sock objects, <= SOCK_MAX */
	unsigned ntcp;                  /* TCP pcbs, <= SOCK_MAX */
	struct net_counters cnt;
	struct arp_entry arp[ARP_CACHE_SIZE];
	struct ip_reass reass[IP_REASS_SLOTS];
	struct tcp_pcb *tcp_all;        /* every TCP pcb (timers, port checks) */
	struct tcp_pcb *tcp_hash[TCP_HASH_SIZE];   /* connected, by 4-tuple */
	struct udp_pcb *udp_all;
	/* loopback (loop.c): packets to ourselves, delivered by lo_drain() */
	struct lo_packet *lo_head, *lo_tail;
	unsigned lo_len;
	bool lo_busy;                   /* lo_drain() is running: do not recurse */
};

#define CNT(stk, name) ((stk)->cnt.name++)

/* ---- byte ring (used by TCP send/receive buffers) ---- */
struct nring {
	uint8_t *buf;
	uint32_t cap, head, len;        /* storage grows on demand up to max */
	uint32_t max;
};

/* ---- sockets ---- */
struct sock {
	struct net_stack *stk;
	int type;
	struct tcp_pcb *tcp;            /* NET_SOCK_STREAM */
	struct udp_pcb *udp;            /* NET_SOCK_DGRAM */
	bool reuseaddr;
	bool rd_shut, wr_shut;
	uint32_t sndbuf, rcvbuf;        /* limits in bytes */
};

/* ---- UDP ---- */
struct udp_dgram {
	struct udp_dgram *next;
	uint32_t src_ip;
	uint16_t src_port;
	uint32_t len;
	uint8_t data[];
};

struct udp_pcb {
	struct udp_pcb *next;
	struct sock *sock;
	uint32_t lip, rip;
	uint16_t lport, rport;          /* rport != 0: connected */
	struct udp_dgram *head, *tail;
	uint32_t queued;                /* payload bytes in the queue */
};

/* ---- TCP ---- */
enum tcp_state {
	TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_ESTABLISHED,
	TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING,
	TCP_LAST_ACK, TCP_TIME_WAIT,
};

struct tcp_ooo {                     /* an out-of-order segment */
	struct tcp_ooo *next;
	tcp_seq_t seq;
	uint32_t len;
	bool fin;
	uint8_t data[];
};

struct tcp_pcb {
	struct tcp_pcb *all_next, *all_prev;   /* stk->tcp_all */
	struct tcp_pcb *hash_next;             /* stk->tcp_hash bucket */
	bool hashed;
	struct net_stack *stk;
	struct sock *sock;              /* NULL once closed by the application */
	enum tcp_state state;
	uint32_t lip, rip;
	uint16_t lport, rport;
	bool reuseaddr;
	int err;                        /* pending error for SO_ERROR, or 0 */

	/* listener: embryos in SYN_RECEIVED and the accept queue */
	struct tcp_pcb *listener;       /* on a child: its listener, until accepted */
	struct tcp_pcb *q_next;         /* child in one of the two queues */
	struct tcp_pcb *synq, *acceptq;
	unsigned nsyn, naccept, backlog;
	bool in_acceptq;

	/* send side (RFC 9293 §3.3.1) */
	tcp_seq_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
	uint32_t snd_wnd;               /* peer's window in bytes (scaled) */
	uint32_t snd_wnd_max;
	struct nring sndbuf;            /* bytes from snd_una on */
	bool fin_queued, fin_acked;
	tcp_seq_t snd_sml;              /* end of the last small segment sent (Nagle) */
	uint16_t mss;                   /* our send MSS */
	uint8_t snd_wscale, rcv_wscale; /* RFC 7323; 0 when not agreed */
	bool ws_ok;
	bool sack_ok;                   /* RFC 2018 agreed: both send SACK blocks */
	struct { tcp_seq_t lo, hi; } sb[TCP_SACK_RANGES];   /* scoreboard, sorted */
	unsigned nsb;
	tcp_seq_t rexmit_next;          /* in recovery: holes below are resent */

	/* receive side */
	tcp_seq_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge advertised */
	struct nring rcvbuf;
	bool fin_rcvd;
	struct tcp_ooo *ooo;            /* sorted by seq, disjoint */
	unsigned nooo;
	tcp_seq_t ooo_last;             /* start of the latest segment queued */

	/* congestion control (RFC 5681, RFC 6582) */
	uint32_t cwnd, ssthresh, bytes_acked;
	unsigned dupacks;
	bool in_recovery;
	tcp_seq_t recover;

	/* RTT and RTO (RFC 6298) */
	uint32_t srtt8, rttvar4, rto;   /* srtt*8, rttvar*4, ms */
	bool rtt_valid, rtt_timing;
	tcp_seq_t rtt_seq;
	uint64_t rtt_start;
	unsigned retries;               /* consecutive timeouts */

	/* timers: absolute ms, 0 = stopped */
	uint64_t t_rexmt, t_persist, t_delack, t_keep, t_close;
	uint32_t persist_ms;
	unsigned keep_probes;
	uint64_t last_rx;

	/* acknowledgment policy */
	unsigned unacked_segs;          /* in-order segments not yet ACKed */
	bool ack_now;

	/* options */
	bool nodelay, keepalive;
	bool cork;                      /* TCP_CORK: only full segments until uncorked */
	uint32_t keepidle_s, keepintvl_s, keepcnt;
	uint16_t user_mss;
};

/* ---- util.c ---- */
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
uint32_t net_csum_add(uint32_t sum, const uint8_t *data, size_t len);
uint16_t net_csum_fold(uint32_t sum);
/* Sum of the TCP/UDP pseudo-header (RFC 9293 §3.1). */
uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* The checksum field of an outgoing TCP or UDP packet (l4, len) to (dst):
 * the full checksum, or only the pseudo-header sum when the device
 * completes it (NETDEV_F_TX_CSUM) or the packet loops back (loop.c). The
 * field must be zero on entry. (src) 0: ip_src_for(dst). */
uint16_t net_l4_csum(const struct net_stack *stk, uint32_t src, uint32_t dst, uint8_t proto,
		     const uint8_t *l4, size_t len);
int nring_write(struct nring *r, const uint8_t *data, uint32_t n);  /* bytes stored */
void nring_peek(const struct nring *r, uint32_t off, uint8_t *dst, uint32_t n);
void nring_drop(struct nring *r, uint32_t n);
void nring_free(struct nring *r);
static inline uint32_t nring_space(const struct nring *r) { return r->max - r->len; }

/* ---- eth.c ---- */
/* (flags): NETDEV_RX_* from the driver, passed down to UDP and TCP. */
void eth_input(struct net_stack *stk, const uint8_t *frame, size_t len, unsigned flags);
/* (frame) holds an IP packet of (iplen) bytes at frame + ETH_HLEN. */
int eth_output_ip(struct net_stack *stk, uint8_t *frame, size_t iplen, uint32_t nexthop);
int eth_send(struct net_stack *stk, uint8_t *frame, size_t len,
	     const uint8_t *dst_mac, uint16_t type);

/* ---- arp.c ---- */
void arp_input(struct net_stack *stk, const uint8_t *pkt, size_t len);
/* MAC for (ip) or NULL; when NULL, (frame) is queued and a request sent. */
const uint8_t *arp_resolve(struct net_stack *stk, uint32_t ip, const uint8_t *frame, size_t iplen);
/* An IPv4 packet from (mac) whose next hop back is (ip): the entry is
 * reachable (nothing happens unless it holds that MAC). */
void arp_confirm(struct net_stack *stk, uint32_t ip, const uint8_t *mac);
void arp_timer(struct net_stack *stk);
void arp_flush(struct net_stack *stk);

/* ---- ip.c ---- */
/* (src_mac) the Ethernet source, for arp_confirm. */
void ip_input(struct net_stack *stk, const uint8_t *pkt, size_t len, const uint8_t *src_mac,
	      unsigned flags);
/* (frame) holds the transport packet of (l4len) bytes at frame + NET_HDR_ROOM;
 * fills the IP and Ethernet headers and sends, or loops it back when (dst)
 * is ours. (src) 0: ip_src_for(dst). */
int ip_output(struct net_stack *stk, uint8_t *frame, size_t l4len, uint32_t src, uint32_t dst,
	      uint8_t proto);
/* Ours: the interface's address or 127.0.0.0/8 (the loopback interface). */
bool ip_is_local(const struct net_stack *stk, uint32_t ip);
static inline bool ip_is_loopback(uint32_t ip) { return (ip >> 24) == 127; }
/* The source address a packet to (dst) leaves with (Linux: the route's). */
uint32_t ip_src_for(const struct net_stack *stk, uint32_t dst);
/* A whole packet (maybe reassembled) to ICMP, UDP or TCP. */
void ip_deliver(struct net_stack *stk, const uint8_t *pkt, size_t total, size_t hlen,
		unsigned flags);

/* ---- loop.c: the loopback interface ---- */
/* Queue a copy of the IP packet (pkt, len) for delivery inside the stack. */
int lo_output(struct net_stack *stk, const uint8_t *pkt, size_t len);
/* Deliver what is queued (and what that makes the stack send to itself).
 * Every entry point of the stack calls it before returning. */
void lo_drain(struct net_stack *stk);
void lo_flush(struct net_stack *stk);

/* ---- ip_frag.c ---- */
void ip_reass_input(struct net_stack *stk, const uint8_t *pkt, size_t total, size_t hlen);
void ip_reass_timer(struct net_stack *stk);
void ip_reass_flush(struct net_stack *stk);

/* ---- icmp.c ---- */
void icmp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen);
/* Port unreachable in answer to the IP packet (ip) of (iplen) bytes. */
void icmp_port_unreach(struct net_stack *stk, const uint8_t *ip, size_t iplen);

/* ---- udp.c ---- */
void udp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen,
	       unsigned flags);
int udp_create(struct sock *s);
int udp_bind(struct sock *s, const struct net_addr *a);
int udp_connect(struct sock *s, const struct net_addr *a);
long udp_sendmsg(struct sock *s, const struct net_iov *iov, int n, const struct net_addr *to);
long udp_recvmsg(struct sock *s, const struct net_iov *iov, int n, struct net_addr *from,
		 int flags, int *out_flags);
unsigned udp_poll(struct sock *s);
long udp_nread(struct sock *s);
void udp_close(struct sock *s);
void udp_destroy_all(struct net_stack *stk);

/* ---- tcp.c (connections, ports, timers, sockets) ---- */
extern const char *const tcp_state_names[];
struct tcp_pcb *tcp_pcb_new(struct net_stack *stk);
void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state st);
void tcp_hash_insert(struct tcp_pcb *pcb);
struct tcp_pcb *tcp_lookup(struct net_stack *stk, uint32_t lip, uint16_t lport,
			   uint32_t rip, uint16_t rport);
struct tcp_pcb *tcp_lookup_listener(struct net_stack *stk, uint32_t lip, uint16_t lport);
/* The connection is over: error (err) (0 = clean), frees it if orphaned. */
void tcp_drop(struct tcp_pcb *pcb, int err);
void tcp_update_rto(struct tcp_pcb *pcb, uint32_t rtt_ms);
void tcp_timer(struct net_stack *stk);
void tcp_destroy_all(struct net_stack *stk);
int tcp_create(struct sock *s);
int tcp_bind(struct sock *s, const struct net_addr *a);
int tcp_listen(struct sock *s, int backlog);
int tcp_accept(struct sock *s, struct sock *child, struct net_addr *peer);
int tcp_connect(struct sock *s, const struct net_addr *a);
long tcp_sendmsg(struct sock *s, const struct net_iov *iov, int n);
long tcp_recvmsg(struct sock *s, const struct net_iov *iov, int n, int flags);
int tcp_shutdown(struct sock *s, int how);
void tcp_close(struct sock *s);
unsigned tcp_poll(struct sock *s);
int tcp_setopt(struct sock *s, int level, int name, int v);
int tcp_getopt(struct sock *s, int level, int name, int *v);
int tcp_getnames(struct sock *s, struct net_addr *local, struct net_addr *peer);
uint32_t tcp_rcv_window(const struct tcp_pcb *pcb);
/* The window scale we ask for: enough to advertise the whole buffer. */
uint8_t tcp_pick_wscale(uint32_t bufmax);

/* ---- tcp_in.c ---- */
void tcp_input(struct net_stack *stk, const uint8_t *ip, size_t iplen, size_t hlen,
	       unsigned flags);

/* ---- tcp_sack.c ---- */
/* Add an ACK's (n) SACK blocks; returns how many bytes are newly SACKed. */
uint32_t tcp_sack_update(struct tcp_pcb *pcb, const uint8_t *blocks, unsigned n);
void tcp_sack_trim(struct tcp_pcb *pcb);     /* after snd_una moved */
void tcp_sack_clear(struct tcp_pcb *pcb);
/* (seq) moved past SACKed data; *(room): bytes from there to the next range. */
tcp_seq_t tcp_sack_skip(const struct tcp_pcb *pcb, tcp_seq_t seq, uint32_t *room);
/* The first hole at or after (from) below the highest SACKed byte. */
bool tcp_sack_next_hole(const struct tcp_pcb *pcb, tcp_seq_t from, tcp_seq_t *seq, uint32_t *len);

/* ---- tcp_out.c ---- */
/* Send what the windows allow, and an ACK if one is owed. */
void tcp_output(struct tcp_pcb *pcb);
/* One segment from (seq): (len) bytes of the send buffer plus (flags). */
int tcp_xmit(struct tcp_pcb *pcb, tcp_seq_t seq, uint32_t len, uint8_t flags);
void tcp_send_ack(struct tcp_pcb *pcb);
void tcp_send_syn(struct tcp_pcb *pcb);       /* SYN or SYN-ACK by state */
void tcp_send_rst_for(struct tcp_pcb *pcb);   /* RST on a live connection */
/* RST in answer to a segment (RFC 9293 §3.10.7.1) with no connection. */
void tcp_reply_rst(struct net_stack *stk, uint32_t src, uint32_t dst, uint16_t sport,
		   uint16_t dport, tcp_seq_t seq, tcp_seq_t ack, uint8_t flags, uint32_t seglen);
void tcp_retransmit_timeout(struct tcp_pcb *pcb);
/* Resend the first unacknowledged segment (fast retransmit, partial ACK). */
void tcp_retransmit_first(struct tcp_pcb *pcb);

#endif
