/* cpu.c — per-CPU set-up after boot.S: the GDT (kernel and user segments),
 * the TSS with its IST stacks, the IDT (every vector on an IST stack, see
 * entry.S), the syscall MSRs for the ring prot= chose, the user-mode page
 * table of prot=ring3-kpti, and the FPU/SSE state the application expects.
 * Called once from kmain, after x86_paging_init. */
#include <stddef.h>
#include "x86.h"
#include "kernel.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

/* One page: everything a way into the kernel touches before it has loaded
 * the kernel's CR3 (kpti), so it is all that the user table maps besides
 * entry.S's .text.entry and the IST stacks. In .bss: no bytes in the image.
 * entry.S knows the offsets of the first fields (E_*). */
struct x86_entry_page {
	uint64_t user_rsp;       /* E_URSP: the application's rsp at syscall */
	uint64_t kernel_cr3;     /* E_KCR3 */
	uint64_t user_cr3;       /* E_UCR3: bit 63 cleared by paging.c to flush */
	uint8_t kpti, pcid;      /* E_KPTI, E_PCID */
	uint16_t ucs, uss;       /* E_UCS, E_USS: the application's selectors */
	uint16_t pad;
	uint64_t gdt[9];
	struct tss tss;
	uint64_t idt[64 * 2] __attribute__((aligned(16))); /* 64 gates of 16 bytes */
	uint8_t tramp[];         /* x86_resume_app's stack, up to the page's end */
} __attribute__((aligned(4096)));
_Static_assert(offsetof(struct x86_entry_page, kernel_cr3) == 8 &&
	       offsetof(struct x86_entry_page, user_cr3) == 16 &&
	       offsetof(struct x86_entry_page, kpti) == 24 && offsetof(struct x86_entry_page, pcid) == 25 &&
	       offsetof(struct x86_entry_page, ucs) == 26 && offsetof(struct x86_entry_page, uss) == 28 &&
	       offsetof(struct x86_entry_page, tramp) + 256 <= 4096, "entry.S offsets");

struct x86_entry_page x86_entry;
extern const uint64_t x86_trap_stubs[];
extern char x86_syscall_entry[], x86_syscall_entry3[], x86_entry_text[], x86_entry_text_end[];

uint64_t x86_kstack_top;
int x86_prot;
uint64_t x86_upte;
uint64_t *x86_upml4;

/* IST assignment: separate stacks so a fault taken while handling another
 * event does not overwrite the frame below it. */
#define IST_PF  1
#define IST_DF  2
#define IST_NMI 3
#define IST_ANY 4
#define IST_PAGES(i) ((i) == IST_PF ? 4 : 2)

static int vector_ist(int v)
{
	switch (v) {
	case 14: return IST_PF;
	case 8:  return IST_DF;
	case 2: case 18: return IST_NMI;
	default: return IST_ANY;
	}
}

/* Selectors (SDM vol. 3 §3.4.5; the layout Linux uses, so that SYSRET's
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8 land on them and signal
 * frames' 0x33/0x2b are the real values): 0x08 kernel code, 0x10 kernel
 * data, 0x2b user data, 0x33 user code, 0x38 the TSS (16 bytes). */
#define SEL_UCS 0x33
#define SEL_USS 0x2b
#define SEL_TSS 0x38

void x86_set_prot(int prot)
{
	x86_prot = prot;
	x86_upte = prot == X86_RING0 ? 0 : PTE_U;
}

/* prot=ring3-kpti: the user table shares the kernel's lower half (paging.c
 * copies every new PML4 entry there) and maps of the upper half only the
 * pages [va, va + len) as the kernel maps them. */
static void user_table_map(uint64_t va, uint64_t len)
{
	for (uint64_t pg = va & ~0xfffULL; pg < va + len; pg += 4096) {
		uint64_t *k = x86_pte(x86_pml4, pg), *u = x86_pte_create(x86_upml4, pg);
		if (!k || !u)
			kpanic(KEXIT_OOM, "out of memory for the user page table");
		*u = *k;
	}
}

static void kpti_init(void)
{
	uint32_t id[4];
	uint64_t upa = mem_frame_alloc();
	if (!upa)
		kpanic(KEXIT_OOM, "out of memory for the user page table");
	x86_upml4 = x86_phys(upa);
	for (int i = 0; i < 256; i++)
		x86_upml4[i] = x86_pml4[i];
	user_table_map((uint64_t)x86_entry_text, (uint64_t)(x86_entry_text_end - x86_entry_text));
	user_table_map((uint64_t)&x86_entry, sizeof(x86_entry));
	for (int i = 1; i <= 4; i++)
		user_table_map(x86_entry.tss.ist[i - 1] - IST_PAGES(i) * 4096ULL, IST_PAGES(i) * 4096ULL);
	/* PCID (CPUID.01H:ECX bit 17, SDM vol. 3 §4.10.1): the kernel's
	 * entries in PCID 1, the user table's in PCID 2, neither flushed by
	 * the switch (bit 63); without it every switch flushes the TLB (no
	 * page is global here: CR4.PGE is off). */
	cpuid(1, 0, id);
	uint64_t kcr3 = read_cr3() & PTE_ADDR;
	if (id[2] & (1u << 17)) {
		__asm__ volatile("mov %%cr4, %%rax; bts $17, %%rax; mov %%rax, %%cr4" ::: "rax", "memory");
		x86_entry.pcid = 1;
		x86_entry.kernel_cr3 = kcr3 | 1 | (1ULL << 63);
		x86_entry.user_cr3 = upa | 2; /* the first switch flushes PCID 2 */
		write_cr3(kcr3 | 1);
	} else {
		x86_entry.kernel_cr3 = kcr3;
		x86_entry.user_cr3 = upa;
	}
	x86_entry.kpti = 1;
}

bool x86_pcid(void) { return x86_entry.pcid; }

void x86_user_tlb_stale(void)
{
	x86_entry.user_cr3 &= ~(1ULL << 63);
}

void x86_cpu_init(void)
{
	struct x86_entry_page *e = &x86_entry;
	uint64_t base = (uint64_t)&e->tss;
	uint64_t limit = sizeof(e->tss) - 1;
	bool ring3 = x86_prot != X86_RING0;

	e->gdt[1] = 0x00af9a000000ffffULL; /* kernel code, 64-bit */
	e->gdt[2] = 0x00cf92000000ffffULL; /* kernel data */
	e->gdt[5] = 0x00cff2000000ffffULL; /* user data, DPL 3 */
	e->gdt[6] = 0x00affa000000ffffULL; /* user code, 64-bit, DPL 3 */
	/* TSS descriptor, 16 bytes (SDM vol. 3 §7.2.3) */
	e->gdt[7] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	e->gdt[8] = base >> 32;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(e->gdt) - 1, (uint64_t)e->gdt };
	__asm__ volatile("lgdt %0" ::"m"(gdtr)); /* CS 0x08 and SS 0x10 stay valid as they are */
	e->tss.iomap_base = sizeof(e->tss); /* no I/O bitmap: ring 3 gets no port */
	for (int i = 1; i <= 4; i++)
		e->tss.ist[i - 1] = mem_kstack_alloc(IST_PAGES(i));
	__asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
	e->ucs = ring3 ? SEL_UCS : 0x08;
	e->uss = ring3 ? SEL_USS : 0x10;

	/* each gate written as two quadwords (SDM vol. 3 §6.14.1); int3 and
	 * into may be used from ring 3 (DPL 3), as on Linux */
	uint64_t stub0 = x86_trap_stubs[0];
	for (int v = 0; v < (int)ARRAY_SIZE(e->idt) / 2; v++) {
		uint64_t off = stub0 + 16 * (uint64_t)v, dpl = (v == 3 || v == 4) ? 3 : 0;
		e->idt[2 * v] = (off & 0xffff) | (0x08ULL << 16) | ((uint64_t)vector_ist(v) << 32) |
				((0x8eULL | dpl << 5) << 40) /* present, 64-bit interrupt gate */ |
				((off & 0xffff0000ULL) << 32);
		e->idt[2 * v + 1] = off >> 32;
	}
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(e->idt) - 1, (uint64_t)e->idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));

	/* syscall: EFER.SCE; STAR[47:32] = kernel CS (SS = CS + 8), STAR[63:48]
	 * = 0x23 (SYSRET: CS 0x33, SS 0x2b); FMASK clears IF, DF, TF, AC */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);
	wrmsr(MSR_STAR, (0x23ULL << 48) | (0x08ULL << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(ring3 ? x86_syscall_entry3 : x86_syscall_entry));
	wrmsr(MSR_FMASK, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
	x86_kstack_top = mem_kstack_alloc(4);
	if (x86_prot == X86_RING3_KPTI)
		kpti_init();

	/* x87 and SSE defaults as a Linux process sees them: FCW 0x37f (fninit),
	 * MXCSR 0x1f80, its value after reset and INIT (SDM vol. 3 §10.1.1), so
	 * not loaded: an ldmxcsr here is what the instruction emulator of the
	 * software hypervisor behind this host's /dev/kvm cannot run. */
	__asm__ volatile("fninit");
}

/* System V process entry: rsp = sp, rdx = 0 (no atexit handler), other
 * registers zero, interrupts as they are, at the ring prot= chose. */
void x86_enter_app(uint64_t entry, uint64_t sp)
{
	uint64_t fl;
	__asm__ volatile("pushfq; pop %0" : "=r"(fl));
	struct x86_regs r = { .rip = entry, .rsp = sp, .rflags = (fl & (1 << 9)) | 2 };
	x86_resume_app(&r);
}
