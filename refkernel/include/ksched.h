/* ksched.h — threads (one process, many threads, as OSv has it), a preemptive
 * round-robin scheduler and the futex wait queues under pthreads.
 *
 * A thread runs application code (at ring 0, or 3: prot=) on its own stack; its kernel
 * work (syscalls) runs on its own kernel stack (guard page below). It leaves
 * the CPU in three ways: it blocks in a syscall (futex, sleep, I/O wait), its
 * time slice ends (LAPIC timer; the interrupt saves its registers in the
 * thread and resumes in the kernel), or it exits. FPU/SSE state and FS base
 * are per thread. The application runs with interrupts off until it creates
 * its first thread (hello never needs the APIC).
 *
 * Kernel threads (sched_kthread) run kernel code only, on their own kernel
 * stack, with interrupts off like every kernel path: they run until they
 * block. They are not the application's: the process ends when its last
 * application thread exits, signals never pick them, and the process's CPU
 * time leaves them out. The first one turns preemption on, so that an
 * interrupt that wakes one can take the CPU from a spinning application.
 *
 * CPU time is counted per thread: the time it held the CPU, less the time
 * the CPU halted (idle_ns) meanwhile.
 * Errors are negative errno. Blocking calls take an absolute deadline in
 * time_ns() (0: none) and return -ETIMEDOUT when it passes.
 */
#ifndef KSCHED_H
#define KSCHED_H
#include <stdint.h>
#include <stdbool.h>
#include "futex_table.h"
#include "x86.h"

enum thread_state { T_RUNNABLE, T_BLOCKED, T_ZOMBIE };
enum wait_kind { W_NONE, W_FUTEX, W_SLEEP, W_EVENT };

struct sys_call_rec { uint64_t nr, a[6]; bool in; }; /* the syscall being served */
struct sig_info { int code, pid; uint64_t addr; };   /* what a pending signal's siginfo says */

struct thread {
	uint8_t fx[512] __attribute__((aligned(16))); /* fxsave area */
	uint64_t ksp;              /* saved kernel stack pointer (x86_switch) */
	uint64_t kstack_top;
	uint64_t fs_base;
	int tid;
	enum thread_state state;
	enum wait_kind wait;
	uint64_t deadline;         /* wake at time_ns() >= deadline, 0: never */
	int wake_result;           /* 0 woken, -ETIMEDOUT */
	uint64_t *clear_tid;       /* CLONE_CHILD_CLEARTID */
	struct x86_regs uctx;      /* application registers while preempted / before first run */
	struct qnode rq;           /* run queue */
	struct qnode all;          /* every live thread */
	struct futex_waiter fw;    /* while in futex_wait */
	uint64_t slice_start;
	uint64_t woke_at;          /* last wake from a block (0: never blocked): keeps its place if recent */
	uint64_t cpu_ns;           /* CPU time of finished runs, idle excluded */
	uint64_t run_start, idle_mark; /* this run: time_ns() and idle_ns when it began */
	struct sys_call_rec call;  /* for the crash report of a fault inside a syscall */
	char comm[16];             /* prctl(PR_SET_NAME), /proc/self/comm */
	/* signals (syscall/sys_signal.c): bit (sig - 1) */
	uint64_t sigmask, sigpend, saved_mask;
	bool restore_mask;         /* rt_sigsuspend: saved_mask comes back after the handler */
	uint64_t ss_sp, ss_size;   /* sigaltstack; size 0: none */
	uint64_t call_rsp;         /* the application's rsp at its current syscall */
	struct sig_info cur_info, siginfo[64];
	void (*kfn)(void *);       /* a kernel thread's body (NULL: an application thread) */
	void *karg;
};

extern struct thread *sched_current;
extern uint64_t sched_switches, sched_preemptions;
extern uint64_t sched_slice_ns;

void sched_init(void);                                 /* thread 1 = the boot thread */
int  sched_clone(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid,
		 uint64_t tls, const struct x86_syscall_frame *parent); /* child tid or -errno */
__attribute__((noreturn)) void sched_exit_thread(void);
void sched_yield(void);
int  sched_block(enum wait_kind kind, uint64_t deadline); /* current must be queued/recorded first */
void sched_wake(struct thread *t, int result);
int  sched_kthread(const char *name, void (*fn)(void *), void *arg); /* tid or -errno */
int  sched_nthreads(void);                             /* application threads */
bool sched_multi(void);                                /* more than one thread exists */
void sched_tick(void);                                 /* timer/IRQ: wake sleepers, maybe preempt */
void sched_events(void);                               /* an interrupt came: wake W_EVENT waiters */
void sched_preempt_check(struct x86_regs *r);          /* from x86_trap after an interrupt */
/* Set by the signal layer: deliver a pending signal on (r), application
 * registers about to be resumed (after an interrupt, a preemption). */
extern void (*sched_signal_hook)(struct x86_regs *r);
struct thread *sched_find(int tid);                    /* a live application thread, or NULL */
struct thread *sched_next(struct thread *prev);        /* every live thread, kernel ones too: from NULL */
struct thread *sched_first_unmasked(uint64_t bit);     /* a live thread not blocking (bit), or NULL */
uint64_t sched_cpu_ns(bool process);                   /* CPU time of the current thread or of all */

/* futex.c */
int futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline, uint32_t bitset);
int futex_wake(uint32_t *uaddr, int n, uint32_t bitset);
int futex_requeue(uint32_t *uaddr, int nwake, uint32_t *uaddr2, int nmove, const uint32_t *cmpval);

#endif
