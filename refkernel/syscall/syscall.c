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

/* Every call outside sys_fs.h's and sys_proc.h's lists, as X(number, name):
 * the handler is sys_<name>. */
#define SYS_CORE_CALLS(X) \
	X(0, read) X(1, write) X(2, open) X(3, close) X(7, poll) X(9, mmap_fs) X(10, mprotect) \
	X(11, munmap) X(12, brk) X(13, rt_sigaction) X(14, rt_sigprocmask) X(16, ioctl) \
	X(19, readv) X(20, writev) X(22, pipe) X(23, select) X(24, sched_yield) X(25, mremap) \
	X(26, msync) X(27, mincore) X(28, madvise) X(32, dup) X(33, dup2) X(34, pause) \
	X(35, nanosleep) X(36, getitimer) X(37, alarm) X(38, setitimer) X(39, getpid) \
	X(41, socket) X(42, connect) X(43, accept) X(44, sendto) X(45, recvfrom) X(46, sendmsg) \
	X(47, recvmsg) X(48, shutdown) X(49, bind) X(50, listen) X(51, getsockname) \
	X(52, getpeername) X(53, socketpair) X(54, setsockopt) X(55, getsockopt) X(60, exit) \
	X(62, kill) X(63, uname) X(72, fcntl_fs) X(96, gettimeofday) X(110, getppid) \
	X(127, rt_sigpending) X(130, rt_sigsuspend) X(131, sigaltstack) X(158, arch_prctl) \
	X(186, gettid) X(200, tkill) X(201, time) X(202, futex) X(204, sched_getaffinity) \
	X(213, epoll_create) X(218, set_tid_address) X(228, clock_gettime) X(229, clock_getres) \
	X(230, clock_nanosleep) X(231, exit_group) X(232, epoll_wait) X(233, epoll_ctl) \
	X(234, tgkill) X(257, openat) X(270, pselect6) X(271, ppoll) X(273, set_robust_list) \
	X(281, epoll_pwait) X(283, timerfd_create) X(284, eventfd) X(286, timerfd_settime) \
	X(287, timerfd_gettime) X(288, accept4) X(290, eventfd2) X(291, epoll_create1) \
	X(292, dup3) X(293, pipe2) X(318, getrandom)
#define SYS_CALLS(X) SYS_CORE_CALLS(X) SYS_FS_CALLS(X) SYS_PROC_CALLS(X)

/* The dispatch table, 4 bytes a number: the kernel is linked with
 * -mcmodel=kernel, so every kernel address is a sign-extended 32-bit value
 * and movslq loads an entry as one instruction, as it would an 8-byte
 * pointer; 0 where no call is. C cannot initialise a 32-bit integer with an
 * address, so the assembler builds it: sys_table_build's asm names each
 * call's function .Lsys_<nr>, then emits one R_X86_64_32S entry per number.
 * The function itself is never called (--gc-sections drops it). */
#define SYS_NR(nr, name) [nr] = 1,
#define SYS_TABLE_LEN sizeof((const char[]){ SYS_CALLS(SYS_NR) }) /* highest number + 1 */
extern const int32_t sys_table[SYS_TABLE_LEN];
#define SYS_SET(nr, name) __asm__(".set .Lsys_" #nr ", %c0" : : "i"(sys_##name));
__attribute__((used)) static void sys_table_build(void)
{
	SYS_CALLS(SYS_SET)
	__asm__(".pushsection .rodata.sys_table, \"a\"\n"
		".macro sys_table_entry nr\n"
		".ifdef .Lsys_\\nr\n"
		".reloc ., R_X86_64_32S, .Lsys_\\nr\n"
		".endif\n"
		".long 0\n"
		".endm\n"
		".balign 4\n"
		".type sys_table, @object\n"
		"sys_table:\n"
		".set .Lsys_i, 0\n"
		".altmacro\n"
		".rept %c0\n"
		"sys_table_entry %%.Lsys_i\n"
		".set .Lsys_i, .Lsys_i + 1\n"
		".endr\n"
		".noaltmacro\n"
		".size sys_table, . - sys_table\n"
		".popsection" : : "i"(SYS_TABLE_LEN));
}

/* The call the current thread is in, for the crash report of a kernel fault. */
void sys_print_current(void)
{
	const struct sys_call_rec *c = &sched_current->call;
	char name[KSYM_NAME_MAX];
	if (!c->in)
		return;
	kprintf("  in syscall %lu (%s) args %#lx %#lx %#lx %#lx %#lx %#lx\n", (unsigned long)c->nr,
		ksym_sysname((unsigned)c->nr, name, sizeof(name)), (unsigned long)c->a[0], (unsigned long)c->a[1],
		(unsigned long)c->a[2], (unsigned long)c->a[3], (unsigned long)c->a[4],
		(unsigned long)c->a[5]);
}

/* The name is decoded in a frame of its own, not on sys_dispatch's. */
__attribute__((noinline)) static void say_enosys(uint32_t nr)
{
	char name[KSYM_NAME_MAX];
	kprintf("refkernel: unimplemented syscall %lu (%s)%s\n", (unsigned long)nr,
		ksym_sysname(nr, name, sizeof(name)), nr < SYS_MAX ? "" : ": no number this large exists (said once)");
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
	sys_fn fn = nr < SYS_TABLE_LEN ? (sys_fn)(intptr_t)sys_table[nr] : NULL;
	if (fn) {
		struct sys_call_rec *c = &sched_current->call;
		*c = (struct sys_call_rec){ nr, { fr->rdi, fr->rsi, fr->rdx, fr->r10, fr->r8, fr->r9 }, true };
		sched_current->call_rsp = fr->rsp + 128;
		fr->rax = (uint64_t)fn(fr->rdi, fr->rsi, fr->rdx, fr->r10, fr->r8, fr->r9);
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
		say_enosys(nr);
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
