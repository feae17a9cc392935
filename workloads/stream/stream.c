/* stream: TCP bulk-throughput endpoint. --mode sink reads and discards (and
 * with --verify checks the test pattern); --mode source writes the pattern
 * (--bytes of it, or until the peer closes). Each finished connection prints
 * bytes, seconds and gbit_per_s. main() -> loop: on_accept(), on_conn(). */
#include "ukb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/* Pattern: byte at stream offset i is i % 251 (prime, so it never lines up
 * with buffer sizes). pat holds CHUNK + 251 bytes of it. */
#define PERIOD 251
#define CHUNK (PERIOD * 1024)

struct conn {
	int fd;
	unsigned long long bytes, errors;
	uint64_t t0;
};

static unsigned char *pat, *rbuf;
static int mode_source, verify, once;
static size_t limit;            /* source: bytes per connection, 0 = unlimited */
static long nconns, max_conns;
static unsigned long long served;

static void conn_done(struct ukb_loop *l, struct conn *c)
{
	double s = (ukb_now_ns() - c->t0) / 1e9;
	const char *name = mode_source ? "stream_source" : "stream_sink";

	/* the counts go out before the close: a peer that sees our FIN can
	 * already read what we counted (ukbench cross-checks its own count) */
	ukb_result(name, "bytes", (double)c->bytes);
	ukb_result(name, "seconds", s);
	ukb_result(name, "gbit_per_s", s > 0 ? c->bytes * 8 / s / 1e9 : 0);
	if (verify)
		ukb_result(name, "errors", (double)c->errors);
	ukb_loop_del(l, c->fd);
	close(c->fd);
	free(c);
	nconns--;
	served++;
	if (once)
		ukb_stop = 1;
}

static void on_sink(struct ukb_loop *l, struct conn *c)
{
	for (int i = 0; i < 64; i++) {
		ssize_t r = recv(c->fd, rbuf, CHUNK, 0);
		if (r == 0) {
			conn_done(l, c);
			return;
		}
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_done(l, c);
			return;
		}
		if (verify && memcmp(rbuf, pat + c->bytes % PERIOD, r))
			c->errors++;
		c->bytes += r;
	}
}

static void on_source(struct ukb_loop *l, struct conn *c, unsigned ev)
{
	for (int i = 0; i < 64; i++) {
		size_t n = CHUNK;
		if (limit) {
			if (c->bytes >= limit) {
				conn_done(l, c);
				return;
			}
			if (limit - c->bytes < n)
				n = limit - c->bytes;
		}
		ssize_t w = send(c->fd, pat + c->bytes % PERIOD, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_done(l, c);   /* peer closed: normal end when unlimited */
			return;
		}
		c->bytes += w;
	}
	(void)ev;
}

static void on_conn(struct ukb_loop *l, int fd, unsigned ev, void *arg)
{
	(void)fd;
	if (mode_source)
		on_source(l, arg, ev);
	else
		on_sink(l, arg);
}

static void on_accept(struct ukb_loop *l, int lfd, unsigned ev, void *arg)
{
	(void)ev;
	(void)arg;
	for (int i = 0; i < 64; i++) {
		int fd = ukb_accept(lfd);
		struct conn *c;

		if (fd < 0)
			return;
		if (nconns >= max_conns || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->t0 = ukb_now_ns();
		if (ukb_loop_add(l, fd, mode_source ? UKB_EV_WRITE : UKB_EV_READ, on_conn, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		nconns++;
	}
}

int main(int argc, char **argv)
{
	struct ukb_srv srv = { .port = 5001, .max_conns = 64 };
	const char *mode = "sink";
	struct ukb_opt opts[UKB_SRV_NOPTS + 4];
	struct ukb_loop loop;
	int lfd, port, err;

	ukb_srv_opts(&srv, opts);
	opts[UKB_SRV_NOPTS] = (struct ukb_opt){ "mode", UKB_OPT_STR, &mode, 0, 0,
						"sink (default) or source" };
	opts[UKB_SRV_NOPTS + 1] = (struct ukb_opt){ "bytes", UKB_OPT_SIZE, &limit, 0, 1LL << 50,
						    "source: bytes per connection (0 = until peer closes)" };
	opts[UKB_SRV_NOPTS + 2] = (struct ukb_opt){ "verify", UKB_OPT_FLAG, &verify, 0, 0,
						    "sink: check the i%251 test pattern" };
	opts[UKB_SRV_NOPTS + 3] = (struct ukb_opt){ "once", UKB_OPT_FLAG, &once, 0, 0,
						    "exit after the first connection ends" };
	if (ukb_args_parse(argc, argv, "stream", "[options]", opts, UKB_SRV_NOPTS + 4) < argc) {
		ukb_printf("stream: unexpected argument (try --help)\n");
		return 2;
	}
	if (strcmp(mode, "sink") && strcmp(mode, "source")) {
		ukb_printf("stream: bad --mode '%s' (sink or source)\n", mode);
		return 2;
	}
	mode_source = !strcmp(mode, "source");
	max_conns = srv.max_conns;
	pat = malloc(CHUNK + PERIOD);
	rbuf = malloc(CHUNK);
	if (!pat || !rbuf) {
		ukb_printf("stream: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < CHUNK + PERIOD; i++)
		pat[i] = i % PERIOD;
	ukb_signals_init();
	if ((err = ukb_loop_init(&loop, max_conns + 64, srv.use_poll)) < 0) {
		ukb_printf("stream: event loop: %s\n", strerror(-err));
		return 1;
	}
	lfd = ukb_listen_tcp(srv.bind, srv.port, 64, &port);
	if (lfd < 0 || ukb_loop_add(&loop, lfd, UKB_EV_READ, on_accept, NULL) < 0) {
		ukb_printf("stream: listen on port %ld: %s\n", srv.port, strerror(lfd < 0 ? -lfd : EMFILE));
		return 1;
	}
	ukb_ready(mode_source ? "stream-source" : "stream-sink", port);
	err = ukb_loop_run(&loop);
	ukb_printf("stream: stopping (%s) after %llu connections\n", ukb_loop_backend(&loop), served);
	if (err < 0) {
		ukb_printf("stream: event loop: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
