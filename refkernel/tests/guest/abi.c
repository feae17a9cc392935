/* abi: checks the Linux process ABI the refkernel promises a static musl
 * binary: argv/envp/auxv, TLS, SSE, the red zone across syscalls, clocks,
 * sleeping, anonymous memory (mmap/munmap/mprotect/brk/madvise), getrandom,
 * uname and errno for bad pointers. Prints one line per failure and
 * "abi: N checks, M failed"; the exit status is M. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int checks, failed;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failed++; printf("abi: FAIL %s:%d: ", __func__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static __thread int tls_counter = 42;
extern char **environ;

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Values kept in the red zone (below rsp, no stack adjustment) must survive
 * a syscall: the kernel entry steps below them. */
static int red_zone_survives(void)
{
	long ok;
	__asm__ volatile(
		"movq $0x1111, -8(%%rsp)\n\t"
		"movq $0x2222, -64(%%rsp)\n\t"
		"movq $0x3333, -128(%%rsp)\n\t"
		"mov $39, %%eax\n\t"       /* getpid */
		"syscall\n\t"
		"xor %%eax, %%eax\n\t"
		"cmpq $0x1111, -8(%%rsp)\n\t"
		"jne 1f\n\t"
		"cmpq $0x2222, -64(%%rsp)\n\t"
		"jne 1f\n\t"
		"cmpq $0x3333, -128(%%rsp)\n\t"
		"jne 1f\n\t"
		"mov $1, %%eax\n"
		"1:"
		: "=a"(ok) : : "rcx", "r11", "memory");
	return (int)ok;
}

int main(int argc, char **argv)
{
	CHECK(argc == 3 && strcmp(argv[1], "one") == 0 && strcmp(argv[2], "two words") == 0,
	      "argv: argc=%d", argc);
	CHECK(getenv("HOME") != NULL, "envp: no HOME");
	CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ=%lu", getauxval(AT_PAGESZ));
	CHECK(getauxval(AT_RANDOM) != 0, "AT_RANDOM missing");
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_PHNUM) > 0, "AT_PHDR/AT_PHNUM missing");
	CHECK(getauxval(AT_ENTRY) != 0, "AT_ENTRY missing");
	/* the kernel's entry stack: argc at a 16-byte aligned sp, argv just above (SysV ABI §3.4.1) */
	CHECK((((uintptr_t)argv - 8) & 15) == 0, "entry stack pointer %p not 16-byte aligned", (void *)((uintptr_t)argv - 8));
	CHECK(((uintptr_t)__builtin_frame_address(0) & 15) == 0, "frame of main at %p not 16-byte aligned",
	      __builtin_frame_address(0));

	CHECK(tls_counter == 42, "TLS initial value %d", tls_counter);
	tls_counter++;
	CHECK(tls_counter == 43, "TLS write");

	volatile double x = 2.0;
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f", x / 3.0 * 1.5);
	CHECK(strcmp(buf, "1.000") == 0, "SSE/printf %%f gave %s", buf);
	CHECK(red_zone_survives(), "red zone clobbered by syscall entry");

	uint64_t m0 = now_ns(CLOCK_MONOTONIC), m1 = now_ns(CLOCK_MONOTONIC);
	CHECK(m1 >= m0 && m0 > 0, "monotonic clock went back");
	CHECK(now_ns(CLOCK_REALTIME) > 1600000000ULL * 1000000000ULL, "realtime clock before 2020");
	struct timespec req = { 0, 10 * 1000 * 1000 };
	m0 = now_ns(CLOCK_MONOTONIC);
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep failed");
	m1 = now_ns(CLOCK_MONOTONIC);
	CHECK(m1 - m0 >= 10000000 && m1 - m0 < 500000000, "nanosleep(10ms) took %llu ns",
	      (unsigned long long)(m1 - m0));
	CHECK(clock_gettime(12345, &req) == -1 && errno == EINVAL, "bad clock id accepted");

	size_t len = 1 << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 1 MiB: %s", strerror(errno));
	if (p != MAP_FAILED) {
		int zero = 1;
		for (size_t i = 0; i < len; i += 4096)
			zero &= p[i] == 0;
		CHECK(zero, "mmap memory not zeroed");
		memset(p, 0xab, len);
		int r = madvise(p, len, MADV_DONTNEED);
		size_t nonzero = 0;
		for (size_t i = 0; i < len; i++)
			nonzero += p[i] != 0;
		CHECK(r == 0 && nonzero == 0, "MADV_DONTNEED: r=%d, %zu of %zu bytes not zero", r, nonzero, len);
		p[0] = 42;
		p[len - 1] = 43;
		int a = mprotect(p, len, PROT_NONE), b = mprotect(p, len, PROT_READ | PROT_WRITE);
		CHECK(a == 0 && b == 0 && p[0] == 42 && p[len - 1] == 43,
		      "mprotect PROT_NONE and back kept the data: %d %d, read %d %d", a, b, p[0], p[len - 1]);
		CHECK(mprotect(p, 4096, PROT_READ) == 0 && p[0] == 42, "mprotect PROT_READ");
		CHECK(munmap(p, len) == 0, "munmap");
	}
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 5, 0) == MAP_FAILED, "file mmap without files succeeded");
	void *big = malloc(8 << 20);
	CHECK(big != NULL, "malloc 8 MiB");
	if (big)
		memset(big, 1, 8 << 20);
	free(big);
	char *b0 = (char *)syscall(SYS_brk, 0); /* musl's sbrk() only answers sbrk(0) */
	char *b1 = (char *)syscall(SYS_brk, b0 + 65536);
	CHECK(b1 == b0 + 65536, "brk grow: %p -> %p", (void *)b0, (void *)b1);
	if (b1 == b0 + 65536) {
		memset(b0, 7, 65536);
		CHECK((char *)syscall(SYS_brk, b0) == b0, "brk shrink");
	}

	unsigned char r1[32] = { 0 }, r2[32] = { 0 };
	CHECK(getrandom(r1, sizeof(r1), 0) == 32 && getrandom(r2, sizeof(r2), 0) == 32 &&
	      memcmp(r1, r2, 32) != 0, "getrandom");
	struct utsname u;
	CHECK(uname(&u) == 0 && strcmp(u.sysname, "refkernel") == 0 && strcmp(u.machine, "x86_64") == 0,
	      "uname sysname=%s", u.sysname);
	CHECK(getpid() > 0 && syscall(SYS_gettid) > 0, "getpid/gettid");
	CHECK(write(1, (void *)16, 10) == -1 && errno == EFAULT, "write from a bad pointer: errno %d", errno);
	CHECK(write(77, "x", 1) == -1 && errno == EBADF, "write to a bad fd");
	CHECK(isatty(1) == 0, "console claims to be a tty");

	int fd = open("/dev/null", O_WRONLY);
	CHECK(fd >= 0 && write(fd, buf, 64) == 64 && close(fd) == 0, "/dev/null");
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof(buf));
	CHECK(fd >= 0 && read(fd, buf, 64) == 64 && buf[0] == 0 && buf[63] == 0, "/dev/zero");
	close(fd);
	CHECK(open("/etc/passwd", O_RDONLY) == -1 && errno == ENOENT, "a missing file opened");
	int pfd[2];
	CHECK(pipe(pfd) == 0 && write(pfd[1], "ping", 4) == 4 && read(pfd[0], buf, 64) == 4 &&
	      memcmp(buf, "ping", 4) == 0, "pipe round trip");
	CHECK(close(pfd[1]) == 0 && read(pfd[0], buf, 64) == 0, "pipe EOF after the writer closes");
	close(pfd[0]);
	fd = dup(1);
	CHECK(fd > 2 && write(fd, "", 0) == 0 && close(fd) == 0, "dup of stdout");

	printf("abi: %d checks, %d failed\n", checks, failed);
	return failed;
}
