/* fuzz_api.c — libFuzzer on the REST API's connection engine (api/): the
 * input is what a client sends, delivered in pieces whose sizes come from
 * the input's first byte, as the kernel's receive loop would hand it over.
 * Every response must be one whole HTTP/1.1 message whose Content-Length
 * is its body's (HEAD: none), within API_OUT_MAX; an error closes.
 * With -DFUZZ_SEEDS_MAIN it writes seed requests into a directory. */
#define _GNU_SOURCE   /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#ifndef FUZZ_SEEDS_MAIN
static uint64_t f_uptime(void *ctx) { (void)ctx; return 987654321; }
static void f_memory(void *ctx, struct api_mem *m)
{
	(void)ctx;
	*m = (struct api_mem){ 64 << 20, 40 << 20, 1 << 20, 2 << 20, 1 << 20, 3 << 20, 18 << 20 };
}
static void f_threads(void *ctx, api_thread_fn emit, void *arg)
{
	(void)ctx;
	struct api_thread t[] = { { 1, "app<", "running", "", false, 5 }, { 2, "api", "blocked", "event", true, 7 } };
	emit(arg, &t[0]);
	emit(arg, &t[1]);
}
static void f_counters(void *ctx, api_counter_fn emit, void *arg)
{
	(void)ctx;
	emit(arg, "syscalls", NULL, 1);
	emit(arg, "clock", "tsc\"", 0);
}
#define MIN3(a, b, c) ((a) < (b) ? ((a) < (c) ? (a) : (c)) : ((b) < (c) ? (b) : (c)))
static const struct api_ops ops = { "refkernel", "fuzz", f_uptime, f_memory, f_threads, f_counters, NULL };

static void check(const struct api_conn *c, bool head_req)
{
	if (c->out_len > API_OUT_MAX || c->out_len < 12 || memcmp(c->out, "HTTP/1.1 ", 9))
		abort();
	const char *end = memmem(c->out, c->out_len, "\r\n\r\n", 4);
	const char *cl = memmem(c->out, c->out_len, "Content-Length: ", 16);
	if (!end || !cl || cl > end)
		abort();
	size_t body = c->out_len - (size_t)(end + 4 - c->out);
	size_t said = strtoul(cl + 16, NULL, 10);
	if (body != said && !(head_req && body == 0))
		abort();
	if (c->out[9] != '2' && !c->closing)
		abort();   /* every error response closes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct api_conn c;
	if (len == 0)
		return 0;
	size_t piece = (size_t)data[0] % 64 + 1, off = 1;
	api_conn_init(&c);
	while (!c.closing && (off < len || c.in_len)) {
		size_t room = API_HEAD_MAX - c.in_len, n = MIN3(piece, room, len - off);
		memcpy(c.in + c.in_len, data + off, n);
		c.in_len += n;
		off += n;
		bool head_req = c.in_len >= 4 && !memcmp(c.in, "HEAD", 4);
		if (api_conn_step(&c, &ops)) {
			check(&c, head_req);
			c.out_off = c.out_len;   /* sent */
		} else if (n == 0) {
			break;   /* nothing new and no response: the client would wait */
		}
		if (c.in_len > API_HEAD_MAX)
			abort();
	}
	return 0;
}
#else
static const char *seeds[] = {
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /os/memory HTTP/1.1\r\nHost: a\r\n\r\nGET /os/threads HTTP/1.1\r\nHost: a\r\n\r\n",
	"HEAD /os/counters HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"GET /os/version?x=1 HTTP/1.1\nHost: a\nConnection: close\n\n",
	"POST /os/uptime HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
	"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET /os/uptime HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/seed%zu", argv[1], i);
		FILE *f = fopen(path, "wb");
		if (!f) {
			perror(path);
			return 1;
		}
		fputc((int)(i * 13), f);   /* the piece size */
		fputs(seeds[i], f);
		fclose(f);
	}
	return 0;
}
#endif
