/* sys_signal.c — signals that arrive: rt_sigaction, rt_sigprocmask,
 * sigaltstack, rt_sigreturn, rt_sigpending, rt_sigsuspend, pause, kill,
 * tkill/tgkill, alarm/setitimer/getitimer, and synchronous faults.
 *
 * A signal is made pending on a thread (tgkill, a fault) or on the process
 * (kill, a timer); it is delivered when the thread goes back to application
 * code from a system call (sys_signal_return, from sys_dispatch) or from a
 * fault (the trap hook): the frame Linux's x86-64 builds (rt_sigframe:
 * return address = sa_restorer, ucontext with the registers, the mask and
 * a pointer to the FXSAVE image, siginfo) goes on the thread's stack below
 * its red zone, or on its alternate stack (SA_ONSTACK), and the thread
 * resumes at the handler; rt_sigreturn puts everything back. A default
 * action ends the process as Linux's would (status 128 + sig; stop signals
 * are ignored: nothing can continue them). A fault whose signal is blocked
 * or has no handler is today's crash report.
 * It is also delivered asynchronously, at the next interrupt that returns
 * to application code (the LAPIC tick of a multi-threaded program) or when a
 * preempted thread is resumed (sched_signal_hook): a thread spinning without
 * system calls gets a tgkill from another thread within a time slice.
 * Timers are noticed at system calls, during waits (a sleep ends with
 * EINTR) and at those interrupts: an application spinning without system
 * calls in a single thread runs with interrupts off and takes its SIGALRM
 * at its next call. */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "x86.h"
#include "sys_proc.h"

#define A uint64_t
#define NSIG 64
#define BIT(s) (1ULL << ((s) - 1))
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGALRM 14
#define SIGSTOP 19
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define SA_SIGINFO   0x00000004
#define SA_ONSTACK   0x08000000
#define SA_RESTORER  0x04000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define USER_TOP 0x00007ffffffff000ULL

struct ksigaction { uint64_t handler, flags, restorer, mask; };
static struct ksigaction actions[NSIG + 1];
static uint64_t proc_pending;
static struct sig_info proc_info[NSIG + 1];

uint64_t sys_sig_blocked(void) { return sched_current->sigmask; }
uint64_t sys_sig_pending(void) { return proc_pending | sched_current->sigpend; }

uint64_t sys_sig_ignored(void)
{
	uint64_t m = 0;
	for (int s = 1; s <= NSIG; s++)
		if (actions[s].handler == 1)
			m |= BIT(s);
	return m;
}

uint64_t sys_sig_caught(void)
{
	uint64_t m = 0;
	for (int s = 1; s <= NSIG; s++)
		if (actions[s].handler > 1)
			m |= BIT(s);
	return m;
}

uint64_t sys_sig_handler(int sig)
{
	return sig >= 1 && sig <= NSIG ? actions[sig].handler : 0;
}

/* What Linux's default action does with (sig): 'i'gnore, 's'top, or end. */
static char default_action(int sig)
{
	switch (sig) {
	case 17: case 18: case 23: case 28: return 'i'; /* SIGCHLD SIGCONT SIGURG SIGWINCH */
	case 19: case 20: case 21: case 22: return 's'; /* SIGSTOP SIGTSTP SIGTTIN SIGTTOU */
	default: return 't';
	}
}

static bool discarded(int sig)
{
	uint64_t h = actions[sig].handler;
	return h == 1 || (h == 0 && default_action(sig) != 't');
}

/* ---- sending ---- */

static uint64_t deliverable(const struct thread *t)
{
	return (t->sigpend | proc_pending) & ~t->sigmask;
}

/* Wake (t) from an interruptible wait when (sig) can reach it. */
static void kick(struct thread *t, int sig)
{
	if (!(t->sigmask & BIT(sig)) && t->state == T_BLOCKED &&
	    (t->wait == W_SLEEP || t->wait == W_FUTEX || t->wait == W_EVENT))
		sched_wake(t, -EINTR);
}

/* Pend (sig) on thread (t), or on the process when (t) is NULL. */
static void post(struct thread *t, int sig, const struct sig_info *si)
{
	if (discarded(sig))
		return; /* SIG_IGN or ignored by default: dropped at once, as Linux */
	if (t) {
		t->sigpend |= BIT(sig);
		t->siginfo[sig - 1] = *si;
		kick(t, sig);
		return;
	}
	proc_pending |= BIT(sig);
	proc_info[sig] = *si;
	struct thread *u = sched_first_unmasked(BIT(sig)); /* it takes the signal first */
	if (u)
		kick(u, sig);
}

int64_t sys_kill(A pid, A usig, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	int sig = (int)usig, p = (int)pid;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (p != 1 && p != 0 && p != -1)
		return -ESRCH; /* one process */
	if (sig)
		post(NULL, sig, &(struct sig_info){ .code = SI_USER, .pid = 1 });
	return 0;
}

static int64_t send_thread(int tid, int sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct thread *t = sched_find(tid);
	if (!t)
		return -ESRCH;
	if (sig)
		post(t, sig, &(struct sig_info){ .code = SI_TKILL, .pid = 1 });
	return 0;
}

int64_t sys_tkill(A tid, A sig, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int)tid <= 0)
		return -EINVAL;
	return send_thread((int)tid, (int)sig);
}

int64_t sys_tgkill(A tgid, A tid, A sig, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if ((int)tgid <= 0 || (int)tid <= 0)
		return -EINVAL;
	if ((int)tgid != 1)
		return -ESRCH;
	return send_thread((int)tid, (int)sig);
}

/* ---- masks, actions, the alternate stack ---- */

int64_t sys_rt_sigprocmask(A how, A set, A old, A size, A e, A f)
{
	(void)e; (void)f;
	struct thread *t = sched_current;
	if (size != 8)
		return -EINVAL;
	if (set && !mm_user_ok((void *)set, 8, false))
		return -EFAULT;
	if (old && !mm_user_ok((void *)old, 8, true))
		return -EFAULT;
	uint64_t s = set ? *(uint64_t *)set : 0, m = t->sigmask;
	if (set) {
		if (how == 0) m |= s;
		else if (how == 1) m &= ~s;
		else if (how == 2) m = s;
		else return -EINVAL;
	}
	if (old)
		*(uint64_t *)old = t->sigmask;
	t->sigmask = m & ~UNBLOCKABLE;
	return 0;
}

int64_t sys_rt_sigaction(A usig, A act, A old, A size, A e, A f)
{
	(void)e; (void)f;
	int sig = (int)usig;
	if (sig < 1 || sig > NSIG || size != 8 || ((sig == SIGKILL || sig == SIGSTOP) && act))
		return -EINVAL;
	if (act && !mm_user_ok((void *)act, sizeof(struct ksigaction), false))
		return -EFAULT;
	if (old && !mm_user_ok((void *)old, sizeof(struct ksigaction), true))
		return -EFAULT;
	struct ksigaction n = act ? *(const struct ksigaction *)act : actions[sig];
	if (old)
		*(struct ksigaction *)old = actions[sig];
	if (act) {
		n.mask &= ~UNBLOCKABLE;
		actions[sig] = n;
		if (discarded(sig)) { /* pending ones go, as POSIX says */
			proc_pending &= ~BIT(sig);
			sched_current->sigpend &= ~BIT(sig);
		}
	}
	return 0;
}

struct kstack { uint64_t sp; int32_t flags, pad; uint64_t size; };

static bool on_altstack(const struct thread *t, uint64_t sp)
{
	return t->ss_size && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

static void stack_now(const struct thread *t, uint64_t sp, struct kstack *out)
{
	*out = (struct kstack){ t->ss_sp, t->ss_size ? (on_altstack(t, sp) ? SS_ONSTACK : 0) : SS_DISABLE, 0,
				t->ss_size };
}

static int set_altstack(struct thread *t, const struct kstack *n, uint64_t sp)
{
	if (on_altstack(t, sp))
		return -EPERM;
	int fl = n->flags & ~(int)0x80000000; /* SS_AUTODISARM: not done, accepted */
	if (fl != 0 && fl != SS_DISABLE && fl != SS_ONSTACK)
		return -EINVAL;
	if (fl == SS_DISABLE) {
		t->ss_sp = t->ss_size = 0;
		return 0;
	}
	if (n->size < MINSIGSTKSZ)
		return -ENOMEM;
	t->ss_sp = n->sp;
	t->ss_size = n->size;
	return 0;
}

int64_t sys_sigaltstack(A uss, A uold, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct thread *t = sched_current;
	uint64_t sp = sched_current->call_rsp;
	if (uss && !mm_user_ok((void *)uss, sizeof(struct kstack), false))
		return -EFAULT;
	if (uold && !mm_user_ok((void *)uold, sizeof(struct kstack), true))
		return -EFAULT;
	struct kstack o, n = uss ? *(struct kstack *)uss : (struct kstack){ 0 };
	stack_now(t, sp, &o);
	if (uss) {
		int r = set_altstack(t, &n, sp);
		if (r)
			return r;
	}
	if (uold)
		*(struct kstack *)uold = o;
	return 0;
}

int64_t sys_rt_sigpending(A uset, A size, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (size > 8)
		return -EINVAL;
	if (!mm_user_ok((void *)uset, size, true))
		return -EFAULT;
	uint64_t p = (proc_pending | sched_current->sigpend) & sched_current->sigmask;
	memcpy((void *)uset, &p, size);
	return 0;
}

/* ---- timers: ITIMER_REAL (alarm, setitimer) ---- */

struct ktimeval { int64_t sec, usec; };
struct kitimerval { struct ktimeval interval, value; };
static uint64_t alarm_at, alarm_every; /* time_ns(); 0: disarmed */
static bool posted;                     /* an alarm was posted since sys_signal_posted() */

bool sys_signal_posted(void)
{
	bool p = posted;
	posted = false;
	return p;
}

/* Past deadlines fire; called at every return to the application and by
 * the waits. Returns the next deadline (0: none). */
uint64_t sys_signal_timers(void)
{
	if (!alarm_at)
		return 0;
	uint64_t now = time_ns();
	if (now >= alarm_at) {
		post(NULL, SIGALRM, &(struct sig_info){ .code = SI_KERNEL });
		posted = true;
		if (alarm_every) {
			uint64_t missed = (now - alarm_at) / alarm_every;
			alarm_at += (missed + 1) * alarm_every;
		} else {
			alarm_at = 0;
		}
	}
	return alarm_at;
}

static uint64_t tv_ns(const struct ktimeval *tv)
{
	if ((uint64_t)tv->sec >= SYS_NS_MAX / 1000000000ULL)
		return SYS_NS_MAX;
	return (uint64_t)tv->sec * 1000000000ULL + (uint64_t)tv->usec * 1000ULL;
}

static struct ktimeval ns_tv(uint64_t ns, bool round_up)
{
	if (round_up && ns % 1000)
		ns += 1000 - ns % 1000;
	return (struct ktimeval){ (int64_t)(ns / 1000000000ULL), (int64_t)(ns % 1000000000ULL / 1000) };
}

static void itimer_now(struct kitimerval *o)
{
	uint64_t now = time_ns();
	o->interval = ns_tv(alarm_every, false);
	o->value = ns_tv(alarm_at > now ? alarm_at - now : alarm_at ? 1000 : 0, true);
}

int64_t sys_getitimer(A which, A uold, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (which > 2)
		return -EINVAL;
	if (!mm_user_ok((void *)uold, sizeof(struct kitimerval), true))
		return -EFAULT;
	struct kitimerval o = { 0 };
	if (which == 0)
		itimer_now(&o);
	*(struct kitimerval *)uold = o; /* the CPU-time timers are never armed */
	return 0;
}

int64_t sys_setitimer(A which, A unew, A uold, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (which > 2)
		return -EINVAL;
	if (unew && !mm_user_ok((void *)unew, sizeof(struct kitimerval), false))
		return -EFAULT;
	if (uold && !mm_user_ok((void *)uold, sizeof(struct kitimerval), true))
		return -EFAULT;
	struct kitimerval n = unew ? *(struct kitimerval *)unew : (struct kitimerval){ 0 }, o = { 0 };
	if (n.value.usec < 0 || n.value.usec >= 1000000 || n.interval.usec < 0 ||
	    n.interval.usec >= 1000000 || n.value.sec < 0 || n.interval.sec < 0)
		return -EINVAL;
	if (which != 0) { /* ITIMER_VIRTUAL/PROF: CPU time is not sampled for them */
		if (tv_ns(&n.value))
			return -EINVAL;
		if (uold)
			*(struct kitimerval *)uold = o;
		return 0;
	}
	itimer_now(&o);
	uint64_t v = tv_ns(&n.value);
	alarm_at = v ? sys_deadline(v) : 0;
	alarm_every = v ? tv_ns(&n.interval) : 0;
	if (uold)
		*(struct kitimerval *)uold = o;
	return 0;
}

int64_t sys_alarm(A secs, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	uint64_t now = time_ns();
	uint64_t left = alarm_at > now ? (alarm_at - now + 999999999ULL) / 1000000000ULL : alarm_at ? 1 : 0;
	uint32_t s = (uint32_t)secs;
	alarm_at = s ? sys_deadline((uint64_t)s * 1000000000ULL) : 0;
	alarm_every = 0;
	return (int64_t)left;
}

/* ---- waiting for a signal ---- */

bool sys_signal_interrupts(void)
{
	sys_signal_timers();
	return deliverable(sched_current) != 0;
}

static int64_t wait_signal(void)
{
	uint64_t seen = irq_events_now();
	while (!sys_signal_interrupts()) {
		uint64_t next = sys_signal_timers();
		if (sched_multi())
			sched_block(W_SLEEP, next);
		else if (!next)
			kpanic(KEXIT_PANIC, "deadlock: the only thread waits for a signal nothing can send");
		else
			kwait(next, &seen);
	}
	return -EINTR;
}

int64_t sys_pause(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return wait_signal();
}

int64_t sys_rt_sigsuspend(A uset, A size, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (size != 8)
		return -EINVAL;
	if (!mm_user_ok((void *)uset, 8, false))
		return -EFAULT;
	struct thread *t = sched_current;
	t->saved_mask = t->sigmask;
	t->restore_mask = true; /* the handler's frame records the mask from before */
	t->sigmask = *(uint64_t *)uset & ~UNBLOCKABLE;
	return wait_signal();
}

/* ---- delivery ---- */

struct ksiginfo {
	int32_t signo, err, code, pad;
	union {
		struct { int32_t pid; uint32_t uid; } kill;
		struct { uint64_t addr; } fault;
		uint8_t _b[112];
	};
};

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct kucontext {
	uint64_t flags, link;
	struct kstack stack;
	struct ksigcontext mc;
	uint64_t mask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	struct ksiginfo info;
};

static int take(struct thread *t)
{
	uint64_t d = deliverable(t);
	if (!d)
		return 0;
	int sig = __builtin_ctzll(d) + 1;
	if (t->sigpend & BIT(sig)) {
		t->sigpend &= ~BIT(sig);
		t->cur_info = t->siginfo[sig - 1];
	} else {
		proc_pending &= ~BIT(sig);
		t->cur_info = proc_info[sig];
	}
	return sig;
}

__attribute__((noreturn)) static void default_end(int sig)
{
	kprintf("refkernel: signal %d: default action, the process ends\n", sig);
	sys_exit_all(128 + sig);
}

/* Put the frame of (sig) for the context (r) on the stack; (r) becomes the
 * handler's entry. False when the frame cannot be written (the process ends). */
static bool push_frame(struct thread *t, int sig, struct x86_regs *r)
{
	const struct ksigaction *a = &actions[sig];
	uint64_t sp = r->rsp;
	struct kstack st;
	stack_now(t, sp, &st);
	if ((a->flags & SA_ONSTACK) && t->ss_size && !on_altstack(t, sp))
		sp = t->ss_sp + t->ss_size;
	else
		sp -= 128; /* the red zone */
	uint64_t fp = (sp - 512) & ~63ULL;
	uint64_t frame = ((fp - sizeof(struct rt_sigframe)) & ~15ULL) - 8;
	if (!mm_user_ok((void *)frame, sp - frame, true))
		return false;
	for (uint64_t pg = frame & ~4095ULL; pg < sp; pg += 4096) { /* no fault while writing it */
		uint64_t *pte = x86_pte(x86_pml4, pg);
		if (!(pte && (*pte & PTE_P)) && !mm_fault(pg, 2))
			return false;
	}
	struct rt_sigframe *f = (void *)frame;
	uint64_t oldmask = t->restore_mask ? t->saved_mask : t->sigmask;
	t->restore_mask = false;
	fxsave((void *)fp);
	memset(f, 0, sizeof(*f));
	f->pretcode = a->restorer;
	f->uc.flags = 6; /* UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
	f->uc.stack = st;
	f->uc.mc = (struct ksigcontext){ r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
		r->rdi, r->rsi, r->rbp, r->rbx, r->rdx, r->rax, r->rcx, r->rsp, r->rip, r->rflags,
		0x33, 0, 0, 0x2b, r->error, r->vector, oldmask, t->cur_info.addr, fp, { 0 } };
	f->uc.mask = oldmask;
	f->info.signo = sig;
	f->info.code = t->cur_info.code;
	if (t->cur_info.addr || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE)
		f->info.fault.addr = t->cur_info.addr;
	else
		f->info.kill.pid = t->cur_info.pid, f->info.kill.uid = sys_cred.ruid;
	t->sigmask |= a->mask | ((a->flags & SA_NODEFER) ? 0 : BIT(sig));
	t->sigmask &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		actions[sig].handler = 0, actions[sig].flags &= ~SA_SIGINFO;
	r->rip = a->handler;
	r->rsp = frame;
	r->rdi = (uint64_t)sig;
	r->rsi = (uint64_t)&f->info;
	r->rdx = (uint64_t)&f->uc;
	r->rax = 0;
	r->rflags &= ~(uint64_t)((1 << 8) | (1 << 10) | (1 << 18)); /* TF, DF, AC as Linux clears them */
	return true;
}

/* Deliver what can be, on (r); returns false if nothing was. */
static bool deliver(struct x86_regs *r)
{
	struct thread *t = sched_current;
	int sig;
	bool any = false;
	while ((sig = take(t))) {
		uint64_t h = actions[sig].handler;
		if (h == 1 || (h == 0 && default_action(sig) != 't'))
			continue; /* became ignored meanwhile */
		if (h == 0)
			default_end(sig);
		if (!(actions[sig].flags & SA_RESTORER)) {
			kprintf("refkernel: signal %d: a handler without SA_RESTORER cannot return; the process ends\n", sig);
			sys_exit_all(128 + sig);
		}
		if (!push_frame(t, sig, r)) {
			kprintf("refkernel: signal %d: no room for its frame on the stack at %#lx: SIGSEGV\n", sig,
				(unsigned long)r->rsp);
			sys_exit_all(128 + SIGSEGV);
		}
		any = true;
		break; /* one frame at a time: the next is taken at rt_sigreturn */
	}
	return any;
}

/* From sys_dispatch, before a system call returns: deliver on its frame. */
void sys_signal_return(struct x86_syscall_frame *fr)
{
	struct thread *t = sched_current;
	if (alarm_at)
		sys_signal_timers();
	if (!deliverable(t)) {
		if (t->restore_mask) {
			t->sigmask = t->saved_mask;
			t->restore_mask = false;
		}
		return;
	}
	struct x86_regs r = { .r15 = fr->r15, .r14 = fr->r14, .r13 = fr->r13, .r12 = fr->r12,
		.r11 = fr->rflags, .r10 = fr->r10, .r9 = fr->r9, .r8 = fr->r8, .rbp = fr->rbp,
		.rdi = fr->rdi, .rsi = fr->rsi, .rdx = fr->rdx, .rcx = fr->rip, .rbx = fr->rbx,
		.rax = fr->rax, .rip = fr->rip, .rflags = fr->rflags, .rsp = fr->rsp + 128 };
	if (!deliver(&r))
		return;
	fr->rip = r.rip;
	fr->rsp = r.rsp - 128;
	fr->rdi = r.rdi;
	fr->rsi = r.rsi;
	fr->rdx = r.rdx;
	fr->rax = r.rax;
	fr->rflags = r.rflags;
}

/* rt_sigreturn: back to the context the frame at the stack pointer holds. */
__attribute__((noreturn)) void sys_rt_sigreturn_frame(const struct x86_syscall_frame *fr)
{
	struct thread *t = sched_current;
	uint64_t ucp = fr->rsp + 128; /* the handler returned: pretcode popped */
	struct kucontext *uc = (void *)ucp;
	if (!mm_user_ok(uc, sizeof(*uc), false)) {
		kprintf("refkernel: rt_sigreturn with no signal frame at %#lx: SIGSEGV\n", (unsigned long)ucp);
		sys_exit_all(128 + SIGSEGV);
	}
	const struct ksigcontext *m = &uc->mc;
	if (m->fpstate && ((m->fpstate & 15) || !mm_user_ok((void *)m->fpstate, 512, false))) {
		kprintf("refkernel: rt_sigreturn: bad FPU state pointer %#lx: SIGSEGV\n", (unsigned long)m->fpstate);
		sys_exit_all(128 + SIGSEGV);
	}
	if (m->rip >= USER_TOP) {
		kprintf("refkernel: rt_sigreturn to a kernel address %#lx: SIGSEGV\n", (unsigned long)m->rip);
		sys_exit_all(128 + SIGSEGV);
	}
	struct x86_regs r = { .r15 = m->r15, .r14 = m->r14, .r13 = m->r13, .r12 = m->r12, .r11 = m->r11,
		.r10 = m->r10, .r9 = m->r9, .r8 = m->r8, .rbp = m->rbp, .rdi = m->rdi, .rsi = m->rsi,
		.rdx = m->rdx, .rcx = m->rcx, .rbx = m->rbx, .rax = m->rax, .rip = m->rip, .rsp = m->rsp,
		.cs = 0x08, .ss = 0x10 };
	/* the flags a program may set (Linux's FIX_EFLAGS); IF as application code runs now */
	r.rflags = (m->eflags & 0x254dd5) | 2 | (fr->rflags & (1 << 9));
	t->sigmask = uc->mask & ~UNBLOCKABLE;
	struct kstack st = uc->stack;
	if (!on_altstack(t, m->rsp))
		set_altstack(t, &st, m->rsp); /* as Linux's restore_altstack: errors ignored */
	if (m->fpstate)
		fxrstor((void *)m->fpstate);
	sched_current->call.in = false;
	if (alarm_at)
		sys_signal_timers();
	deliver(&r);
	x86_resume_app(&r);
}

/* ---- synchronous faults (the trap hook) ---- */

static bool fault(struct x86_regs *r, uint64_t cr2)
{
	int sig, code = 0;
	uint64_t addr = r->rip;
	switch (r->vector) {
	case 0: sig = SIGFPE; code = 1; break;            /* FPE_INTDIV */
	case 16: case 19: sig = SIGFPE; code = 0; break;
	case 3: sig = SIGTRAP; code = SI_KERNEL; break;
	case 6: sig = SIGILL; code = 2; break;            /* ILL_ILLOPN */
	case 13: sig = SIGSEGV; code = SI_KERNEL; addr = 0; break;
	case 12: sig = SIGBUS; code = SI_KERNEL; addr = 0; break;
	case 17: sig = SIGBUS; code = 1; break;           /* BUS_ADRALN */
	case 14: { /* SEGV_ACCERR where a region is, else SEGV_MAPERR */
		struct mm_region reg;
		sig = SIGSEGV;
		addr = cr2;
		code = (r->error & 1) || (mm_region_next(cr2, &reg) && reg.start <= cr2) ? 2 : 1;
		break;
	}
	default: return false;
	}
	struct thread *t = sched_current;
	if (r->rip >= USER_TOP || actions[sig].handler <= 1 || (t->sigmask & BIT(sig)) ||
	    !(actions[sig].flags & SA_RESTORER))
		return false; /* the crash report */
	t->cur_info = (struct sig_info){ .code = code, .addr = addr };
	if (!push_frame(t, sig, r))
		return false;
	return true;
}

/* sched_signal_hook: after an interrupt of application code, or before a
 * preempted thread runs again: the handler runs first, then the thread goes on. */
static void async_deliver(struct x86_regs *r)
{
	if (alarm_at)
		sys_signal_timers();
	if (deliverable(sched_current))
		deliver(r);
}

void sys_signal_init(void)
{
	x86_fault_hook = fault;
	sched_signal_hook = async_deliver;
	kwait_next_hook = sys_event_next;
}
