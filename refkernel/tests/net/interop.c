/* interop.c — our stack against the host's Linux stack, over a tap device in
 * a network namespace that tap_interop.sh creates. One thread runs our stack
 * on the tap (TCP and UDP echo on port 7); the main thread is the Linux-side
 * client and prints one TAP line per check ("ok - ..." without numbers; the
 * script numbers them).
 *
 * Usage: net-interop TAPDEV OUR_IP PEER_IP basic|lossy
 *   basic: ping, UDP echo of mixed sizes, 8 MiB TCP echo, a refused connect,
 *          200 concurrent connections, malformed frames counted; with
 *          NET_ARP_REACHABLE_MS=250 (tap_interop.sh) all of it, and TCP
 *          echoes for 8 reachable times more, run past the ARP expiry, and
 *          no packet may be lost to ARP.
 *   lossy: the program impairs the link itself (netem is not always there):
 *          5% of frames lost each way, 1% of received frames duplicated, 25%
 *          of them overtaken by the next; a 4 MiB TCP echo must arrive intact
 *          and our retransmission counter must show it.
 * Every wait has a timeout; the counters line is printed at the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "net.h"

static int tap_fd;
static struct netdev dev;
static struct net_stack *stk;
static pthread_mutex_t stk_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static unsigned tx_loss_pct;
static uint32_t rng = 7;
static int failures;

static void tap_line(int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%sok - ", ok ? "" : "not ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	if (!ok)
		failures++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned roll(void);

static int tap_tx(struct netdev *d, const void *frame, size_t len)
{
	(void)d;
	if (tx_loss_pct && roll() < tx_loss_pct)
		return 0;                    /* "lost on the wire" */
	return write(tap_fd, frame, len) == (ssize_t)len ? 0 : -ENOBUFS;
}

/* ---- the echo services, run by the stack thread ---- */

#define MAXC 512
struct echo_conn {
	struct sock *s;
	char buf[65536];
	size_t len;
	int eof;
};
static struct echo_conn *conns[MAXC];
static struct sock *tcp_listener, *udp_sock;

static void services_step(void)
{
	struct sock *c;
	while (sock_accept(tcp_listener, &c, NULL) == 0) {
		int i = 0;
		while (i < MAXC && conns[i])
			i++;
		if (i == MAXC) {
			sock_close(c);
			continue;
		}
		conns[i] = calloc(1, sizeof(*conns[i]));
		conns[i]->s = c;
	}
	for (int i = 0; i < MAXC; i++) {
		struct echo_conn *e = conns[i];
		if (!e)
			continue;
		for (;;) {
			if (e->len > 0) {
				long k = sock_send(e->s, e->buf, e->len, 0);
				if (k > 0) {
					memmove(e->buf, e->buf + k, e->len - (size_t)k);
					e->len -= (size_t)k;
				}
				if (k <= 0 && k != -EAGAIN)
					e->eof = 1, e->len = 0;
			}
			if (e->eof || e->len == sizeof(e->buf))
				break;
			long k = sock_recv(e->s, e->buf + e->len, sizeof(e->buf) - e->len, 0);
			if (k == -EAGAIN)
				break;
			if (k <= 0)
				e->eof = 1;
			else
				e->len += (size_t)k;
		}
		if (e->eof && e->len == 0) {
			sock_close(e->s);
			free(e);
			conns[i] = NULL;
		}
	}
	static char buf[65536];
	struct net_addr from;
	struct net_iov v = { buf, sizeof(buf) };
	long n;
	while ((n = sock_recvmsg(udp_sock, &v, 1, &from, 0, NULL)) >= 0) {
		struct net_iov o = { buf, (size_t)n };
		sock_sendmsg(udp_sock, &o, 1, &from, 0);
	}
}

static unsigned rx_loss_pct, rx_dup_pct, rx_reorder_pct;

static unsigned roll(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) % 100;
}

static void *stack_thread(void *arg)
{
	(void)arg;
	static unsigned char frame[2048], held[2048];
	size_t held_len = 0;
	while (!stop) {
		struct pollfd p = { tap_fd, POLLIN, 0 };
		poll(&p, 1, 1);
		pthread_mutex_lock(&stk_lock);
		for (int i = 0; i < 256; i++) {
			ssize_t n = read(tap_fd, frame, sizeof(frame));
			if (n <= 0)
				break;
			if (rx_loss_pct && roll() < rx_loss_pct)
				continue;
			if (rx_reorder_pct && !held_len && roll() < rx_reorder_pct) {
				memcpy(held, frame, (size_t)n);   /* the next frame overtakes it */
				held_len = (size_t)n;
				continue;
			}
			net_input(&dev, frame, (size_t)n);
			if (rx_dup_pct && roll() < rx_dup_pct)
				net_input(&dev, frame, (size_t)n);
			if (held_len) {
				net_input(&dev, held, held_len);
				held_len = 0;
			}
		}
		if (held_len) {
			net_input(&dev, held, held_len);
			held_len = 0;
		}
		net_timer(stk, now_ms());
		services_step();
		pthread_mutex_unlock(&stk_lock);
	}
	return NULL;
}

static struct net_counters counters(void)
{
	pthread_mutex_lock(&stk_lock);
	struct net_counters c = *net_counters(stk);
	pthread_mutex_unlock(&stk_lock);
	return c;
}

/* ---- the Linux-side checks ---- */

static struct sockaddr_in peer_addr(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static uint16_t icmp_sum(const void *d, size_t n)
{
	const uint8_t *p = d;
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* The payload of ping (i): a pattern the reply must carry back. */
static void ping_payload(uint8_t *pkt, int i, size_t size)
{
	memset(pkt, 0, 8);
	pkt[0] = 8;
	pkt[4] = 0x12;
	pkt[5] = 0x34;
	pkt[6] = (uint8_t)(i >> 8);
	pkt[7] = (uint8_t)i;
	for (size_t k = 8; k < size; k++)
		pkt[k] = (uint8_t)(k + (size_t)i);
	uint16_t c = icmp_sum(pkt, size);
	memcpy(pkt + 2, &c, 2);
}

/* Read replies until (want)'s comes or (ms) pass; every correct reply, late
 * ones too (a loaded host may delay one past the wait), is marked. */
static void ping_collect(int fd, int want, size_t size, uint8_t *seen, int count, int ms)
{
	static uint8_t r[9100], expect[9000];
	uint64_t end = now_ms() + (uint64_t)ms;
	while (now_ms() < end) {
		ssize_t n = recv(fd, r, sizeof(r), 0);
		if (n < 0)
			continue;                /* SO_RCVTIMEO: look at the clock again */
		size_t hl = (size_t)(r[0] & 15) * 4;
		if (n < (ssize_t)(hl + size) || r[hl] != 0 || r[hl + 4] != 0x12 || r[hl + 5] != 0x34)
			continue;
		int seq = r[hl + 6] << 8 | r[hl + 7];
		if (seq >= count)
			continue;
		ping_payload(expect, seq, size);
		if (memcmp(r + hl + 8, expect + 8, size - 8) == 0)
			seen[seq] = 1;
		if (seq == want)
			return;
	}
}

static void check_ping(const char *ip, int count, size_t size)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	set_timeouts(fd, 200);
	struct sockaddr_in a = peer_addr(ip, 0);
	static uint8_t pkt[9000], seen[1000];
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < count; i++) {
		ping_payload(pkt, i, size);
		sendto(fd, pkt, size, 0, (struct sockaddr *)&a, sizeof(a));
		ping_collect(fd, i, size, seen, count, 2000);
	}
	ping_collect(fd, -1, size, seen, count, 500);   /* stragglers */
	close(fd);
	int answered = 0;
	for (int i = 0; i < count; i++)
		answered += seen[i];
	tap_line(answered == count, "ping: %d of %d answered (%zu bytes)", answered, count, size);
}

static void check_udp_echo(const char *ip, int count, size_t min, size_t max)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	set_timeouts(fd, 200);
	struct sockaddr_in a = peer_addr(ip, 7);
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	int good = 0;
	for (int i = 0; i < count; i++) {
		static char out[65507], in[65507];
		size_t len = min + (size_t)(i * 37) % (max - min + 1);
		for (size_t k = 0; k < len; k++)
			out[k] = (char)(k ^ (size_t)i);
		send(fd, out, len, 0);
		/* Wait up to 2 s for this one; a late echo of an earlier one is
		 * skipped (UDP may lose, and a loaded host may be slow). */
		uint64_t end = now_ms() + 2000;
		while (now_ms() < end) {
			ssize_t n = recv(fd, in, sizeof(in), 0);
			if (n == (ssize_t)len && memcmp(in, out, len) == 0) {
				good++;
				break;
			}
		}
	}
	close(fd);
	tap_line(good == count, "udp echo: %d of %d datagrams (%zu..%zu bytes) intact", good, count,
		 min, max);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

/* Send (bytes) through the echo service and compare what comes back. */
static int tcp_echo(const char *ip, size_t bytes, double *secs)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	set_timeouts(fd, 20000);
	struct sockaddr_in a = peer_addr(ip, 7);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return 0;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	size_t sent = 0, got = 0;
	int ok = 1;
	uint64_t start = now_ms();
	static uint8_t buf[65536];
	while (got < bytes && now_ms() - start < 60000) {
		struct pollfd p = { fd, POLLIN | (sent < bytes ? POLLOUT : 0), 0 };
		poll(&p, 1, 100);
		if (sent < bytes && (p.revents & POLLOUT)) {
			size_t n = bytes - sent < sizeof(buf) ? bytes - sent : sizeof(buf);
			for (size_t k = 0; k < n; k++)
				buf[k] = pattern(sent + k);
			ssize_t k = send(fd, buf, n, 0);
			if (k > 0)
				sent += (size_t)k;
			if (sent == bytes)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & POLLIN) {
			ssize_t k = recv(fd, buf, sizeof(buf), 0);
			if (k <= 0)
				break;
			for (ssize_t j = 0; j < k; j++)
				if (buf[j] != pattern(got + (size_t)j))
					ok = 0;
			got += (size_t)k;
		}
	}
	if (secs)
		*secs = (double)(now_ms() - start) / 1000;
	close(fd);
	return ok && got == bytes;
}

static void check_refused(const char *ip)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	set_timeouts(fd, 3000);
	struct sockaddr_in a = peer_addr(ip, 9999);
	int rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	tap_line(rc < 0 && errno == ECONNREFUSED, "connect to a closed port: %s",
		 rc < 0 ? strerror(errno) : "connected?");
	close(fd);
}

static void check_many(const char *ip, int n)
{
	int fds[512], good = 0;
	struct sockaddr_in a = peer_addr(ip, 7);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		set_timeouts(fds[i], 5000);
		if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (int i = 0; i < n; i++) {
		char msg[32], in[32];
		int len = snprintf(msg, sizeof(msg), "hello %d", i);
		if (fds[i] < 0 || send(fds[i], msg, (size_t)len, 0) != len)
			continue;
		shutdown(fds[i], SHUT_WR);
		ssize_t k = recv(fds[i], in, sizeof(in), MSG_WAITALL);
		if (k == len && memcmp(in, msg, (size_t)len) == 0)
			good++;
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tap_line(good == n, "%d concurrent connections: %d echoed and closed", n, good);
}

/* Raw frames from the Linux side of the tap: each must be counted, none answered. */
static void check_malformed(const char *tapdev, const char *ip)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(tapdev),
				  .sll_halen = 6 };
	memcpy(ll.sll_addr, dev.mac, 6);
	struct net_counters before = counters();
	uint8_t f[128];
	memset(f, 0, sizeof(f));
	memcpy(f, dev.mac, 6);
	f[6] = 2;
	f[12] = 0x08;                              /* IPv4 */
	uint8_t *iph = f + 14;
	uint32_t dst;
	inet_pton(AF_INET, ip, &dst);
	int sent = 0;
	/* 1: a truncated IP header; 2: a bad IP checksum; 3: TCP with data
	 * offset past the end; 4: a TCP option of length zero (an option loop);
	 * 5: a UDP length beyond the packet. 2..5 carry valid IP checksums. */
	for (int k = 1; k <= 5; k++) {
		memset(iph, 0, 100);
		iph[0] = 0x45;
		iph[2] = 0;
		iph[3] = 60;
		iph[8] = 64;
		iph[9] = k == 5 ? 17 : 6;
		iph[12] = 10, iph[13] = 99, iph[14] = 0, iph[15] = 9;
		memcpy(iph + 16, &dst, 4);
		uint8_t *l4 = iph + 20;
		l4[0] = 0x30, l4[1] = 0x39, l4[2] = 0, l4[3] = 7;
		if (k == 3)
			l4[12] = 0xf0;
		if (k == 4) {
			l4[12] = 0x60;
			l4[13] = 0x02;
			l4[20] = 2;
			l4[21] = 0;
		}
		if (k == 5)
			l4[4] = 0x40;              /* UDP length 16384 */
		uint16_t c = icmp_sum(iph, 20);
		memcpy(iph + 10, &c, 2);
		if (k == 2)
			iph[10] ^= 0x55;
		size_t len = k == 1 ? 14 + 12 : 14 + 60;
		if (sendto(fd, f, len, 0, (struct sockaddr *)&ll, sizeof(ll)) == (ssize_t)len)
			sent++;
	}
	uint64_t dropped = 0;
	for (int waited = 0; waited < 40 && dropped < 5; waited++) {   /* up to 2 s */
		usleep(50000);
		struct net_counters after = counters();
		dropped = (after.ip_drop_hdr - before.ip_drop_hdr) +
			  (after.ip_drop_csum - before.ip_drop_csum) +
			  (after.tcp_drop_bad - before.tcp_drop_bad) +
			  (after.tcp_drop_csum - before.tcp_drop_csum) +
			  (after.udp_drop_bad - before.udp_drop_bad);
	}
	tap_line(sent == 5 && dropped == 5, "malformed frames: %d sent, %lu counted as dropped",
		 sent, (unsigned long)dropped);
	close(fd);
}

/* Everything above ran with (reach_ms) as the ARP reachable time; then TCP
 * echo under load for at least 8 reachable times more. No packet may have
 * waited for ARP or been dropped by it. */
static void check_arp(const char *ip, uint32_t reach_ms, uint64_t t0)
{
	uint64_t t1 = now_ms();
	int runs = 0, good = 0;
	while (runs < 100 && now_ms() - t1 < 8ull * reach_ms) {
		double secs;
		good += tcp_echo(ip, 4u << 20, &secs);
		runs++;
	}
	struct net_counters c = counters();
	uint64_t ms = now_ms() - t0;
	unsigned long lost = (unsigned long)(c.arp_queue_drop + c.arp_unresolved + c.arp_drop_nomem);
	tap_line(reach_ms && good == runs && ms > 8 * reach_ms && lost == 0 && c.arp_probe_fail == 0,
		 "arp: %.1f s with a %u ms reachable time (%d of %d 4 MiB echoes intact), "
		 "%lu packets lost to ARP, %lu probes, %lu entries given up", ms / 1000.0, reach_ms,
		 good, runs, lost, (unsigned long)c.arp_probe, (unsigned long)c.arp_probe_fail);
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[4], "basic") && strcmp(argv[4], "lossy"))) {
		fprintf(stderr, "usage: %s TAPDEV OUR_IP PEER_IP basic|lossy\n", argv[0]);
		return 2;
	}
	const char *tapdev = argv[1], *ip = argv[2];
	tap_fd = open("/dev/net/tun", O_RDWR);
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", tapdev);
	if (tap_fd < 0 || ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "net-interop: cannot open tap %s: %s\n", tapdev, strerror(errno));
		return 1;
	}
	fcntl(tap_fd, F_SETFL, O_NONBLOCK);
	dev.tx = tap_tx;
	const uint8_t mac[6] = { 0x02, 0x52, 0x4b, 0x00, 0x00, 0x02 };
	memcpy(dev.mac, mac, 6);
	dev.mtu = 1500;
	struct net_config cfg = { .netmask = 0xffffff00 };
	const char *reach = getenv("NET_ARP_REACHABLE_MS");   /* run past ARP expiry */
	if (reach)
		cfg.arp_reachable_ms = (uint32_t)strtoul(reach, NULL, 10);
	if (net_parse_ipv4(ip, strlen(ip), &cfg.ip) < 0) {
		fprintf(stderr, "net-interop: bad address %s\n", ip);
		return 2;
	}
	stk = net_stack_create(&dev, &cfg, now_ms());
	sock_socket(stk, NET_SOCK_STREAM, &tcp_listener);
	struct net_addr a7 = { 0, 7 };
	sock_bind(tcp_listener, &a7);
	sock_listen(tcp_listener, 256);
	sock_socket(stk, NET_SOCK_DGRAM, &udp_sock);
	sock_bind(udp_sock, &a7);
	pthread_t th;
	pthread_create(&th, NULL, stack_thread, NULL);
	uint64_t t0 = now_ms();

	if (!strcmp(argv[4], "basic")) {
		check_ping(ip, 200, 64);
		check_ping(ip, 20, 4000);
		check_udp_echo(ip, 1000, 1, 1472);
		check_udp_echo(ip, 100, 1473, 20000);
		double secs = 0;
		int ok = tcp_echo(ip, 8u << 20, &secs);
		tap_line(ok, "tcp echo: 8 MiB each way intact in %.2f s", secs);
		check_refused(ip);
		check_many(ip, 200);
		check_malformed(tapdev, ip);
		check_arp(ip, cfg.arp_reachable_ms, t0);
	} else {
		pthread_mutex_lock(&stk_lock);
		tx_loss_pct = rx_loss_pct = 5;
		rx_dup_pct = 1;
		rx_reorder_pct = 25;
		const char *imp = getenv("NET_IMPAIR");   /* "tx rx dup reorder" percentages */
		if (imp)
			sscanf(imp, "%u %u %u %u", &tx_loss_pct, &rx_loss_pct, &rx_dup_pct, &rx_reorder_pct);
		pthread_mutex_unlock(&stk_lock);
		double secs = 0;
		int ok = tcp_echo(ip, 4u << 20, &secs);
		struct net_counters c = counters();
		tap_line(ok, "lossy tcp echo: 4 MiB each way intact in %.2f s", secs);
		tap_line(c.tcp_retx > 0, "lossy: our stack retransmitted (tcp_retx=%lu fast=%lu rto=%lu)",
			 (unsigned long)c.tcp_retx, (unsigned long)c.tcp_fast_retx, (unsigned long)c.tcp_rto);
	}
	stop = 1;
	pthread_join(th, NULL);
	char line[4096];
	net_counters_format(stk, line, sizeof(line));
	printf("# %s\n", line);
	net_stack_destroy(stk);
	return failures ? 1 : 0;
}
