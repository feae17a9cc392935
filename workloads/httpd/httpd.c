/* httpd: HTTP/1.1 server of one fixed body (GET/HEAD of / or /index.html),
 * keep-alive and pipelining, bounded buffers, timeouts and connection limit.
 * main() -> loop: on_accept() -> on_conn(): read -> process() (http_parse,
 * respond() appends to the output buffer) -> flush(); on_tick() refreshes the
 * Date header and closes timed-out connections. */
#include "ukb.h"
#include "http_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define IN_CAP     16384        /* per-connection input; a head is <= max_head */
#define OUT_HIGH   65536        /* stop parsing while this much is unsent */
#define LINGER_MS  2000         /* drain after our close, so unread input
				 * does not turn into an RST that eats the
				 * last response */
#define TAIL_MIN   16384        /* bodies at least this big are sent from the
				 * shared body, not copied per request */

struct conn {
	int fd;
	int closing;            /* close once the output is flushed */
	int eof;                /* the peer closed its side */
	int lingering;          /* our side is shut: drain input until EOF */
	uint64_t deadline;      /* ms, monotonic */
	uint64_t req_start;     /* ms when the pending head began, 0 = none */
	long long discard;      /* request body bytes still to skip */
	struct http_parser hp;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	const char *tail;       /* big body sent after out[] */
	size_t taillen;
	char in[IN_CAP];
};

static struct {
	size_t body_size;
	char *body;
	long max_conns, nconns;
	long keepalive_ms, header_ms;
	size_t max_head;
	long long max_body;
	struct conn **conns;    /* by fd */
	int max_fds;
	uint64_t now_ms;
	time_t date_sec;
	char date[40];          /* "Date: <IMF-fixdate>\r\n" */
	size_t date_len;
	char clen[48];          /* "Content-Length: <body_size>\r\n" */
	size_t clen_len;
	unsigned long long requests, accepted, refused, timeouts;
} S;

static const char *reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

static void update_date(void)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec == S.date_sec && S.date_len)
		return;
	S.date_sec = ts.tv_sec;
	gmtime_r(&ts.tv_sec, &tm);
	S.date_len = snprintf(S.date, sizeof(S.date),
			      "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
			      wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
			      tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Makes room for n more output bytes; returns NULL when out of memory. */
static char *out_reserve(struct conn *c, size_t n)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		while (cap < c->outlen + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			return NULL;
		c->out = p;
		c->outcap = cap;
	}
	return c->out + c->outlen;
}

#define PUT(p, lit) (memcpy((p), "" lit, sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static int respond_ok(struct conn *c, int head_only, int keep_alive, int http10)
{
	int inline_body = !head_only && S.body_size < TAIL_MIN;
	char *p = out_reserve(c, 256 + (inline_body ? S.body_size : 0));

	if (!p)
		return -1;
	PUT(p, "HTTP/1.1 200 OK\r\nServer: ukbench-httpd\r\n");
	memcpy(p, S.date, S.date_len);
	p += S.date_len;
	PUT(p, "Content-Type: text/html\r\n");
	memcpy(p, S.clen, S.clen_len);
	p += S.clen_len;
	if (!keep_alive)
		PUT(p, "Connection: close\r\n");
	else if (http10)
		PUT(p, "Connection: keep-alive\r\n");
	PUT(p, "\r\n");
	if (inline_body) {
		memcpy(p, S.body, S.body_size);
		p += S.body_size;
	} else if (!head_only && S.body_size) {
		c->tail = S.body;
		c->taillen = S.body_size;
	}
	c->outlen = p - c->out;
	return 0;
}

static int respond_err(struct conn *c, int code, int head_only, int keep_alive)
{
	const char *why = reason(code);
	char *p = out_reserve(c, 512);
	int n;

	if (!p)
		return -1;
	/* body: "<code> <reason>\n" */
	n = snprintf(p, 512, "HTTP/1.1 %d %s\r\nServer: ukbench-httpd\r\n%.*s"
		     "Content-Type: text/plain\r\nContent-Length: %zu\r\n%s%s\r\n",
		     code, why, (int)S.date_len, S.date, strlen(why) + 5,
		     code == 405 ? "Allow: GET, HEAD\r\n" : "",
		     keep_alive ? "" : "Connection: close\r\n");
	if (!head_only)
		n += snprintf(p + n, 512 - n, "%d %s\n", code, why);
	c->outlen += n;
	return 0;
}

static int is_page(const char *path, size_t len)
{
	return (len == 1 && path[0] == '/') ||
	       (len == 11 && !memcmp(path, "/index.html", 11));
}

/* Parses and answers every complete request in c->in, while the output
 * stays below OUT_HIGH and no big body is pending. Returns 1 if it stopped
 * for the output with input left, so the caller flushes and calls again. */
static int process(struct conn *c)
{
	size_t start = 0;
	int blocked = 0;

	for (;;) {
		if (c->closing)
			break;
		if (c->tail || c->outlen - c->outoff >= OUT_HIGH) {
			blocked = start < c->inlen;
			break;
		}
		if (c->discard) {
			size_t n = c->inlen - start;
			if ((long long)n > c->discard)
				n = c->discard;
			start += n;
			c->discard -= n;
			if (c->discard)
				break;
		}
		if (start == c->inlen)
			break;
		if (!c->req_start)
			c->req_start = S.now_ms;
		int r = http_parse(&c->hp, c->in + start, c->inlen - start);
		if (r == HTTP_MORE)
			break;
		if (r < 0) {
			respond_err(c, -r, 0, 0);
			c->closing = 1;
			break;
		}
		struct http_req *q = &c->hp.req;
		const char *base = c->in + start;
		int ka = q->keep_alive, ok;
		S.requests++;
		if (q->content_length > S.max_body) {
			respond_err(c, 413, 0, 0);
			c->closing = 1;
			break;
		}
		if (q->method == HTTP_OTHER)
			ok = respond_err(c, 405, 0, ka);
		else if (!is_page(base + q->path_off, q->path_len))
			ok = respond_err(c, 404, q->method == HTTP_HEAD, ka);
		else
			ok = respond_ok(c, q->method == HTTP_HEAD, ka, q->minor == 0);
		if (ok < 0 || !ka)
			c->closing = 1;
		c->discard = q->content_length > 0 ? q->content_length : 0;
		start += r;
		http_parser_reset(&c->hp);
		c->req_start = 0;
	}
	/* keep the unparsed rest at the front (parser offsets are relative) */
	if (start) {
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
	}
	if (c->inlen && !c->req_start && !c->discard)
		c->req_start = S.now_ms;
	return blocked;
}

/* Returns 1 when everything is sent, 0 if some is pending, -1 on error. */
static int flush(struct conn *c)
{
	while (c->outoff < c->outlen || c->taillen) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		int n = 0;
		if (c->outoff < c->outlen)
			iov[n++] = (struct iovec){ c->out + c->outoff, c->outlen - c->outoff };
		if (c->taillen)
			iov[n++] = (struct iovec){ (void *)c->tail, c->taillen };
		mh.msg_iovlen = n;
		ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		size_t a = c->outlen - c->outoff;
		if ((size_t)w >= a) {
			c->outoff = c->outlen = 0;
			w -= a;
			c->tail += w;
			c->taillen -= w;
			if (!c->taillen)
				c->tail = NULL;
		} else {
			c->outoff += w;
		}
	}
	c->outoff = c->outlen = 0;
	return 1;
}

static void conn_close(struct ukb_loop *l, struct conn *c)
{
	ukb_loop_del(l, c->fd);
	close(c->fd);
	S.conns[c->fd] = NULL;
	free(c->out);
	free(c);
	S.nconns--;
}

static void on_conn(struct ukb_loop *l, int fd, unsigned ev, void *arg)
{
	struct conn *c = arg;
	int done = 1;

	(void)fd;
	(void)ev;
	S.now_ms = ukb_now_ms();
	if (c->lingering) {
		for (int i = 0; i < 16; i++) {
			ssize_t r = recv(c->fd, c->in, IN_CAP, 0);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				conn_close(l, c);
				return;
			}
			if (r < 0)
				return;
		}
		return;
	}
	for (int round = 0; round < 16; round++) {
		int more = 0;
		/* Level-triggered: a short read means the socket is drained, so
		 * only a read that filled the buffer asks for another round. */
		if (!c->eof && !c->closing && c->inlen < IN_CAP &&
		    c->outlen - c->outoff < OUT_HIGH && !c->tail) {
			size_t room = IN_CAP - c->inlen;
			ssize_t r = recv(c->fd, c->in + c->inlen, room, 0);
			if (r > 0) {
				c->inlen += r;
				more = (size_t)r == room;
			} else if (r == 0) {
				c->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				conn_close(l, c);
				return;
			}
		}
		if (process(c))
			more = 1;
		/* a full buffer holding no complete head cannot progress */
		if (c->inlen == IN_CAP && !c->closing && !more) {
			respond_err(c, 431, 0, 0);
			c->closing = 1;
		}
		done = flush(c);
		if (done < 0) {
			conn_close(l, c);
			return;
		}
		if (!done || !more)
			break;
	}
	if (done && c->closing && !c->eof) {
		shutdown(c->fd, SHUT_WR);
		c->lingering = 1;
		c->req_start = 0;
		c->deadline = S.now_ms + LINGER_MS;
		ukb_loop_mod(l, c->fd, UKB_EV_READ);
		return;
	}
	if (done && (c->closing || c->eof)) {
		conn_close(l, c);
		return;
	}
	c->deadline = c->req_start ? c->req_start + S.header_ms : S.now_ms + S.keepalive_ms;
	ukb_loop_mod(l, c->fd, done ? UKB_EV_READ : UKB_EV_WRITE);
}

static void refuse(int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				  "Connection: close\r\n\r\n";
	(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	S.refused++;
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
		if (S.nconns >= S.max_conns || fd >= S.max_fds || !(c = malloc(sizeof(*c)))) {
			refuse(fd);
			continue;
		}
		memset(c, 0, offsetof(struct conn, in));
		c->fd = fd;
		http_parser_init(&c->hp, S.max_head, 64);
		c->deadline = S.now_ms + S.header_ms;
		if (ukb_loop_add(l, fd, UKB_EV_READ, on_conn, c) < 0) {
			close(fd);
			free(c);
			continue;
		}
		S.conns[fd] = c;
		S.nconns++;
		S.accepted++;
	}
}

/* After every wakeup: refresh the clock and Date; once a second, close
 * connections past their deadline (slow heads get a 408). */
static void on_tick(struct ukb_loop *l, void *arg)
{
	static uint64_t last_scan;

	(void)arg;
	S.now_ms = ukb_now_ms();
	update_date();
	if (S.now_ms - last_scan < 1000)
		return;
	last_scan = S.now_ms;
	for (int fd = 0; fd < S.max_fds; fd++) {
		struct conn *c = S.conns[fd];
		if (!c || c->deadline > S.now_ms)
			continue;
		if (c->req_start && !c->lingering && c->outlen == c->outoff && !c->tail) {
			respond_err(c, 408, 0, 0);
			(void)flush(c);
		}
		if (!c->lingering)
			S.timeouts++;
		conn_close(l, c);
	}
}

static void make_body(size_t n)
{
	static const char head[] = "<!DOCTYPE html>\n<html><head><title>ukbench</title></head>\n<body>\n";
	static const char foot[] = "</body></html>\n";
	static const char line[] = "<p>ukbench httpd: a fixed page for benchmarks.</p>\n";
	size_t off = 0;

	S.body = malloc(n ? n : 1);
	if (!S.body)
		return;
	if (n < sizeof(head) + sizeof(foot)) {
		for (size_t i = 0; i < n; i++)
			S.body[i] = i + 1 == n ? '\n' : 'x';
		return;
	}
	memcpy(S.body, head, sizeof(head) - 1);
	off = sizeof(head) - 1;
	while (off < n - (sizeof(foot) - 1)) {
		size_t k = sizeof(line) - 1;
		if (k > n - (sizeof(foot) - 1) - off)
			k = n - (sizeof(foot) - 1) - off;
		memcpy(S.body + off, line, k);
		off += k;
	}
	if (S.body[off - 1] != '\n')
		S.body[off - 1] = '\n';
	memcpy(S.body + off, foot, sizeof(foot) - 1);
}

int main(int argc, char **argv)
{
	struct ukb_srv srv = { .port = 8080, .max_conns = 1024 };
	long keepalive_s = 75, header_s = 10;
	struct ukb_opt opts[UKB_SRV_NOPTS + 5];
	struct ukb_loop loop;
	int lfd, port, err;

	S.body_size = 612;
	S.max_head = 8192;
	S.max_body = 1 << 20;
	ukb_srv_opts(&srv, opts);
	opts[UKB_SRV_NOPTS] = (struct ukb_opt){ "size", UKB_OPT_SIZE, &S.body_size, 0, 1 << 30,
						"body size in bytes (default 612)" };
	opts[UKB_SRV_NOPTS + 1] = (struct ukb_opt){ "keepalive-timeout", UKB_OPT_INT, &keepalive_s, 1, 86400,
						    "idle keep-alive seconds (default 75)" };
	opts[UKB_SRV_NOPTS + 2] = (struct ukb_opt){ "header-timeout", UKB_OPT_INT, &header_s, 1, 86400,
						    "seconds to receive a request head (default 10)" };
	opts[UKB_SRV_NOPTS + 3] = (struct ukb_opt){ "max-head", UKB_OPT_SIZE, &S.max_head, 256, IN_CAP / 2,
						    "request head limit, bytes (default 8192)" };
	opts[UKB_SRV_NOPTS + 4] = (struct ukb_opt){ "max-body", UKB_OPT_SIZE, &S.max_body, 0, 1LL << 40,
						    "request body limit, skipped (default 1m)" };
	if (ukb_args_parse(argc, argv, "httpd", "[options]", opts, UKB_SRV_NOPTS + 5) < argc) {
		ukb_printf("httpd: unexpected argument (try --help)\n");
		return 2;
	}
	S.keepalive_ms = keepalive_s * 1000;
	S.header_ms = header_s * 1000;
	S.max_conns = srv.max_conns;
	S.max_fds = S.max_conns + 64;
	S.conns = calloc(S.max_fds, sizeof(*S.conns));
	make_body(S.body_size);
	if (!S.conns || !S.body) {
		ukb_printf("httpd: out of memory\n");
		return 1;
	}
	S.clen_len = snprintf(S.clen, sizeof(S.clen), "Content-Length: %zu\r\n", S.body_size);
	S.now_ms = ukb_now_ms();
	update_date();
	ukb_signals_init();
	if ((err = ukb_loop_init(&loop, S.max_fds, srv.use_poll)) < 0) {
		ukb_printf("httpd: event loop: %s\n", strerror(-err));
		return 1;
	}
	lfd = ukb_listen_tcp(srv.bind, srv.port, 511, &port);
	if (lfd < 0 || ukb_loop_add(&loop, lfd, UKB_EV_READ, on_accept, NULL) < 0) {
		ukb_printf("httpd: listen on port %ld: %s\n", srv.port, strerror(lfd < 0 ? -lfd : EMFILE));
		return 1;
	}
	ukb_loop_set_tick(&loop, 1000, on_tick, NULL);
	ukb_ready("httpd", port);
	err = ukb_loop_run(&loop);
	ukb_printf("httpd: stopping (%s): %llu requests, %llu connections, %llu refused, %llu timed out\n",
		   ukb_loop_backend(&loop), S.requests, S.accepted, S.refused, S.timeouts);
	if (err < 0) {
		ukb_printf("httpd: event loop: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
