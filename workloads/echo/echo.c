/* echo: TCP and UDP echo servers on one port (request/response latency).
 * main() -> listen/bind -> loop: on_accept() adds connections, on_conn()
 * reads and writes back (stopping reads while a write is pending), on_udp()
 * returns each datagram to its sender. SIGTERM ends the loop cleanly. */
#include "ukb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define BUFSZ 65536

struct conn {
	int fd;
	size_t len, off;        /* pending echo bytes: buf[off..len) */
	char buf[BUFSZ];
};

static long nconns, max_conns;
static unsigned long long tcp_bytes, udp_pkts;

static void conn_close(struct ukb_loop *l, struct conn *c)
{
	ukb_loop_del(l, c->fd);
	close(c->fd);
	free(c);
	nconns--;
}

/* Writes what is pending; returns -1 when the connection must close. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->off += w;
	}
	c->off = c->len = 0;
	return 0;
}

static void on_conn(struct ukb_loop *l, int fd, unsigned ev, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (c->len && flush(c) < 0)
		goto close;
	for (int i = 0; i < 16 && !c->len; i++) {
		ssize_t r = recv(c->fd, c->buf, BUFSZ, 0);
		if (r == 0)
			goto close;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			goto close;
		}
		tcp_bytes += r;
		c->len = r;
		if (flush(c) < 0)
			goto close;
	}
	if (!c->len && (ev & UKB_EV_ERR) && !(ev & UKB_EV_READ))
		goto close;
	ukb_loop_mod(l, c->fd, c->len ? UKB_EV_WRITE : UKB_EV_READ);
	return;
close:
	conn_close(l, c);
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
		if (nconns >= max_conns || !(c = malloc(sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = c->off = 0;
		if (ukb_loop_add(l, fd, UKB_EV_READ, on_conn, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		nconns++;
	}
}

static void on_udp(struct ukb_loop *l, int fd, unsigned ev, void *arg)
{
	static char buf[65536];

	(void)l; (void)ev; (void)arg;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (r < 0)
			return;
		udp_pkts++;
		/* A full send buffer drops the reply, as UDP may. */
		(void)sendto(fd, buf, r, 0, (struct sockaddr *)&from, flen);
	}
}

int main(int argc, char **argv)
{
	struct ukb_srv srv = { .port = 7777, .max_conns = 1000 };
	const char *proto = "both";
	struct ukb_opt opts[UKB_SRV_NOPTS + 1];
	struct ukb_loop loop;
	int lfd = -1, ufd = -1, port = 0, err;

	ukb_srv_opts(&srv, opts);
	opts[UKB_SRV_NOPTS] = (struct ukb_opt){ "proto", UKB_OPT_STR, &proto, 0, 0,
						"tcp, udp or both (default both)" };
	if (ukb_args_parse(argc, argv, "echo", "[options]", opts, UKB_SRV_NOPTS + 1) < argc) {
		ukb_printf("echo: unexpected argument (try --help)\n");
		return 2;
	}
	int want_tcp = !strcmp(proto, "tcp") || !strcmp(proto, "both");
	int want_udp = !strcmp(proto, "udp") || !strcmp(proto, "both");
	if (!want_tcp && !want_udp) {
		ukb_printf("echo: bad --proto '%s' (tcp, udp or both)\n", proto);
		return 2;
	}
	max_conns = srv.max_conns;
	ukb_signals_init();
	if ((err = ukb_loop_init(&loop, max_conns + 64, srv.use_poll)) < 0) {
		ukb_printf("echo: event loop: %s\n", strerror(-err));
		return 1;
	}
	port = srv.port;
	if (want_tcp) {
		lfd = ukb_listen_tcp(srv.bind, port, 511, &port);
		if (lfd < 0 || ukb_loop_add(&loop, lfd, UKB_EV_READ, on_accept, NULL) < 0) {
			ukb_printf("echo: tcp listen on port %ld: %s\n", srv.port, strerror(lfd < 0 ? -lfd : EMFILE));
			return 1;
		}
	}
	if (want_udp) {
		ufd = ukb_bind_udp(srv.bind, port, &port);
		if (ufd < 0 || ukb_loop_add(&loop, ufd, UKB_EV_READ, on_udp, NULL) < 0) {
			ukb_printf("echo: udp bind on port %d: %s\n", port, strerror(ufd < 0 ? -ufd : EMFILE));
			return 1;
		}
	}
	ukb_ready(want_tcp && want_udp ? "echo" : want_tcp ? "echo-tcp" : "echo-udp", port);
	err = ukb_loop_run(&loop);
	ukb_printf("echo: stopping (%s): %llu TCP bytes, %llu UDP datagrams echoed\n",
		   ukb_loop_backend(&loop), tcp_bytes, udp_pkts);
	if (err < 0) {
		ukb_printf("echo: event loop: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
