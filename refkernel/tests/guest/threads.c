/* threads: pthreads on the refkernel — create/join, a mutex/condvar
 * producer-consumer, TLS, preemption (a spinning thread cannot starve
 * another), sleeping, futex errors, fork. Prints one line per failure and
 * "threads: N checks, M failed"; exit status M. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (musl has no <linux/futex.h>) */

static int checks, failed;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failed++; printf("threads: FAIL %s:%d: ", __func__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void *ret_arg(void *a) { return a; }

static void create_join(void)
{
	pthread_t t[100];
	int created = 0, joined = 0;
	for (long i = 0; i < 100; i++)
		created += pthread_create(&t[i], NULL, ret_arg, (void *)i) == 0;
	for (long i = 0; i < created; i++) {
		void *r;
		joined += pthread_join(t[i], &r) == 0 && r == (void *)i;
	}
	CHECK(created == 100 && joined == 100, "created %d, joined %d", created, joined);
}

#define ITEMS 1000000
#define QCAP 256
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static uint32_t q[QCAP];
static int qhead, qlen, producers_left;
static uint64_t consumed_sum, consumed_n;

static void *producer(void *arg)
{
	long id = (long)arg;
	for (uint32_t i = (uint32_t)id; i < ITEMS; i += 2) {
		pthread_mutex_lock(&mu);
		while (qlen == QCAP)
			pthread_cond_wait(&not_full, &mu);
		q[(qhead + qlen++) % QCAP] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	uint64_t sum = 0, n = 0;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (qlen == 0 && producers_left)
			pthread_cond_wait(&not_empty, &mu);
		if (qlen == 0) {
			pthread_mutex_unlock(&mu);
			break;
		}
		uint32_t v = q[qhead];
		qhead = (qhead + 1) % QCAP;
		qlen--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&mu);
		sum += v;
		n++;
	}
	pthread_mutex_lock(&mu);
	consumed_sum += sum;
	consumed_n += n;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void producer_consumer(void)
{
	pthread_t t[4];
	producers_left = 2;
	uint64_t t0 = now_ns();
	pthread_create(&t[0], NULL, producer, (void *)0);
	pthread_create(&t[1], NULL, producer, (void *)1);
	pthread_create(&t[2], NULL, consumer, NULL);
	pthread_create(&t[3], NULL, consumer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	uint64_t want = (uint64_t)ITEMS * (ITEMS - 1) / 2;
	CHECK(consumed_n == ITEMS && consumed_sum == want, "moved %llu items, sum %llu (want %llu)",
	      (unsigned long long)consumed_n, (unsigned long long)consumed_sum, (unsigned long long)want);
	printf("threads: producer-consumer moved %d items in %llu ms\n", ITEMS,
	       (unsigned long long)((now_ns() - t0) / 1000000));
}

static __thread int tls_value = 7;
static void *tls_worker(void *arg)
{
	long id = (long)arg;
	if (tls_value != 7)
		return (void *)-1L;
	tls_value = (int)id * 10;
	sched_yield();
	return (void *)(long)(tls_value == id * 10);
}

static void tls(void)
{
	pthread_t t[8];
	int ok = 0;
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)i);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		ok += r == (void *)1L;
	}
	CHECK(ok == 8 && tls_value == 7, "%d of 8 threads kept their own TLS; main's is %d", ok, tls_value);
}

static volatile int spin_stop;
static volatile uint64_t spin_count;
static void *spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		spin_count++;
	return NULL;
}

static void preemption(void)
{
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	/* main keeps computing too: with no preemption one of us would never run */
	uint64_t t0 = now_ns(), mine = 0;
	while (spin_count == 0 && now_ns() - t0 < 2000000000ULL)
		mine++;
	uint64_t seen = spin_count;
	spin_stop = 1;
	pthread_join(t, NULL);
	CHECK(seen > 0 && mine > 0, "spinner ran %llu times, main %llu times within 2 s",
	      (unsigned long long)seen, (unsigned long long)mine);
}

/* The best of three: a loaded host can delay any one wake-up, which is the
 * host's noise, not the kernel's; sleeping short is never excused. */
static void sleeping(void)
{
	uint64_t best = ~0ULL, shortest = ~0ULL;
	for (int i = 0; i < 3; i++) {
		struct timespec req = { 0, 10000000 };
		uint64_t t0 = now_ns();
		nanosleep(&req, NULL);
		uint64_t d = now_ns() - t0;
		if (d >= 10000000 && d < best)
			best = d;
		if (d < shortest)
			shortest = d;
	}
	CHECK(shortest >= 10000000 && best < 20000000, "nanosleep(10 ms) took %llu us at best, %llu at least",
	      (unsigned long long)(best / 1000), (unsigned long long)(shortest / 1000));
}

static void futex_errors(void)
{
	long r = syscall(SYS_futex, (uint32_t *)8, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	CHECK(r == -1 && errno == EFAULT, "futex on an unmapped address: r=%ld errno=%d", r, errno);
	uint32_t word = 1;
	struct timespec ts = { 0, 5000000 };
	r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
	CHECK(r == -1 && errno == ETIMEDOUT, "futex wait with timeout: r=%ld errno=%d", r, errno);
	r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
	CHECK(r == -1 && errno == EAGAIN, "futex wait on a changed value: errno=%d", errno);
}

static void no_fork(void)
{
	pid_t p = fork();
	CHECK(p == -1 && errno == ENOSYS, "fork returned %d errno %d", p, errno);
	long r = syscall(SYS_vfork);
	CHECK(r == -1 && errno == ENOSYS, "vfork returned %ld", r);
	char *argv[] = { "x", NULL };
	CHECK(execve("/x", argv, argv + 1) == -1 && errno == ENOSYS, "execve errno %d", errno);
}

int main(void)
{
	sleeping();            /* first, single-threaded: the plain halt path */
	futex_errors();
	create_join();
	producer_consumer();
	tls();
	preemption();
	sleeping();            /* again with the scheduler running */
	no_fork();
	printf("threads: %d checks, %d failed\n", checks, failed);
	return failed;
}
