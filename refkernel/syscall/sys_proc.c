/* sys_proc.c — the process calls programs make at start and now and then:
 * the uid/gid family (one user, root, who may switch to another such as
 * nobody: remembered, reported, never enforced), resource limits
 * (RLIMIT_NOFILE is the fd table's size), sysinfo, getrusage, times, prctl
 * names, the scheduler's policy and affinity calls (one CPU, SCHED_OTHER),
 * priorities, host names, sessions and process groups (process 1 leads
 * both), and the calls glibc probes and copes without (rseq, clone3). */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "sys_proc.h"
#include "cmdline.h"

#define A uint64_t
#define NOARGS (void)a; (void)b; (void)c; (void)d; (void)e; (void)f

struct sys_cred sys_cred; /* all zero: root */

static char hostname[65], domainname[65] = "(none)";
extern struct cmdline *kernel_cmdline;

const char *sys_hostname(void)
{
	if (!hostname[0]) {
		const char *h = cmdline_get(kernel_cmdline, "hostname");
		size_t n = h ? strlen(h) : 0;
		if (!h || !n || n > 64)
			h = "refkernel", n = 9;
		memcpy(hostname, h, n);
		hostname[n] = 0;
	}
	return hostname;
}

const char *sys_domainname(void) { return domainname; }

/* ---- credentials ---- */

int64_t sys_getuid(A a, A b, A c, A d, A e, A f) { NOARGS; return sys_cred.ruid; }
int64_t sys_geteuid(A a, A b, A c, A d, A e, A f) { NOARGS; return sys_cred.euid; }
int64_t sys_getgid(A a, A b, A c, A d, A e, A f) { NOARGS; return sys_cred.rgid; }
int64_t sys_getegid(A a, A b, A c, A d, A e, A f) { NOARGS; return sys_cred.egid; }

/* Linux's rule, with root as the only privileged user: root may set any
 * id; another user only to one of its real, effective or saved ids. */
static bool may_set(uint32_t id, uint32_t r, uint32_t e, uint32_t s, bool priv)
{
	return id == (uint32_t)-1 || priv || id == r || id == e || id == s;
}

static int set3(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, A nr, A ne, A ns, bool priv)
{
	if (!may_set((uint32_t)nr, *r, *e, *s, priv) || !may_set((uint32_t)ne, *r, *e, *s, priv) ||
	    !may_set((uint32_t)ns, *r, *e, *s, priv))
		return -EPERM;
	if ((uint32_t)nr != (uint32_t)-1) *r = (uint32_t)nr;
	if ((uint32_t)ne != (uint32_t)-1) *e = (uint32_t)ne;
	if ((uint32_t)ns != (uint32_t)-1) *s = (uint32_t)ns;
	*fs = *e;
	return 0;
}

static bool is_root(void) { return sys_cred.euid == 0; }

int64_t sys_setresuid(A r, A e, A s, A d, A e5, A f)
{
	(void)d; (void)e5; (void)f;
	struct sys_cred *k = &sys_cred;
	return set3(&k->ruid, &k->euid, &k->suid, &k->fsuid, r, e, s, is_root());
}

int64_t sys_setresgid(A r, A e, A s, A d, A e5, A f)
{
	(void)d; (void)e5; (void)f;
	struct sys_cred *k = &sys_cred;
	return set3(&k->rgid, &k->egid, &k->sgid, &k->fsgid, r, e, s, is_root());
}

int64_t sys_setuid(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if ((uint32_t)id == (uint32_t)-1)
		return -EINVAL;
	if (is_root())
		return sys_setresuid(id, id, id, 0, 0, 0);
	return sys_setresuid((A)-1, id, (A)-1, 0, 0, 0);
}

int64_t sys_setgid(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if ((uint32_t)id == (uint32_t)-1)
		return -EINVAL;
	if (is_root())
		return sys_setresgid(id, id, id, 0, 0, 0);
	return sys_setresgid((A)-1, id, (A)-1, 0, 0, 0);
}

int64_t sys_setreuid(A r, A e, A c, A d, A e5, A f)
{
	(void)c; (void)d; (void)e5; (void)f;
	return sys_setresuid(r, e, (A)-1, 0, 0, 0);
}

int64_t sys_setregid(A r, A e, A c, A d, A e5, A f)
{
	(void)c; (void)d; (void)e5; (void)f;
	return sys_setresgid(r, e, (A)-1, 0, 0, 0);
}

static int64_t get3(uint32_t r, uint32_t e, uint32_t s, A ur, A ue, A us)
{
	if (!mm_user_ok((void *)ur, 4, true) || !mm_user_ok((void *)ue, 4, true) ||
	    !mm_user_ok((void *)us, 4, true))
		return -EFAULT;
	*(uint32_t *)ur = r;
	*(uint32_t *)ue = e;
	*(uint32_t *)us = s;
	return 0;
}

int64_t sys_getresuid(A r, A e, A s, A d, A e5, A f)
{
	(void)d; (void)e5; (void)f;
	return get3(sys_cred.ruid, sys_cred.euid, sys_cred.suid, r, e, s);
}

int64_t sys_getresgid(A r, A e, A s, A d, A e5, A f)
{
	(void)d; (void)e5; (void)f;
	return get3(sys_cred.rgid, sys_cred.egid, sys_cred.sgid, r, e, s);
}

static int64_t set_fs(uint32_t *fs, uint32_t r, uint32_t e, uint32_t s, A id)
{
	uint32_t old = *fs;
	if ((uint32_t)id != (uint32_t)-1 && may_set((uint32_t)id, r, e, s, is_root()))
		*fs = (uint32_t)id;
	return old; /* Linux returns the old id, success or not */
}

int64_t sys_setfsuid(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct sys_cred *k = &sys_cred;
	return set_fs(&k->fsuid, k->ruid, k->euid, k->suid, id);
}

int64_t sys_setfsgid(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct sys_cred *k = &sys_cred;
	return set_fs(&k->fsgid, k->rgid, k->egid, k->sgid, id);
}

int64_t sys_getgroups(A size, A list, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int n = sys_cred.ngroups;
	if ((int)size < 0)
		return -EINVAL;
	if (size == 0)
		return n;
	if ((int)size < n)
		return -EINVAL;
	if (!mm_user_ok((void *)list, (size_t)n * 4, true))
		return -EFAULT;
	memcpy((void *)list, sys_cred.groups, (size_t)n * 4);
	return n;
}

int64_t sys_setgroups(A size, A list, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (!is_root())
		return -EPERM;
	if (size > 65536)
		return -EINVAL;
	if (size > SYS_NGROUPS_MAX)
		return -ENOMEM; /* more than this kernel keeps */
	if (!mm_user_ok((void *)list, size * 4, false))
		return -EFAULT;
	memcpy(sys_cred.groups, (void *)list, size * 4);
	sys_cred.ngroups = (int)size;
	return 0;
}

/* ---- process groups and sessions: process 1 leads both ---- */

int64_t sys_getpgid(A pid, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return (int)pid == 0 || (int)pid == 1 ? 1 : (int)pid < 0 ? -EINVAL : -ESRCH;
}

int64_t sys_getpgrp(A a, A b, A c, A d, A e, A f) { NOARGS; return 1; }

int64_t sys_setpgid(A pid, A pgid, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int)pgid < 0)
		return -EINVAL;
	if ((int)pid != 0 && (int)pid != 1)
		return -ESRCH;
	return (int)pgid == 0 || (int)pgid == 1 ? 0 : -EPERM; /* a session leader stays */
}

int64_t sys_setsid(A a, A b, A c, A d, A e, A f) { NOARGS; return -EPERM; } /* already leader */

/* ---- resource limits ---- */

#define MiB (1ULL << 20)
struct sys_rlimit sys_rlimits[SYS_RLIMIT_NLIMITS] = {
	[0] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY },  /* CPU */
	[1] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY },  /* FSIZE */
	[2] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY },  /* DATA */
	[3] = { 8 * MiB, SYS_RLIM_INFINITY },            /* STACK: Linux's default */
	[4] = { 0, SYS_RLIM_INFINITY },                  /* CORE */
	[5] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY },  /* RSS */
	[6] = { 4096, 4096 },                            /* NPROC: threads */
	[7] = { FD_MAX, FD_MAX },                        /* NOFILE: the fd table */
	[8] = { 8 * MiB, 8 * MiB },                      /* MEMLOCK */
	[9] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY },  /* AS */
	[10] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY }, /* LOCKS */
	[11] = { 0, 0 },                                 /* SIGPENDING: set at first use */
	[12] = { 819200, 819200 },                       /* MSGQUEUE */
	[13] = { 0, 0 },                                 /* NICE */
	[14] = { 0, 0 },                                 /* RTPRIO */
	[15] = { SYS_RLIM_INFINITY, SYS_RLIM_INFINITY }, /* RTTIME */
};

int64_t sys_prlimit64(A pid, A res, A unew, A uold, A e, A f)
{
	(void)e; (void)f;
	if ((int)pid != 0 && (int)pid != 1)
		return -ESRCH;
	if (res >= SYS_RLIMIT_NLIMITS)
		return -EINVAL;
	struct sys_rlimit n, *l = &sys_rlimits[res];
	if (unew) {
		if (!mm_user_ok((void *)unew, sizeof(n), false))
			return -EFAULT;
		n = *(struct sys_rlimit *)unew;
		if (n.cur > n.max)
			return -EINVAL;
		if (n.max > l->max && !is_root())
			return -EPERM;
		if (res == SYS_RLIMIT_NOFILE && n.max > FD_MAX)
			return -EPERM; /* Linux: above fs.nr_open; here the table's size */
	}
	if (uold) {
		if (!mm_user_ok((void *)uold, sizeof(*l), true))
			return -EFAULT;
		*(struct sys_rlimit *)uold = *l;
	}
	if (unew)
		*l = n;
	return 0;
}

int64_t sys_getrlimit(A res, A uold, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_prlimit64(0, res, 0, uold ? uold : 1, 0, 0); /* NULL: EFAULT, as Linux */
}

int64_t sys_setrlimit(A res, A unew, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (!unew)
		return -EFAULT;
	return sys_prlimit64(0, res, unew, 0, 0, 0);
}

unsigned fd_limit(void)
{
	uint64_t l = sys_rlimits[SYS_RLIMIT_NOFILE].cur;
	return l < FD_MAX ? (unsigned)l : FD_MAX;
}

/* ---- what the process used ---- */

struct k_sysinfo {
	int64_t uptime;
	uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char _f[0];
};

int64_t sys_sysinfo(A u, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if (!mm_user_ok((void *)u, sizeof(struct k_sysinfo), true))
		return -EFAULT;
	struct k_sysinfo *s = (void *)u;
	memset(s, 0, sizeof(*s));
	s->uptime = (int64_t)(time_ns() / 1000000000ULL);
	s->totalram = mem_total_bytes();
	s->freeram = mem_free_bytes();
	s->procs = (uint16_t)sched_nthreads(); /* Linux counts threads here too */
	s->mem_unit = 1;
	return 0;
}

struct k_timeval { int64_t sec, usec; };
struct k_rusage { struct k_timeval utime, stime; int64_t maxrss, ixrss, idrss, isrss, minflt, majflt,
	nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw; };
extern uint64_t x86_page_faults;

/* The application and the kernel share ring 0: all CPU time is user time. */
int64_t sys_getrusage(A who, A u, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int)who != 0 && (int)who != -1 && (int)who != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	if (!mm_user_ok((void *)u, sizeof(struct k_rusage), true))
		return -EFAULT;
	struct k_rusage *r = (void *)u;
	memset(r, 0, sizeof(*r));
	if ((int)who == -1)
		return 0; /* no children */
	uint64_t ns = sched_cpu_ns((int)who == 0);
	r->utime = (struct k_timeval){ (int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL / 1000) };
	r->maxrss = (int64_t)((mem_total_bytes() - mem_free_bytes()) >> 10); /* the guest's use: an upper bound */
	r->minflt = (int64_t)x86_page_faults;
	r->nvcsw = r->nivcsw = 0;
	if ((int)who == 0)
		r->nivcsw = (int64_t)sched_preemptions;
	return 0;
}

int64_t sys_times(A u, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if (u) {
		if (!mm_user_ok((void *)u, 32, true))
			return -EFAULT;
		int64_t *t = (void *)u;
		t[0] = (int64_t)(sched_cpu_ns(true) / 10000000ULL); /* USER_HZ 100 */
		t[1] = t[2] = t[3] = 0;
	}
	return (int64_t)(time_ns() / 10000000ULL);
}

/* ---- prctl: the thread's name; the rest -EINVAL ---- */

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
static int dumpable = 1, no_new_privs;

int64_t sys_prctl(A op, A arg, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct thread *t = sched_current;
	switch (op) {
	case PR_SET_NAME:
		for (size_t i = 0; i < 15; i++) { /* up to 16 bytes with the NUL, cut as Linux */
			if (!mm_user_ok((void *)(arg + i), 1, false))
				return -EFAULT;
			char ch = ((const char *)arg)[i];
			t->comm[i] = ch;
			if (!ch)
				break;
		}
		t->comm[15] = 0;
		return 0;
	case PR_GET_NAME:
		if (!mm_user_ok((void *)arg, 16, true))
			return -EFAULT;
		memcpy((void *)arg, t->comm, 16);
		return 0;
	case PR_SET_PDEATHSIG:
		return arg <= 64 ? 0 : -EINVAL; /* the parent (the VMM) never dies first */
	case PR_GET_PDEATHSIG:
		if (!mm_user_ok((void *)arg, 4, true))
			return -EFAULT;
		*(int *)arg = 0;
		return 0;
	case PR_GET_DUMPABLE:
		return dumpable;
	case PR_SET_DUMPABLE:
		if (arg > 1)
			return -EINVAL;
		dumpable = (int)arg;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (arg != 1)
			return -EINVAL;
		no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return no_new_privs;
	default:
		return -EINVAL;
	}
}

/* ---- the scheduler's knobs: one CPU, SCHED_OTHER, nice 0 ---- */

static bool self(A pid) { return (int)pid == 0 || sched_find((int)pid); }

int64_t sys_sched_setaffinity(A pid, A len, A mask, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (!self(pid))
		return -ESRCH;
	if (len == 0)
		return -EINVAL;
	if (!mm_user_ok((void *)mask, 1, false))
		return -EFAULT;
	return (*(uint8_t *)mask & 1) ? 0 : -EINVAL; /* the set must hold CPU 0 */
}

int64_t sys_sched_getscheduler(A pid, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	if ((int)pid < 0)
		return -EINVAL;
	return self(pid) ? 0 : -ESRCH; /* SCHED_OTHER */
}

int64_t sys_sched_getparam(A pid, A p, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int)pid < 0 || !p)
		return -EINVAL;
	if (!self(pid))
		return -ESRCH;
	if (!mm_user_ok((void *)p, 4, true))
		return -EFAULT;
	*(int *)p = 0;
	return 0;
}

int64_t sys_sched_setscheduler(A pid, A policy, A p, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if ((int)pid < 0 || !p)
		return -EINVAL;
	if (!self(pid))
		return -ESRCH;
	if (!mm_user_ok((void *)p, 4, false))
		return -EFAULT;
	int pol = (int)policy & ~0x40000000; /* SCHED_RESET_ON_FORK */
	if (pol != 0 && pol != 3 && pol != 5) /* OTHER, BATCH, IDLE: all one round robin here */
		return pol == 1 || pol == 2 || pol == 6 ? -EPERM : -EINVAL; /* no real-time class */
	return *(int *)p == 0 ? 0 : -EINVAL;
}

int64_t sys_sched_setparam(A pid, A p, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_sched_setscheduler(pid, 0, p, 0, 0, 0);
}

int64_t sys_sched_get_priority_max(A policy, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	switch ((int)policy) {
	case 1: case 2: return 99;
	case 0: case 3: case 5: case 6: return 0;
	default: return -EINVAL;
	}
}

int64_t sys_sched_get_priority_min(A policy, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	switch ((int)policy) {
	case 1: case 2: return 1;
	case 0: case 3: case 5: case 6: return 0;
	default: return -EINVAL;
	}
}

int64_t sys_sched_rr_get_interval(A pid, A ts, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int)pid < 0)
		return -EINVAL;
	if (!self(pid))
		return -ESRCH;
	if (!mm_user_ok((void *)ts, 16, true))
		return -EFAULT;
	((int64_t *)ts)[0] = (int64_t)(sched_slice_ns / 1000000000ULL);
	((int64_t *)ts)[1] = (int64_t)(sched_slice_ns % 1000000000ULL);
	return 0;
}

/* Priorities are recorded, not acted on: one round robin for all. */
static int nice_value;
int64_t sys_getpriority(A which, A who, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (which > 2)
		return -EINVAL;
	if ((int)who != 0 && (int)who != 1)
		return -ESRCH;
	return 20 - nice_value; /* the syscall's biased value, as Linux */
}

int64_t sys_setpriority(A which, A who, A prio, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (which > 2)
		return -EINVAL;
	if ((int)who != 0 && (int)who != 1)
		return -ESRCH;
	int n = (int)prio;
	n = n < -20 ? -20 : n > 19 ? 19 : n;
	if (n < nice_value && !is_root())
		return -EACCES;
	nice_value = n;
	return 0;
}

/* ---- host names ---- */

static int64_t set_name(char *dst, A name, A len)
{
	if (!is_root())
		return -EPERM;
	if (len > 64)
		return -EINVAL;
	if (!mm_user_ok((void *)name, len, false))
		return -EFAULT;
	sys_hostname(); /* the command line's value is read before it is replaced */
	memcpy(dst, (void *)name, len);
	dst[len] = 0;
	return 0;
}

int64_t sys_sethostname(A name, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return set_name(hostname, name, len);
}

int64_t sys_setdomainname(A name, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return set_name(domainname, name, len);
}

/* ---- probes glibc copes without ---- */

int64_t sys_rseq(A a, A b, A c, A d, A e, A f) { NOARGS; return -ENOSYS; }   /* glibc: no rseq */
int64_t sys_clone3(A a, A b, A c, A d, A e, A f) { NOARGS; return -ENOSYS; } /* glibc falls back to clone */

int64_t sys_getsid(A pid, A b, A c, A d, A e, A f)
{
	return sys_getpgid(pid, b, c, d, e, f); /* process 1 leads its session */
}
