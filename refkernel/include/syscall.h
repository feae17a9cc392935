/* syscall.h — the Linux x86-64 system-call ABI as the refkernel serves it.
 *
 * Entry: the application's `syscall` instruction at ring 0 reaches
 * x86_syscall_entry (IA32_LSTAR), which steps below the 128-byte red zone,
 * switches to the kernel stack and calls sys_dispatch(). Arguments in rdi,
 * rsi, rdx, r10, r8, r9; number in rax; result in rax; rcx and r11 clobbered.
 * Results are >= 0 on success or a negative errno (-4095..-1), exactly as
 * Linux returns them; musl turns them into errno.
 * A number with no handler returns -ENOSYS and prints
 *   refkernel: unimplemented syscall <nr> (<name>)
 * once per number. No handler pretends to succeed at something the caller
 * relies on: what is not done fails with an errno.
 * The number is rax truncated to 32 bits, as Linux's entry does (movslq).
 * Argument rules, the same in every handler:
 *  - an fd argument is truncated to unsigned int once, where the handler
 *    takes it (`unsigned fd = (unsigned)a0`), as Linux's `unsigned int fd`
 *    parameters do; only that value is used afterwards;
 *  - every pointer from the application is checked against its mappings
 *    (mm_user_ok: user half, mapped, readable, writable if written) before
 *    the first access, and fails with -EFAULT;
 *  - timeouts are converted with sys_timespec_ns and sys_deadline, which
 *    saturate instead of wrapping (a huge timeout is "forever", as Linux's
 *    KTIME_MAX clamp makes it).
 */
#ifndef SYSCALL_H
#define SYSCALL_H
#include <stdint.h>
#include <stdbool.h>
struct x86_syscall_frame;

#define SYS_MAX 512

typedef int64_t (*sys_fn)(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5);

/* File descriptors: a small table of open files with per-kind operations.
 * 0, 1 and 2 are the console. Sockets (network core) add their own ops. */
struct kfile;
struct kfile_ops {
	int64_t (*read)(struct kfile *f, void *buf, uint64_t n);
	int64_t (*write)(struct kfile *f, const void *buf, uint64_t n);
	int64_t (*ioctl)(struct kfile *f, uint64_t req, uint64_t arg);
	int     (*close)(struct kfile *f);
	unsigned (*poll)(struct kfile *f); /* POLLIN/POLLOUT/...; NULL: always both */
};
struct kfile {
	const struct kfile_ops *ops;
	void *priv;
	int flags; /* O_NONBLOCK etc. */
	int refs;
	uint64_t id; /* unique per open file (fd_install), so epoll can tell reuse */
};
#define KF_NONBLOCK 04000 /* O_NONBLOCK */
#define KPOLLIN   0x001
#define KPOLLPRI  0x002
#define KPOLLOUT  0x004
#define KPOLLERR  0x008
#define KPOLLHUP  0x010
#define KPOLLNVAL 0x020
#define KPOLLRDNORM 0x040
#define KPOLLWRNORM 0x100
#define KPOLLRDHUP 0x2000
unsigned kfile_poll(struct kfile *f);
/* What an fd that is not a file is, for /proc/self/fd: a format with one
 * %lu (the kfile's id), "pipe:[%lu]" and the like. */
const char *sys_kfile_kind(const struct kfile *k);
bool sys_is_pipe(const struct kfile *k);
bool sys_is_epoll(const struct kfile *k);
#define FD_MAX 1024
int  sys_timespec_ns(uint64_t uts, uint64_t *ns); /* 0, -EFAULT or -EINVAL; saturates at SYS_NS_MAX */
#define SYS_NS_MAX ((uint64_t)INT64_MAX)          /* Linux's KTIME_MAX: "forever" */
uint64_t sys_deadline(uint64_t ns);               /* time_ns() + ns + 1, saturated: never 0 */
uint64_t sys_sig_handler(int sig);              /* rt_sigaction's handler: 0 SIG_DFL, 1 SIG_IGN */
void fd_init(void);               /* 0, 1, 2: the console */
struct kfile *fd_get(unsigned fd); /* NULL when (fd) is not open */
int fd_install(struct kfile *f); /* lowest free fd or -EMFILE */
/* a new kfile (ops, priv, flags) at the lowest free fd; -ENOMEM or -EMFILE */
int fd_install_new(const struct kfile_ops *ops, void *priv, int flags);
void fd_set_slot(unsigned fd, struct kfile *f); /* dup2: (fd) must be free and < FD_MAX */

/* per-area handlers register in the dispatch table (syscall.c) */
int64_t sys_read(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_write(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_readv(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_writev(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_close(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_ioctl(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_fcntl(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_open(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_openat(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_pipe(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_pipe2(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_dup(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_dup2(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_dup3(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_socket(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_socketpair(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_bind(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_listen(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_accept(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_accept4(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_connect(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_sendto(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_recvfrom(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_sendmsg(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_recvmsg(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_shutdown(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_getsockname(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_getpeername(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_setsockopt(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_getsockopt(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_poll(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_ppoll(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_select(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_pselect6(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_epoll_create(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_epoll_create1(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_epoll_ctl(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_epoll_wait(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_epoll_pwait(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_clone_frame(const struct x86_syscall_frame *f);
int64_t sys_exit(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_gettid(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_futex(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_set_robust_list(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_tkill(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_mremap(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_msync(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_mincore(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_kill(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_rt_sigaction(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_rt_sigprocmask(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_rt_sigpending(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_rt_sigsuspend(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_sigaltstack(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_pause(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_alarm(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_getitimer(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_setitimer(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
/* sys_signal.c: delivery at a syscall's return, rt_sigreturn, the fault
 * hook (sys_signal_init), and the waits' questions (sys_signal_interrupts:
 * a signal can be delivered now, the sleep ends with -EINTR; timers' next
 * deadline, 0 none). */
void sys_signal_return(struct x86_syscall_frame *fr);
__attribute__((noreturn)) void sys_rt_sigreturn_frame(const struct x86_syscall_frame *fr);
void sys_signal_init(void);
bool sys_signal_interrupts(void);
uint64_t sys_signal_timers(void);
bool sys_signal_posted(void);             /* an alarm was posted since last asked */
uint64_t sys_event_next(void);            /* sys_event.c: earliest timer deadline (kwait_next_hook) */
bool sys_is_event(const struct kfile *k, const char **kind); /* eventfd/timerfd, for /proc */
int64_t sys_eventfd(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_eventfd2(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_timerfd_create(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_timerfd_settime(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_timerfd_gettime(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_tgkill(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_sched_yield(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_sched_getaffinity(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_brk(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_mmap(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_munmap(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_mprotect(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_madvise(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_clock_gettime(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_clock_getres(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_gettimeofday(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_time(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_nanosleep(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_clock_nanosleep(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#endif
