/* trap.c — every IDT vector lands here (entry.S). Page faults on demand-zero
 * memory are resolved by mm_fault(), interrupts dispatched, a fault in the
 * program offered to x86_fault_hook; anything else is a crash (crash.c). */
#include "x86.h"
#include "kernel.h"
#include "ksched.h" /* sched_preempt_check */

uint64_t x86_page_faults; /* demand-zero pages supplied */
bool (*x86_fault_hook)(struct x86_regs *r, uint64_t cr2);

/* A SYSCALL from ring 3 that set RIP = LSTAR, RCX, R11 and the flags but
 * left CS at the user's: the software hypervisor behind /dev/kvm on some
 * hosts does that (it runs ring-3 code natively and misses the ring
 * change), and the first fetch of the entry faults as a user access to a
 * supervisor page. The switch is finished here: the fault returns to the
 * entry at ring 0, exactly where SYSCALL should have landed. */
extern char x86_syscall_entry3[];
uint64_t x86_syscall_fixups;

static bool syscall_fixup(struct x86_regs *r)
{
	if (r->vector != 14 || (r->error & 0x15) != 0x15 || (r->cs & 3) != 3 ||
	    r->rip != (uint64_t)x86_syscall_entry3)
		return false;
	if (!x86_syscall_fixups++)
		kprintf("refkernel: SYSCALL from ring 3 stayed at ring 3 (the hypervisor's doing); "
			"each one is finished in the page-fault handler\n");
	r->cs = 0x08;
	r->ss = 0x10;
	return true;
}

void x86_trap(struct x86_regs *r)
{
	if (r->vector == 14 && mm_fault(read_cr2(), r->error)) {
		x86_page_faults++;
		return;
	}
	if (syscall_fixup(r))
		return;
	if (r->vector >= 32 && r->vector < 64) {
		irq_dispatch((int)r->vector);
		sched_preempt_check(r);
		return;
	}
	if (x86_fault_hook && !x86_in_crash && x86_fault_hook(r, read_cr2()))
		return;
	x86_crash(r);
}
