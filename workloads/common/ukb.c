/* ukb.c: output lines, clocks, argument parsing, signals and socket helpers
 * shared by every workload (contract in ukb.h). Nothing here keeps state
 * except the stop flag set by the signal handler. */
#include "ukb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

volatile sig_atomic_t ukb_stop;

int ukb_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, off = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (off < n) {
		ssize_t w = write(1, buf + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += w;
	}
	return n;
}

static const struct ukb_srv *srv_opts; /* the options ukb_srv_opts() filled, for --spin */

/* --spin: a thread that only computes, never making a system call, so that
 * what a server answers meanwhile shows how the kernel shares the CPU. */
static void *spin_main(void *arg)
{
	volatile unsigned long x = (unsigned long)arg;
	for (;;)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return NULL;
}

void ukb_ready(const char *what, int port)
{
	for (long i = 0; srv_opts && i < srv_opts->spin; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, spin_main, (void *)i)) {
			ukb_printf("%s: cannot start --spin thread %ld\n", what, i);
			exit(1);
		}
	}
	ukb_printf("ukbench: ready %s port=%d\n", what, port);
}

void ukb_result(const char *test, const char *metric, double value)
{
	ukb_printf("ukbench: result %s %s %.3f\n", test, metric, value);
}

void ukb_unavailable(const char *test, const char *why)
{
	ukb_printf("ukbench: unavailable %s %s\n", test, why);
}

uint64_t ukb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ukb_now_ms(void)
{
	return ukb_now_ns() / 1000000u;
}

/* ---- argument parsing ------------------------------------------------ */

static void usage_exit(const char *prog, const char *usage,
		       const struct ukb_opt *opts, int nopts)
{
	ukb_printf("usage: %s %s\n", prog, usage);
	for (int i = 0; i < nopts; i++)
		ukb_printf("  --%-14s %s\n", opts[i].name, opts[i].help);
	exit(0);
}

static int parse_num(const char *s, int allow_suffix, long long *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (allow_suffix && *end) {
		long long mul = 0;
		switch (*end) {
		case 'k': case 'K': mul = 1LL << 10; break;
		case 'm': case 'M': mul = 1LL << 20; break;
		case 'g': case 'G': mul = 1LL << 30; break;
		}
		if (!mul || end[1] || v > LLONG_MAX / mul || v < 0)
			return -1;
		v *= mul;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int ukb_args_parse(int argc, char **argv, const char *prog, const char *usage,
		   const struct ukb_opt *opts, int nopts)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		const struct ukb_opt *o = NULL;
		size_t nlen;
		long long v;

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strncmp(a, "--", 2) != 0)
			return i;
		a += 2;
		if (strcmp(a, "help") == 0)
			usage_exit(prog, usage, opts, nopts);
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		for (int k = 0; k < nopts; k++)
			if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, a, nlen))
				o = &opts[k];
		if (!o) {
			fprintf(stderr, "%s: unknown option --%.*s (try --help)\n",
				prog, (int)nlen, a);
			exit(2);
		}
		if (o->type == UKB_OPT_FLAG) {
			if (eq) {
				fprintf(stderr, "%s: --%s takes no value\n", prog, o->name);
				exit(2);
			}
			*(int *)o->ptr = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(stderr, "%s: --%s needs a value\n", prog, o->name);
			exit(2);
		}
		if (o->type == UKB_OPT_STR) {
			*(const char **)o->ptr = val;
			continue;
		}
		if (parse_num(val, o->type == UKB_OPT_SIZE, &v) || v < o->min || v > o->max) {
			fprintf(stderr, "%s: bad value '%s' for --%s (want %lld..%lld)\n",
				prog, val, o->name, o->min, o->max);
			exit(2);
		}
		if (o->type == UKB_OPT_INT)
			*(long *)o->ptr = (long)v;
		else
			*(size_t *)o->ptr = (size_t)v;
	}
	return i;
}

void ukb_srv_opts(struct ukb_srv *s, struct ukb_opt *out)
{
	out[0] = (struct ukb_opt){ "port", UKB_OPT_INT, &s->port, 0, 65535,
				   "TCP/UDP port (0 = pick a free one)" };
	out[1] = (struct ukb_opt){ "bind", UKB_OPT_STR, &s->bind, 0, 0,
				   "IPv4 address to bind (default any)" };
	out[2] = (struct ukb_opt){ "max-conns", UKB_OPT_INT, &s->max_conns, 1, 1000000,
				   "connection limit (excess ones are closed)" };
	out[3] = (struct ukb_opt){ "poll", UKB_OPT_FLAG, &s->use_poll, 0, 0,
				   "use poll(2) instead of epoll" };
	out[4] = (struct ukb_opt){ "spin", UKB_OPT_INT, &s->spin, 0, 16,
				   "compute-bound threads to run beside the server (default 0)" };
	srv_opts = s;
}

/* ---- signals --------------------------------------------------------- */

static void on_stop(int sig)
{
	(void)sig;
	ukb_stop = 1;
}

void ukb_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

/* ---- sockets --------------------------------------------------------- */

int ukb_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL), one = 1;

	if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
		return 0;
	if (errno == ENOSYS && ioctl(fd, FIONBIO, &one) == 0)   /* kernels without fcntl */
		return 0;
	return -errno;
}

void ukb_tune_conn(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int ukb_accept(int lfd)
{
	static int no_accept4;
	int fd = -1;

	if (!no_accept4) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0 && errno == ENOSYS)
			no_accept4 = 1;
	}
	if (no_accept4) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0 && ukb_set_nonblock(fd) < 0) {
			close(fd);
			return -EIO;
		}
	}
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	ukb_tune_conn(fd);
	return fd;
}

static int fill_addr(struct sockaddr_in *sa, const char *addr, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!addr || !*addr) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int bound_port_of(int fd, int port, int *bound_port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (port) {         /* known: skip getsockname */
		*bound_port = port;
		return 0;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	*bound_port = ntohs(sa.sin_port);
	return 0;
}

static int open_bound(int type, const char *addr, int port, int *bound_port)
{
	struct sockaddr_in sa;
	int fd, one = 1, err;

	if (fill_addr(&sa, addr, port))
		return -EINVAL;
	fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return -errno;
	/* best effort: a kernel without the option still serves */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err;
	if ((err = ukb_set_nonblock(fd)) < 0) {
		errno = -err;
		goto err;
	}
	if ((err = bound_port_of(fd, port, bound_port)) < 0) {
		errno = -err;
		goto err;
	}
	return fd;
err:
	err = -errno;
	close(fd);
	return err;
}

int ukb_listen_tcp(const char *addr, int port, int backlog, int *bound_port)
{
	int fd = open_bound(SOCK_STREAM, addr, port, bound_port);

	if (fd < 0)
		return fd;
	if (listen(fd, backlog) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (port == 0)  /* listen may assign the port only now on some kernels */
		bound_port_of(fd, 0, bound_port);
	return fd;
}

int ukb_bind_udp(const char *addr, int port, int *bound_port)
{
	return open_bound(SOCK_DGRAM, addr, port, bound_port);
}
