/* crash.c — the crash report of a fault nothing handles (x86_trap): vector,
 * error code, RIP with symbol, CR2, registers, the call the thread was in,
 * a frame-pointer backtrace; then exit with KEXIT_CRASH. A fault inside the
 * report itself stops at once. Cold code, built for size. */
#include "x86.h"
#include "kernel.h"
#include "ksched.h"

int x86_in_crash;

/* The exception names, in vector order (Intel SDM vol. 3A, table 6-1). */
static const char vector_names[] =
	"divide error\0debug\0NMI\0breakpoint\0overflow\0bound range\0"
	"invalid opcode\0device not available\0double fault\0coprocessor overrun\0"
	"invalid TSS\0segment not present\0stack fault\0general protection\0"
	"page fault\0reserved\0x87 FP error\0alignment check\0machine check\0"
	"SIMD FP error\0virtualization\0control protection";

static const char *vector_name(uint64_t v)
{
	if (v >= 32)
		return "unexpected interrupt";
	const char *p = vector_names;
	for (uint64_t i = 0; i < v && p < vector_names + sizeof(vector_names) - 1; i++)
		while (*p++)
			;
	return p < vector_names + sizeof(vector_names) - 1 ? p : "reserved";
}

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

void x86_crash(struct x86_regs *r)
{
	const char *name = vector_name(r->vector);
	if (x86_in_crash++) {
		kprintf("refkernel: crash while reporting a crash (vector %lu)\n", (unsigned long)r->vector);
		kexit(KEXIT_CRASH);
	}
	kprintf("refkernel: crash vector=%lu (%s) error=%#lx thread=%d\n", (unsigned long)r->vector,
		name, (unsigned long)r->error, sched_current ? sched_current->tid : 1);
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

