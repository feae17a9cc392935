/* fuzz: calls syscalls with hostile arguments — high-bit and negative fds,
 * NULL, kernel and non-canonical pointers, pointers that straddle into
 * unmapped or read-only pages, lengths up to 2^64-1, huge and malformed
 * timeouts — and must end normally with the kernel still working.
 *
 *   fuzz [-n CALLS] [-v] [-f FIRST] SEED...
 *
 * Each seed drives a deterministic sequence of CALLS calls (default 50000).
 * -v prints every call from call FIRST on before making it (replay). The
 * same binary runs on the refkernel and natively on Linux: it only makes
 * calls Linux survives (no exit, no fatal signal, no fork, nothing that can
 * block for ever, no memory of its own handed to the kernel to overwrite but
 * the scratch areas, which guard pages bound), so a crash on either is a
 * kernel (or fuzzer) bug. A crash says the seed and the call: natively the
 * signal handler prints them; on the refkernel the crash report names the
 * syscall and its arguments, and "fuzz: seed S at call N" lines narrow it.
 * Ends with "fuzz: N calls, kernel ok" and status 0, or FAIL lines and 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PG 4096UL
#define SCRATCH_PAGES 8
#define ARENA_PAGES 16
#define POOL_MAX 24
#define HI32 0xffffffff00000000UL

static uint64_t rng;
static uint64_t rnd(void) /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}
static uint64_t pick(uint64_t n) { return rnd() % n; }
#define ONE_OF(...) ({ const uint64_t v_[] = { __VA_ARGS__ }; v_[pick(sizeof(v_) / sizeof(v_[0]))]; })

/* Memory the kernel may write: every area between PROT_NONE guard pages, so
 * a copy of a huge length stops at a guard, never in the fuzzer's own data. */
static unsigned char *scratch;       /* SCRATCH_PAGES, read-write */
static unsigned char *rw_pg, *none_pg, *ro_pg; /* rw, PROT_NONE, read-only, in that order */
static unsigned char *arena;         /* ARENA_PAGES the mm calls play with */
static uint32_t fword = 5, fword2 = 9; /* futex words: a FUTEX_WAIT never matches fword */
static int devnull = -1;             /* always-ready fd, never closed by the fuzzer */
static int pool[POOL_MAX], npool;
static long self_tid, self_pid;
static uint64_t seed, call_no, first_verbose = UINT64_MAX;
static struct { long nr; uint64_t a[6]; } cur;
static uint64_t n_ok, n_err, n_efault; /* results, to see the calls get past the checks too */

static unsigned char *guarded(size_t pages)
{
	unsigned char *p = mmap(NULL, (pages + 2) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("fuzz: FAIL mmap of the scratch areas: %s\n", strerror(errno));
		exit(1);
	}
	mprotect(p + PG, pages * PG, PROT_READ | PROT_WRITE);
	return p + PG;
}

/* ---- argument generators ---- */

static const uint64_t bad_ptrs[] = {
	0, 1, 0xfff, 0x10000, 0xffffffff80000000UL, 0xffffffff80001000UL, 0xffff800000000000UL,
	0xffff800000100000UL, 0xffffffffc0000000UL, 0xfffffffffffff000UL, 0xffffffffffffffffUL,
	0x0000800000000000UL, 0x00007ffffffff000UL, 0x8000000000000000UL, 0xdead000000000000UL,
	0x00007fffffffff00UL,
};

/* bad pointers that are also safe as the start of an mm range (never low
 * addresses: munmap(0, huge) would take the fuzzer with it) */
static const uint64_t bad_mm[] = {
	0x0000800000000000UL, 0x00007ffffffff000UL, 0xffffffff80000000UL, 0xffff800000000000UL,
	0xffffffffc0000000UL, 0xfffffffffffff000UL, 0x8000000000000000UL, 0xdead000000000000UL,
};

static uint64_t ptr(void)
{
	switch (pick(10)) {
	case 0: case 1: case 2: return bad_ptrs[pick(sizeof(bad_ptrs) / 8)];
	case 3: return rnd();
	case 4: return (uint64_t)scratch + pick(SCRATCH_PAGES * PG);
	case 5: return (uint64_t)scratch + SCRATCH_PAGES * PG - ONE_OF(1, 4, 8, 16, 64); /* into the guard */
	case 6: return (uint64_t)ONE_OF((uint64_t)ro_pg, (uint64_t)none_pg, (uint64_t)rw_pg + PG - 8, (uint64_t)ro_pg + PG - 4);
	case 7: return (uint64_t)arena + pick(ARENA_PAGES) * PG;
	default: return (uint64_t)scratch;
	}
}

static uint64_t len(void)
{
	switch (pick(4)) {
	case 0: return pick(64);
	case 1: return ONE_OF(0, 1, 8, 16, 4095, 4096, 4097, 65536, 1UL << 20);
	case 2: return ONE_OF(0x7fffffffUL, 0x80000000UL, 0xffffffffUL, 1UL << 32, (1UL << 32) + 1, 1UL << 47,
			      1UL << 63, ~0UL, ~0UL - 4095, -8UL, 0x7ffffffff000UL);
	default: return rnd() >> pick(64);
	}
}

static uint64_t bad_fd(void)
{
	return ONE_OF(-1UL, 0x80000000UL, 0xffffffff80000000UL, 1023, 1024, 65535, 0x7fffffff, 0xffffffffUL,
		      (uint64_t)-100, (1UL << 32) | 1023, HI32 | 4096);
}

/* An fd argument: one of ours (maybe with junk in the upper half, which
 * Linux drops), or one that is not open. Never 0, 1 or 2. */
static uint64_t fd_arg(bool mine_only)
{
	unsigned k = (unsigned)pick(10);
	if (npool && k < 5)
		return (uint64_t)pool[pick(npool)];
	if (npool && k < 7)
		return ONE_OF(HI32, 1UL << 32, 0x8000000000000000UL, 0xdead00000000UL) | (uint64_t)pool[pick(npool)];
	if (!mine_only && k < 8)
		return (uint64_t)devnull;
	return mine_only && npool ? (uint64_t)pool[pick(npool)] : bad_fd();
}

static void pool_add(long fd)
{
	if (fd < 3 || fd == devnull)
		return;
	for (int i = 0; i < npool; i++)
		if (pool[i] == fd)
			return;
	if (npool == POOL_MAX) {
		int i = (int)pick(POOL_MAX);
		close(pool[i]);
		pool[i] = (int)fd;
		return;
	}
	pool[npool++] = (int)fd;
}

static void pool_del(unsigned fd)
{
	for (int i = 0; i < npool; i++)
		if ((unsigned)pool[i] == fd)
			pool[i] = pool[--npool];
}

static bool in_pool(unsigned fd)
{
	for (int i = 0; i < npool; i++)
		if ((unsigned)pool[i] == fd)
			return true;
	return false;
}

static void pool_fill(void)
{
	while (npool < 6) {
		int p[2];
		switch (pick(4)) {
		case 0: pool_add(open("/dev/zero", O_RDWR | O_NONBLOCK)); break;
		case 1: pool_add(open("/dev/urandom", O_RDONLY | O_NONBLOCK)); break;
		case 2: pool_add(syscall(SYS_epoll_create1, 0)); break;
		default:
			if (pipe2(p, O_NONBLOCK) == 0) {
				pool_add(p[0]);
				pool_add(p[1]);
			}
		}
	}
}

/* A struct timespec for a timeout: (safe) ones cannot make the call wait
 * long; the others are malformed or huge. */
static uint64_t timespec_at(unsigned char *where, bool may_be_huge)
{
	int64_t *t = (int64_t *)where;
	switch (pick(may_be_huge ? 6 : 4)) {
	case 0: t[0] = 0; t[1] = 0; break;
	case 1: t[0] = 0; t[1] = (int64_t)pick(2000); break;
	case 2: t[0] = ONE_OF(-1, 0, (uint64_t)INT64_MAX, 18446744074); t[1] = ONE_OF(-1, 1000000000, INT64_MAX); break;
	case 3: t[0] = -(int64_t)pick(1UL << 40) - 1; t[1] = 0; break;
	case 4: t[0] = (int64_t)ONE_OF(18446744074, (uint64_t)INT64_MAX, 1UL << 40, 9223372037); t[1] = 999999999; break;
	default: t[0] = (int64_t)(rnd() >> 1); t[1] = (int64_t)pick(1000000000); break;
	}
	return (uint64_t)where;
}

/* ---- the calls ---- */

static long call(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
	cur.nr = nr;
	cur.a[0] = a; cur.a[1] = b; cur.a[2] = c; cur.a[3] = d; cur.a[4] = e; cur.a[5] = f;
	if (call_no >= first_verbose) {
		printf("fuzz: seed %lu call %lu: syscall(%ld, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
		       (unsigned long)seed, (unsigned long)call_no, nr, a, b, c, d, e, f);
		fflush(stdout);
	}
	long r = syscall(nr, a, b, c, d, e, f);
	if (r >= 0)
		n_ok++;
	else
		n_err++, n_efault += errno == EFAULT;
	return r < 0 ? -errno : r;
}

static void reset_arena(void)
{
	mmap(arena, ARENA_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* An mm range: inside the arena, or a start no kernel can map. */
static void mm_range(uint64_t *addr, uint64_t *n)
{
	if (pick(3) == 0) {
		*addr = ONE_OF(bad_mm[pick(sizeof(bad_mm) / 8)], (uint64_t)arena + 1, (uint64_t)arena + PG - 1);
		*n = len();
		return;
	}
	uint64_t k = pick(ARENA_PAGES);
	*addr = (uint64_t)arena + k * PG;
	if (pick(4) == 0) /* a length that wraps past 2^64 from here: refused before anything is touched */
		*n = ONE_OF(~0UL, ~0UL - PG + 1, -(*addr / 2), -PG);
	else
		*n = ONE_OF(0, 1, PG - 1, PG, PG + 1, (ARENA_PAGES - k) * PG, pick((ARENA_PAGES - k) * PG + 1));
}

static void one_call(void)
{
	long r;
	uint64_t a, n;
	unsigned char *s = scratch;
	switch (pick(57)) {
	case 0: call(SYS_read, fd_arg(false), ptr(), len(), 0, 0, 0); break;
	case 1: call(SYS_write, fd_arg(false), ptr(), len(), 0, 0, 0); break;
	case 2: case 3: { /* readv/writev with a hostile iovec array */
		uint64_t *iov = (uint64_t *)(s + 1024);
		memset(iov, 0, 1025 * 16); /* past the 16 made here: empty entries, never stale data as a base */
		for (int i = 0; i < 16; i++)
			iov[i] = i & 1 ? len() : ptr();
		call(pick(2) ? SYS_readv : SYS_writev, fd_arg(false), pick(4) ? (uint64_t)iov : ptr(),
		     ONE_OF(0, 1, 2, 8, 1024, 1025, -1UL, (1UL << 32) | 2), 0, 0, 0);
		break;
	}
	case 4: {
		a = fd_arg(true);
		if ((unsigned)a == (unsigned)devnull)
			break;
		r = call(SYS_close, a, 0, 0, 0, 0, 0);
		if (r == 0)
			pool_del((unsigned)a);
		break;
	}
	case 5: pool_add(call(SYS_dup, fd_arg(false), 0, 0, 0, 0, 0)); break;
	case 6: case 7: { /* dup2/dup3 onto one of ours, a free slot or a bad number */
		uint64_t to = pick(3) == 0 ? bad_fd() : pick(2) && npool ? fd_arg(true) : (uint64_t)(40 + pick(20));
		if ((unsigned)to == (unsigned)devnull || (unsigned)to < 3)
			break;
		bool was = in_pool((unsigned)to);
		r = pick(2) ? call(SYS_dup2, fd_arg(false), to, 0, 0, 0, 0)
			    : call(SYS_dup3, fd_arg(false), to, ONE_OF(0, O_CLOEXEC, 1, -1UL), 0, 0, 0);
		if (r >= 0)
			pool_add(r);
		else if (was && !in_pool((unsigned)to))
			pool_add((unsigned)to);
		break;
	}
	case 8: case 9: { /* open/openat: device paths, missing ones, hostile strings */
		static const char *const paths[] = { "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random",
			"/nonexistent", "", "dev/null", "/dev/null/x", "//dev//zero", "/dev/../dev/null" };
		const char *p = paths[pick(sizeof(paths) / sizeof(paths[0]))];
		strcpy((char *)s + 2048, p);
		uint64_t path = (uint64_t)s + 2048;
		switch (pick(5)) {
		case 0: path = ptr(); break;
		case 1: /* unterminated, up to a PROT_NONE page */
			memset(rw_pg + PG - 300, 'a', 300);
			path = (uint64_t)rw_pg + PG - ONE_OF(1, 9, 255, 256, 257, 300);
			break;
		case 2: memset(s + 2048, 'b', 1000); s[3048] = 0; break; /* too long */
		}
		uint64_t fl = ONE_OF(O_RDONLY, O_WRONLY, O_RDWR, 3) | O_NONBLOCK |
			      ONE_OF(0, O_CLOEXEC, O_NOCTTY, O_NOFOLLOW, O_DIRECTORY, O_PATH);
		r = pick(2) ? call(SYS_open, path, fl, rnd() & 0777, 0, 0, 0)
			    : call(SYS_openat, pick(2) ? (uint64_t)AT_FDCWD : fd_arg(false), path, fl, rnd() & 0777, 0, 0);
		pool_add(r);
		break;
	}
	case 10: { /* pipe2: a real pipe only non-blocking; pipe() only with a bad pointer */
		int *fds = (int *)(s + 512);
		if (pick(4) == 0) {
			call(SYS_pipe, bad_mm[pick(sizeof(bad_mm) / 8)], 0, 0, 0, 0, 0);
			break;
		}
		uint64_t where = pick(3) ? (uint64_t)fds : ONE_OF((uint64_t)ro_pg, (uint64_t)none_pg, (uint64_t)rw_pg + PG - 4,
								  bad_ptrs[pick(sizeof(bad_ptrs) / 8)]);
		r = call(SYS_pipe2, where, O_NONBLOCK | ONE_OF(0, O_CLOEXEC, 1, 0x80000000UL, O_DIRECT), 0, 0, 0, 0);
		if (r == 0 && where == (uint64_t)fds) {
			pool_add(fds[0]);
			pool_add(fds[1]);
		}
		break;
	}
	case 11: { /* ioctl: nothing that could clear O_NONBLOCK or reach a terminal */
		uint64_t req = ONE_OF(0x5421 /* FIONBIO */, 0x541b /* FIONREAD */, 0x5413 /* TIOCGWINSZ */,
				      0x5401 /* TCGETS */, 0x5451 /* FIOCLEX */, 0x5450 /* FIONCLEX */, 0xdeadbeef, 0);
		uint64_t arg = ptr();
		if (req == 0x5421) {
			arg = pick(2) ? bad_ptrs[pick(sizeof(bad_ptrs) / 8)] : (uint64_t)s + 256;
			*(int *)(s + 256) = 1;
		}
		call(SYS_ioctl, fd_arg(false), req, arg, 0, 0, 0);
		*(int *)(s + 256) = 1;
		break;
	}
	case 12: { /* fcntl: O_NONBLOCK stays set */
		uint64_t cmd = ONE_OF(F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, 9999, -1UL);
		uint64_t arg = cmd == F_SETFL ? ((rnd() & (O_APPEND | O_NOATIME | O_DIRECT)) | O_NONBLOCK)
			       : cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC ? ONE_OF(0, 3, 60, 1023, 1024, -1UL) : rnd();
		r = call(SYS_fcntl, fd_arg(false), cmd, arg, 0, 0, 0);
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
			pool_add(r);
		break;
	}
	case 13: case 14: { /* poll/ppoll: a long or endless wait only when fds[0] is ready */
		int32_t *pf = (int32_t *)(s + 4096);
		uint64_t nfds = ONE_OF(0, 1, 2, 4, 16, 1024, 1025, -1UL, (1UL << 32) | 1);
		for (int i = 0; i < 16; i++) {
			pf[2 * i] = i == 0 ? devnull : (int32_t)ONE_OF(fd_arg(false), -1UL, 1023);
			pf[2 * i + 1] = (int32_t)(rnd() & 0xffff); /* events, revents */
		}
		pf[1] = 4; /* POLLOUT */
		uint64_t fdsp = pick(5) ? (uint64_t)pf : ptr();
		bool ready = fdsp == (uint64_t)pf && (uint32_t)nfds >= 1 && nfds != (1UL << 32 | 1) && nfds <= 1024;
		if (pick(2)) {
			call(SYS_poll, fdsp, nfds, ready ? ONE_OF(-1UL, 0x7fffffff, 0xffffffff80000000UL, 1000) : ONE_OF(0, 1), 0, 0, 0);
		} else {
			/* not ready: a short or malformed timeout, or one the kernel cannot read */
			uint64_t ts = ready && pick(3) == 0 ? 0 : pick(6) ? timespec_at(s + 3072, ready)
				      : ready ? ptr() : bad_mm[pick(sizeof(bad_mm) / 8)];
			call(SYS_ppoll, fdsp, nfds, ts, pick(2) ? 0 : ptr(), ONE_OF(8, 0, 16), 0);
		}
		break;
	}
	case 15: case 16: { /* select/pselect6: a long wait only with devnull writable in the set */
		uint64_t *sets = (uint64_t *)(s + 5120);
		for (int i = 0; i < 3 * 16; i++)
			sets[i] = pick(4) ? 0 : rnd();
		uint64_t nfds = ONE_OF(0, 1, (uint64_t)devnull + 1, 64, 1024, 1025, -1UL, (1UL << 32) | 8);
		uint64_t w = pick(4) ? (uint64_t)(sets + 16) : ptr();
		sets[16 + devnull / 64] |= 1UL << (devnull % 64);
		bool ready = w == (uint64_t)(sets + 16) && nfds > (uint64_t)devnull && nfds <= 1024;
		uint64_t r_ = pick(3) ? (uint64_t)sets : ptr(), x_ = pick(3) ? (uint64_t)(sets + 32) : 0;
		if (!ready) {
			for (int i = 0; i < 48; i++) /* no fd at all: nothing can make it ready, keep it short */
				sets[i] = 0;
		}
		if (pick(2)) {
			int64_t *tv = (int64_t *)(s + 6144);
			uint64_t tvp = (uint64_t)tv;
			if (ready) {
				tv[0] = (int64_t)ONE_OF(18446744074, (uint64_t)INT64_MAX, 1, 0); tv[1] = (int64_t)ONE_OF(0, 999999, 1000000, (uint64_t)-1);
				if (pick(4) == 0)
					tvp = 0;
			} else {
				tv[0] = ONE_OF(0, -1UL); tv[1] = (int64_t)ONE_OF(0, 10, (uint64_t)-1);
				if (pick(4) == 0)
					tvp = bad_ptrs[pick(sizeof(bad_ptrs) / 8)];
				if (tvp == 0)
					break;
			}
			call(SYS_select, nfds, r_, w, x_, tvp, 0);
		} else {
			uint64_t ts = timespec_at(s + 6144, ready);
			if (ready && pick(4) == 0)
				ts = 0;
			if (!ready && ((int64_t *)ts)[0] > 0 && ((int64_t *)ts)[1] >= 0 && ((int64_t *)ts)[1] < 1000000000)
				((int64_t *)ts)[0] = 0;
			uint64_t *sig = (uint64_t *)(s + 6400);
			sig[0] = pick(2) ? (uint64_t)(s + 6500) : ptr();
			sig[1] = ONE_OF(8, 0, 16);
			*(uint64_t *)(s + 6500) = 0;
			call(SYS_pselect6, nfds, r_, w, x_, ts, pick(2) ? 0 : (uint64_t)sig);
		}
		break;
	}
	case 17:
		pool_add(pick(2) ? call(SYS_epoll_create1, ONE_OF(0, O_CLOEXEC, 1, -1UL), 0, 0, 0, 0, 0)
				 : call(SYS_epoll_create, ONE_OF(0, 1, -1UL, 1UL << 32), 0, 0, 0, 0, 0));
		break;
	case 18: {
		uint32_t *ev = (uint32_t *)(s + 7168);
		ev[0] = (uint32_t)rnd(); ev[1] = (uint32_t)rnd(); ev[2] = (uint32_t)rnd();
		call(SYS_epoll_ctl, fd_arg(false), ONE_OF(1, 2, 3, 0, 99, -1UL), fd_arg(false), pick(3) ? (uint64_t)ev : ptr(), 0, 0);
		break;
	}
	case 19: /* epoll_wait: never waits (timeout 0) */
		call(pick(2) ? SYS_epoll_wait : SYS_epoll_pwait, fd_arg(false), ptr(),
		     ONE_OF(0, 1, 8, 1024, -1UL, 0x80000000UL, (1UL << 32) | 1), 0, pick(2) ? 0 : ptr(), 8);
		break;
	case 20: case 21: { /* mmap: inside the arena, a bad fixed address, or anywhere (then unmapped) */
		uint64_t prot = pick(8) ? pick(8) : rnd();
		uint64_t fl = ONE_OF(MAP_PRIVATE, MAP_SHARED, MAP_PRIVATE | MAP_NORESERVE, MAP_PRIVATE | MAP_STACK, 0, 3) |
			      (pick(6) ? MAP_ANONYMOUS : 0);
		uint64_t fd = fl & MAP_ANONYMOUS ? ONE_OF(-1UL, 0, (uint64_t)devnull, 0xffffffffUL) : fd_arg(false);
		uint64_t off = pick(4) ? 0 : ONE_OF(1, PG, -PG, 1UL << 40);
		switch (pick(3)) {
		case 0:
			mm_range(&a, &n);
			if (a >= (uint64_t)arena && a < (uint64_t)arena + ARENA_PAGES * PG && n > (uint64_t)arena + ARENA_PAGES * PG - a)
				n = (uint64_t)arena + ARENA_PAGES * PG - a; /* a fixed mapping that wraps would still be refused, keep it simple */
			r = call(SYS_mmap, a, n, prot, fl | (pick(3) ? MAP_FIXED : MAP_FIXED_NOREPLACE), fd, off);
			if (r > 0 && ((uint64_t)r < (uint64_t)arena || (uint64_t)r >= (uint64_t)arena + ARENA_PAGES * PG))
				munmap((void *)r, n); /* landed outside the arena: not ours to keep */
			break;
		default:
			a = pick(3) ? 0 : ptr();
			n = len();
			r = call(SYS_mmap, a, n, prot, fl, fd, off);
			if (r > 0 && (r & (PG - 1)) == 0)
				munmap((void *)r, n);
		}
		break;
	}
	case 22:
		mm_range(&a, &n);
		call(SYS_munmap, a, n, 0, 0, 0, 0);
		break;
	case 23:
		mm_range(&a, &n);
		call(SYS_mprotect, a, n, pick(8) ? pick(8) : rnd(), 0, 0, 0);
		break;
	case 24:
		mm_range(&a, &n);
		call(SYS_madvise, a, n, ONE_OF(0, 1, 2, 3, 4, 8, 10, 11, 14, 15, 16, 17, 20, 21, 9999, -1UL), 0, 0, 0);
		break;
	case 25:
		call(SYS_brk, ONE_OF(0, 0xffffffff80000000UL, 0x8000000000000000UL, ~0UL, 0x0000800000000000UL), 0, 0, 0, 0, 0);
		break;
	case 26: {
		uint64_t clk = ONE_OF(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 12345, -1UL, 0x80000000UL, 1UL << 32);
		call(pick(2) ? SYS_clock_gettime : SYS_clock_getres, clk, ptr(), 0, 0, 0, 0);
		break;
	}
	case 27: call(SYS_gettimeofday, ptr(), pick(2) ? 0 : ptr(), 0, 0, 0, 0); break;
	case 28: call(SYS_time, ptr(), 0, 0, 0, 0, 0); break;
	case 29: case 30: { /* sleeping: only malformed, tiny or past requests */
		int64_t *t = (int64_t *)(s + 7680);
		switch (pick(4)) {
		case 0: t[0] = 0; t[1] = (int64_t)pick(100); break;
		case 1: t[0] = ONE_OF(-1, (uint64_t)INT64_MIN, 18446744074, (uint64_t)INT64_MAX); t[1] = (int64_t)ONE_OF(-1, 1000000000, (uint64_t)INT64_MAX); break;
		case 2: t[0] = -(int64_t)pick(1000) - 1; t[1] = 0; break;
		default: t[0] = 0; t[1] = 0; break;
		}
		uint64_t req = pick(5) ? (uint64_t)t : bad_ptrs[pick(sizeof(bad_ptrs) / 8)];
		uint64_t rem = pick(2) ? 0 : ptr();
		if (pick(2)) {
			call(SYS_nanosleep, req, rem, 0, 0, 0, 0);
		} else {
			uint64_t clk = ONE_OF(0, 1, 7, 2, 3, 12345);
			uint64_t fl = ONE_OF(0, 1 /* TIMER_ABSTIME */, 2, -1UL);
			if ((clk == 2 || clk == 3) && req == (uint64_t)t && t[0] == 0 && t[1] >= 0)
				fl = 1, t[1] = 0; /* relative CPU-time sleeps can last for ever: only a past absolute one */
			call(SYS_clock_nanosleep, clk, fl, req, rem, 0, 0);
		}
		break;
	}
	case 31: case 32: { /* futex: a wait never matches, so never waits */
		uint64_t op = ONE_OF(0, 1, 2, 3, 4, 5, 9, 10, 99, -1UL) /* no PI ops: they wait for an owner */ | (pick(2) ? 128 : 0) | (pick(4) ? 0 : 256);
		uint64_t cmd = op & 127;
		uint64_t ua = ONE_OF((uint64_t)&fword, (uint64_t)&fword + 1, (uint64_t)ro_pg, (uint64_t)none_pg,
				     bad_ptrs[pick(sizeof(bad_ptrs) / 8)]);
		uint64_t val = rnd();
		if (cmd == 0 || cmd == 9 || cmd == 2 || cmd >= 99) { /* waits (and ops Linux lacks) */
			if (ua == (uint64_t)&fword)
				val = fword + 1 + pick(1000);
			else if (ua == (uint64_t)ro_pg)
				val = 1 + pick(1000); /* the read-only page holds zeros */
		}
		uint64_t ts = pick(2) ? timespec_at(s + 7936, true) : pick(2) ? 0 : ptr();
		uint64_t ua2 = ONE_OF((uint64_t)&fword2, (uint64_t)ro_pg, bad_ptrs[pick(sizeof(bad_ptrs) / 8)]);
		call(SYS_futex, ua, op, val, ts, ua2, ONE_OF(0, ~0UL, 1, fword, rnd()));
		fword = 5;
		break;
	}
	case 33: { /* tkill/tgkill: ourselves with harmless signals, anyone else only with 0 or bad ones */
		uint64_t tid = ONE_OF((uint64_t)self_tid, (1UL << 32) | (uint64_t)self_tid, 0, -1UL, 0x3fffffff, rnd() & 0xffffffff, 1);
		bool me = (int)tid == (int)self_tid;
		uint64_t sig = me ? ONE_OF(0, SIGURG, SIGCHLD, SIGWINCH, SIGUSR2, 65, -1UL, 1000) : ONE_OF(0, 65, -1UL, 1000);
		if (pick(2)) {
			call(SYS_tkill, tid, sig, 0, 0, 0, 0);
		} else {
			uint64_t tg = ONE_OF((uint64_t)self_pid, 0, -1UL, 0x3fffffff, (1UL << 32) | (uint64_t)self_pid);
			if ((int)tg != (int)self_pid)
				sig = ONE_OF(0, 65, -1UL);
			call(SYS_tgkill, tg, tid, sig, 0, 0, 0);
		}
		break;
	}
	case 34: { /* rt_sigaction: only SIG_DFL/SIG_IGN for harmless signals, or bad ones */
		uint64_t *act = (uint64_t *)(s + 8192 - 64);
		uint64_t sig = ONE_OF(SIGURG, SIGWINCH, SIGCHLD, SIGKILL, SIGSTOP, 0, 65, -1UL, (1UL << 32) | SIGURG);
		act[0] = ONE_OF(0, 1); act[1] = rnd() & ~0x04000000UL; act[2] = 0; act[3] = rnd();
		uint64_t ap = pick(3) ? (uint64_t)act : pick(2) ? 0 : bad_ptrs[pick(sizeof(bad_ptrs) / 8)];
		if (ap && ap != (uint64_t)act && (ap < 0x800000000000UL && ap >= 0x10000))
			break;
		call(SYS_rt_sigaction, sig, ap, pick(2) ? 0 : ptr(), ONE_OF(8, 0, 16, -1UL), 0, 0);
		break;
	}
	case 35: {
		uint64_t *set = (uint64_t *)(s + 128);
		*set = rnd() & ~((1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)) | (1UL << (SIGILL - 1)) | (1UL << (SIGFPE - 1)));
		call(SYS_rt_sigprocmask, ONE_OF(0, 1, 2, 3, -1UL), pick(3) ? (uint64_t)set : ptr(), pick(2) ? 0 : ptr(),
		     ONE_OF(8, 0, 4, 16), 0, 0);
		break;
	}
	case 36: call(SYS_uname, ptr(), 0, 0, 0, 0, 0); break;
	case 37: call(SYS_getrandom, ptr(), len(), ONE_OF(0, 1, 2, 3, 4, 0xff, -1UL), 0, 0, 0); break;
	case 38: call(SYS_sched_getaffinity, ONE_OF(0, (uint64_t)self_tid, 0x3fffffff, -1UL), len(), ptr(), 0, 0, 0); break;
	case 39: {
		uint64_t code = ONE_OF(0x1003 /* GET_FS */, 0x1004 /* GET_GS */, 0x1002 /* SET_FS */, 0x1001 /* SET_GS */, 0, 0x9999);
		/* a SET only with addresses no kernel takes; a GET never into scratch (a pointer
		 * to our own TLS there could become a later call's buffer) */
		uint64_t addr = bad_mm[pick(sizeof(bad_mm) / 8)];
		call(SYS_arch_prctl, code, addr, 0, 0, 0, 0);
		break;
	}
	case 40: call(SYS_set_robust_list, ptr(), ONE_OF(24, 0, 23, -1UL), 0, 0, 0, 0); break;
	case 41: /* calls with nothing to hurt, and numbers no kernel has */
		call((long)ONE_OF(SYS_getpid, SYS_gettid, SYS_getuid, SYS_getppid, SYS_sched_yield, 1000, 0xffffffffUL,
				  0x7fffffff, 600, (1UL << 32) | SYS_getpid, HI32 | SYS_gettid), rnd(), rnd(), 0, 0, 0, 0);
		break;
	case 42: { /* socket calls on fds that are not sockets, and socket() itself */
		long nr = (long)ONE_OF(SYS_bind, SYS_listen, SYS_connect, SYS_accept, SYS_accept4, SYS_sendto,
				       SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_shutdown, SYS_getsockname,
				       SYS_getpeername, SYS_setsockopt, SYS_getsockopt);
		call(nr, fd_arg(false), ptr(), len(), pick(2) ? 0x40 /* MSG_DONTWAIT */ : rnd(), ptr(), len());
		break;
	}
	/* ---- the process ABI of issue 11: only what cannot hurt the fuzzer natively ---- */
	case 43: /* event fds: always non-blocking, so a read of the pool never waits */
		pool_add(pick(2) ? call(SYS_eventfd2, rnd(), EFD_NONBLOCK | ONE_OF(0, EFD_SEMAPHORE, O_CLOEXEC, 1UL << 40), 0, 0, 0, 0)
				 : call(SYS_timerfd_create, ONE_OF(0, 1, 7, 2, 99, -1UL), TFD_NONBLOCK | ONE_OF(0, O_CLOEXEC, 1, -1UL), 0, 0, 0, 0));
		break;
	case 44: { /* timerfd_settime: well-formed values expire in 1 ms or more, others are malformed */
		int64_t *its = (int64_t *)(s + 256);
		its[0] = 0; its[1] = ONE_OF(0, 1000000, -1, 1000000000);
		its[2] = (int64_t)pick(3); its[3] = ONE_OF(0, 1000000, 999999999, -1, 1000000000);
		if (its[1] > 0 && its[1] < 1000000)
			its[1] = 1000000;
		call(SYS_timerfd_settime, fd_arg(false), ONE_OF(0, 1, 2, 3, -1UL), pick(3) ? (uint64_t)its : ptr(),
		     pick(2) ? 0 : ptr(), 0, 0);
		break;
	}
	case 45: call(SYS_timerfd_gettime, fd_arg(false), ptr(), 0, 0, 0, 0); break;
	case 46: /* limits: read them; a new limit only from a bad pointer (EFAULT) */
		if (pick(2))
			call(SYS_prlimit64, ONE_OF(0, (uint64_t)self_pid, 0x3fffffff, -1UL), ONE_OF(7, 3, 0, 15, 16, -1UL),
			     pick(2) ? 0 : bad_ptrs[pick(sizeof(bad_ptrs) / 8)], pick(2) ? 0 : ptr(), 0, 0);
		else
			call(pick(2) ? SYS_getrlimit : SYS_setrlimit, ONE_OF(7, 3, 16, -1UL),
			     bad_ptrs[pick(sizeof(bad_ptrs) / 8)], 0, 0, 0, 0);
		break;
	case 47:
		call((long)ONE_OF(SYS_sysinfo, SYS_times), ptr(), 0, 0, 0, 0, 0);
		call(SYS_getrusage, ONE_OF(0, -1UL, 1, 2, 99), ptr(), 0, 0, 0, 0);
		break;
	case 48: /* prctl: the name, and options that do nothing */
		call(SYS_prctl, ONE_OF(16 /* GET_NAME */, 3 /* GET_DUMPABLE */, 2 /* GET_PDEATHSIG */, 9999, -1UL),
		     ptr(), 0, 0, 0, 0);
		call(SYS_prctl, 15 /* SET_NAME */, bad_ptrs[pick(sizeof(bad_ptrs) / 8)], 0, 0, 0, 0);
		break;
	case 49: { /* the scheduler's knobs, read; set only with what is refused */
		long nr = (long)ONE_OF(SYS_sched_getparam, SYS_sched_getscheduler, SYS_sched_get_priority_max,
				       SYS_sched_get_priority_min, SYS_sched_rr_get_interval, SYS_getpriority,
				       SYS_sched_setaffinity);
		call(nr, ONE_OF(0, (uint64_t)self_tid, 0x3fffffff, -1UL, 1, 5, 6, 99), nr == SYS_sched_setaffinity ? len() : ptr(),
		     ptr(), 0, 0, 0);
		call(SYS_sched_setscheduler, ONE_OF(0, 0x3fffffff, -1UL), ONE_OF(99, -1UL, 7), ptr(), 0, 0, 0);
		break;
	}
	case 50: { /* ids: read them; change them only in ways that fail */
		call(SYS_getresuid, ptr(), ptr(), ptr(), 0, 0, 0);
		call(SYS_getresgid, ptr(), ptr(), ptr(), 0, 0, 0);
		call(SYS_getgroups, ONE_OF(0, 1, 32, 65536, -1UL), ptr(), 0, 0, 0, 0);
		call(SYS_setgroups, ONE_OF(65537, -1UL, 1UL << 31, 4), bad_ptrs[pick(sizeof(bad_ptrs) / 8)], 0, 0, 0, 0);
		call((long)ONE_OF(SYS_setuid, SYS_setgid), -1UL, 0, 0, 0, 0, 0);
		call(SYS_sethostname, bad_ptrs[pick(sizeof(bad_ptrs) / 8)], ONE_OF(1, 8, 64, 65, -1UL), 0, 0, 0, 0);
		break;
	}
	case 51: { /* signal state: an alternate stack anywhere (no handler uses it), pending, suspend refused */
		call(SYS_sigaltstack, pick(3) ? 0 : ptr(), ptr(), 0, 0, 0, 0);
		call(SYS_rt_sigpending, ptr(), ONE_OF(8, 4, 0, 16, -1UL), 0, 0, 0, 0);
		call(SYS_rt_sigsuspend, pick(2) ? bad_ptrs[pick(sizeof(bad_ptrs) / 8)] : (uint64_t)s, ONE_OF(0, 4, 16, -1UL), 0, 0, 0, 0);
		break;
	}
	case 52: { /* kill: ourselves with harmless signals, anyone else with 0 or bad ones, never -1 or 0 */
		bool me = pick(2);
		call(SYS_kill, me ? (uint64_t)self_pid : ONE_OF(0x3fffffff, (1UL << 32) | 0x3ffffffe),
		     me ? ONE_OF(0, SIGURG, SIGCHLD, SIGWINCH, SIGUSR2, 65, -1UL) : ONE_OF(0, 65, -1UL), 0, 0, 0, 0);
		break;
	}
	case 53: { /* interval timers: SIGALRM has a handler; never sooner than 1 ms, never periodic */
		int64_t *it = (int64_t *)(s + 512);
		it[0] = 0; it[1] = ONE_OF(0, -1, 1000000);
		it[2] = (int64_t)ONE_OF(0, 0, 1000, -1); it[3] = ONE_OF(0, 1000, 999999, -1, 1000000);
		if (it[1] > 0 || (it[2] == 0 && it[3] > 0 && it[3] < 1000))
			it[3] = it[2] = 0;
		call(SYS_setitimer, ONE_OF(0, 0, 1, 2, 3, -1UL), pick(3) ? (uint64_t)it : ptr(), pick(2) ? 0 : ptr(), 0, 0, 0);
		call(SYS_getitimer, ONE_OF(0, 1, 2, 3, -1UL), ptr(), 0, 0, 0, 0);
		if (!pick(8))
			call(SYS_alarm, ONE_OF(0, 1000, 0x7fffffff), 0, 0, 0, 0, 0);
		break;
	}
	case 54: { /* mremap inside the arena: never MREMAP_FIXED outside it */
		mm_range(&a, &n);
		uint64_t nl = ONE_OF(0, PG, 2 * PG, 4 * PG, ~0UL, 1UL << 47);
		uint64_t to = (uint64_t)arena + pick(ARENA_PAGES - 4) * PG; /* a fixed target of 4 pages stays inside */
		uint64_t fl = ONE_OF(0, 1, 3, 2, 4, 8, -1UL);
		if ((fl & 2) && !(fl & ~3UL) && (a < (uint64_t)arena || a >= (uint64_t)arena + ARENA_PAGES * PG))
			fl = 0;
		r = call(SYS_mremap, a, n, nl, fl, to, 0);
		if (r > 0 && ((uint64_t)r < (uint64_t)arena || (uint64_t)r >= (uint64_t)arena + ARENA_PAGES * PG))
			munmap((void *)r, nl); /* moved out of the arena: give it back */
		break;
	}
	case 55:
		mm_range(&a, &n);
		if (pick(2))
			call(SYS_msync, a, n, ONE_OF(0, 1, 2, 4, 5, 6, 8, -1UL), 0, 0, 0);
		else
			call(SYS_mincore, a, n, ptr(), 0, 0, 0);
		break;
	default:
		r = call(SYS_socket, ONE_OF(2, 1, 9999, -1UL), ONE_OF(1, 2, 3, 99) | 04000, ONE_OF(0, 6, 17, 9999), 0, 0, 0);
		if (r >= 0)
			close((int)r);
		break;
	}
}

/* ---- crash reporting (Linux; the refkernel prints its own report) ---- */

static void on_crash(int sig)
{
	char line[256];
	int k = snprintf(line, sizeof(line), "fuzz: CRASH signal %d at seed %lu call %lu: syscall(%ld, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
			 sig, (unsigned long)seed, (unsigned long)call_no, cur.nr, cur.a[0], cur.a[1], cur.a[2], cur.a[3], cur.a[4], cur.a[5]);
	write(2, line, (size_t)k);
	write(1, line, (size_t)k);
	_exit(99);
}

static void on_usr2(int sig) { (void)sig; }

/* ---- after the run: is the kernel still all right? ---- */

static int sane(void)
{
	int bad = 0;
	struct itimerval off = { { 0, 0 }, { 0, 0 } }; /* the fuzzer's timers would cut the sleep below short */
	for (int w = 0; w < 3; w++)
		setitimer(w, &off, NULL);
	alarm(0);
	for (int i = 0; i < npool; i++)
		close(pool[i]);
	npool = 0;
	close(devnull);
	int fd = open("/dev/null", O_WRONLY);
	if (fd != 3)
		bad++, printf("fuzz: FAIL after the run, open gave fd %d, not 3 (fd table)\n", fd);
	if (write(fd, "x", 1) != 1 || close(fd) != 0)
		bad++, printf("fuzz: FAIL /dev/null after the run\n");
	int p[2];
	char b[8] = { 0 };
	if (pipe(p) != 0 || write(p[1], "ping", 4) != 4 || read(p[0], b, 8) != 4 || memcmp(b, "ping", 4) != 0)
		bad++, printf("fuzz: FAIL pipe round trip after the run\n");
	close(p[0]);
	close(p[1]);
	size_t n = 1UL << 20; /* fits a small guest too */
	unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		bad++, printf("fuzz: FAIL mmap of 1 MiB after the run: %s\n", strerror(errno));
	} else {
		for (size_t i = 0; i < n; i += PG)
			m[i] = (unsigned char)i;
		for (size_t i = 0; i < n; i += PG)
			bad += m[i] != (unsigned char)i;
		munmap(m, n);
	}
	struct timespec t0, t1, d = { 0, 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 1000000)
		bad++, printf("fuzz: FAIL clock or sleep after the run\n");
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t calls = 50000, seeds[64];
	int nseeds = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			calls = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-v"))
			first_verbose = first_verbose == UINT64_MAX ? 0 : first_verbose;
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			first_verbose = strtoull(argv[++i], NULL, 0);
		else if (argv[i][0] >= '0' && argv[i][0] <= '9' && nseeds < 64)
			seeds[nseeds++] = strtoull(argv[i], NULL, 0);
		else {
			printf("usage: fuzz [-n CALLS] [-v] [-f FIRST] SEED...\n");
			return 2;
		}
	}
	if (!nseeds)
		seeds[nseeds++] = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int fd = 3; fd < 1024; fd++) /* natively: start with nothing inherited to hit */
		close(fd);
	if (chdir("/")) { /* relative paths then mean /dev/... */ }
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_crash };
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL); /* setitimer/alarm calls of the fuzzer */
	sigaction(SIGVTALRM, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	self_tid = syscall(SYS_gettid);
	self_pid = getpid();

	scratch = guarded(SCRATCH_PAGES);
	rw_pg = guarded(3);
	none_pg = rw_pg + PG;
	ro_pg = rw_pg + 2 * PG;
	mprotect(none_pg, PG, PROT_NONE);
	mprotect(ro_pg, PG, PROT_READ);
	arena = guarded(ARENA_PAGES);
	devnull = open("/dev/null", O_RDWR);
	uint64_t total = 0;
	for (int k = 0; k < nseeds; k++) {
		seed = seeds[k];
		rng = seed * 0x9e3779b97f4a7c15ULL + 1;
		printf("fuzz: seed %lu, %lu calls\n", (unsigned long)seed, (unsigned long)calls);
		for (call_no = 0; call_no < calls; call_no++) {
			if (call_no % 1024 == 0) {
				reset_arena();
				pool_fill();
			}
			if (call_no && call_no % 10000 == 0)
				printf("fuzz: seed %lu at call %lu\n", (unsigned long)seed, (unsigned long)call_no);
			one_call();
			if (npool < 3)
				pool_fill();
		}
		total += calls;
	}
	cur.nr = -1;
	int bad = sane();
	printf("fuzz: results: %lu succeeded, %lu failed (%lu of them EFAULT)\n", (unsigned long)n_ok,
	       (unsigned long)n_err, (unsigned long)n_efault);
	printf("fuzz: %lu calls from %d seeds, %s\n", (unsigned long)total, nseeds, bad ? "kernel damaged" : "kernel ok");
	return bad ? 1 : 0;
}
