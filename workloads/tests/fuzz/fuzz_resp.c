/* fuzz_resp.c: libFuzzer target for kvstore/resp.c. Parses the input as a
 * pipeline of commands whole and in pieces (sizes from the first byte) and
 * aborts if the results differ or an argument leaves its command. Built by
 * `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "resp.h"

#define MAXCMD 64

struct outcome { int r, argc; size_t sum; };

static int run(char *buf, size_t len, size_t step, struct outcome *out)
{
	struct resp_parser p;
	size_t off = 0;
	int n = 0;

	resp_init(&p, 4096, 1024, 1024);
	while (n < MAXCMD && off < len) {
		int r = RESP_MORE;
		size_t avail = step ? 0 : len - off;
		for (;;) {
			if (step)
				avail = avail + step > len - off ? len - off : avail + step;
			r = resp_parse(&p, buf + off, avail);
			if (r != RESP_MORE || avail == len - off)
				break;
		}
		out[n].r = r;
		out[n].argc = r > 0 ? p.argc : 0;
		out[n].sum = 0;
		for (int i = 0; r > 0 && i < p.argc; i++) {
			if (p.argv[i].off + p.argv[i].len > (size_t)r)
				abort();
			for (size_t k = 0; k < p.argv[i].len; k++)
				out[n].sum = out[n].sum * 31 + (uint8_t)buf[off + p.argv[i].off + k];
		}
		n++;
		if (r <= 0)
			break;
		off += r;
		resp_reset(&p);
	}
	resp_free(&p);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a[MAXCMD], b[MAXCMD];
	char *x, *y;
	int na, nb;

	if (size < 1)
		return 0;
	x = malloc(size);
	y = malloc(size);
	memcpy(x, data + 1, size - 1);
	memcpy(y, data + 1, size - 1);
	na = run(x, size - 1, 0, a);
	nb = run(y, size - 1, 1 + data[0] % 7, b);
	if (na != nb)
		abort();
	for (int i = 0; i < na; i++)
		if (a[i].r != b[i].r || a[i].argc != b[i].argc || a[i].sum != b[i].sum)
			abort();
	free(x);
	free(y);
	return 0;
}
