/* trap.c — every IDT vector lands here (entry.S). Page faults on demand-zero
 * memory are resolved by mm_fault(); anything else is a crash: one report
 * (vector, error code, RIP with symbol, CR2, registers, backtrace), then exit
 * with KEXIT_CRASH. A fault inside the report itself stops at once. */
#include "x86.h"
#include "kernel.h"
#include "ksched.h"

static const char *const vector_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check", "machine check",
	"SIMD FP error", "virtualization", "control protection",
};

uint64_t x86_page_faults; /* demand-zero pages supplied */
bool (*x86_fault_hook)(struct x86_regs *r, uint64_t cr2);
static int in_crash;

static void print_addr(const char *label, uint64_t a)
{
	uint64_t off = 0;
	char buf[KSYM_NAME_MAX];
	const char *name = ksym_lookup(a, &off, buf, sizeof(buf));
	if (name)
		kprintf("%s0x%016lx <%s+%#lx>\n", label, (unsigned long)a, name, (unsigned long)off);
	else
		kprintf("%s0x%016lx\n", label, (unsigned long)a);
}

static bool mapped(uint64_t va)
{
	uint64_t *pte = x86_pte(x86_pml4, va);
	return pte && (*pte & PTE_P);
}

/* Frame-pointer walk; stops at the first frame that is not mapped memory. */
static void backtrace(uint64_t rbp)
{
	for (int depth = 0; depth < 16 && rbp >= 0x10000 && !(rbp & 7); depth++) {
		if (!mapped(rbp) || !mapped(rbp + 8))
			break;
		uint64_t ret = ((uint64_t *)rbp)[1];
		if (!ret)
			break;
		print_addr("  ", ret);
		rbp = ((uint64_t *)rbp)[0];
	}
}

static void crash(struct x86_regs *r)
{
	const char *name = r->vector < 32 ? vector_names[r->vector] : "unexpected interrupt";
	if (in_crash++) {
		kprintf("refkernel: crash while reporting a crash (vector %lu)\n", (unsigned long)r->vector);
		kexit(KEXIT_CRASH);
	}
	kprintf("refkernel: crash vector=%lu (%s) error=%#lx thread=%d\n", (unsigned long)r->vector,
		name ? name : "reserved", (unsigned long)r->error, sched_current ? sched_current->tid : 1);
	print_addr("  rip ", r->rip);
	if (r->vector == 14)
		kprintf("  cr2 0x%016lx (%s %s%s, %s)\n", (unsigned long)read_cr2(),
			(r->error & 16) ? "instruction fetch" : (r->error & 2) ? "write" : "read",
			(r->error & 1) ? "protection violation" : "not-present page",
			(r->error & 4) ? " from ring 3" : "",
			read_cr2() < 0x1000 ? "NULL pointer" : read_cr2() >= VMAP_BASE ? "kernel stack guard?" : "address");
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	kprintf("  rflags %08lx cs %lx ss %lx\n", r->rflags, r->cs, r->ss);
	if (r->rip >= DMAP_BASE)
		sys_print_current(); /* a kernel fault: which call from the application led here */
	kprintf("  backtrace:\n");
	uint64_t off = 1;
	char buf[KSYM_NAME_MAX];
	if (ksym_lookup(r->rip, &off, buf, sizeof(buf)) && off == 0 && mapped(r->rsp))
		print_addr("  ", *(uint64_t *)r->rsp); /* at a function's first instruction */
	backtrace(r->rbp);
	kprintf("refkernel: exit status=crash\n");
	kexit(KEXIT_CRASH);
}

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
	if (x86_fault_hook && !in_crash && x86_fault_hook(r, read_cr2()))
		return;
	crash(r);
}
