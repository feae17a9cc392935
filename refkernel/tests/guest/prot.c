/* prot: what prot= must keep true at every ring, and what ring 3 adds.
 *   prot            kernel addresses given to syscalls are EFAULT (read,
 *                   write, clock_gettime, uname); a signal sent by tgkill to
 *                   a thread spinning in application code (no syscalls, the
 *                   loop bounded by the TSC) runs its handler within the
 *                   bound; so does SIGALRM of setitimer while two threads
 *                   spin. Prints "prot: N checks, M failed"; exit status M.
 *   prot poke ADDR  write to ADDR (hex): at ring 3 a kernel page faults
 *                   (the crash report names ADDR); prints "poked" if not. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static int checks, failed;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failed++; printf("prot: FAIL %s:%d: ", __func__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

#define KTEXT ((void *)0xffffffff80100000UL) /* the kernel image (arch/x86_64/kernel.ld) */
#define KDMAP ((void *)0xffff800000100000UL) /* the direct map */

static void efault(void)
{
	long r = syscall(SYS_write, 1, KTEXT, 16);
	CHECK(r == -1 && errno == EFAULT, "write from kernel text: %ld errno %d", r, errno);
	r = syscall(SYS_read, 0, KDMAP, 16);
	CHECK(r == -1 && errno == EFAULT, "read into the direct map: %ld errno %d", r, errno);
	r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KDMAP);
	CHECK(r == -1 && errno == EFAULT, "clock_gettime into the direct map: %ld errno %d", r, errno);
	r = syscall(SYS_uname, KTEXT);
	CHECK(r == -1 && errno == EFAULT, "uname into kernel text: %ld errno %d", r, errno);
	r = syscall(SYS_write, 1, (void *)0x00007ffffffff000UL, 0x2000); /* runs past the user half */
	CHECK(r == -1 && errno == EFAULT, "write across the top of the user half: %ld errno %d", r, errno);
}

/* ---- asynchronous delivery to a spinning thread ---- */

static volatile int started, got_usr1, got_alrm;
static volatile pid_t spinner_tid;
static uint64_t tsc_bound;

static void on_usr1(int s) { (void)s; got_usr1 = 1; }
static void on_alrm(int s) { (void)s; got_alrm = 1; }

/* Spin without a single syscall until (*flag) is set or the TSC bound passes. */
static int spin_until(volatile int *flag)
{
	uint64_t end = __rdtsc() + tsc_bound;
	while (!*flag)
		if (__rdtsc() > end)
			return 0;
	return 1;
}

static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	started = 1;
	int a = spin_until(&got_usr1);
	int b = spin_until(&got_alrm);
	return (void *)(long)(a | b << 1);
}

static void async(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alrm;
	sigaction(SIGALRM, &sa, NULL);
	struct timespec t0, t1;
	uint64_t c0 = __rdtsc();
	struct timespec ten = { 0, 10000000 };
	nanosleep(&ten, NULL);
	uint64_t per_10ms = __rdtsc() - c0;
	tsc_bound = per_10ms * 150; /* about 1.5 s (more under TCG) */

	pthread_t t;
	if (pthread_create(&t, NULL, spinner, NULL)) {
		CHECK(0, "pthread_create");
		return;
	}
	while (!started)
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR1);
	/* SIGALRM: blocked here, so the spinner takes it, while both spin */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	while (!got_usr1 && __rdtsc() - c0 < tsc_bound * 2)
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(got_usr1, "tgkill to a spinning thread: no handler ran in %ld ms", ms);
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int mine = spin_until(&got_alrm); /* no syscall here either */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	void *r;
	pthread_join(t, &r);
	long ms2 = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK((long)r == 3 && mine, "spinner returned %ld, SIGALRM %s after %ld ms", (long)r,
	      got_alrm ? "came" : "never came", ms2);
	printf("prot: tgkill handled after %ld ms, SIGALRM after %ld ms of spinning\n", ms, ms2);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "poke") == 0) {
		volatile uint64_t *p = (volatile uint64_t *)strtoull(argv[2], NULL, 16);
		printf("poking %p\n", (void *)p);
		fflush(stdout);
		*p = 0x5a5a5a5a5a5a5a5aULL;
		printf("poked\n");
		return 0;
	}
	efault();
	async();
	printf("prot: %d checks, %d failed\n", checks, failed);
	return failed;
}
