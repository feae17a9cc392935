/* sys_proc.h — process state the syscall layer keeps and /proc reports:
 * credentials (one user, root, who may become another and stays so), the
 * host name, resource limits, and the signal state. Owned by
 * syscall/sys_proc.c and syscall/sys_signal.c; read by syscall/sys_procfs.c. */
#ifndef SYS_PROC_H
#define SYS_PROC_H
#include <stdint.h>
#include <stddef.h>

#define SYS_NGROUPS_MAX 32
struct sys_cred {
	uint32_t ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid;
	int ngroups;
	uint32_t groups[SYS_NGROUPS_MAX];
};
extern struct sys_cred sys_cred;
const char *sys_hostname(void);            /* hostname= on the command line, else "refkernel" */

#define SYS_RLIMIT_NLIMITS 16
struct sys_rlimit { uint64_t cur, max; };
extern struct sys_rlimit sys_rlimits[SYS_RLIMIT_NLIMITS];
#define SYS_RLIMIT_STACK  3
#define SYS_RLIMIT_NOFILE 7
#define SYS_RLIM_INFINITY (~0ULL)

/* signals (sys_signal.c): masks of signals 1..64, bit (sig - 1) */
uint64_t sys_sig_blocked(void);            /* the current thread's mask */
uint64_t sys_sig_pending(void);            /* process-wide and the current thread's */
uint64_t sys_sig_ignored(void);
uint64_t sys_sig_caught(void);
struct kfile;
bool sys_is_signalfd(const struct kfile *k);    /* for /proc/self/fd */

/* The calls of sys_proc.c (and sys_signal.c's timers, rt_sigtimedwait and
 * signalfd), in the dispatch table through syscall.c's SYS_CALLS. */
#define SYS_PROC_CALLS(X) \
	X(97, getrlimit) X(98, getrusage) X(99, sysinfo) X(100, times) X(102, getuid) \
	X(104, getgid) X(105, setuid) X(106, setgid) X(107, geteuid) X(108, getegid) \
	X(109, setpgid) X(111, getpgrp) X(112, setsid) X(113, setreuid) X(114, setregid) \
	X(115, getgroups) X(116, setgroups) X(117, setresuid) X(118, getresuid) X(119, setresgid) \
	X(120, getresgid) X(121, getpgid) X(122, setfsuid) X(123, setfsgid) X(124, getsid) \
	X(140, getpriority) X(141, setpriority) X(142, sched_setparam) X(143, sched_getparam) \
	X(144, sched_setscheduler) X(145, sched_getscheduler) X(146, sched_get_priority_max) \
	X(147, sched_get_priority_min) X(148, sched_rr_get_interval) X(157, prctl) \
	X(160, setrlimit) X(170, sethostname) X(171, setdomainname) X(203, sched_setaffinity) \
	X(302, prlimit64) X(334, rseq) X(435, clone3) \
	X(128, rt_sigtimedwait) X(222, timer_create) X(223, timer_settime) X(224, timer_gettime) \
	X(225, timer_getoverrun) X(226, timer_delete) X(282, signalfd) X(289, signalfd4) /* sys_signal.c */
#define SYS_PROC_DECL(nr, name) \
	int64_t sys_##name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
SYS_PROC_CALLS(SYS_PROC_DECL)
unsigned fd_limit(void);                   /* RLIMIT_NOFILE's soft limit, at most FD_MAX */
const char *sys_domainname(void);

int64_t sys_procfs_fd_link(int fd, char *buf, size_t n); /* sys_procfs.c */

#endif
