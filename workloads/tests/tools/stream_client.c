/* stream_client: test client for the stream workload. --mode send writes
 * --bytes of the i%251 pattern to a sink and closes; --mode recv reads from
 * a source until EOF (or, with --partial, reads --bytes and closes) and
 * checks the pattern and the byte count. Prints
 * bytes and gbit_per_s; exit 0 only on an exact match. Bounded by
 * --timeout-ms overall. */
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

#define PERIOD 251
#define CHUNK (PERIOD * 256)

int main(int argc, char **argv)
{
	long port = 0, timeout_ms = 20000;
	size_t bytes = 1 << 20;
	const char *mode = "send";
	int partial = 0;
	struct ukb_opt opts[] = {
		{ "port", UKB_OPT_INT, &port, 1, 65535, "server port on 127.0.0.1" },
		{ "mode", UKB_OPT_STR, &mode, 0, 0, "send (to a sink) or recv (from a source)" },
		{ "bytes", UKB_OPT_SIZE, &bytes, 0, 1LL << 40, "bytes to send / expected" },
		{ "timeout-ms", UKB_OPT_INT, &timeout_ms, 1, 600000, "overall timeout" },
		{ "partial", UKB_OPT_FLAG, &partial, 0, 0, "recv: close after --bytes instead of reading to EOF" },
	};
	ukb_args_parse(argc, argv, "stream_client", "--port P [options]", opts, 5);
	int recv_mode = !strcmp(mode, "recv");
	if (!port || (!recv_mode && strcmp(mode, "send")))
		return fprintf(stderr, "stream_client: need --port and --mode send|recv\n"), 2;

	unsigned char *pat = malloc(CHUNK + PERIOD), *buf = malloc(CHUNK);
	for (size_t i = 0; i < CHUNK + PERIOD; i++)
		pat[i] = i % PERIOD;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("connect"), 1;
	ukb_set_nonblock(fd);

	uint64_t t0 = ukb_now_ns(), deadline = ukb_now_ms() + timeout_ms;
	size_t done = 0;
	int eof = 0;
	while (recv_mode ? !eof && !(partial && done >= bytes) : done < bytes) {
		struct pollfd p = { fd, recv_mode ? POLLIN : POLLOUT, 0 };
		int left = (int)(deadline - ukb_now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return fprintf(stderr, "stream_client: timeout after %zu bytes\n", done), 1;
		if (recv_mode) {
			size_t want = partial && bytes - done < CHUNK ? bytes - done : CHUNK;
			ssize_t r = recv(fd, buf, want, 0);
			if (r == 0)
				eof = 1;
			else if (r < 0 && errno != EAGAIN)
				return perror("recv"), 1;
			else if (r > 0) {
				if (memcmp(buf, pat + done % PERIOD, r))
					return fprintf(stderr, "stream_client: pattern mismatch near byte %zu\n", done), 1;
				done += r;
			}
		} else {
			size_t n = bytes - done < CHUNK ? bytes - done : CHUNK;
			ssize_t w = send(fd, pat + done % PERIOD, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				return perror("send"), 1;
			if (w > 0)
				done += w;
		}
	}
	double s = (ukb_now_ns() - t0) / 1e9;
	if (!recv_mode) {
		/* Half-close and wait for the sink to close: it has read it all. */
		shutdown(fd, SHUT_WR);
		for (;;) {
			struct pollfd p = { fd, POLLIN, 0 };
			int left = (int)(deadline - ukb_now_ms());
			if (left <= 0 || poll(&p, 1, left) <= 0)
				return fprintf(stderr, "stream_client: sink did not close\n"), 1;
			ssize_t r = recv(fd, buf, CHUNK, 0);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				break;
		}
		s = (ukb_now_ns() - t0) / 1e9;
	}
	ukb_result(recv_mode ? "stream_client_recv" : "stream_client_send", "bytes", (double)done);
	ukb_result(recv_mode ? "stream_client_recv" : "stream_client_send", "gbit_per_s", done * 8 / s / 1e9);
	if (recv_mode && done != bytes)
		return fprintf(stderr, "stream_client: got %zu bytes, want %zu\n", done, bytes), 1;
	close(fd);
	return 0;
}
