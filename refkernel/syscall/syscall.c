/* syscall.c — sys_dispatch() (called from x86_syscall_entry) looks the number
 * up in one table, counts it, and reports an unimplemented one once. Small
 * process-level calls (identity, uname, signals, exit) live here too. */
#include "kernel.h"
#include "syscall.h"
#include "x86.h"
#include "ksched.h"
#include "sys_fs.h"
#include "sys_proc.h"

#define A uint64_t
uint64_t sys_ncalls, sys_nenosys; /* the exit line's syscalls= and enosys= (also read by kernel/api.c) */
static uint8_t reported[SYS_MAX / 8];

__attribute__((cold)) void sys_exit_all(int code)
{
	struct kline l = { .n = 0 };
	kline_u(&l, "refkernel: exit status=", (unsigned)code & 0xff);
	kline_u(&l, " run_us=", time_ns() / 1000);
	sys_print_counters(&l);
	knet_flush();
	knet_print_counters();
	kexit(code & 0xff);
}

static int64_t sys_exit_group(A code, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	sys_exit_all((int)code);
}

static int64_t sys_getpid(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return 1;
}

static int64_t sys_getppid(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return 0;
}

static int64_t sys_set_tid_address(A a, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	sched_current->clear_tid = (uint64_t *)a;
	return sched_current->tid;
}

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
static int64_t sys_arch_prctl(A code, A addr, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= 0x00007ffffffff000ULL) /* Linux: TASK_SIZE_MAX and above */
			return -EPERM;
		wrmsr(MSR_FS_BASE, addr);
		sched_current->fs_base = addr;
		return 0;
	case ARCH_GET_FS:
		if (!mm_user_ok((void *)addr, 8, true))
			return -EFAULT;
		*(uint64_t *)addr = rdmsr(MSR_FS_BASE);
		return 0;
	default:
		return -EINVAL;
	}
}

struct utsname_k { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };

/* Out of line: one loop for the six fields (smaller, and translated once under TCG). */
__attribute__((noinline)) static void copy_str(char *dst, const char *src)
{
	size_t i = 0;
	for (; src[i] && i < 64; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static int64_t sys_uname(A buf, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct utsname_k *u = (void *)buf;
	if (!mm_user_ok(u, sizeof(*u), true))
		return -EFAULT;
	memset(u, 0, sizeof(*u));
	copy_str(u->sysname, "refkernel");
	copy_str(u->nodename, sys_hostname());
	copy_str(u->release, "0.1");
	copy_str(u->version, "refkernel 0.1");
	copy_str(u->machine, "x86_64");
	copy_str(u->domainname, sys_domainname());
	return 0;
}

static int64_t sys_getrandom(A buf, A len, A flags, A d, A e, A f)
{
	(void)flags; (void)d; (void)e; (void)f;
	if (len > 33554431)
		len = 33554431;
	if (!mm_user_ok((void *)buf, len, true))
		return -EFAULT;
	rand_bytes((void *)buf, len);
	return (int64_t)len;
}

static const sys_fn table[] = { /* as long as its highest number */
	[0] = sys_read, [1] = sys_write, [2] = sys_open, [3] = sys_close, [7] = sys_poll,
	[9] = sys_mmap_fs, [10] = sys_mprotect, [11] = sys_munmap, [12] = sys_brk,
	[13] = sys_rt_sigaction, [14] = sys_rt_sigprocmask, [16] = sys_ioctl,
	[19] = sys_readv, [20] = sys_writev, [22] = sys_pipe, [23] = sys_select, [32] = sys_dup, [33] = sys_dup2, [24] = sys_sched_yield, [25] = sys_mremap, [26] = sys_msync, [27] = sys_mincore, [28] = sys_madvise,
	[34] = sys_pause, [35] = sys_nanosleep, [36] = sys_getitimer, [37] = sys_alarm, [38] = sys_setitimer,
	[39] = sys_getpid,
	[41] = sys_socket, [42] = sys_connect, [43] = sys_accept, [44] = sys_sendto,
	[45] = sys_recvfrom, [46] = sys_sendmsg, [47] = sys_recvmsg, [48] = sys_shutdown,
	[49] = sys_bind, [50] = sys_listen, [51] = sys_getsockname, [52] = sys_getpeername, [53] = sys_socketpair,
	[54] = sys_setsockopt, [55] = sys_getsockopt, [60] = sys_exit, [62] = sys_kill, [63] = sys_uname,
	[72] = sys_fcntl_fs, [96] = sys_gettimeofday, [110] = sys_getppid, [158] = sys_arch_prctl,
	[186] = sys_gettid, [200] = sys_tkill, [201] = sys_time, [202] = sys_futex,
	[204] = sys_sched_getaffinity, [213] = sys_epoll_create, [218] = sys_set_tid_address,
	[228] = sys_clock_gettime, [232] = sys_epoll_wait, [233] = sys_epoll_ctl, [234] = sys_tgkill, [229] = sys_clock_getres, [230] = sys_clock_nanosleep,
	[231] = sys_exit_group, [257] = sys_openat, [270] = sys_pselect6, [271] = sys_ppoll, [273] = sys_set_robust_list,
	[281] = sys_epoll_pwait, [283] = sys_timerfd_create, [284] = sys_eventfd,
	[286] = sys_timerfd_settime, [287] = sys_timerfd_gettime, [290] = sys_eventfd2, [288] = sys_accept4, [291] = sys_epoll_create1, [292] = sys_dup3, [293] = sys_pipe2,
	[318] = sys_getrandom, [127] = sys_rt_sigpending, [130] = sys_rt_sigsuspend, [131] = sys_sigaltstack,
	SYS_FS_TABLE /* sys_fs.h */
	SYS_PROC_TABLE /* sys_proc.h */
};

/* The call the current thread is in, for the crash report of a kernel fault. */
void sys_print_current(void)
{
	const struct sys_call_rec *c = &sched_current->call;
	if (!c->in)
		return;
	kprintf("  in syscall %lu (%s) args %#lx %#lx %#lx %#lx %#lx %#lx\n", (unsigned long)c->nr,
		sys_name((unsigned)c->nr), (unsigned long)c->a[0], (unsigned long)c->a[1],
		(unsigned long)c->a[2], (unsigned long)c->a[3], (unsigned long)c->a[4],
		(unsigned long)c->a[5]);
}

void sys_dispatch(struct x86_syscall_frame *fr)
{
	uint32_t nr = (uint32_t)fr->rax; /* Linux takes eax: the upper half is ignored */
	static bool out_of_range_said;
	sys_ncalls++;
	if (nr == 15) /* rt_sigreturn: every register comes back from the signal frame */
		sys_rt_sigreturn_frame(fr);
	if (nr == 56) { /* clone needs the whole frame: the child starts from it */
		fr->rax = (uint64_t)sys_clone_frame(fr);
		if (sched_multi())
			fr->rflags |= 1 << 9; /* threads: application code now runs with interrupts on */
		return;
	}
	if (nr < ARRAY_SIZE(table) && table[nr]) {
		struct sys_call_rec *c = &sched_current->call;
		*c = (struct sys_call_rec){ nr, { fr->rdi, fr->rsi, fr->rdx, fr->r10, fr->r8, fr->r9 }, true };
		sched_current->call_rsp = fr->rsp + 128;
		fr->rax = (uint64_t)table[nr](fr->rdi, fr->rsi, fr->rdx, fr->r10, fr->r8, fr->r9);
		c->in = false;
		sys_signal_return(fr); /* a pending signal's handler runs first */
		knet_flush(); /* frames the call queued leave now, in one notification */
		return;
	}
	sys_nenosys++;
	bool said = nr < SYS_MAX ? reported[nr / 8] & (1 << (nr % 8)) : out_of_range_said;
	if (!said) {
		if (nr < SYS_MAX)
			reported[nr / 8] |= (uint8_t)(1 << (nr % 8));
		else
			out_of_range_said = true;
		kprintf("refkernel: unimplemented syscall %lu (%s)%s\n", (unsigned long)nr,
			nr < SYS_MAX ? sys_name(nr) : "?", nr < SYS_MAX ? "" : ": no number this large exists (said once)");
	}
	fr->rax = (uint64_t)-ENOSYS;
}

extern uint64_t x86_page_faults;
extern const char *boot_proto;
__attribute__((cold)) void sys_print_counters(struct kline *l)
{
	const struct { const char *key; uint64_t v; } n[] = { /* one loop: fewer blocks to translate */
		{ " threads=", (uint64_t)sched_nthreads() }, { " switches=", sched_switches },
		{ " preemptions=", sched_preemptions },
		{ " idle_us=", idle_ns / 1000 }, /* every halt is in kwait(), which counts it */
		{ " syscalls=", sys_ncalls }, { " enosys=", sys_nenosys }, { " page_faults=", x86_page_faults },
		{ " mem_free_kib=", mem_free_bytes() >> 10 }, { " mem_total_kib=", mem_total_bytes() >> 10 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		kline_u(l, n[i].key, n[i].v);
	kline_s(l, " clock=", time_source);
	kline_u(l, " tsc_khz=", time_tsc_khz);
	kline_s(l, " boot=", boot_proto);
	kline_end(l);
}
