/* fuzz_http.c: libFuzzer target for httpd/http_parse.c. Parses the input as
 * a pipeline of requests twice, whole and in pieces (sizes taken from the
 * first byte), and aborts if the two disagree or an offset leaves the
 * buffer. Built by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http_parse.h"

struct outcome { int r; struct http_req q; };

static int run(const char *buf, size_t len, size_t step, struct outcome *out, int max)
{
	struct http_parser p;
	size_t off = 0;
	int n = 0;

	http_parser_init(&p, 1024, 16);
	while (n < max && off < len) {
		int r = HTTP_MORE;
		size_t avail = step ? 0 : len - off;
		for (;;) {
			if (step)
				avail = avail + step > len - off ? len - off : avail + step;
			r = http_parse(&p, buf + off, avail);
			if (r != HTTP_MORE || avail == len - off)
				break;
		}
		out[n].r = r;
		out[n].q = p.req;
		n++;
		if (r <= 0)
			break;
		if (p.req.path_off + p.req.path_len > (size_t)r || p.req.target_off + p.req.target_len > (size_t)r)
			abort();
		off += r;
		http_parser_reset(&p);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a[64], b[64];
	size_t step;
	int na, nb;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 7;
	na = run((const char *)data + 1, size - 1, 0, a, 64);
	nb = run((const char *)data + 1, size - 1, step, b, 64);
	if (na != nb)
		abort();
	for (int i = 0; i < na; i++) {
		if (a[i].r != b[i].r)
			abort();
		if (a[i].r > 0 && (a[i].q.path_off != b[i].q.path_off || a[i].q.path_len != b[i].q.path_len ||
				   a[i].q.keep_alive != b[i].q.keep_alive ||
				   a[i].q.content_length != b[i].q.content_length))
			abort();
	}
	return 0;
}
