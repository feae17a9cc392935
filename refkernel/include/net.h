/* net.h — the protocol stack's API (refkernel/net): what the kernel and the
 * socket system calls use. Ethernet, ARP, IPv4, ICMP echo, UDP and TCP.
 *
 * Call order: net_stack_create(dev, cfg, now) once per interface; then the
 * driver calls net_input() for each received frame, the kernel calls
 * net_timer() at least every NET_TIMER_TICK_MS, and the syscall layer calls
 * sock_*(). net_stack_destroy() frees everything (tests, fuzzing).
 *
 * Error policy: every call returns 0 (or a byte count) on success and a
 * negative Linux errno on failure; nothing here ever blocks. Where Linux would
 * block, the call returns -EAGAIN (or -EINPROGRESS for connect) and the caller
 * waits for the readiness sock_poll() reports, polling it again after each
 * net_input() and net_timer() (the stack has no callback into the caller).
 * Bad packets are never errors: each is dropped and counted (net_counters).
 *
 * Concurrency: a stack is not thread-safe. The caller MUST serialise all calls
 * on one stack (one thread, or interrupts off). The driver's tx callback
 * MUST NOT call back into the stack.
 *
 * Addresses and ports in this API are in host byte order.
 */
#ifndef NET_H
#define NET_H
#include <stddef.h>
#include <stdint.h>
#include "netdev.h"

#define NET_TIMER_TICK_MS 10
/* The loopback interface's address (127.0.0.0/8 is all ours). */
#define NET_IP_LOOPBACK 0x7f000001u

struct net_stack;
struct sock;

struct net_config {
	uint32_t ip;        /* our address, e.g. 10.0.0.2 = 0x0a000002 */
	uint32_t netmask;   /* e.g. 0xffffff00 for /24 */
	uint32_t gateway;   /* 0: no default route */
	uint32_t arp_reachable_ms;   /* how long a confirmation lasts; 0: 60 s */
};

/* ---- stack ---- */

/* (dev) the interface, (cfg) its address, (now_ms) the current time. Returns
 * NULL when out of memory. Sets dev->stack. */
struct net_stack *net_stack_create(struct netdev *dev, const struct net_config *cfg,
				   uint64_t now_ms);
/* Announce our address (an ARP announcement, RFC 5227 §2.3): once, when the
 * interface comes up. Nothing when the address is 0. */
void net_announce(struct net_stack *stk);
/* Frees the stack, every socket and every connection, without sending. */
void net_stack_destroy(struct net_stack *stk);

/* A received Ethernet frame (no FCS). (frame) need only live during the call. */
void net_input(struct netdev *dev, const void *frame, size_t len);
/* The same with NETDEV_RX_* (flags) from the driver. */
void net_input_flags(struct netdev *dev, const void *frame, size_t len, unsigned flags);

/* Advance the stack's clock to (now_ms) and run what is due: retransmissions,
 * delayed ACKs, zero-window probes, keep-alives, TIME_WAIT, ARP expiry. The
 * stack's clock only moves here, so RTT samples have this call's granularity. */
void net_timer(struct net_stack *stk, uint64_t now_ms);

/* Parse "a.b.c.d" (exactly (len) bytes) into (out). 0 or -EINVAL. */
int net_parse_ipv4(const char *s, size_t len, uint32_t *out);

/* ---- counters ---- */

/* X-macro list of every counter: name and meaning. Drops are counted by
 * reason; the sum of a layer's *_drop_* is every packet that layer refused. */
#define NET_COUNTERS(X) \
	X(eth_rx, "frames received") \
	X(eth_tx, "frames handed to the driver") \
	X(eth_tx_err, "frames the driver refused") \
	X(eth_drop_short, "frame shorter than an Ethernet header") \
	X(eth_drop_dst, "frame not for our MAC nor broadcast") \
	X(eth_drop_type, "unknown ethertype") \
	X(arp_rx, "ARP packets received") \
	X(arp_tx, "ARP packets sent") \
	X(arp_drop_bad, "malformed or foreign ARP packet") \
	X(arp_queue_drop, "packet dropped: ARP pending queue full") \
	X(arp_unresolved, "packet dropped: address never resolved") \
	X(arp_drop_nomem, "packet dropped: no memory to queue") \
	X(arp_probe, "unicast requests re-validating a stale entry") \
	X(arp_probe_fail, "entries removed: the peer answered no probe") \
	X(ip_rx, "IPv4 packets received") \
	X(ip_tx, "IPv4 packets sent") \
	X(ip_drop_hdr, "bad version, header or total length") \
	X(ip_drop_csum, "bad header checksum") \
	X(ip_frag_rx, "fragments received") \
	X(ip_frag_tx, "fragments sent") \
	X(ip_reass_ok, "datagrams reassembled") \
	X(ip_reass_timeout, "datagrams given up: a fragment never came") \
	X(ip_drop_frag, "bad fragment, or no slot or memory for it") \
	X(ip_drop_dst, "not addressed to us") \
	X(ip_drop_proto, "unknown protocol") \
	X(ip_drop_noroute, "no route to destination") \
	X(ip_drop_martian, "from the wire to or from 127.0.0.0/8") \
	X(lo_tx, "packets looped back inside the stack (127/8, our address)") \
	X(lo_rx, "looped-back packets delivered") \
	X(lo_drop_full, "looped-back packet dropped: queue full") \
	X(lo_drop_nomem, "looped-back packet dropped: no memory") \
	X(icmp_rx, "ICMP messages received") \
	X(icmp_tx, "ICMP messages sent") \
	X(icmp_drop_bad, "short or bad checksum") \
	X(icmp_drop_type, "type we do not handle") \
	X(udp_rx, "UDP datagrams received") \
	X(udp_tx, "UDP datagrams sent") \
	X(udp_drop_bad, "bad length or checksum") \
	X(udp_drop_noport, "no socket on the port") \
	X(udp_drop_full, "socket receive buffer full") \
	X(udp_drop_nomem, "no memory for the datagram") \
	X(tcp_rx, "TCP segments received") \
	X(tcp_tx, "TCP segments sent") \
	X(tcp_retx, "segments retransmitted") \
	X(tcp_rto, "retransmission timeouts") \
	X(tcp_fast_retx, "fast retransmits (3 dup ACKs)") \
	X(tcp_dupack_rx, "duplicate ACKs received") \
	X(tcp_drop_bad, "bad header, length or options") \
	X(tcp_drop_csum, "bad checksum") \
	X(tcp_drop_noport, "no connection or listener (RST sent)") \
	X(tcp_drop_seq, "segment outside the receive window") \
	X(tcp_drop_nomem, "no memory for the segment") \
	X(tcp_drop_state, "segment not acceptable in the state") \
	X(tcp_ooo, "out-of-order segments queued") \
	X(tcp_rst_rx, "RSTs that reset a connection") \
	X(tcp_rst_tx, "RSTs sent") \
	X(tcp_challenge_ack, "challenge ACKs (RFC 5961)") \
	X(tcp_active_open, "connections opened by connect") \
	X(tcp_passive_open, "connections accepted from a listener") \
	X(tcp_syn_drop, "SYN dropped: listener full or no memory") \
	X(tcp_syn_evict, "embryonic connection evicted: SYN queue full") \
	X(tcp_accept_full, "handshake ACK dropped: accept queue full") \
	X(tcp_tw_recycled, "TIME_WAIT ended early: connection limit") \
	X(tcp_timeout, "connections dropped after retransmissions") \
	X(tcp_zwp, "zero-window probes sent") \
	X(tcp_keepalive, "keep-alive probes sent")

struct net_counters {
#define NET_COUNTER_FIELD(name, what) uint64_t name;
	NET_COUNTERS(NET_COUNTER_FIELD)
#undef NET_COUNTER_FIELD
};

const struct net_counters *net_counters(const struct net_stack *stk);
/* One line "refkernel: net eth_rx=N eth_tx=N ..." (no newline) into (buf).
 * Returns the length the whole line has, like snprintf; NUL-terminates when
 * (size) > 0. */
int net_counters_format(const struct net_stack *stk, char *buf, size_t size);

/* ---- sockets ---- */

/* Linux values, so the syscall layer passes them through unchanged. */
#define NET_SOCK_STREAM 1
#define NET_SOCK_DGRAM 2
#define NET_SOL_SOCKET 1
#define NET_SO_REUSEADDR 2
#define NET_SO_TYPE 3
#define NET_SO_ERROR 4
#define NET_SO_SNDBUF 7
#define NET_SO_RCVBUF 8
#define NET_SO_KEEPALIVE 9
#define NET_IPPROTO_TCP 6
#define NET_TCP_NODELAY 1
#define NET_TCP_MAXSEG 2
#define NET_TCP_CORK 3
#define NET_TCP_KEEPIDLE 4
#define NET_TCP_KEEPINTVL 5
#define NET_TCP_KEEPCNT 6
#define NET_SHUT_RD 0
#define NET_SHUT_WR 1
#define NET_SHUT_RDWR 2
#define NET_MSG_PEEK 0x2
#define NET_MSG_TRUNC 0x20
#define NET_POLLIN 0x001
#define NET_POLLOUT 0x004
#define NET_POLLERR 0x008
#define NET_POLLHUP 0x010
#define NET_POLLRDHUP 0x2000

struct net_addr {
	uint32_t ip;        /* 0 = any */
	uint16_t port;      /* 0 = any / ephemeral */
};

struct net_iov {
	void *base;
	size_t len;
};

/* (type) NET_SOCK_STREAM or NET_SOCK_DGRAM. -EPROTONOSUPPORT, -ENOMEM,
 * -ENFILE when the stack's socket limit is reached. */
int sock_socket(struct net_stack *stk, int type, struct sock **out);
/* -EADDRINUSE, -EADDRNOTAVAIL (not our address), -EINVAL (already bound). */
int sock_bind(struct sock *s, const struct net_addr *addr);
/* (backlog) bounds the accept queue (and, scaled, the SYN queue). */
int sock_listen(struct sock *s, int backlog);
/* A connection from the accept queue as a new socket, or -EAGAIN. */
int sock_accept(struct sock *s, struct sock **out, struct net_addr *peer);
/* TCP: starts the handshake and returns -EINPROGRESS; POLLOUT (or POLLERR)
 * follows, then NET_SO_ERROR tells the outcome. Again while connecting:
 * -EALREADY; once connected: -EISCONN. UDP: sets the default peer, 0. */
int sock_connect(struct sock *s, const struct net_addr *addr);
/* Send the bytes of (iov)[0..(n)); (to) MAY be NULL (UDP: the connected peer).
 * TCP returns how many bytes were queued (short when the send buffer is
 * full), -EAGAIN when none fit, -EPIPE after shutdown, -ENOTCONN.
 * UDP sends one datagram (IP fragments it past the MTU): -EMSGSIZE above
 * 65507 bytes, -EDESTADDRREQ without a peer. */
long sock_sendmsg(struct sock *s, const struct net_iov *iov, int n,
		  const struct net_addr *to, int flags);
/* Receive into (iov); (from) MAY be NULL. TCP: bytes, 0 at end of stream,
 * -EAGAIN when nothing is there, -ECONNRESET after a reset. UDP: one
 * datagram, truncated to the buffer (then *(out_flags) |= NET_MSG_TRUNC).
 * (flags) MAY hold NET_MSG_PEEK. (out_flags) MAY be NULL. */
long sock_recvmsg(struct sock *s, const struct net_iov *iov, int n,
		  struct net_addr *from, int flags, int *out_flags);
long sock_send(struct sock *s, const void *buf, size_t len, int flags);
long sock_recv(struct sock *s, void *buf, size_t len, int flags);
/* (how) NET_SHUT_RD, NET_SHUT_WR or NET_SHUT_RDWR. */
int sock_shutdown(struct sock *s, int how);
/* Frees (s). A TCP connection closes gracefully in the background (RST when
 * unread data is left, as Linux does). */
int sock_close(struct sock *s);
/* int-valued options only: (len) >= sizeof(int). -ENOPROTOOPT otherwise. */
int sock_setsockopt(struct sock *s, int level, int name, const void *val, size_t len);
int sock_getsockopt(struct sock *s, int level, int name, void *val, size_t *len);
int sock_getsockname(struct sock *s, struct net_addr *addr);
int sock_getpeername(struct sock *s, struct net_addr *addr);   /* -ENOTCONN */
/* Readiness now: NET_POLL* bits. */
unsigned sock_poll(struct sock *s);
/* Bytes ready to read (FIONREAD): TCP the stream, UDP the next datagram. */
long sock_nread(struct sock *s);

#endif
