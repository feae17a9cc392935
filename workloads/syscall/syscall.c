/* syscall: OS-path microbenchmarks printed as ns_per_op lines. Each test
 * doubles its iteration count until one batch takes --ms milliseconds, then
 * reports that batch. Tests whose setup syscall fails (open, pipe) print an
 * "unavailable" line instead; the run still exits 0. */
#include "ukb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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
	ukb_printf("ukbench: done syscall sink=%llu\n", (unsigned long long)(c.sink & 1));
	return 0;
}
