/* proc.c: children with deadlines. pr_spawn() starts a child in its own process
 * group with stdout+stderr on one pipe; pr_read() hands its output to a line
 * callback until a match, EOF, the deadline or Ctrl-C; pr_wait() reaps it;
 * pr_kill() kills the group. Every live child and every cleanup action (netns,
 * container, temp dir) is registered, so Ctrl-C tears everything down.
 * SIGINT/SIGTERM stay blocked except inside ppoll(), so no wake-up is lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ukb.h"

/* density.c keeps up to DN_MAX instances beside the measured one, each with
 * a child, a network namespace and a temp dir or container */
#define PR_MAX_LIVE (2 * DN_MAX + 64)
#define PR_MAX_CLEANUP (3 * DN_MAX + 64)
#define PR_OUT_CAP (8u << 20)	/* keep at most 8 MiB of a child's output */

volatile sig_atomic_t ukb_interrupted;
static struct pr_child *live[PR_MAX_LIVE];
static struct {
	pr_cleanup_fn fn;
	void *arg;
} cleanups[PR_MAX_CLEANUP];
static sigset_t run_mask;	/* the mask inside ppoll: signals deliverable */
static sigset_t old_mask;	/* restored in children */

static void on_signal(int sig)
{
	(void)sig;
	ukb_interrupted = 1;
}

void pr_init(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	run_mask = old_mask;
	sigdelset(&run_mask, SIGINT);
	sigdelset(&run_mask, SIGTERM);
	sigdelset(&run_mask, SIGHUP);
}

static int wait_fds(struct pollfd *p, int np, uint64_t deadline)
{
	uint64_t now = ut_now_ns();
	struct timespec ts;
	int k;

	if (ukb_interrupted)
		return PR_INTR;
	if (now >= deadline)
		return PR_TIMEOUT;
	ts.tv_sec = (time_t)((deadline - now) / 1000000000ull);
	ts.tv_nsec = (long)((deadline - now) % 1000000000ull);
	k = ppoll(p, (nfds_t)np, &ts, &run_mask);
	if (ukb_interrupted)
		return PR_INTR;
	if (k < 0)
		return errno == EINTR ? 0 : PR_ERR;	/* 0: nothing ready, retry */
	return k;
}

int pr_poll(struct pollfd *p, int np, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

	if (ukb_interrupted)
		return -1;
	return ppoll(p, (nfds_t)np, timeout_ms < 0 ? NULL : &ts, &run_mask);
}

const sigset_t *pr_run_mask(void)
{
	return &run_mask;
}

int pr_sleep_ms(int ms)
{
	uint64_t end = ut_now_ns() + (uint64_t)ms * 1000000ull;
	int k;

	while ((k = wait_fds(NULL, 0, end)) != PR_TIMEOUT)
		if (k == PR_INTR || k == PR_ERR)
			return k;
	return 0;
}

static void track(struct pr_child *c, int on)
{
	for (int i = 0; i < PR_MAX_LIVE; i++) {
		if (on && !live[i]) {
			live[i] = c;
			return;
		}
		if (!on && live[i] == c)
			live[i] = NULL;
	}
}

int pr_spawn(struct pr_child *c, char *const argv[], int with_perf, char *why, size_t n)
{
	return pr_spawn_ns(c, argv, with_perf, NULL, why, n);
}

/* As pr_spawn, the child joining network namespace `netns` (a name under
 * /var/run/netns) before exec: no `ip netns exec` process in the measurement. */
int pr_spawn_ns(struct pr_child *c, char *const argv[], int with_perf, const char *netns,
		char *why, size_t n)
{
	int nsfd = -1;
	int out[2], gate[2] = { -1, -1 };
	pid_t pid;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->pid = -1;
	for (int i = 0; i < 4; i++)
		c->perf[i] = -1;
	for (int i = 0; i < PF_KVM_N; i++)
		c->kvm[i] = -1;
	if (netns) {
		char path[128];

		snprintf(path, sizeof path, "/var/run/netns/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			snprintf(why, n, "network namespace %s: %s", netns, strerror(errno));
			return -1;
		}
	}
	if (pipe2(out, O_CLOEXEC) != 0 || (with_perf && pipe2(gate, O_CLOEXEC) != 0)) {
		snprintf(why, n, "pipe: %s", strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		char go;

		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		if (null >= 0)
			dup2(null, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0) {
			dprintf(2, "ukbench: cannot join network namespace %s: %s\n", netns,
				strerror(errno));
			_exit(127);
		}
		if (gate[0] >= 0 && read(gate[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "ukbench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	if (nsfd >= 0)
		close(nsfd);
	c->pid = pid;
	c->fd = out[0];
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	track(c, 1);
	if (with_perf) {
		close(gate[0]);
		pf_open(pid, c->perf);	/* counters are optional: -1 where refused */
		if (with_perf & PR_PERF_KVM)
			pf_open_kvm(pid, c->kvm);
		c->t_start = ut_now_ns();
		if (write(gate[1], "g", 1) != 1) {
			close(gate[1]);
			snprintf(why, n, "cannot start %s", argv[0]);
			return -1;
		}
		close(gate[1]);
	} else {
		c->t_start = ut_now_ns();
	}
	return 0;
}

/* Give every complete line after c->scanned to fn; at EOF the partial tail too. */
static int scan_lines(struct pr_child *c, pr_line_fn fn, void *ctx, int eof, uint64_t t)
{
	while (c->scanned < c->out.len) {
		char *start = c->out.p + c->scanned, *nl = memchr(start, '\n', c->out.len - c->scanned);
		int r;

		if (!nl && !eof)
			break;
		size_t len = nl ? (size_t)(nl - start) : c->out.len - c->scanned;
		char save = start[len];

		start[len] = '\0';
		r = fn ? fn(ctx, start, t) : 0;
		start[len] = save;
		c->scanned += len + (nl ? 1 : 0);
		if (r)
			return PR_MATCH;
	}
	return 0;
}

int pr_read(struct pr_child *c, uint64_t deadline, pr_line_fn fn, void *ctx)
{
	char buf[16384];

	for (;;) {
		if (scan_lines(c, fn, ctx, c->fd < 0, ut_now_ns()) == PR_MATCH)
			return PR_MATCH;
		if (c->fd < 0)
			return PR_EOF;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int k = wait_fds(&p, 1, deadline);

		if (k == PR_INTR || k == PR_TIMEOUT || k == PR_ERR)
			return k;
		if (k <= 0)
			continue;
		ssize_t got = read(c->fd, buf, sizeof buf);

		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) {
			close(c->fd);
			c->fd = -1;
			continue;
		}
		if (c->out.len + (size_t)got <= PR_OUT_CAP)
			ut_buf_add(&c->out, buf, (size_t)got);
	}
}

static int reap(struct pr_child *c, int flags)
{
	int st;
	pid_t k;
	struct rusage ru;

	if (c->exited)
		return 1;
	do
		k = wait4(c->pid, &st, flags, &ru);	/* ru_maxrss: the peak RSS, KiB */
	while (k < 0 && errno == EINTR);
	if (k != c->pid)
		return 0;
	c->maxrss_kib = ru.ru_maxrss;
	c->t_exit = ut_now_ns();
	c->exited = 1;
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 1;
}

int pr_wait(struct pr_child *c, uint64_t deadline)
{
	int pfd = (int)syscall(SYS_pidfd_open, c->pid, 0);

	for (;;) {
		if (reap(c, WNOHANG)) {
			if (pfd >= 0)
				close(pfd);
			return PR_EOF;
		}
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		/* without pidfd (old kernels), poll every millisecond */
		uint64_t d = pfd >= 0 ? deadline : ut_now_ns() + 1000000ull;
		int k = wait_fds(pfd >= 0 ? &p : NULL, pfd >= 0, d < deadline ? d : deadline);

		if (k == PR_INTR || (k == PR_TIMEOUT && ut_now_ns() >= deadline)) {
			if (pfd >= 0)
				close(pfd);
			return k;
		}
	}
}

void pr_kill(struct pr_child *c)
{
	if (c->pid > 0 && !c->exited) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		reap(c, 0);
	}
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);	/* stragglers left in the group */
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	pf_close(c->perf);
	for (int i = 0; i < PF_KVM_N; i++)
		if (c->kvm[i] >= 0) {
			close(c->kvm[i]);
			c->kvm[i] = -1;
		}
	track(c, 0);
	ut_buf_free(&c->out);
	c->pid = -1;
}

void pr_kill_all(void)
{
	for (int i = 0; i < PR_MAX_LIVE; i++)
		if (live[i])
			pr_kill(live[i]);
}

int pr_cleanup_push(pr_cleanup_fn fn, void *arg)
{
	for (int i = 0; i < PR_MAX_CLEANUP; i++)
		if (!cleanups[i].fn) {
			cleanups[i].fn = fn;
			cleanups[i].arg = arg;
			return i;
		}
	fn(arg);	/* no room: refuse by cleaning up at once */
	return -1;
}

void pr_cleanup_pop(int id)
{
	if (id < 0 || id >= PR_MAX_CLEANUP || !cleanups[id].fn)
		return;
	pr_cleanup_fn fn = cleanups[id].fn;
	int was = ukb_interrupted;

	/* cleanups run commands (runc delete, ip netns del): let them wait even
	 * after Ctrl-C; a second Ctrl-C cuts those waits short */
	cleanups[id].fn = NULL;
	ukb_interrupted = 0;
	fn(cleanups[id].arg);
	ukb_interrupted = ukb_interrupted || was;
}

void pr_cleanup_all(void)
{
	pr_kill_all();
	for (int i = PR_MAX_CLEANUP - 1; i >= 0; i--)
		pr_cleanup_pop(i);
}
