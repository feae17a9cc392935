/* echo_client: test client for the echo workload. Sends --count messages of
 * --size bytes (a per-message pattern) over TCP or UDP to 127.0.0.1:--port,
 * checks every echoed byte, and prints latency results. Exit 0 only if every
 * reply matched; every wait is bounded by --timeout-ms. */
#include "ukb.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static long timeout_ms = 3000;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Writes out[0..n) and reads n bytes into in, interleaved (so a reply
 * larger than the socket buffers cannot deadlock). */
static int xfer(int fd, const char *out, char *in, size_t n)
{
	size_t sent = 0, got = 0;
	uint64_t deadline = ukb_now_ms() + timeout_ms;

	while (got < n) {
		struct pollfd p = { fd, POLLIN | (sent < n ? POLLOUT : 0), 0 };
		int left = (int)(deadline - ukb_now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			fprintf(stderr, "echo_client: timeout (sent %zu, got %zu of %zu)\n", sent, got, n);
			return -1;
		}
		if ((p.revents & POLLOUT) && sent < n) {
			ssize_t w = send(fd, out + sent, n - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno != EAGAIN)
				return perror("send"), -1;
			if (w > 0)
				sent += w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in + got, n - got, MSG_DONTWAIT);
			if (r == 0) {
				fprintf(stderr, "echo_client: server closed after %zu of %zu bytes\n", got, n);
				return -1;
			}
			if (r < 0 && errno != EAGAIN)
				return perror("recv"), -1;
			if (r > 0)
				got += r;
		}
	}
	return 0;
}

static int udp_xfer(int fd, const char *out, char *in, size_t n)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		if (send(fd, out, n, 0) != (ssize_t)n)
			return perror("send"), -1;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, timeout_ms) <= 0)
			continue;
		ssize_t r = recv(fd, in, n + 1, 0);
		if (r == (ssize_t)n)
			return 0;
		fprintf(stderr, "echo_client: datagram of %zd bytes, want %zu\n", r, n);
		return -1;
	}
	fprintf(stderr, "echo_client: no UDP reply after 3 tries\n");
	return -1;
}

int main(int argc, char **argv)
{
	long port = 0, count = 1000;
	size_t size = 64;
	const char *proto = "tcp";
	struct ukb_opt opts[] = {
		{ "port", UKB_OPT_INT, &port, 1, 65535, "server port on 127.0.0.1" },
		{ "proto", UKB_OPT_STR, &proto, 0, 0, "tcp or udp" },
		{ "count", UKB_OPT_INT, &count, 1, 10000000, "messages" },
		{ "size", UKB_OPT_SIZE, &size, 1, 1 << 26, "bytes per message" },
		{ "timeout-ms", UKB_OPT_INT, &timeout_ms, 1, 600000, "per-message timeout" },
	};
	ukb_args_parse(argc, argv, "echo_client", "--port P [options]", opts, 5);
	int udp = !strcmp(proto, "udp");
	if (!port || (!udp && strcmp(proto, "tcp"))) {
		fprintf(stderr, "echo_client: need --port and --proto tcp|udp\n");
		return 2;
	}
	if (udp && size > 65507) {
		fprintf(stderr, "echo_client: UDP size > 65507\n");
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("connect"), 1;
	ukb_tune_conn(fd);
	char *out = malloc(size), *in = malloc(size + 1);
	uint64_t *lat = malloc(count * sizeof(*lat));
	if (!out || !in || !lat)
		return perror("malloc"), 1;
	for (long i = 0; i < count; i++) {
		for (size_t k = 0; k < size; k++)
			out[k] = (char)(i * 7 + k * 13);
		uint64_t t0 = ukb_now_ns();
		if ((udp ? udp_xfer : xfer)(fd, out, in, size) < 0) {
			fprintf(stderr, "echo_client: message %ld failed\n", i);
			return 1;
		}
		lat[i] = ukb_now_ns() - t0;
		if (memcmp(in, out, size)) {
			fprintf(stderr, "echo_client: message %ld came back different\n", i);
			return 1;
		}
	}
	qsort(lat, count, sizeof(*lat), cmp_u64);
	const char *name = udp ? "echo_udp" : "echo_tcp";
	ukb_result(name, "lat_p50_us", lat[count / 2] / 1e3);
	ukb_result(name, "lat_p99_us", lat[count * 99 / 100] / 1e3);
	ukb_result(name, "messages", (double)count);
	close(fd);
	return 0;
}
