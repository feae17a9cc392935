/* x86.h — x86-64 architecture layer: CPU helpers (inline) and the arch API
 * used by the kernel core. Everything here runs at ring 0; the application
 * at ring 0 or at ring 3 (prot= on the command line, x86_set_prot). */
#ifndef X86_H
#define X86_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define KERNEL_VBASE 0xffffffff80000000ULL /* kernel image: phys + KERNEL_VBASE */
#define DMAP_BASE    0xffff800000000000ULL /* direct map of all RAM */
#define VMAP_BASE    0xffffffffc0000000ULL /* kernel stacks with guard pages */
#define VMAP_SIZE    0x40000000ULL
#define USER_END     0x0000800000000000ULL /* the lower half: the application's */

#define PHYS_TO_VIRT(p) ((void *)((uint64_t)(p) + DMAP_BASE))
#define VIRT_TO_PHYS(v) ((uint64_t)(v) - DMAP_BASE)

/* Page-table entry bits (Intel SDM vol. 3 §4.5). */
#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_U   (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS  (1ULL << 7)
#define PTE_G   (1ULL << 8)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define MSR_EFER         0xc0000080
#define MSR_STAR         0xc0000081
#define MSR_LSTAR        0xc0000082
#define MSR_FMASK        0xc0000084
#define MSR_FS_BASE      0xc0000100
#define MSR_GS_BASE      0xc0000101
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

/* Registers saved by the trap stubs (arch/x86_64/entry.S), lowest address first. */
struct x86_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Registers saved by the syscall entry: rax holds the number, then the result. */
struct x86_syscall_frame {
	uint64_t r15, r14, r13, r12, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rbx, rax;
	uint64_t rip, rflags, rsp; /* the application's, rsp below its red zone */
};

/* arch/x86_64/trap.c: a fault in application code goes to (x86_fault_hook)
 * first (the syscall layer's signal delivery); true: (r) was rewritten to
 * resume in the program's handler; false: the crash report. */
extern bool (*x86_fault_hook)(struct x86_regs *r, uint64_t cr2);

/* arch/x86_64/cpu.c */
enum { X86_RING0, X86_RING3, X86_RING3_KPTI };  /* prot=ring0|ring3|ring3-kpti */
void x86_set_prot(int prot);              /* before x86_paging_init */
extern int x86_prot;
extern uint64_t x86_upte;                 /* PTE_U for application pages at ring 3, else 0 */
extern uint64_t *x86_upml4;               /* ring3-kpti: the user-mode page table, else NULL */
void x86_user_tlb_stale(void);
bool x86_pcid(void);                      /* kpti uses PCIDs (the CPU has them) */
extern uint64_t x86_ucs, x86_uss;            /* kpti+PCID: flush the user PCID at the next exit */
void x86_cpu_init(void);                  /* GDT, TSS with IST stacks, IDT, syscall MSRs, SSE */
extern uint64_t x86_kstack_top;           /* stack the syscall entry switches to */
extern uint8_t x86_syscall_iret;          /* set: this call may have unmapped the caller's
					   * stack, return without touching it (entry.S) */
extern uint64_t x86_boot_tsc;             /* TSC at the first instruction (boot.S) */
__attribute__((noreturn)) void x86_enter_app(uint64_t entry, uint64_t sp);

void x86_switch(uint64_t *save_ksp, uint64_t ksp);        /* entry.S */
__attribute__((noreturn)) void x86_resume_app(const struct x86_regs *r);
void x86_preempted(void);
static inline void fxsave(void *area) { __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory"); }
static inline void fxrstor(const void *area) { __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory"); }

/* arch/x86_64/trap.c */
void x86_trap(struct x86_regs *r);
/* arch/x86_64/crash.c: the report of a fault nothing handles, then exit */
__attribute__((noreturn)) void x86_crash(struct x86_regs *r);
extern int x86_in_crash;                  /* nonzero while the report runs */

/* arch/x86_64/paging.c: 4-level page tables over the direct map. */
int      x86_map(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags); /* sets PTE_P */
uint64_t x86_unmap(uint64_t *pml4, uint64_t va);           /* returns the old frame (present or not) or 0 */
uint64_t *x86_pte(uint64_t *pml4, uint64_t va);              /* leaf PTE or NULL */
uint64_t *x86_pte_create(uint64_t *pml4, uint64_t va);       /* leaf PTE, tables made; NULL: no memory */
/* New (flags) for the page at (va), which must hold a frame; without PTE_P
 * the page is not present but keeps its frame (PROT_NONE). */
int      x86_protect(uint64_t *pml4, uint64_t va, uint64_t flags);
/* The leaf PTE of (va) or NULL when a table on the way is missing; (*next)
 * is the next address worth looking at (past the missing table's span). */
uint64_t *x86_pte_next(uint64_t *pml4, uint64_t va, uint64_t *next);
int      x86_prealloc(uint64_t *pml4, uint64_t start, uint64_t end); /* the tables for a range, or -ENOMEM */
int      x86_paging_init(uint64_t ram_end);                /* build final tables, load CR3 */
extern uint64_t *x86_pml4;
extern uint64_t x86_nx;                 /* PTE_NX, or 0 on a CPU without NX */
/* Kernel pointer to physical address (pa): through the boot map until the
 * final tables are loaded, then through the direct map (paging.c).
 * Inline: a call would end a block under TCG at each use. */
extern uint64_t x86_phys_off;
static inline void *x86_phys(uint64_t pa)
{
	return (void *)(pa + x86_phys_off);
}

#endif
