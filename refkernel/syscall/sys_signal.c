/* sys_signal.c — signals that arrive: rt_sigaction, rt_sigprocmask,
 * sigaltstack, rt_sigreturn, rt_sigpending, rt_sigsuspend, pause, kill,
 * tkill/tgkill, alarm/setitimer/getitimer, the POSIX timers (timer_create
 * and friends), rt_sigtimedwait, signalfd, and synchronous faults.
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

static bool ptimer_queued_info(const struct sig_info *si, int32_t *overrun);
static uint64_t ptimers_check(void);
static int ptimers_armed;
struct ptimer;
static struct ptimer *itimer_cpu(int which);
static int itimer_cpu_get(int which, uint64_t *value, uint64_t *every);
static void itimer_cpu_set(int which, uint64_t value, uint64_t every);

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
		if (sched_multi())
			sched_events(); /* waiters on a signalfd or in rt_sigtimedwait look again */
		return;
	}
	proc_pending |= BIT(sig);
	proc_info[sig] = *si;
	struct thread *u = sched_first_unmasked(BIT(sig)); /* it takes the signal first */
	if (u)
		kick(u, sig);
	if (sched_multi())
		sched_events(); /* waiters on a signalfd or in rt_sigtimedwait look again */
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
	uint64_t pt = ptimers_armed ? ptimers_check() : 0;
	if (!alarm_at)
		return pt;
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
	return pt && (!alarm_at || pt < alarm_at) ? pt : alarm_at;
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
	uint64_t v, every;
	if (which == 0) {
		itimer_now(&o);
	} else {
		itimer_cpu_get((int)which, &v, &every);
		o = (struct kitimerval){ ns_tv(every, false), ns_tv(v, true) };
	}
	*(struct kitimerval *)uold = o;
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
	if (which != 0) { /* ITIMER_VIRTUAL/PROF: on the process's CPU time */
		uint64_t v, every;
		itimer_cpu_get((int)which, &v, &every);
		o = (struct kitimerval){ ns_tv(every, false), ns_tv(v, true) };
		itimer_cpu_set((int)which, tv_ns(&n.value), tv_ns(&n.interval));
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
		struct { int32_t tid, overrun; uint64_t value; } timer;
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
	if (ptimer_queued_info(&t->cur_info, &f->info.timer.overrun)) /* SI_TIMER */
		f->info.timer.tid = t->cur_info.pid, f->info.timer.value = t->cur_info.addr;
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

static void signal_return_deliver(struct x86_syscall_frame *fr);

/* From sys_dispatch, before a system call returns: deliver on its frame.
 * Every call passes here: the common case (no timer, nothing to deliver)
 * is a few loads, the rest is out of line. */
void sys_signal_return(struct x86_syscall_frame *fr)
{
	struct thread *t = sched_current;
	if (__builtin_expect((alarm_at | (uint64_t)ptimers_armed) || deliverable(t) || t->restore_mask, 0))
		signal_return_deliver(fr);
}

__attribute__((noinline)) static void signal_return_deliver(struct x86_syscall_frame *fr)
{
	struct thread *t = sched_current;
	if (alarm_at | (uint64_t)ptimers_armed)
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
	if (alarm_at | (uint64_t)ptimers_armed)
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
	case 14: { /* SEGV_ACCERR where a region is, else SEGV_MAPERR; SIGBUS past a file's end */
		struct mm_region reg;
		sig = SIGSEGV;
		addr = cr2;
		code = (r->error & 1) || (mm_region_next(cr2, &reg) && reg.start <= cr2) ? 2 : 1;
		if (mm_fault_bus(cr2, r->error))
			sig = SIGBUS, code = 2; /* BUS_ADRERR */
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

/* ---- POSIX timers: timer_create, timer_settime/gettime/getoverrun/delete ---- */

/* A timer counts on CLOCK_REALTIME or CLOCK_MONOTONIC (kept in time_ns(),
 * a realtime expiry converted when armed: the clock is never set here), or
 * on a CPU-time clock (the process's, or a thread's: checked when that
 * thread makes a system call, as CPU time only passes while it runs). At
 * expiry it posts its signal to the process (SIGEV_SIGNAL) or to one thread
 * (SIGEV_THREAD_ID; libc builds SIGEV_THREAD on it), or does nothing
 * (SIGEV_NONE). An expiry while its signal is still pending counts as an
 * overrun, as Linux's; the count reaches the siginfo and timer_getoverrun
 * at delivery. ITIMER_VIRTUAL and ITIMER_PROF are two more such timers on
 * the process's CPU time (SIGVTALRM, SIGPROF; user and system time are one
 * here). Expiries are noticed where alarms are (see the top). */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define SI_TIMER (-2)
#define SIGVTALRM 26
#define SIGPROF 27
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define TIMER_ABSTIME 1
#define NPTIMERS 64
#define IT_VIRTUAL NPTIMERS /* the two itimers' slots, after the timer ids */
#define IT_PROF (NPTIMERS + 1)

struct ksigevent { uint64_t value; int32_t signo, notify, tid, pad[11]; };
struct kitimerspec { int64_t isec, insec, vsec, vnsec; };

struct ptimer {
	bool used, cpu;      /* cpu: on CPU time (owner 0: the process's) */
	bool realtime;       /* CLOCK_REALTIME: an absolute time is a time of day */
	int notify, sig, tid, owner;
	uint64_t value;      /* sigev_value */
	uint64_t at, every;  /* next expiry on its clock (0: disarmed), period */
	uint64_t overrun;    /* expiries since its signal was posted, less one */
	int32_t last_overrun;
};
static struct ptimer ptimers[NPTIMERS + 2];
/* The table is scanned only when the earliest wall-clock expiry is due
 * (UINT64_MAX: none; 0: scan, something changed) or a CPU-time timer is armed. */
static uint64_t ptimer_due;
static bool ptimer_cpu_armed;

static uint64_t cpu_now(const struct ptimer *p)
{
	if (!p->owner)
		return sched_cpu_ns(true);
	if (p->owner == sched_current->tid)
		return sched_cpu_ns(false);
	struct thread *t = sched_find(p->owner);
	return t ? t->cpu_ns : 0;
}

static uint64_t ptimer_now(const struct ptimer *p) { return p->cpu ? cpu_now(p) : time_ns(); }

/* Its signal is pending still, from this expiry of it. */
static bool ptimer_pending(const struct ptimer *p, int id)
{
	uint64_t b = BIT(p->sig);
	const struct sig_info *si;
	if (p->tid) {
		struct thread *t = sched_find(p->tid);
		if (!t || !(t->sigpend & b))
			return false;
		si = &t->siginfo[p->sig - 1];
	} else {
		if (!(proc_pending & b))
			return false;
		si = &proc_info[p->sig];
	}
	return id >= NPTIMERS || (si->code == SI_TIMER && si->pid == id);
}

static void ptimer_expire(struct ptimer *p, uint64_t now)
{
	int id = (int)(p - ptimers);
	uint64_t n = 1;
	if (p->every) {
		n += (now - p->at) / p->every;
		p->at += n * p->every;
	} else {
		p->at = 0;
		ptimers_armed--;
	}
	if (p->notify == SIGEV_NONE)
		return;
	if (ptimer_pending(p, id)) {
		p->overrun += n;
		return;
	}
	struct thread *t = p->tid ? sched_find(p->tid) : NULL;
	if (p->tid && !t)
		return; /* its thread is gone */
	p->overrun = n - 1;
	post(t, p->sig, id < NPTIMERS ? &(struct sig_info){ .code = SI_TIMER, .pid = id, .addr = p->value }
				      : &(struct sig_info){ .code = SI_KERNEL });
	posted = true;
}

/* Fire what is due; the earliest wall-clock expiry still to come (0: none). */
static uint64_t ptimers_check(void)
{
	uint64_t next = 0, now = time_ns();
	if (!ptimer_cpu_armed && now < ptimer_due)
		return ptimer_due == UINT64_MAX ? 0 : ptimer_due;
	ptimer_cpu_armed = false;
	for (int i = 0; i < NPTIMERS + 2; i++) {
		struct ptimer *p = &ptimers[i];
		if (!p->used || !p->at)
			continue;
		ptimer_cpu_armed |= p->cpu;
		if (p->cpu && p->owner && p->owner != sched_current->tid)
			continue; /* another thread's CPU time: checked when it runs */
		uint64_t c = p->cpu ? cpu_now(p) : now;
		if (c >= p->at)
			ptimer_expire(p, c);
		if (p->at && !p->cpu && (!next || p->at < next))
			next = p->at;
	}
	ptimer_due = next ? next : UINT64_MAX;
	return next;
}

/* At delivery of (si) (a frame, rt_sigtimedwait, a signalfd read): a
 * timer's signal takes its overrun count; false when it is no timer's. */
static bool ptimer_queued_info(const struct sig_info *si, int32_t *overrun)
{
	if (si->code != SI_TIMER || si->pid < 0 || si->pid >= NPTIMERS || !ptimers[si->pid].used)
		return false;
	struct ptimer *p = &ptimers[si->pid];
	p->last_overrun = p->overrun > INT32_MAX ? INT32_MAX : (int32_t)p->overrun; /* DELAYTIMER_MAX */
	p->overrun = 0;
	*overrun = p->last_overrun;
	return true;
}

/* (clock) as timer_create takes it: the CPU-time ones also as
 * clock_getcpuclockid/pthread_getcpuclockid encode them. */
static int ptimer_clock(int64_t clk, struct ptimer *p)
{
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_ALARM:
		p->realtime = true;
		return 0;
	case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		p->cpu = true;
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		p->cpu = true;
		p->owner = sched_current->tid;
		return 0;
	}
	if (clk >= 0)
		return -EOPNOTSUPP; /* MONOTONIC_RAW, the COARSE clocks: no timers, as Linux */
	int id = (int)~(clk >> 3);
	if ((clk & 7) == 7)
		return -EINVAL;
	p->cpu = true;
	if (clk & 4) { /* a thread's */
		if (id && !sched_find(id))
			return -EINVAL;
		p->owner = id ? id : sched_current->tid;
	} else if (id != 0 && id != 1) {
		return -EINVAL;
	}
	return 0;
}

int64_t sys_timer_create(A clock, A usev, A uid, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct ptimer n = { .used = true, .notify = SIGEV_SIGNAL, .sig = SIGALRM };
	int r = ptimer_clock((int64_t)(int32_t)clock, &n);
	if (r)
		return r;
	if (usev && !mm_user_ok((void *)usev, sizeof(struct ksigevent), false))
		return -EFAULT;
	if (!mm_user_ok((void *)uid, sizeof(int32_t), true))
		return -EFAULT;
	int id = 0;
	while (id < NPTIMERS && ptimers[id].used)
		id++;
	if (id == NPTIMERS)
		return -EAGAIN;
	n.value = (uint64_t)id;
	if (usev) {
		const struct ksigevent *ev = (const void *)usev;
		n.notify = ev->notify;
		n.sig = ev->signo;
		n.value = ev->value;
		if (n.notify == SIGEV_THREAD_ID) {
			if (!sched_find(ev->tid))
				return -EINVAL;
			n.tid = ev->tid;
		} else if (n.notify != SIGEV_SIGNAL && n.notify != SIGEV_THREAD && n.notify != SIGEV_NONE) {
			return -EINVAL;
		}
		if (n.notify != SIGEV_NONE && (n.sig < 1 || n.sig > NSIG))
			return -EINVAL;
	}
	ptimers[id] = n;
	*(int32_t *)uid = id;
	return 0;
}

static struct ptimer *ptimer_of(A id)
{
	return (int)id >= 0 && (int)id < NPTIMERS && ptimers[(int)id].used ? &ptimers[(int)id] : NULL;
}

static void ptimer_get(const struct ptimer *p, struct kitimerspec *o)
{
	uint64_t now = ptimer_now(p), left = p->at > now ? p->at - now : p->at ? 1 : 0;
	*o = (struct kitimerspec){ (int64_t)(p->every / 1000000000), (int64_t)(p->every % 1000000000),
				   (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
}

static bool its_ok(int64_t s, int64_t ns) { return s >= 0 && ns >= 0 && ns < 1000000000; }

static uint64_t its_ns(int64_t s, int64_t ns)
{
	return (uint64_t)s >= SYS_NS_MAX / 1000000000 ? SYS_NS_MAX : (uint64_t)s * 1000000000 + (uint64_t)ns;
}

/* Arm (value ns from now, or at (value) when (abs), 0: disarm) every (every). */
static void ptimer_arm(struct ptimer *p, uint64_t value, uint64_t every, bool abs, bool realtime)
{
	if (p->at)
		ptimers_armed--;
	ptimer_due = 0; /* look again */
	p->every = value ? every : 0;
	p->overrun = 0;
	uint64_t now = ptimer_now(p);
	if (!value) {
		p->at = 0;
		return;
	}
	if (abs && realtime) { /* to time_ns() */
		uint64_t rt = time_realtime_ns();
		p->at = value > rt ? (value - rt >= SYS_NS_MAX - now ? SYS_NS_MAX : now + (value - rt)) : now;
	} else if (abs) {
		p->at = value > now ? value : now;
	} else {
		p->at = value >= SYS_NS_MAX - now ? SYS_NS_MAX : now + value;
	}
	if (!p->at)
		p->at = 1;
	ptimers_armed++;
}

static int64_t ptimer_settime(struct ptimer *p, A flags, A unew, A uold)
{
	if (!mm_user_ok((void *)unew, sizeof(struct kitimerspec), false))
		return -EFAULT;
	if (uold && !mm_user_ok((void *)uold, sizeof(struct kitimerspec), true))
		return -EFAULT;
	struct kitimerspec n = *(struct kitimerspec *)unew, o;
	if (!its_ok(n.isec, n.insec) || !its_ok(n.vsec, n.vnsec))
		return -EINVAL;
	ptimer_get(p, &o);
	ptimer_arm(p, its_ns(n.vsec, n.vnsec), its_ns(n.isec, n.insec), flags & TIMER_ABSTIME, p->realtime);
	if (uold)
		*(struct kitimerspec *)uold = o;
	return 0;
}

int64_t sys_timer_settime(A id, A flags, A unew, A uold, A e, A f)
{
	(void)e; (void)f;
	struct ptimer *p = ptimer_of(id);
	if (!p)
		return -EINVAL;
	if (flags & ~(A)TIMER_ABSTIME)
		return -EINVAL;
	return ptimer_settime(p, flags, unew, uold);
}

int64_t sys_timer_gettime(A id, A ucur, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct ptimer *p = ptimer_of(id);
	if (!p)
		return -EINVAL;
	if (!mm_user_ok((void *)ucur, sizeof(struct kitimerspec), true))
		return -EFAULT;
	ptimer_get(p, (struct kitimerspec *)ucur);
	return 0;
}

int64_t sys_timer_getoverrun(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct ptimer *p = ptimer_of(id);
	return p ? p->last_overrun : -EINVAL;
}

int64_t sys_timer_delete(A id, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct ptimer *p = ptimer_of(id);
	if (!p)
		return -EINVAL;
	if (p->at)
		ptimers_armed--;
	ptimer_due = 0;
	*p = (struct ptimer){ 0 };
	return 0;
}

/* ITIMER_VIRTUAL / ITIMER_PROF (setitimer, getitimer): (which) 1 or 2. */
static struct ptimer *itimer_cpu(int which)
{
	struct ptimer *p = &ptimers[which == 1 ? IT_VIRTUAL : IT_PROF];
	if (!p->used)
		*p = (struct ptimer){ .used = true, .cpu = true, .sig = which == 1 ? SIGVTALRM : SIGPROF };
	return p;
}

static int itimer_cpu_get(int which, uint64_t *value, uint64_t *every)
{
	struct kitimerspec o;
	ptimer_get(itimer_cpu(which), &o);
	*value = its_ns(o.vsec, o.vnsec);
	*every = its_ns(o.isec, o.insec);
	return 0;
}

static void itimer_cpu_set(int which, uint64_t value, uint64_t every)
{
	ptimer_arm(itimer_cpu(which), value, every, false, false);
}

/* ---- rt_sigtimedwait ---- */

/* Take a pending signal of (set) for (t) (its own first, then the
 * process's) into (*si); 0 when none. */
static int take_in(struct thread *t, uint64_t set, struct sig_info *si)
{
	uint64_t d = (t->sigpend | proc_pending) & set;
	if (!d)
		return 0;
	int sig = __builtin_ctzll(d) + 1;
	if (t->sigpend & BIT(sig)) {
		t->sigpend &= ~BIT(sig);
		*si = t->siginfo[sig - 1];
	} else {
		proc_pending &= ~BIT(sig);
		*si = proc_info[sig];
	}
	return sig;
}

struct sigwait { uint64_t set; };

static bool sigwait_ready(void *ctx)
{
	struct thread *t = sched_current;
	sys_signal_timers();
	return ((t->sigpend | proc_pending) & (((struct sigwait *)ctx)->set | ~t->sigmask)) != 0;
}

/* Wait until a signal of (set) is pending (0: it is taken into *si) or
 * another one can be delivered (-EINTR), until (deadline) (-EAGAIN; 0: none). */
static int wait_set(uint64_t set, uint64_t deadline, bool nonblock, struct sig_info *si, int *sig)
{
	struct sigwait w = { set };
	for (;;) {
		sys_signal_timers();
		if ((*sig = take_in(sched_current, set, si)))
			return 0;
		if (deliverable(sched_current))
			return -EINTR;
		if (nonblock || (deadline && time_ns() >= deadline))
			return -EAGAIN;
		if (!sched_multi() && !deadline && !alarm_at && !ptimers_armed)
			kpanic(KEXIT_PANIC, "deadlock: the only thread waits for a signal nothing can send");
		int r = kwait_until(sigwait_ready, &w, deadline);
		if (r == -ETIMEDOUT)
			return -EAGAIN;
	}
}

int64_t sys_rt_sigtimedwait(A uset, A uinfo, A uts, A size, A e, A f)
{
	(void)e; (void)f;
	if (size != 8)
		return -EINVAL;
	if (!mm_user_ok((void *)uset, 8, false))
		return -EFAULT;
	if (uinfo && !mm_user_ok((void *)uinfo, sizeof(struct ksiginfo), true))
		return -EFAULT;
	uint64_t ns = 0, set = *(const uint64_t *)uset & ~UNBLOCKABLE;
	if (uts) {
		int r = sys_timespec_ns(uts, &ns);
		if (r)
			return r;
	}
	struct sig_info si;
	int sig, r = wait_set(set, uts && ns ? sys_deadline(ns) : 0, uts && !ns, &si, &sig);
	if (r)
		return r;
	int32_t overrun = 0;
	bool timer = ptimer_queued_info(&si, &overrun);
	if (uinfo) {
		struct ksiginfo *k = (void *)uinfo;
		memset(k, 0, sizeof(*k));
		k->signo = sig;
		k->code = si.code;
		if (timer)
			k->timer.tid = si.pid, k->timer.overrun = overrun, k->timer.value = si.addr;
		else if (si.code == SI_USER || si.code == SI_TKILL)
			k->kill.pid = si.pid, k->kill.uid = sys_cred.ruid;
		else
			k->fault.addr = si.addr;
	}
	return sig;
}

/* ---- signalfd ---- */

/* A read takes pending signals of the mask (the reader's own and the
 * process's) as struct signalfd_siginfo; poll says readable when one is. */
#define SFD_NONBLOCK 04000
#define SFD_CLOEXEC  02000000
struct sfd { uint64_t mask; };
struct ksfdinfo {
	uint32_t signo; int32_t err, code; uint32_t pid, uid; int32_t fd; uint32_t tid, band, overrun, trapno;
	int32_t status, int_; uint64_t ptr, utime, stime, addr; uint16_t addr_lsb; uint8_t pad[46];
};
_Static_assert(sizeof(struct ksfdinfo) == 128, "struct signalfd_siginfo is 128 bytes");

static int64_t sfd_read(struct kfile *f, void *buf, uint64_t n)
{
	struct sfd *s = f->priv;
	if (n < sizeof(struct ksfdinfo))
		return -EINVAL;
	if (!mm_user_ok(buf, n, true))
		return -EFAULT;
	uint64_t got = 0;
	for (; got + sizeof(struct ksfdinfo) <= n; got += sizeof(struct ksfdinfo)) {
		struct sig_info si;
		int sig, r = wait_set(s->mask, 0, got || (f->flags & KF_NONBLOCK), &si, &sig);
		if (r)
			return got ? (int64_t)got : r;
		struct ksfdinfo k = { .signo = (uint32_t)sig, .code = si.code };
		int32_t overrun;
		if (ptimer_queued_info(&si, &overrun))
			k.tid = (uint32_t)si.pid, k.overrun = (uint32_t)overrun, k.int_ = (int32_t)si.addr, k.ptr = si.addr;
		else if (si.code == SI_USER || si.code == SI_TKILL)
			k.pid = (uint32_t)si.pid, k.uid = sys_cred.ruid;
		else
			k.addr = si.addr;
		memcpy((uint8_t *)buf + got, &k, sizeof(k));
	}
	return (int64_t)got;
}

static unsigned sfd_poll(struct kfile *f)
{
	sys_signal_timers();
	return ((sched_current->sigpend | proc_pending) & ((struct sfd *)f->priv)->mask) ? KPOLLIN | KPOLLRDNORM : 0;
}

static int sfd_close(struct kfile *f)
{
	kfree(f->priv);
	kfree(f);
	return 0;
}

static const struct kfile_ops sfd_ops = { sfd_read, NULL, NULL, sfd_close, sfd_poll };

bool sys_is_signalfd(const struct kfile *k) { return k->ops == &sfd_ops; }

int64_t sys_signalfd4(A ufd, A umask, A size, A flags, A e, A f)
{
	(void)e; (void)f;
	if (size != 8 || (flags & ~(A)(SFD_NONBLOCK | SFD_CLOEXEC)))
		return -EINVAL;
	if (!mm_user_ok((void *)umask, 8, false))
		return -EFAULT;
	uint64_t mask = *(const uint64_t *)umask & ~UNBLOCKABLE;
	if ((int)ufd != -1) {
		struct kfile *k = fd_get((unsigned)ufd);
		if (!k)
			return -EBADF;
		if (k->ops != &sfd_ops)
			return -EINVAL;
		((struct sfd *)k->priv)->mask = mask;
		return (int)ufd;
	}
	struct sfd *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	int fd = fd_install_new(&sfd_ops, s, (int)flags & KF_NONBLOCK);
	if (fd < 0)
		kfree(s);
	return fd;
}

int64_t sys_signalfd(A ufd, A umask, A size, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_signalfd4(ufd, umask, size, 0, 0, 0);
}

/* sched_signal_hook: after an interrupt of application code, or before a
 * preempted thread runs again: the handler runs first, then the thread goes on. */
static void async_deliver(struct x86_regs *r)
{
	if (alarm_at | (uint64_t)ptimers_armed)
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
