/* rawtcp: sends bytes to 127.0.0.1:--port and prints what comes back, for
 * protocol tests in shell. --data is C-escaped (\r \n \t \\ \xHH), repeated
 * --repeat times (then --pad filler bytes), sent in --chunk-byte pieces --delay-ms apart (slow
 * clients). Reads until the peer closes (exit 0), nothing arrives for
 * --idle-ms (exit 3), or --max-ms passes (exit 3). Errors exit 1. */
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

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[n++] = '\r'; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 'x': {
			char h[3] = { s[1], s[1] ? s[2] : 0, 0 };
			out[n++] = (char)strtol(h, NULL, 16);
			s += 1 + strlen(h);
			break;
		}
		default: out[n++] = *s++;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	long port = 0, repeat = 1, chunk = 0, delay_ms = 0, idle_ms = 2000, max_ms = 10000, pad = 0;
	const char *data = "";
	struct ukb_opt opts[] = {
		{ "port", UKB_OPT_INT, &port, 1, 65535, "server port on 127.0.0.1" },
		{ "data", UKB_OPT_STR, &data, 0, 0, "bytes to send, C-escaped" },
		{ "repeat", UKB_OPT_INT, &repeat, 0, 10000000, "send data this many times" },
		{ "chunk", UKB_OPT_INT, &chunk, 0, 1 << 30, "send in pieces of this size (0 = all)" },
		{ "delay-ms", UKB_OPT_INT, &delay_ms, 0, 60000, "pause between pieces" },
		{ "idle-ms", UKB_OPT_INT, &idle_ms, 1, 600000, "give up after this long without data" },
		{ "max-ms", UKB_OPT_INT, &max_ms, 1, 600000, "give up after this long in all" },
		{ "pad", UKB_OPT_INT, &pad, 0, 1 << 30, "append this many 'j' bytes after the data" },
	};
	ukb_args_parse(argc, argv, "rawtcp", "--port P --data D [options]", opts, 8);
	if (!port)
		return fprintf(stderr, "rawtcp: need --port\n"), 2;

	size_t one = strlen(data);
	char *tmp = malloc(one + 1);
	size_t n1 = unescape(data, tmp), len = n1 * repeat + pad;
	char *msg = malloc(len + 1), buf[65536];
	for (long i = 0; i < repeat; i++)
		memcpy(msg + i * n1, tmp, n1);
	memset(msg + n1 * repeat, 'j', pad);
	if (!chunk)
		chunk = len ? len : 1;

	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("rawtcp: connect"), 1;
	ukb_set_nonblock(fd);

	uint64_t t0 = ukb_now_ms(), last_rx = t0, next_tx = t0;
	size_t sent = 0;
	for (;;) {
		uint64_t now = ukb_now_ms();
		if (now - t0 >= (uint64_t)max_ms || (sent == len && now - last_rx >= (uint64_t)idle_ms))
			return 3;
		if (sent < len && now >= next_tx) {
			size_t k = len - sent < (size_t)chunk ? len - sent : (size_t)chunk;
			ssize_t w = send(fd, msg + sent, k, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN) {
				/* the server may close on us mid-send: report what came */
				sent = len;
			} else if (w > 0) {
				sent += w;
				next_tx = now + delay_ms;
				if (sent == len)
					last_rx = now;  /* idle timer starts after sending */
			}
		}
		struct pollfd p = { fd, POLLIN, 0 };
		int wait = sent < len ? (int)(next_tx > now ? next_tx - now : 0) : 50;
		if (wait > 50)
			wait = 50;
		if (poll(&p, 1, wait) > 0) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r == 0)
				return 0;
			if (r < 0 && errno == ECONNRESET)
				return 0;
			if (r < 0 && errno != EAGAIN)
				return perror("rawtcp: recv"), 1;
			if (r > 0) {
				fwrite(buf, 1, r, stdout);
				fflush(stdout);
				last_rx = ukb_now_ms();
			}
		}
	}
}
