/* sched.c — threads and a preemptive round-robin scheduler on one CPU.
 * Call order: sched_init (boot) -> sched_clone (first clone arms the APIC and
 * turns interrupts on in application code) -> schedule() whenever the
 * current thread blocks, yields, exits or is preempted. The timer interrupt
 * runs sched_tick(): wake sleepers whose deadline passed, and ask for a
 * switch when the slice is over; trap.c then diverts the interrupted thread
 * into sched_preempted() on its own kernel stack (ksched.h).
 * Round robin, with two exceptions that keep a server's latency off the
 * slice length (net=thread, docs/architecture.md): a kernel thread, and a
 * thread a kernel thread wakes, go to the head of the run queue (kernel
 * threads first); and a thread preempted within a slice of its wake-up (a
 * server in the middle of a request) goes back there rather than behind a
 * compute-bound thread. Both only reorder runnable threads: a thread that
 * computes for a whole slice goes to the tail, so nobody waits past it.
 * Every data structure here is touched with interrupts off: in syscalls
 * (IF=0 by the entry) or in interrupt handlers. */
#include "kernel.h"
#include "ksched.h"
#include "syscall.h"

#define KSTACK_PAGES 4
#define CLONE_VM             0x00000100
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_THREAD         0x00010000

struct thread *sched_current;
uint64_t sched_switches, sched_preemptions;
uint64_t sched_slice_ns = 10000000; /* 10 ms, sched_slice_ms= on the command line */
static struct thread boot_thread;
static struct qnode runq = QUEUE_INIT(runq), all = QUEUE_INIT(all), dead = QUEUE_INIT(dead);
static int nthreads = 1, next_tid = 2;
static uint64_t dead_cpu_ns; /* CPU time of threads that have exited */
static bool need_resched, multi;
struct futex_table sched_futexes;

void sched_init(void)
{
	struct thread *t = &boot_thread;
	t->tid = 1;
	t->state = T_RUNNABLE;
	t->kstack_top = x86_kstack_top;
	q_push(&all, &t->all);
	futex_table_init(&sched_futexes);
	sched_current = t;
}

int sched_nthreads(void) { return nthreads; }

struct thread *sched_first_unmasked(uint64_t bit)
{
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t->state != T_ZOMBIE && !t->kfn && !(t->sigmask & bit))
			return t;
	}
	return NULL;
}

struct thread *sched_find(int tid)
{
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t->tid == tid && t->state != T_ZOMBIE && !t->kfn)
			return t;
	}
	return NULL;
}

struct thread *sched_next(struct thread *prev)
{
	struct qnode *p = prev ? prev->all.next : all.next;
	return p == &all ? NULL : QUEUE_ENTRY(p, struct thread, all);
}

/* The current run of (t) so far, idle time taken out. */
static uint64_t run_ns(const struct thread *t, uint64_t now)
{
	uint64_t ran = now - t->run_start, idle = idle_ns - t->idle_mark;
	return ran > idle ? ran - idle : 0;
}

static void run_begin(struct thread *t)
{
	t->run_start = time_ns();
	t->idle_mark = idle_ns;
}

uint64_t sched_cpu_ns(bool process)
{
	uint64_t ns = sched_current->cpu_ns + run_ns(sched_current, time_ns());
	if (!process)
		return ns;
	ns += dead_cpu_ns;
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t != sched_current && !t->kfn)
			ns += t->cpu_ns;
	}
	return ns;
}
bool sched_multi(void) { return multi; }

/* Into runq: at its tail, or (early) at its head behind the kernel threads
 * already there. */
static __attribute__((noinline)) void enqueue(struct thread *t, bool early)
{
	struct qnode *p = &runq;
	if (early)
		for (p = runq.next; p != &runq && QUEUE_ENTRY(p, struct thread, rq)->kfn && !t->kfn;)
			p = p->next;
	t->rq.prev = p->prev;
	t->rq.next = p;
	p->prev->next = &t->rq;
	p->prev = &t->rq;
}

static uint64_t earliest_deadline(void)
{
	uint64_t d = 0;
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t->state == T_BLOCKED && t->deadline && (!d || t->deadline < d))
			d = t->deadline;
	}
	return d;
}

/* Program the LAPIC timer for the next event. Writing the timer costs an
 * exit to the VMM, so an already armed earlier (or equal) deadline is kept:
 * firing early only means one extra sched_tick(), which re-arms. */
static void arm_timer(void)
{
	uint64_t d = earliest_deadline();
	if (!q_empty(&runq)) {
		uint64_t slice_end = sched_current->slice_start + sched_slice_ns;
		if (!d || slice_end < d)
			d = slice_end;
	}
	uint64_t armed = apic_timer_deadline(), now = time_ns();
	if (d && d - now > KTIMER_MAX_NS && d > now)
		d = now + KTIMER_MAX_NS; /* a far deadline: wake then, and re-arm */
	if (!d || (armed > now && armed <= d))
		return;
	apic_timer_at(d);
}

void sched_wake(struct thread *t, int result)
{
	if (t->state != T_BLOCKED)
		return;
	futex_table_cancel(&t->fw);
	t->state = T_RUNNABLE;
	t->wait = W_NONE;
	t->wake_result = result;
	t->woke_at = time_ns();
	enqueue(t, t->kfn || sched_current->kfn);
	need_resched = true;
	if (multi)
		arm_timer(); /* the current thread's slice now has an end */
}

void sched_tick(void)
{
	uint64_t now = time_ns();
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t->state == T_BLOCKED && t->deadline && now >= t->deadline)
			sched_wake(t, -ETIMEDOUT);
	}
	if (!q_empty(&runq) && now >= sched_current->slice_start + sched_slice_ns)
		need_resched = true;
	if (multi)
		arm_timer();
}

void sched_events(void)
{
	for (struct qnode *p = all.next; p != &all; p = p->next) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, all);
		if (t->state == T_BLOCKED && t->wait == W_EVENT)
			sched_wake(t, 0);
	}
}

static void reap(void)
{
	struct qnode *p;
	while ((p = q_pop(&dead))) {
		struct thread *t = QUEUE_ENTRY(p, struct thread, rq);
		mem_kstack_free(t->kstack_top, KSTACK_PAGES);
		kfree(t);
	}
}

/* Give the CPU to the next runnable thread; the current one has already been
 * queued (yield, preemption) or marked blocked or dead. Idles (halts) when
 * nothing can run, waking sleepers as their deadlines pass. */
static void schedule(void)
{
	struct thread *prev = sched_current, *next;
	struct qnode *n;
	uint64_t seen = irq_events_now();
	need_resched = false;
	prev->cpu_ns += run_ns(prev, time_ns()); /* its run ends here, before any idling */
	while (!(n = q_pop(&runq))) {
		kwait(earliest_deadline(), &seen); /* interrupts run here: sched_tick, sched_events; idle_ns counts */
		sched_tick();
		sched_events();
	}
	next = QUEUE_ENTRY(n, struct thread, rq);
	next->slice_start = time_ns();
	run_begin(next);
	sched_current = next;
	if (multi)
		arm_timer();
	if (next == prev)
		return;
	sched_switches++;
	knet_flush();
	fxsave(prev->fx);
	x86_kstack_top = next->kstack_top;
	x86_switch(&prev->ksp, next->ksp);
	/* back in prev, now current again */
	fxrstor(sched_current->fx);
	wrmsr(MSR_FS_BASE, sched_current->fs_base);
	reap();
}

int sched_block(enum wait_kind kind, uint64_t deadline)
{
	struct thread *t = sched_current;
	t->state = T_BLOCKED;
	t->wait = kind;
	t->deadline = deadline;
	t->wake_result = 0;
	schedule();
	return t->wake_result;
}

void sched_yield(void)
{
	if (q_empty(&runq))
		return;
	enqueue(sched_current, false);
	schedule();
}

void (*sched_signal_hook)(struct x86_regs *r);

/* trap.c, after an interrupt. Application code (the lower half, at ring 0
 * or 3) that was interrupted takes a pending signal first (its handler
 * runs when the thread next runs), then is preempted if its slice is over. */
void sched_preempt_check(struct x86_regs *r)
{
	struct thread *t = sched_current;
	if (r->rip >= USER_END)
		return;
	if (sched_signal_hook)
		sched_signal_hook(r);
	if (!need_resched || !multi || q_empty(&runq) || !(r->rflags & (1 << 9)))
		return;
	t->uctx = *r;
	r->rip = (uint64_t)x86_preempted;
	r->rsp = t->kstack_top;
	r->rflags &= ~(uint64_t)(1 << 9);
	r->cs = 0x08; /* into the kernel, whatever ring it came from */
	r->ss = 0x10;
}

__attribute__((noreturn)) void sched_preempted(void)
{
	struct thread *t = sched_current;
	sched_preemptions++;
	enqueue(t, t->woke_at && time_ns() - t->woke_at < sched_slice_ns); /* woken recently: not CPU-bound */
	schedule();
	if (sched_signal_hook) /* sent while it waited (tgkill from the thread that ran) */
		sched_signal_hook(&t->uctx);
	x86_resume_app(&t->uctx);
}

/* A new thread's first kernel code: x86_switch returns here. */
static __attribute__((noreturn)) void thread_start(void)
{
	struct thread *t = sched_current;
	fxrstor(t->fx);
	wrmsr(MSR_FS_BASE, t->fs_base);
	reap();
	if (sched_signal_hook)
		sched_signal_hook(&t->uctx);
	x86_resume_app(&t->uctx);
}

static __attribute__((noreturn)) void thread_end(struct thread *t)
{
	t->state = T_ZOMBIE;
	q_remove(&t->all);
	if (t != &boot_thread)
		q_push(&dead, &t->rq); /* freed by the next thread, off this stack */
	schedule();
	kpanic(KEXIT_PANIC, "a dead thread was scheduled");
}

/* A kernel thread's first code; it ends when its body returns. */
static __attribute__((noreturn)) void kthread_start(void)
{
	struct thread *t = sched_current;
	fxrstor(t->fx);
	reap();
	t->kfn(t->karg);
	thread_end(t);
}

static void go_multi(void)
{
	if (multi)
		return;
	if (apic_init())
		kpanic(KEXIT_PANIC, "threads need a local APIC for preemption");
	irq_register(APIC_VEC_TIMER, NULL, NULL);
	multi = true;
	sched_current->slice_start = time_ns();
}

/* A new thread of its own whose first kernel code is (start): x86_switch
 * pops six registers, then returns into it. */
static struct thread *thread_new(void (*start)(void))
{
	struct thread *t = kmalloc(sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->kstack_top = mem_kstack_alloc_try(KSTACK_PAGES);
	if (!t->kstack_top) {
		kfree(t);
		return NULL;
	}
	go_multi();
	t->tid = next_tid++;
	t->state = T_RUNNABLE;
	fxsave(t->fx);
	uint64_t *sp = (uint64_t *)(t->kstack_top - 64);
	memset(sp, 0, 64);
	sp[6] = (uint64_t)start;
	t->ksp = (uint64_t)sp;
	return t;
}

static void thread_run(struct thread *t)
{
	q_push(&all, &t->all);
	enqueue(t, false);
	arm_timer();
}

int sched_kthread(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_new(kthread_start);
	if (!t)
		return -ENOMEM;
	t->kfn = fn;
	t->karg = arg;
	t->sigmask = ~0ull;
	size_t n = strlen(name);
	memcpy(t->comm, name, n < sizeof(t->comm) - 1 ? n : sizeof(t->comm) - 1);
	thread_run(t);
	return t->tid;
}

int sched_clone(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls,
		const struct x86_syscall_frame *f)
{
	if (!(flags & CLONE_VM) || !(flags & CLONE_THREAD))
		return -ENOSYS; /* a new process (fork): one process only */
	if ((flags & CLONE_SETTLS) && tls >= 0x00007ffffffff000ULL)
		return -EPERM; /* as ARCH_SET_FS (Linux: TASK_SIZE_MAX and above) */
	if ((flags & CLONE_PARENT_SETTID) && !mm_user_ok((void *)ptid, 4, true))
		return -EFAULT;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !mm_user_ok((void *)ctid, 4, true))
		return -EFAULT;
	struct thread *t = thread_new(thread_start);
	if (!t)
		return -EAGAIN;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : sched_current->fs_base;
	memcpy(t->comm, sched_current->comm, sizeof(t->comm));
	t->sigmask = sched_current->sigmask; /* inherited; the alternate stack is not (CLONE_VM) */
	/* thread_new copied the parent's FPU/SSE state, as Linux does */
	t->uctx = (struct x86_regs){
		.r15 = f->r15, .r14 = f->r14, .r13 = f->r13, .r12 = f->r12, .r10 = f->r10,
		.r9 = f->r9, .r8 = f->r8, .rbp = f->rbp, .rdi = f->rdi, .rsi = f->rsi,
		.rdx = f->rdx, .rbx = f->rbx, .rax = 0, .rcx = f->rip, .r11 = f->rflags,
		.rip = f->rip, .rflags = f->rflags | (1 << 9), .rsp = newsp, /* cs, ss: x86_resume_app's */
	};
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_tid = (uint64_t *)ctid;
	if (flags & CLONE_PARENT_SETTID)
		*(uint32_t *)ptid = (uint32_t)t->tid;
	if (flags & CLONE_CHILD_SETTID)
		*(uint32_t *)ctid = (uint32_t)t->tid;
	nthreads++;
	thread_run(t);
	return t->tid;
}

void sched_exit_thread(void)
{
	struct thread *t = sched_current;
	if (t->clear_tid && mm_user_ok(t->clear_tid, 4, true)) {
		*(uint32_t *)t->clear_tid = 0;
		futex_wake((uint32_t *)t->clear_tid, 1, ~0u);
	}
	if (--nthreads == 0)
		sys_exit_all(0); /* the last thread: the process ends */
	dead_cpu_ns += t->cpu_ns + run_ns(t, time_ns());
	t->cpu_ns = 0; t->run_start = time_ns(); t->idle_mark = idle_ns; /* schedule() adds nothing more */
	thread_end(t);
}
