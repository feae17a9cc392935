/* netcheck — the host side of the refkernel's network tests, run inside the
 * test's namespace against a guest echo server. Every mode is bounded by a
 * deadline and prints one result line; exit 0 only when every byte checked.
 *   netcheck udp  HOST PORT COUNT      COUNT datagrams of mixed sizes, each echoed
 *   netcheck tcp  HOST PORT BYTES      BYTES through one connection both ways, sha256 compared
 *   netcheck conns HOST PORT N         N connections open at once, each echoed, then closed
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

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: netcheck udp|tcp|conns HOST PORT N\n");
		return 2;
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
	fprintf(stderr, "netcheck: unknown mode %s\n", argv[1]);
	return 2;
}
