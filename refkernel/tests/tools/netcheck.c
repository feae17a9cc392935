/* netcheck — the host side of the refkernel's network tests, run inside the
 * test's namespace against a guest echo server. Every mode is bounded by a
 * deadline and prints one result line; exit 0 only when every byte checked.
 *   netcheck udp  HOST PORT COUNT      COUNT datagrams of mixed sizes, each echoed
 *   netcheck tcp  HOST PORT BYTES      BYTES through one connection both ways, sha256 compared
 *   netcheck conns HOST PORT N         N connections open at once, each echoed, then closed
 *   netcheck send HOST PORT BYTES      BYTES of a pattern to a sink; prints their sha256
 *   netcheck refused HOST PORT 0       a connect to a closed port must be refused (RST)
 *   netcheck synflood HOST PORT N      N bare SYNs from random ports in one burst (raw socket)
 *   netcheck rtt HOST PORT N           N 64-byte echoes 5 ms apart on one connection: p50/p99/max
 *   netcheck badframes IFACE DSTIP N   malformed frames out of IFACE (packet socket), N rounds
 *   netcheck arpwatch IFACE SRCIP S    for S seconds, count the ARP packets SRCIP sends
 *                                      (broadcast requests, unicast requests, replies)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>
#include "sha256.h"

static struct sockaddr_in peer;
static double deadline;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("netcheck: FAIL %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
	return 1;
}

static int udp(long count)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char out[1472], in[2048];
	long lost = 0;
	if (fd < 0 || connect(fd, (void *)&peer, sizeof(peer)))
		return fail("udp socket");
	for (long i = 0; i < count; i++) {
		size_t len = 1 + (size_t)(i * 7919) % sizeof(out);
		for (size_t k = 0; k < len; k++)
			out[k] = (char)(i + k);
		int ok = 0;
		for (int attempt = 0; attempt < 3 && !ok; attempt++) {
			if (send(fd, out, len, 0) != (ssize_t)len)
				return fail("udp send");
			struct pollfd p = { fd, POLLIN, 0 };
			while (!ok && poll(&p, 1, 1000) == 1) {
				ssize_t r = recv(fd, in, sizeof(in), 0);
				ok = r == (ssize_t)len && memcmp(in, out, len) == 0;
			}
			lost += !ok;
		}
		if (!ok || now() > deadline) {
			errno = 0;
			printf("netcheck: FAIL udp datagram %ld of %zu bytes not echoed\n", i, len);
			return 1;
		}
	}
	printf("netcheck: udp %ld datagrams echoed, %ld resent\n", count, lost);
	return 0;
}

static int tcp(long bytes)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (void *)&peer, sizeof(peer)))
		return fail("tcp connect");
	uint8_t *out = malloc(bytes), *in = malloc(bytes);
	if (!out || !in)
		return fail("malloc");
	uint64_t x = 88172645463325252ULL;
	for (long i = 0; i < bytes; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		out[i] = (uint8_t)x;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	long sent = 0, got = 0;
	double t0 = now();
	while (got < bytes) {
		struct pollfd p = { fd, POLLIN | (sent < bytes ? POLLOUT : 0), 0 };
		if (poll(&p, 1, 1000) < 0 || now() > deadline) {
			errno = 0;
			printf("netcheck: FAIL tcp stalled: sent %ld, received %ld of %ld\n", sent, got, bytes);
			return 1;
		}
		if ((p.revents & POLLOUT) && sent < bytes) {
			ssize_t w = send(fd, out + sent, (size_t)(bytes - sent < 65536 ? bytes - sent : 65536), MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				return fail("tcp send");
			if (w > 0)
				sent += w;
			if (sent == bytes)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in + got, (size_t)(bytes - got), 0);
			if (r == 0)
				break;
			if (r < 0 && errno != EAGAIN)
				return fail("tcp recv");
			if (r > 0)
				got += r;
		}
	}
	double secs = now() - t0;
	uint8_t h1[32], h2[32];
	char s1[65], s2[65];
	sha256(out, (size_t)bytes, h1);
	sha256(in, (size_t)got, h2);
	sha256_hex(h1, s1);
	sha256_hex(h2, s2);
	close(fd);
	if (got != bytes || memcmp(h1, h2, 32)) {
		errno = 0;
		printf("netcheck: FAIL tcp echoed %ld of %ld bytes, sha256 sent %s received %s\n", got, bytes, s1, s2);
		return 1;
	}
	printf("netcheck: tcp %ld bytes each way in %.2f s (%.1f Mbit/s each way), sha256 %s both ends\n",
	       bytes, secs, bytes * 8 / secs / 1e6, s1);
	return 0;
}

static int conns(int n)
{
	struct rlimit rl = { (rlim_t)n + 64, (rlim_t)n + 64 };
	setrlimit(RLIMIT_NOFILE, &rl);
	int *fds = calloc((size_t)n, sizeof(int)), open_ok = 0, echoed = 0;
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (void *)&peer, sizeof(peer)))
			return fail("connect");
		open_ok++;
	}
	for (int i = 0; i < n; i++) {
		char msg[32], buf[32];
		int len = snprintf(msg, sizeof(msg), "conn %d\n", i);
		if (send(fds[i], msg, (size_t)len, MSG_NOSIGNAL) != len)
			return fail("send");
		struct pollfd p = { fds[i], POLLIN, 0 };
		if (poll(&p, 1, 10000) != 1 || recv(fds[i], buf, sizeof(buf), 0) != len || memcmp(buf, msg, (size_t)len)) {
			errno = 0;
			printf("netcheck: FAIL connection %d of %d not echoed\n", i, n);
			return 1;
		}
		echoed++;
		if (now() > deadline)
			return fail("deadline");
	}
	int clean = 0;
	for (int i = 0; i < n; i++) {
		char b;
		shutdown(fds[i], SHUT_WR);
		struct pollfd p = { fds[i], POLLIN, 0 };
		if (poll(&p, 1, 10000) == 1 && recv(fds[i], &b, 1, 0) == 0)
			clean++; /* the server saw our FIN and closed its side */
		close(fds[i]);
	}
	printf("netcheck: %d connections open at once, %d echoed, %d closed cleanly\n", open_ok, echoed, clean);
	return clean == n ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* (n) round trips of 64 bytes on one TCP connection, 5 ms apart (so a
 * compute-bound thread beside the server holds the CPU when each arrives);
 * prints the latency quantiles. Fails only when an echo is lost or wrong. */
static int rtt(int n)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	double *lat = calloc((size_t)n, sizeof(double));
	if (!lat || fd < 0 || connect(fd, (void *)&peer, sizeof(peer)))
		return fail("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int i = 0; i < n; i++) {
		char msg[64], buf[64];
		memset(msg, 'a' + i % 26, sizeof(msg));
		double t0 = now();
		if (send(fd, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t)sizeof(msg))
			return fail("send");
		size_t got = 0;
		while (got < sizeof(buf)) {
			struct pollfd p = { fd, POLLIN, 0 };
			ssize_t r = poll(&p, 1, 10000) == 1 ? recv(fd, buf + got, sizeof(buf) - got, 0) : -1;
			if (r <= 0)
				return fail("echo not received in 10 s");
			got += (size_t)r;
		}
		lat[i] = (now() - t0) * 1e6;
		if (memcmp(buf, msg, sizeof(msg))) {
			errno = 0;
			return fail("echo differs");
		}
		usleep(5000);
	}
	close(fd);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("netcheck: rtt %d round trips p50 %.0f us p99 %.0f us max %.0f us\n", n, lat[n / 2],
	       lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], lat[n - 1]);
	return 0;
}

static uint8_t *pattern(long bytes)
{
	uint8_t *out = malloc((size_t)bytes);
	uint64_t x = 88172645463325252ULL;
	for (long i = 0; out && i < bytes; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		out[i] = (uint8_t)x;
	}
	return out;
}

static int sendbytes(long bytes)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint8_t *out = pattern(bytes), h[32];
	char hex[65];
	if (!out || fd < 0 || connect(fd, (void *)&peer, sizeof(peer)))
		return fail("connect");
	double t0 = now();
	for (long sent = 0; sent < bytes;) {
		ssize_t w = send(fd, out + sent, (size_t)(bytes - sent), MSG_NOSIGNAL);
		if (w <= 0 || now() > deadline)
			return fail("send");
		sent += w;
	}
	close(fd);
	sha256(out, (size_t)bytes, h);
	sha256_hex(h, hex);
	printf("netcheck: sent %ld bytes in %.2f s, sha256 %s\n", bytes, now() - t0, hex);
	return 0;
}

static int refused(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int r = connect(fd, (void *)&peer, sizeof(peer));
	if (r == 0 || errno != ECONNREFUSED)
		return fail("connect to a closed port was not refused");
	printf("netcheck: connect to a closed port refused (RST)\n");
	return 0;
}

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP checksum over the pseudo-header (RFC 9293 §3.1) and (tcp, len). */
static uint16_t tcp_csum(uint32_t src, uint32_t dst, const void *tcp, size_t len)
{
	uint8_t ph[12];
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0; ph[9] = IPPROTO_TCP; ph[10] = (uint8_t)(len >> 8); ph[11] = (uint8_t)len;
	uint32_t sum = (uint16_t)~csum(ph, 12, 0);
	return csum(tcp, len, sum);
}

static int synflood(int n)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0)
		return fail("raw socket");
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	int probe = socket(AF_INET, SOCK_DGRAM, 0);
	connect(probe, (void *)&peer, sizeof(peer));
	getsockname(probe, (void *)&me, &ml);
	close(probe);
	double t0 = now();
	for (int i = 0; i < n && now() < deadline; i++) {
		struct tcphdr t = { 0 };
		t.source = htons((uint16_t)(20000 + i % 40000));
		t.dest = peer.sin_port;
		t.seq = htonl((uint32_t)i * 2654435761u);
		t.doff = 5;
		t.syn = 1;
		t.window = htons(65535);
		t.check = htons(tcp_csum(me.sin_addr.s_addr, peer.sin_addr.s_addr, &t, sizeof(t)));
		if (sendto(fd, &t, sizeof(t), 0, (void *)&peer, sizeof(peer)) < 0)
			return fail("sendto");
	}
	printf("netcheck: %d SYNs sent in %.2f s\n", n, now() - t0);
	close(fd);
	return 0;
}

/* Frames a peer must never be able to hurt the stack with, each aimed at
 * one validation step, broadcast so no ARP is needed. */
static int badframes(const char *ifname, int rounds)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname), .sll_halen = 6 };
	if (fd < 0 || !to.sll_ifindex)
		return fail("packet socket");
	memset(to.sll_addr, 0xff, 6);
	uint32_t src = htonl(0x0a4d0001), dst = peer.sin_addr.s_addr;
	int sent = 0;
	for (int r = 0; r < rounds; r++) {
		for (int kind = 0; kind < 8; kind++) {
			uint8_t f[1514] = { 0 };
			size_t len = 14 + 20 + 20;
			memset(f, 0xff, 6);
			memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
			f[12] = 0x08; f[13] = 0x00;
			struct iphdr *ip = (void *)(f + 14);
			ip->version = 4; ip->ihl = 5; ip->ttl = 64; ip->protocol = IPPROTO_TCP;
			ip->saddr = src; ip->daddr = dst;
			struct tcphdr *t = (void *)(f + 34);
			t->source = htons(1234); t->dest = htons(9000); t->doff = 5; t->ack = 1;
			switch (kind) {
			case 0: len = 14; break;                                  /* an Ethernet header, no IP */
			case 1: ip->ihl = 3; break;                               /* header length < 20 */
			case 2: break;                                            /* bad IP checksum (below) */
			case 3: t->check = 0x1234; break;                         /* bad TCP checksum */
			case 4: t->doff = 15; break;                              /* options past the segment */
			case 5: t->doff = 6; f[54] = 3; f[55] = 0; len += 4; break;   /* option of length 0: a loop */
			case 6: ip->frag_off = htons(0x2000); break;              /* a fragment (MF) */
			case 7: ip->version = 6; break;                           /* not IPv4 */
			}
			ip->tot_len = htons((uint16_t)(len - 14));
			if (kind != 3 && kind != 0)
				t->check = htons(tcp_csum(src, dst, t, len - 34));
			if (kind != 2)
				ip->check = htons(csum(ip, 20, 0));
			if (sendto(fd, f, kind == 0 || len >= 60 ? len : 60, 0, (void *)&to, sizeof(to)) >= 0)
				sent++;
		}
	}
	printf("netcheck: %d malformed frames sent\n", sent);
	close(fd);
	return 0;
}

static int arpwatch(const char *ifname, uint32_t src, double secs)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = (int)if_nametoindex(ifname) };
	if (fd < 0 || !at.sll_ifindex || bind(fd, (void *)&at, sizeof(at)) < 0)
		return fail("packet socket");
	long bcast = 0, ucast = 0, replies = 0;
	double end = now() + secs;
	while (now() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		uint8_t f[128];
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, f, sizeof(f), 0, (void *)&from, &fl);
		uint32_t spa;
		if (n < 42 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		memcpy(&spa, f + 28, 4);
		if (spa != src)
			continue;
		if (f[20] == 0 && f[21] == 2)
			replies++;
		else if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6))
			bcast++;
		else
			ucast++;
	}
	printf("netcheck: arp in %.0f s: %ld broadcast requests, %ld unicast requests, %ld replies\n",
	       secs, bcast, ucast, replies);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: netcheck udp|tcp|conns|send|refused|synflood|rtt HOST PORT N\n"
				"       netcheck badframes IFACE DSTIP ROUNDS\n"
				"       netcheck arpwatch IFACE SRCIP SECONDS\n");
		return 2;
	}
	deadline = now() + 240;
	if (!strcmp(argv[1], "badframes")) {
		peer.sin_family = AF_INET;
		if (inet_pton(AF_INET, argv[3], &peer.sin_addr) != 1)
			return 2;
		return badframes(argv[2], atoi(argv[4]));
	}
	if (!strcmp(argv[1], "arpwatch")) {
		uint32_t src;
		if (inet_pton(AF_INET, argv[3], &src) != 1 || atof(argv[4]) <= 0 || atof(argv[4]) > 200) {
			fprintf(stderr, "netcheck: arpwatch IFACE SRCIP SECONDS (1..200)\n");
			return 2;
		}
		return arpwatch(argv[2], src, atof(argv[4]));
	}
	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &peer.sin_addr) != 1) {
		fprintf(stderr, "netcheck: bad address %s\n", argv[2]);
		return 2;
	}
	long n = atol(argv[4]);
	deadline = now() + 240;
	if (!strcmp(argv[1], "udp"))
		return udp(n);
	if (!strcmp(argv[1], "tcp"))
		return tcp(n);
	if (!strcmp(argv[1], "conns"))
		return conns((int)n);
	if (!strcmp(argv[1], "send"))
		return sendbytes(n);
	if (!strcmp(argv[1], "refused"))
		return refused();
	if (!strcmp(argv[1], "synflood"))
		return synflood((int)n);
	if (!strcmp(argv[1], "rtt") && n > 0 && n <= 100000)
		return rtt((int)n);
	fprintf(stderr, "netcheck: unknown mode %s\n", argv[1]);
	return 2;
}
