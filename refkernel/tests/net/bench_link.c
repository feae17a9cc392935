/* bench_link.c — what the stack's protocol code costs on the host: two
 * stacks (libnet-host.a, -O2, no sanitizers) joined by a lossless in-memory
 * link, timing a one-way TCP stream and a 1-byte request/response echo.
 * Prints `ukbench: result net_host <metric> <value>` lines.
 * Usage: bench_link [MiB] [transactions] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "net.h"

#define QMAX 4096
struct frame {
	int to;
	size_t len;
	unsigned char data[1514];
};
static struct frame q[QMAX];
static int qhead, qlen;
static struct netdev dev[2];

static int tx(struct netdev *d, const void *f, size_t len)
{
	if (qlen == QMAX || len > sizeof(q[0].data))
		return -1;
	struct frame *fr = &q[(qhead + qlen++) % QMAX];
	fr->to = d == &dev[0];
	fr->len = len;
	memcpy(fr->data, f, len);
	return 0;
}

static void pump(void)
{
	while (qlen) {
		struct frame *fr = &q[qhead];
		qhead = (qhead + 1) % QMAX;
		qlen--;
		net_input(&dev[fr->to], fr->data, fr->len);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 256;
	long trans = argc > 2 ? atol(argv[2]) : 200000;
	struct net_stack *stk[2];
	for (int i = 0; i < 2; i++) {
		dev[i].tx = tx;
		dev[i].mac[0] = 2;
		dev[i].mac[5] = (unsigned char)(2 + i);
		struct net_config cfg = { .ip = 0x0a000002u + (uint32_t)i, .netmask = 0xffffff00u };
		stk[i] = net_stack_create(&dev[i], &cfg, 1000);
	}
	struct sock *l, *c, *s;
	sock_socket(stk[1], NET_SOCK_STREAM, &l);
	struct net_addr a = { 0, 80 }, to = { 0x0a000003u, 80 };
	sock_bind(l, &a);
	sock_listen(l, 4);
	sock_socket(stk[0], NET_SOCK_STREAM, &c);
	int one = 1;
	sock_setsockopt(c, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof(one));
	sock_connect(c, &to);
	uint64_t ms = 1000;
	for (int i = 0; i < 10 && sock_accept(l, &s, NULL) != 0; i++) {
		pump();
		net_timer(stk[0], ++ms);
		net_timer(stk[1], ms);
	}
	sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof(one));
	static char buf[65536];
	long long total = mib << 20, sent = 0, got = 0;
	double t0 = now_s();
	while (got < total) {
		while (sent < total) {
			long k = sock_send(c, buf, (size_t)(total - sent < (long long)sizeof(buf) ? total - sent : (long long)sizeof(buf)), 0);
			if (k <= 0)
				break;
			sent += k;
		}
		pump();
		long k;
		while ((k = sock_recv(s, buf, sizeof(buf), 0)) > 0)
			got += k;
		pump();
		net_timer(stk[0], ++ms);
		net_timer(stk[1], ms);
	}
	double dt = now_s() - t0;
	printf("ukbench: result net_host stream_gbit_per_s %.2f\n", total * 8 / dt / 1e9);
	t0 = now_s();
	for (long i = 0; i < trans; i++) {
		char b = 'x';
		sock_send(c, &b, 1, 0);
		pump();
		sock_recv(s, &b, 1, 0);
		sock_send(s, &b, 1, 0);
		pump();
		if (sock_recv(c, &b, 1, 0) != 1) {
			fprintf(stderr, "bench: echo lost at %ld\n", i);
			return 1;
		}
	}
	dt = now_s() - t0;
	printf("ukbench: result net_host echo_ns_per_op %.0f\n", dt / trans * 1e9);
	char line[2048];
	net_counters_format(stk[0], line, sizeof(line));
	printf("%s\n", line);
	sock_close(c);
	sock_close(s);
	sock_close(l);
	net_stack_destroy(stk[0]);
	net_stack_destroy(stk[1]);
	return 0;
}
