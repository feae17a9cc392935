/* syscall: OS-path microbenchmarks printed as ns_per_op lines. Each test
 * doubles its iteration count until one batch takes --ms milliseconds, then
 * reports that batch. Tests whose setup syscall fails (open, pipe) print an
 * "unavailable" line instead; the run still exits 0. The last two tests use
 * a second thread (futex ping-pong, create/join); everything before them
 * runs single-threaded. */
#include "ukb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct ctx {
	int fd;                 /* write target */
	int rfd;                /* pipe read end */
	char *src, *dst;        /* 4 KiB each, pre-touched */
	volatile uint64_t sink;
};

typedef int (*bench_fn)(struct ctx *c, long iters);

static int b_getppid(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++)
		c->sink += syscall(SYS_getppid);
	return 0;
}

static int b_clock(struct ctx *c, long iters)
{
	struct timespec ts;

	for (long i = 0; i < iters; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		c->sink += ts.tv_nsec;
	}
	return 0;
}

static int b_write(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++)
		if (write(c->fd, c->src, 64) != 64)
			return -errno;
	return 0;
}

/* Pipe variant: write 64 bytes and read them back, so the pipe never fills;
 * the figure is a write+read pair. */
static int b_pipe(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++) {
		if (write(c->fd, c->src, 64) != 64)
			return -errno;
		if (read(c->rfd, c->dst, 64) != 64)
			return -errno;
	}
	return 0;
}

static int b_malloc(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++) {
		void *volatile p = malloc(64);
		if (!p)
			return -ENOMEM;
		c->sink += (uintptr_t)p & 1;
		free(p);
	}
	return 0;
}

static int b_memcpy(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++) {
		memcpy(c->dst, c->src, 4096);
		__asm__ volatile("" : : "r"(c->dst) : "memory");
	}
	return 0;
}

static int b_mmap(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		c->sink += (uintptr_t)p;
		munmap(p, 4096);
	}
	return 0;
}

/* First touch of fresh anonymous pages: iters pages, mapped 256 at a time. */
static int b_fault(struct ctx *c, long iters)
{
	const long chunk = 256;

	for (long done = 0; done < iters; done += chunk) {
		char *p = mmap(NULL, chunk * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		for (long k = 0; k < chunk; k++)
			p[k * 4096] = 1;
		c->sink += (uintptr_t)p & 1;
		munmap(p, chunk * 4096);
	}
	return 0;
}

/* Two threads hand a token back and forth through a futex: each round trip
 * is two thread switches (the kernel's sleep/wake path and its scheduler). */
static volatile int turn; /* 0: main's move, 1: partner's, 2: stop */

static long futex(volatile int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op | 128 /* FUTEX_PRIVATE_FLAG */, val, NULL, NULL, 0);
}

static void *partner(void *arg)
{
	(void)arg;
	for (;;) {
		while (turn == 0)
			futex(&turn, 0 /* FUTEX_WAIT */, 0);
		if (turn == 2)
			return NULL;
		turn = 0;
		futex(&turn, 1 /* FUTEX_WAKE */, 1);
	}
}

static int b_switch(struct ctx *c, long iters)
{
	pthread_t t;
	int e;

	turn = 0;
	if ((e = pthread_create(&t, NULL, partner, NULL)))
		return -e;
	for (long i = 0; i < iters / 2 + 1; i++) {
		turn = 1;
		futex(&turn, 1, 1);
		while (turn == 1)
			futex(&turn, 0, 1);
	}
	turn = 2;
	futex(&turn, 1, 1);
	pthread_join(t, NULL);
	c->sink += (uint64_t)turn;
	return 0;
}

static void *nothing(void *arg) { return arg; }

static int b_thread(struct ctx *c, long iters)
{
	for (long i = 0; i < iters; i++) {
		pthread_t t;
		void *r;
		int e = pthread_create(&t, NULL, nothing, (void *)i);
		if (e)
			return -e;
		pthread_join(t, &r);
		c->sink += (uintptr_t)r;
	}
	return 0;
}

/* Runs fn with doubling iteration counts until a batch lasts ms; returns
 * ns/op of that batch, or a negative errno. */
static double measure(struct ctx *c, bench_fn fn, long ms, long min_iters, int *err)
{
	long iters = min_iters;
	uint64_t target = (uint64_t)ms * 1000000u;

	for (;;) {
		uint64_t t0 = ukb_now_ns(), dt;
		int e = fn(c, iters);
		dt = ukb_now_ns() - t0;
		if (e < 0) {
			*err = e;
			return -1;
		}
		if (dt >= target || iters >= (1L << 40))
			return (double)dt / iters;
		iters = dt < target / 16 ? iters * 8 : iters * 2;
	}
}

static void run(struct ctx *c, const char *name, bench_fn fn, long ms, long min_iters)
{
	int err = 0;
	double ns = measure(c, fn, ms, min_iters, &err);

	if (ns < 0) {
		ukb_unavailable(name, strerror(-err));
		return;
	}
	ukb_result(name, "ns_per_op", ns);
}

int main(int argc, char **argv)
{
	long ms = 40;
	struct ukb_opt opts[] = {
		{ "ms", UKB_OPT_INT, &ms, 1, 600000, "minimum time per test in ms (default 40)" },
	};
	struct ctx c = { .fd = -1 };
	int first, pfd[2];

	first = ukb_args_parse(argc, argv, "syscall", "[--ms MS] [SCALE]", opts, 1);
	if (first < argc) {     /* a bare number scales the default time */
		char *end;
		long k = strtol(argv[first], &end, 10);
		if (*end || k < 1 || k > 6000) {
			ukb_printf("syscall: bad scale '%s'\n", argv[first]);
			return 2;
		}
		ms *= k;
	}
	c.src = malloc(4096);
	c.dst = malloc(4096);
	if (!c.src || !c.dst) {
		ukb_printf("syscall: out of memory\n");
		return 1;
	}
	memset(c.src, 'x', 4096);
	memset(c.dst, 0, 4096);

	run(&c, "getppid", b_getppid, ms, 1000);
	run(&c, "clock_gettime", b_clock, ms, 1000);

	c.fd = open("/dev/null", O_WRONLY);
	if (c.fd >= 0) {
		run(&c, "write64_devnull", b_write, ms, 1000);
		close(c.fd);
	} else {
		ukb_unavailable("write64_devnull", strerror(errno));
	}
	if (pipe(pfd) == 0) {
		c.rfd = pfd[0];
		c.fd = pfd[1];
		run(&c, "pipe64_write_read", b_pipe, ms, 1000);
		close(pfd[0]);
		close(pfd[1]);
	} else {
		ukb_unavailable("pipe64_write_read", strerror(errno));
	}
	run(&c, "malloc_free64", b_malloc, ms, 1000);
	run(&c, "memcpy4k", b_memcpy, ms, 1000);
	run(&c, "mmap_munmap4k", b_mmap, ms, 100);
	run(&c, "page_fault", b_fault, ms, 256);
	run(&c, "thread_switch", b_switch, ms, 1000); /* ns per switch: a round trip is two */
	run(&c, "thread_create_join", b_thread, ms, 16);
	ukb_printf("ukbench: done syscall sink=%llu\n", (unsigned long long)(c.sink & 1));
	return 0;
}
