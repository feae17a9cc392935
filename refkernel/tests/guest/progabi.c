/* progabi: the process ABI real programs use, run in a fresh directory
 * (argv[1]); every line it prints is the same on the refkernel and natively
 * on Linux (tests/guest/fs.sh compares them). Built twice: static with
 * musl, and as a glibc PIE with the host's gcc (-DWITH_DLOPEN: it also
 * dlopen()s tests/guest/dso.c from argv[2]). No pids, times of day, sizes
 * of memory or other values that differ between the two systems. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_DLOPEN
#include <dlfcn.h>
#endif

static int fails;

static void expect(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	fails += !ok;
}

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}
#define T(call) show(#call, (long)(call))

/* ---- signals ---- */

static volatile sig_atomic_t got, got_sig, got_code, on_alt;
static volatile uintptr_t got_addr;
static char altstack[65536];
static sigjmp_buf jb;

static void on_usr1(int sig) { got++; got_sig = sig; }

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got++;
	got_sig = sig;
	got_code = si->si_code;
	char here;
	on_alt = (uintptr_t)&here >= (uintptr_t)altstack && (uintptr_t)&here < (uintptr_t)altstack + sizeof(altstack);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

static void on_alarm(int sig) { (void)sig; got++; }

static void signals(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	T(sigaction(SIGUSR1, &sa, NULL));
	got = 0;
	T(raise(SIGUSR1));
	expect("raise: the handler ran once, with SIGUSR1", got == 1 && got_sig == SIGUSR1);

	/* blocked: pending until unblocked */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	T(sigprocmask(SIG_BLOCK, &set, &old));
	got = 0;
	T(kill(getpid(), SIGUSR1));
	sigset_t pend;
	sigpending(&pend);
	expect("kill while blocked: pending, not run", got == 0 && sigismember(&pend, SIGUSR1));
	T(sigprocmask(SIG_SETMASK, &old, NULL));
	expect("unblocked: it ran", got == 1);

	/* SA_SIGINFO on the alternate stack, from tgkill */
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
	T(sigaltstack(&ss, NULL));
	stack_t cur;
	T(sigaltstack(NULL, &cur));
	expect("sigaltstack reads back", cur.ss_sp == altstack && cur.ss_size == sizeof(altstack) && cur.ss_flags == 0);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	T(sigaction(SIGUSR2, &sa, NULL));
	got = 0;
	T(syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR2));
	expect("tgkill: SA_SIGINFO handler on the alternate stack, si_code SI_TKILL",
	       got == 1 && got_sig == SIGUSR2 && on_alt && got_code == SI_TKILL);

	/* synchronous faults to a handler */
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	T(sigaction(SIGSEGV, &sa, NULL));
	T(sigaction(SIGFPE, &sa, NULL));
	T(sigaction(SIGILL, &sa, NULL));
	volatile int *bad = (int *)(uintptr_t)0x10;
	if (!sigsetjmp(jb, 1))
		*bad = 1;
	expect("SIGSEGV on a NULL-page write: handler, si_addr and SEGV_MAPERR",
	       got_sig == SIGSEGV && got_addr == 0x10 && got_code == SEGV_MAPERR);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)ro = 1;
	expect("SIGSEGV on a read-only page: SEGV_ACCERR", got_sig == SIGSEGV && got_code == SEGV_ACCERR &&
	       got_addr == (uintptr_t)ro);
	volatile int zero = 0, n = 7;
	if (!sigsetjmp(jb, 1))
		n = n / zero;
	expect("SIGFPE on a division by zero: FPE_INTDIV", got_sig == SIGFPE && got_code == FPE_INTDIV);
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("ud2");
	expect("SIGILL on ud2: ILL_ILLOPN", got_sig == SIGILL && got_code == ILL_ILLOPN);
	expect("the signal mask is back after siglongjmp", sigprocmask(SIG_SETMASK, NULL, &set) == 0 &&
	       !sigismember(&set, SIGSEGV));

	/* alarm and setitimer end a sleep */
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;
	T(sigaction(SIGALRM, &sa, NULL));
	got = 0;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	T(setitimer(ITIMER_REAL, &it, NULL));
	struct timespec ts = { 5, 0 };
	int r = nanosleep(&ts, &ts);
	expect("setitimer: SIGALRM ends nanosleep with EINTR", r == -1 && errno == EINTR && got == 1 && ts.tv_sec >= 3);
	got = 0;
	T(alarm(1) == 0);
	T(pause());
	expect("alarm: SIGALRM ends pause", got == 1);
	got = 0;
	struct itimerval per = { { 0, 10000 }, { 0, 10000 } };
	T(setitimer(ITIMER_REAL, &per, NULL));
	while (got < 3)
		pause();
	struct itimerval off = { 0 };
	T(setitimer(ITIMER_REAL, &off, &per));
	expect("a periodic timer fires again and reads back its interval", per.it_interval.tv_usec == 10000);

	/* SIG_IGN and default-ignored signals are discarded */
	signal(SIGUSR1, SIG_IGN);
	T(raise(SIGUSR1));
	T(raise(SIGCHLD));
	sigpending(&pend);
	expect("ignored signals are not left pending", !sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGCHLD));
	ss.ss_flags = SS_DISABLE;
	T(sigaltstack(&ss, NULL));
}

/* ---- event fds and epoll ---- */

static void events(const char *dir)
{
	int efd = eventfd(3, EFD_NONBLOCK), ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t v = 0;
	T(read(efd, &v, 8));
	expect("eventfd: read gives the count", v == 3);
	T(read(efd, &v, 8));
	v = 5;
	T(write(efd, &v, 8));
	/* 300 ms: the eventfd alone must be ready at the first epoll_wait, even on a loaded host */
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = { { 0, 0 }, { 0, 300000000 } }, cur;
	T(timerfd_settime(tfd, 0, &its, NULL));
	T(timerfd_gettime(tfd, &cur));
	expect("timerfd_gettime: armed, at most 300 ms left", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
	       cur.it_value.tv_nsec <= 300000000);
	T(read(tfd, &v, 8));
	char path[256];
	snprintf(path, sizeof(path), "%s/epoll-file", dir);
	int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int p[2];
	T(pipe(p));
	struct epoll_event e = { .events = EPOLLIN };
	e.data.u32 = 1; T(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	e.data.u32 = 2; T(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e));
	e.data.u32 = 3; T(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	struct epoll_event out[8];
	int n = epoll_wait(ep, out, 8, 1000);
	expect("epoll: the eventfd is ready at once", n == 1 && out[0].data.u32 == 1);
	T(read(efd, &v, 8));
	n = epoll_wait(ep, out, 8, 2000);
	expect("epoll: then the timerfd, when it expires", n == 1 && out[0].data.u32 == 2);
	T(read(tfd, &v, 8));
	expect("timerfd: one expiration", v == 1);
	T(write(p[1], "x", 1));
	n = epoll_wait(ep, out, 8, 1000);
	expect("epoll: a pipe with data", n == 1 && out[0].data.u32 == 3);
	struct epoll_event fe = { .events = EPOLLIN | EPOLLOUT, .data.u32 = 4 };
	int fr = epoll_ctl(ep, EPOLL_CTL_ADD, file, &fe);
	printf("epoll_ctl on a regular file: %s\n", fr ? strerror(errno) : "added");
	its = (struct itimerspec){ { 0, 5000000 }, { 0, 5000000 } };
	T(timerfd_settime(tfd, 0, &its, NULL));
	int fl = fcntl(tfd, F_GETFL);
	T(fcntl(tfd, F_SETFL, fl & ~O_NONBLOCK));
	T(read(tfd, &v, 8) == 8 && v >= 1);
	close(p[0]); close(p[1]); close(file); close(tfd); close(efd); close(ep);
}

/* ---- memory ---- */

static void memory(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/mapped", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[8192];
	memset(buf, 'a', sizeof(buf));
	T(write(fd, buf, sizeof(buf)));
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect("mmap MAP_SHARED of a file", m != MAP_FAILED && m[0] == 'a' && m[8191] == 'a');
	memcpy(m + 4096, "shared", 6);
	T(msync(m, 8192, MS_SYNC));
	char back[8] = { 0 };
	T(pread(fd, back, 6, 4096));
	expect("msync: the file has what was written through the mapping", memcmp(back, "shared", 6) == 0);
	memcpy(m, "unmap", 5);
	T(munmap(m, 8192));
	T(pread(fd, back, 5, 0));
	expect("munmap: written back too", memcmp(back, "unmap", 5) == 0);
	char *pm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	pm[0] = 'Z';
	T(pread(fd, back, 1, 0));
	expect("MAP_PRIVATE: writes stay private", back[0] == 'u' && pm[0] == 'Z');
	T(munmap(pm, 4096));
	/* a private page is read from the file at its first touch (Linux: the
	 * page cache's page), not copied at mmap: an untouched one shows a
	 * write made after the mmap */
	char *pl = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	T(pwrite(fd, "late", 4, 4096));
	expect("MAP_PRIVATE: an untouched page shows a later write to the file",
	       pl != MAP_FAILED && memcmp(pl + 4096, "late", 4) == 0);
	T(munmap(pl, 8192));
	T(msync(buf + 1, 4096, MS_SYNC));
	T(msync(m, 4096, MS_SYNC | MS_ASYNC));
	close(fd);

	char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[3];
	T(mincore(a, 3 * 4096, vec));
	expect("mincore: untouched pages are not resident", vec[0] == 0 && vec[1] == 0 && vec[2] == 0);
	a[4096] = 1;
	T(mincore(a, 3 * 4096, vec));
	expect("mincore: the touched one is", vec[0] == 0 && vec[1] == 1 && vec[2] == 0);
	memset(a, 7, 3 * 4096);
	T(madvise(a, 4096, MADV_DONTNEED));
	expect("MADV_DONTNEED: the page reads back zero", a[0] == 0 && a[4096] == 7);
	char *b = mremap(a, 3 * 4096, 64 * 4096, MREMAP_MAYMOVE);
	expect("mremap grows, contents kept", b != MAP_FAILED && b[4096] == 7 && b[2 * 4096 + 4095] == 7 && b[40 * 4096] == 0);
	char *c = mremap(b, 64 * 4096, 4096, 0);
	expect("mremap shrinks in place", c == b);
	T(munmap(c, 4096));
	void *fx = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *nr = mmap(fx, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE over a mapping: %s\n", nr == MAP_FAILED ? strerror(errno) : "mapped");
	char *pop = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	T(mincore(pop, 4 * 4096, vec) == 0 && 1);
	unsigned char v4[4];
	mincore(pop, 4 * 4096, v4);
	expect("MAP_POPULATE: resident at once", v4[0] && v4[1] && v4[2] && v4[3]);
	errno = 0;
	void *huge = malloc((size_t)1 << 40);
	printf("malloc(1 << 40): %s errno %s\n", huge ? "memory" : "NULL", errno == ENOMEM ? "ENOMEM" : "other");
	free(huge);
	T(mincore(a + 1, 4096, vec));
}

/* ---- the process ---- */

/* ---- POSIX timers, rt_sigtimedwait, signalfd ---- */

static volatile sig_atomic_t t_got, t_code, t_val;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	t_got++;
	t_code = si->si_code;
	t_val = si->si_value.sival_int;
}

static void on_count(int sig) { (void)sig; t_got++; }

/* The kernel's struct sigevent, for SIGEV_THREAD_ID through syscall(2). */
struct ksigev { union sigval value; int signo, notify, tid, pad[11]; };

static volatile int thread_notified;
static void on_notify(union sigval v) { thread_notified = v.sival_int; }

/* Spin on CPU (user code and system calls) until (flag) or about 3 s. */
static void spin_until(volatile sig_atomic_t *flag)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (volatile int i = 0; i < 20000; i++)
			;
		syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (*flag || t1.tv_sec - t0.tv_sec > 3)
			return;
	}
}

static void timers(void)
{
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	T(sigaction(SIGUSR2, &sa, NULL));
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	ev.sigev_value.sival_int = 77;
	timer_t tm;
	T(timer_create(CLOCK_MONOTONIC, &ev, &tm));
	struct itimerspec its = { { 0, 0 }, { 0, 10000000 } }, cur;
	t_got = 0;
	T(timer_settime(tm, 0, &its, NULL));
	struct timespec ts = { 5, 0 };
	int r = nanosleep(&ts, NULL);
	expect("timer_create (CLOCK_MONOTONIC, SIGEV_SIGNAL): ends a sleep, SI_TIMER and its sigev_value",
	       r == -1 && errno == EINTR && t_got == 1 && t_code == SI_TIMER && t_val == 77);
	struct itimerspec one = { { 0, 0 }, { 30, 0 } };
	T(timer_settime(tm, 0, &one, NULL));
	T(timer_gettime(tm, &cur));
	expect("timer_gettime: time left, no interval", cur.it_value.tv_sec * 1000000000L + cur.it_value.tv_nsec > 0 &&
	       cur.it_value.tv_sec * 1000000000L + cur.it_value.tv_nsec <= 30000000000L && cur.it_interval.tv_sec == 0 &&
	       cur.it_interval.tv_nsec == 0);
	struct itimerspec zero = { 0 };
	T(timer_settime(tm, 0, &zero, &cur));
	expect("timer_settime: the old value back", cur.it_value.tv_sec < 30 &&
	       cur.it_value.tv_sec * 1000000000L + cur.it_value.tv_nsec > 0);
	T(timer_gettime(tm, &cur));
	expect("disarmed: nothing left", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

	/* periodic, its signal blocked: one delivery, the rest are overruns */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	T(sigprocmask(SIG_BLOCK, &set, &old));
	struct itimerspec per = { { 0, 5000000 }, { 0, 5000000 } };
	t_got = 0;
	T(timer_settime(tm, 0, &per, NULL));
	struct timespec wait = { 0, 60000000 };
	while (nanosleep(&wait, &wait) == -1 && errno == EINTR)
		;
	T(sigprocmask(SIG_SETMASK, &old, NULL));
	int ov = timer_getoverrun(tm);
	expect("periodic with its signal blocked: delivered once, timer_getoverrun counts the rest",
	       t_got == 1 && ov >= 3);
	T(timer_settime(tm, 0, &zero, NULL));

	/* absolute, on CLOCK_REALTIME, already past: fires at once */
	timer_t rt;
	T(timer_create(CLOCK_REALTIME, &ev, &rt));
	struct itimerspec past = { { 0, 0 }, { 1, 0 } };
	t_got = 0;
	T(timer_settime(rt, TIMER_ABSTIME, &past, NULL));
	for (int i = 0; i < 1000 && !t_got; i++) { /* Linux may deliver it a little later */
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	expect("CLOCK_REALTIME with TIMER_ABSTIME in the past: expires at once", t_got == 1);
	T(timer_delete(rt));
	T(timer_delete(tm));
	expect("timer_gettime of a deleted timer: EINVAL", timer_gettime(tm, &cur) == -1 && errno == EINVAL);
	expect("timer_create on CLOCK_MONOTONIC_RAW: EOPNOTSUPP",
	       syscall(SYS_timer_create, CLOCK_MONOTONIC_RAW, NULL, &r) == -1 && errno == EOPNOTSUPP);
	struct ksigev bad = { .notify = 99 };
	expect("timer_create with a bad sigev_notify: EINVAL",
	       syscall(SYS_timer_create, CLOCK_MONOTONIC, &bad, &r) == -1 && errno == EINVAL);
	expect("timer_create with a bad pointer: EFAULT",
	       syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &r) == -1 && errno == EFAULT);

	/* SIGEV_THREAD_ID: to this thread */
	struct ksigev kev = { .value.sival_int = 5, .signo = SIGUSR2, .notify = 4 /* SIGEV_THREAD_ID */,
			      .tid = (int)syscall(SYS_gettid) };
	int kid = -1;
	T(syscall(SYS_timer_create, CLOCK_MONOTONIC, &kev, &kid));
	t_got = 0;
	T(syscall(SYS_timer_settime, kid, 0, &its, NULL));
	ts = (struct timespec){ 5, 0 };
	r = nanosleep(&ts, NULL);
	expect("SIGEV_THREAD_ID: the thread's handler ran with its value", t_got == 1 && t_val == 5 && t_code == SI_TIMER);
	T(syscall(SYS_timer_delete, kid));

	/* SIGEV_THREAD: libc's helper thread waits in sigwaitinfo (rt_sigtimedwait) */
	struct sigevent tev = { 0 };
	tev.sigev_notify = SIGEV_THREAD;
	tev.sigev_notify_function = on_notify;
	tev.sigev_value.sival_int = 9;
	timer_t th;
	T(timer_create(CLOCK_MONOTONIC, &tev, &th));
	T(timer_settime(th, 0, &its, NULL));
	for (int i = 0; i < 300 && !thread_notified; i++) {
		struct timespec ms = { 0, 10000000 };
		nanosleep(&ms, NULL);
	}
	expect("SIGEV_THREAD: the notify function ran in a thread with its value", thread_notified == 9);
	/* musl's timer_delete ends its helper thread, which unmaps its own stack
	 * and then exits (__unmapself): the return from that munmap must not
	 * touch the stack (arch/x86_64/entry.S) */
	T(timer_delete(th));

	/* CPU-time clocks */
	timer_t ct;
	T(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &ct));
	struct itimerspec cpu = { { 0, 0 }, { 0, 20000000 } };
	t_got = 0;
	T(timer_settime(ct, 0, &cpu, NULL));
	spin_until(&t_got);
	expect("a CLOCK_PROCESS_CPUTIME_ID timer fires after 20 ms of CPU time", t_got == 1 && t_code == SI_TIMER);
	T(timer_delete(ct));
	clockid_t tclk;
	T(pthread_getcpuclockid(pthread_self(), &tclk));
	T(timer_create(tclk, &ev, &ct));
	t_got = 0;
	T(timer_settime(ct, 0, &cpu, NULL));
	spin_until(&t_got);
	expect("a thread CPU-time clock (pthread_getcpuclockid) timer fires", t_got == 1);
	T(timer_delete(ct));
	sa.sa_handler = on_count;
	sa.sa_flags = 0;
	T(sigaction(SIGPROF, &sa, NULL));
	T(sigaction(SIGVTALRM, &sa, NULL));
	struct itimerval iv = { { 0, 0 }, { 0, 20000 } }, ivo;
	t_got = 0;
	T(setitimer(ITIMER_PROF, &iv, NULL));
	spin_until(&t_got);
	expect("ITIMER_PROF: SIGPROF after 20 ms of CPU time", t_got == 1);
	t_got = 0;
	iv.it_value.tv_sec = 100;
	T(setitimer(ITIMER_VIRTUAL, &iv, NULL));
	T(getitimer(ITIMER_VIRTUAL, &ivo));
	expect("ITIMER_VIRTUAL: armed and read back", ivo.it_value.tv_sec >= 99 && ivo.it_value.tv_sec <= 100);
	iv = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	T(setitimer(ITIMER_VIRTUAL, &iv, NULL));
	signal(SIGPROF, SIG_DFL);
	signal(SIGVTALRM, SIG_DFL);
}

static void sigfds(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	T(sigprocmask(SIG_BLOCK, &set, &old));
	signal(SIGUSR1, SIG_DFL);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	expect("signalfd4 (SFD_NONBLOCK | SFD_CLOEXEC)", sfd >= 0);
	struct signalfd_siginfo si[2];
	expect("nothing pending: EAGAIN", read(sfd, si, sizeof(si[0])) == -1 && errno == EAGAIN);
	struct pollfd pf = { sfd, POLLIN, 0 };
	T(poll(&pf, 1, 0));
	T(syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR1));
	T(poll(&pf, 1, 0));
	expect("poll: readable once a signal of its mask is pending", pf.revents == POLLIN);
	int ep = epoll_create1(0);
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 42 }, out;
	T(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e));
	T(epoll_wait(ep, &out, 1, 0));
	expect("epoll: the signalfd is ready", out.data.u32 == 42 && (out.events & EPOLLIN));
	T(read(sfd, si, sizeof(si[0])));
	expect("read: a struct signalfd_siginfo, SIGUSR1 from tgkill (SI_TKILL)",
	       si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_TKILL);
	sigset_t pend;
	sigpending(&pend);
	expect("the read took it: not pending", !sigismember(&pend, SIGUSR1));
	T(epoll_wait(ep, &out, 1, 0));
	close(ep);
	sigaddset(&set, SIGUSR2);
	T(sigprocmask(SIG_BLOCK, &set, NULL));
	expect("signalfd on an existing one changes its mask", signalfd(sfd, &set, 0) == sfd);
	T(kill(getpid(), SIGUSR2));
	T(kill(getpid(), SIGUSR1));
	T(read(sfd, si, sizeof(si)));
	expect("two at once, lowest first; kill gives SI_USER and the sender's pid",
	       si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2 && si[1].ssi_code == SI_USER &&
	       si[1].ssi_pid == (uint32_t)getpid());
	char link[64] = { 0 }, p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", sfd);
	T(readlink(p, link, sizeof(link) - 1) > 0);
	expect("/proc/self/fd names it anon_inode:[signalfd]", strcmp(link, "anon_inode:[signalfd]") == 0);
	expect("a short buffer: EINVAL", read(sfd, si, 100) == -1 && errno == EINVAL);
	expect("a bad mask size: EINVAL", syscall(SYS_signalfd4, -1, &set, 4, 0) == -1 && errno == EINVAL);
	expect("signalfd on an fd that is not one: EINVAL", signalfd(ep < 0 ? 0 : 1, &set, 0) == -1 && errno == EINVAL);
	close(sfd);

	/* blocking read of a timer's signal */
	int bfd = signalfd(-1, &set, 0);
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGUSR2;
	ev.sigev_value.sival_int = 31;
	timer_t tm;
	T(timer_create(CLOCK_MONOTONIC, &ev, &tm));
	struct itimerspec its = { { 0, 0 }, { 0, 10000000 } };
	T(timer_settime(tm, 0, &its, NULL));
	T(read(bfd, si, sizeof(si)));
	expect("a blocking read waits for a timer's signal: SI_TIMER, ssi_int and ssi_ptr",
	       si[0].ssi_signo == SIGUSR2 && si[0].ssi_code == SI_TIMER && si[0].ssi_int == 31 && si[0].ssi_ptr == 31);
	T(timer_delete(tm));
	close(bfd);

	/* sigtimedwait */
	struct timespec t10 = { 0, 10000000 };
	expect("sigtimedwait with nothing pending: EAGAIN after its timeout",
	       sigtimedwait(&set, NULL, &t10) == -1 && errno == EAGAIN);
	T(syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR2));
	siginfo_t info;
	int sw = sigtimedwait(&set, &info, &t10);
	/* glibc's wrapper turns SI_TKILL into SI_USER */
	expect("sigtimedwait takes a pending one", sw == SIGUSR2 && (info.si_code == SI_TKILL || info.si_code == SI_USER));
	T(sigprocmask(SIG_SETMASK, &old, NULL));
}

/* ---- AF_UNIX sockets bound to paths ---- */

static void unix_paths(const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX }, b = { .sun_family = AF_UNIX }, got;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/sock", dir);
	snprintf(b.sun_path, sizeof(b.sun_path), "%s/nothing", dir);
	mode_t um = umask(022);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	T(bind(l, (struct sockaddr *)&a, sizeof(a)));
	struct stat st;
	T(stat(a.sun_path, &st));
	expect("bind makes a socket file (S_IFSOCK, 0777 less the umask)", S_ISSOCK(st.st_mode) &&
	       (st.st_mode & 0777) == 0755);
	socklen_t gl = sizeof(got);
	T(getsockname(l, (struct sockaddr *)&got, &gl));
	expect("getsockname gives the path", strcmp(got.sun_path, a.sun_path) == 0);
	T(listen(l, 4));
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	T(connect(c, (struct sockaddr *)&a, sizeof(a)));
	int s = accept(l, NULL, NULL);
	char ch = 0;
	T(write(c, "u", 1));
	T(read(s, &ch, 1));
	expect("connect by path reaches the listener", s >= 0 && ch == 'u');
	int d = socket(AF_UNIX, SOCK_STREAM, 0);
	expect("bind to an existing name: EADDRINUSE", bind(d, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRINUSE);
	int e = socket(AF_UNIX, SOCK_STREAM, 0);
	expect("connect to a missing name: ENOENT", connect(e, (struct sockaddr *)&b, sizeof(b)) == -1 && errno == ENOENT);
	snprintf(b.sun_path, sizeof(b.sun_path), "%s/archived", dir);
	expect("connect to a file that is no socket: ECONNREFUSED",
	       connect(e, (struct sockaddr *)&b, sizeof(b)) == -1 && errno == ECONNREFUSED);
	expect("open of a socket file: ENXIO", open(a.sun_path, O_RDWR) == -1 && errno == ENXIO);
	T(unlink(a.sun_path));
	expect("unlink removes the name", stat(a.sun_path, &st) == -1 && errno == ENOENT &&
	       connect(e, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENOENT);
	T(bind(d, (struct sockaddr *)&a, sizeof(a)));
	T(close(d));
	expect("a name whose socket is closed stays, refusing: ECONNREFUSED",
	       stat(a.sun_path, &st) == 0 && connect(e, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED);
	T(unlink(a.sun_path));
	close(e);
	close(s);
	close(c);
	close(l);
	umask(um);
}

/* ---- shared file mappings and /proc/self/maps ---- */

/* The /proc/self/maps line of the region holding (p) into (line). */
static int maps_line(const void *p, char *line, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 0;
	int found = 0;
	while (!found && fgets(line, (int)n, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)p >= lo && (uintptr_t)p < hi)
			found = 1;
	}
	fclose(f);
	return found;
}

/* The name column of a maps line starts at byte 73, as Linux pads it. */
static int maps_named(const char *line, const char *suffix)
{
	size_t len = strlen(line), sl = strlen(suffix);
	return len > 73 + sl && line[72] == ' ' && line[73] != ' ' && strncmp(line + len - 1 - sl, suffix, sl) == 0 &&
	       line[len - 1] == '\n';
}

static void shared_maps(const char *dir)
{
	char path[256], line[512];
	snprintf(path, sizeof(path), "%s/shared", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	T(ftruncate(fd, 8192));
	char *m1 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *m2 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect("two MAP_SHARED mappings of one file", m1 != MAP_FAILED && m2 != MAP_FAILED && m1 != m2);
	strcpy(m1 + 100, "one");
	expect("a write through one mapping is seen through the other at once", strcmp(m2 + 100, "one") == 0);
	char back[8] = { 0 };
	T(pread(fd, back, 3, 100));
	expect("read(2) sees the mapped write without msync", strcmp(back, "one") == 0);
	T(pwrite(fd, "two", 3, 4096 + 7));
	expect("a write(2) is seen through both mappings", memcmp(m1 + 4096 + 7, "two", 3) == 0 &&
	       memcmp(m2 + 4096 + 7, "two", 3) == 0);
	char *m3 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	expect("a mapping at a file offset sees the same page", m3 != MAP_FAILED && memcmp(m3 + 7, "two", 3) == 0);
	expect("maps: a shared file mapping is rw-s and named after its file",
	       maps_line(m1, line, sizeof(line)) && strstr(line, " rw-s 00000000 ") && maps_named(line, "/shared"));
	expect("maps: its offset is shown", maps_line(m3, line, sizeof(line)) && strstr(line, " r--s 00001000 ") &&
	       maps_named(line, "/shared"));
	T(munmap(m1, 8192));
	expect("after munmap of one, the other still sees the data", strcmp(m2 + 100, "one") == 0);
	T(msync(m2, 8192, MS_SYNC));
	T(munmap(m2, 8192));
	T(munmap(m3, 4096));
	char *pm = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	expect("maps: a private file mapping is r--p and named", maps_line(pm, line, sizeof(line)) &&
	       strstr(line, " r--p 00000000 ") && maps_named(line, "/shared"));
	T(munmap(pm, 4096));
	close(fd);

	/* a file of the boot archive (served from the archive's pages) */
	snprintf(path, sizeof(path), "%s/archived", dir);
	fd = open(path, O_RDWR);
	char *am = fd < 0 ? MAP_FAILED : mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect("MAP_SHARED of a file from the archive shows its contents",
	       am != MAP_FAILED && am[0] == 'A' && am[4095] == 'A' && am[4096] == 'B' && am[8191] == 'B');
	if (am != MAP_FAILED) {
		am[1] = 'x';
		am[5000] = 'y';
		char two[2] = { 0 };
		T(pread(fd, two, 1, 1));
		T(pread(fd, two + 1, 1, 5000));
		expect("its mapped writes reach read(2)", two[0] == 'x' && two[1] == 'y');
		T(pwrite(fd, "z", 1, 2));
		expect("and write(2)s reach the mapping", am[2] == 'z');
		T(munmap(am, 8192));
	}
	close(fd);

	/* the same memfd mapped twice, and across ftruncate */
	int mfd = (int)syscall(SYS_memfd_create, "shm", 0);
	T(ftruncate(mfd, 4096));
	char *s1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	char *s2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	s1[10] = 42;
	expect("two mappings of one memfd share their pages", s1 != MAP_FAILED && s2 != MAP_FAILED && s2[10] == 42);
	T(munmap(s1, 4096));
	T(munmap(s2, 4096));
	close(mfd);

	expect("maps: [stack] is named", maps_line(&line, line, sizeof(line)) && maps_named(line, "[stack]"));
}

/* Touch (p) (a read, or a write of 1): the signal it raised, 0 if none. */
static int touch(volatile char *p, int write)
{
	got_sig = got_code = 0;
	got_addr = 0;
	if (!sigsetjmp(jb, 1)) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	return got_sig;
}

/* A page of a file mapping wholly past the end of the file: SIGBUS
 * (BUS_ADRERR, si_addr the address), private or shared; the last partial
 * page reads zeros past the end; a truncation takes the pages past the new
 * end from a mapping, and growing the file gives them back (zeroed). And an
 * anonymous MAP_SHARED is named "/dev/zero (deleted)". */
static void past_end(const char *dir)
{
	char path[256], line[512];
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	T(sigaction(SIGBUS, &sa, NULL));
	snprintf(path, sizeof(path), "%s/short", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	T(ftruncate(fd, 4096 + 100));
	char *s = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect("mmap of 3 pages of a file of 4196 bytes, shared and private", s != MAP_FAILED && p != MAP_FAILED);
	if (s == MAP_FAILED || p == MAP_FAILED)
		return;
	s[4096 + 99] = 'e';
	expect("the last partial page reads zeros past the end", touch(s + 4096 + 100, 0) == 0 &&
	       s[4096 + 100] == 0 && s[8191] == 0 && p[4096 + 99] == 'e' && p[4096 + 100] == 0);
	expect("shared: a read of a page past the end is SIGBUS, BUS_ADRERR at the address",
	       touch(s + 8192 + 5, 0) == SIGBUS && got_code == BUS_ADRERR && got_addr == (uintptr_t)(s + 8192 + 5));
	expect("shared: and a write", touch(s + 8192, 1) == SIGBUS && got_code == BUS_ADRERR);
	expect("private: a read of a page past the end is SIGBUS, BUS_ADRERR at the address",
	       touch(p + 8192 + 7, 0) == SIGBUS && got_code == BUS_ADRERR && got_addr == (uintptr_t)(p + 8192 + 7));
	expect("private: and a write", touch(p + 8192, 1) == SIGBUS && got_code == BUS_ADRERR);
	T(ftruncate(fd, 3 * 4096));
	expect("the file grown: the pages fault in, zeroed", touch(s + 8192, 0) == 0 && s[8192] == 0 &&
	       touch(p + 8192, 0) == 0 && p[8192] == 0);
	s[8192] = 'g';
	char b = 0;
	T(pread(fd, &b, 1, 8192));
	expect("and the shared one is the file's page again", b == 'g');
	s[200] = 'x';
	T(ftruncate(fd, 100));
	expect("truncated below mapped pages: a touch of the shared page is SIGBUS",
	       touch(s + 4096, 0) == SIGBUS && got_code == BUS_ADRERR && touch(s + 8192, 1) == SIGBUS);
	expect("and of the private pages read before", touch(p + 4096, 0) == SIGBUS && touch(p + 8192, 0) == SIGBUS);
	expect("the page holding the new end stays, zeros past it", touch(s + 99, 0) == 0 && s[200] == 0);
	T(ftruncate(fd, 2 * 4096));
	expect("grown again: the shared page faults in, zeroed", touch(s + 4096 + 99, 0) == 0 && s[4096 + 99] == 0);
	T(munmap(s, 3 * 4096));
	T(munmap(p, 3 * 4096));
	close(fd);

	char *z = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	expect("anonymous MAP_SHARED: zero pages, writable", z != MAP_FAILED && z[100] == 0 && (z[100] = 1) == 1);
	expect("maps: anonymous MAP_SHARED is rw-s, named /dev/zero (deleted)",
	       z != MAP_FAILED && maps_line(z, line, sizeof(line)) && strstr(line, " rw-s 00000000 ") &&
	       maps_named(line, "/dev/zero (deleted)"));
	if (z != MAP_FAILED)
		T(munmap(z, 8192));
	char *pz = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect("maps: anonymous MAP_PRIVATE is rw-p, with no name", pz != MAP_FAILED &&
	       maps_line(pz, line, sizeof(line)) && strstr(line, " rw-p 00000000 00:00 0 \n"));
	if (pz != MAP_FAILED)
		T(munmap(pz, 4096));
}

/* The program's own code is named after it in /proc/self/maps (and a
 * dynamic one's interpreter after its file). */
static void exe_maps(void)
{
	char exe[256] = { 0 }, line[512];
	T(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0);
	expect("maps: the program's code is named after /proc/self/exe",
	       maps_line((void *)(uintptr_t)exe_maps, line, sizeof(line)) && maps_named(line, exe) &&
	       strstr(line, " r-xp "));
#ifdef WITH_DLOPEN
	FILE *f = fopen("/proc/self/maps", "r");
	int ld = 0;
	while (f && fgets(line, sizeof(line), f))
		ld |= strstr(line, "/ld-linux-x86-64.so.2\n") != NULL && strstr(line, " r-xp ") != NULL;
	if (f)
		fclose(f);
	expect("maps: the interpreter's code is named after its file", ld);
#endif
}

static void process(void)
{
	struct rlimit rl;
	T(getrlimit(RLIMIT_NOFILE, &rl));
	struct rlimit low = { 16, rl.rlim_max };
	T(setrlimit(RLIMIT_NOFILE, &low));
	int fds[32], n = 0, e = 0;
	for (; n < 32; n++)
		if ((fds[n] = open("/dev/null", O_RDONLY)) < 0) {
			e = errno;
			break;
		}
	expect("RLIMIT_NOFILE 16: open fails with EMFILE at fd 16", n > 0 && fds[n - 1] == 15 && e == EMFILE);
	printf("dup2 to fd 20 under the limit: %s\n", dup2(0, 20) < 0 ? strerror(errno) : "done");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	T(setrlimit(RLIMIT_NOFILE, &rl));
	struct rlimit big = { rl.rlim_max + 1, rl.rlim_max + 1 };
	printf("RLIMIT_NOFILE above the hard limit: %s\n", setrlimit(RLIMIT_NOFILE, &big) ? strerror(errno) : "set");
	T(prlimit(0, RLIMIT_STACK, NULL, &rl) == 0 && rl.rlim_cur > 0);
	char name[16] = { 0 };
	T(prctl(PR_SET_NAME, "abi-test-name-long"));
	T(prctl(PR_GET_NAME, name));
	printf("PR_GET_NAME: %s\n", name);
	FILE *cf = fopen("/proc/self/comm", "r");
	char comm[32] = { 0 };
	if (cf && fgets(comm, sizeof(comm), cf))
		printf("/proc/self/comm: %s", comm);
	if (cf)
		fclose(cf);
	T(prctl(9999, 0, 0, 0, 0));
	struct rusage ru;
	T(getrusage(RUSAGE_SELF, &ru));
	T(sched_yield());
	cpu_set_t cs;
	CPU_ZERO(&cs);
	CPU_SET(0, &cs);
	T(sched_setaffinity(0, sizeof(cs), &cs));
	T(sched_getscheduler(0));
	T(sched_get_priority_max(SCHED_FIFO));
	T(getpriority(PRIO_PROCESS, 0));
	T(setpriority(PRIO_PROCESS, 0, 5));
	T(getpriority(PRIO_PROCESS, 0));
	struct utsname u;
	char host[128];
	T(uname(&u));
	T(gethostname(host, sizeof(host)));
	expect("gethostname equals uname's nodename", strcmp(host, u.nodename) == 0);
	T(syscall(SYS_rseq, NULL, 0, 0, 0) < 0 || 1);
	/* last: root becomes nobody, and stays so */
	T(getuid());
	T(setgroups(0, NULL));
	T(setgid(65534));
	T(setuid(65534));
	T(getuid());
	T(geteuid());
	T(getgid());
	printf("setuid(0) as nobody: %s\n", setuid(0) ? strerror(errno) : "done");
	FILE *st = fopen("/proc/self/status", "r");
	char line[256];
	while (st && fgets(line, sizeof(line), st))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4))
			printf("%s", line);
	if (st)
		fclose(st);
}

#ifdef WITH_DLOPEN
static void dl(const char *so)
{
	void *h = dlopen(so, RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		fails++;
		return;
	}
	int (*fn)(int) = (int (*)(int))dlsym(h, "dso_triple");
	const char *(*hello)(void) = (const char *(*)(void))dlsym(h, "dso_hello");
	expect("dlopen/dlsym: dso_triple(14) == 42", fn && fn(14) == 42);
	printf("dso_hello: %s\n", hello ? hello() : "(missing)");
	T(dlclose(h));
}
#endif

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	signals();
	events(dir);
	timers();
	sigfds();
	memory(dir);
	shared_maps(dir);
	past_end(dir);
	unix_paths(dir);
	exe_maps();
#ifdef WITH_DLOPEN
	if (argc > 2)
		dl(argv[2]);
#endif
	process();
	printf("progabi: %d wrong\n", fails);
	return fails ? 1 : 0;
}
