/* cpu.c — per-CPU set-up after boot.S: the TSS with its IST stacks, the IDT
 * (every vector on an IST stack, see entry.S), the syscall MSRs and the
 * FPU/SSE state the application expects. Called once from kmain. */
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

extern uint64_t x86_gdt[];
extern const uint64_t x86_trap_stubs[];
extern char x86_syscall_entry[];

static struct tss tss;
static uint64_t idt[64 * 2] __attribute__((aligned(16))); /* 64 gates of 16 bytes */
uint64_t x86_kstack_top;

/* IST assignment: separate stacks so a fault taken while handling another
 * event does not overwrite the frame below it. */
#define IST_PF  1
#define IST_DF  2
#define IST_NMI 3
#define IST_ANY 4

static int vector_ist(int v)
{
	switch (v) {
	case 14: return IST_PF;
	case 8:  return IST_DF;
	case 2: case 18: return IST_NMI;
	default: return IST_ANY;
	}
}

void x86_cpu_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	/* TSS descriptor, 16 bytes at selector 0x18 (SDM vol. 3 §7.2.3) */
	x86_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	x86_gdt[4] = base >> 32;
	tss.iomap_base = sizeof(tss);
	for (int i = 1; i <= 4; i++)
		tss.ist[i - 1] = mem_kstack_alloc(i == IST_PF ? 4 : 2);
	__asm__ volatile("ltr %w0" ::"r"(0x18));

	/* each gate written as two quadwords (SDM vol. 3 §6.14.1) */
	uint64_t stub0 = x86_trap_stubs[0];
	for (int v = 0; v < (int)ARRAY_SIZE(idt) / 2; v++) {
		uint64_t off = stub0 + 16 * (uint64_t)v;
		idt[2 * v] = (off & 0xffff) | (0x08ULL << 16) | ((uint64_t)vector_ist(v) << 32) |
			   (0x8eULL << 40) /* present, DPL 0, 64-bit interrupt gate */ |
			   ((off & 0xffff0000ULL) << 32);
		idt[2 * v + 1] = off >> 32;
	}
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));

	/* syscall: EFER.SCE; STAR[47:32] = kernel CS (SS = CS + 8); FMASK clears IF, DF, TF, AC */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);
	wrmsr(MSR_STAR, 0x08ULL << 32);
	wrmsr(MSR_LSTAR, (uint64_t)x86_syscall_entry);
	wrmsr(MSR_FMASK, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
	x86_kstack_top = mem_kstack_alloc(4);

	/* x87 and SSE defaults as a Linux process sees them: FCW 0x37f, MXCSR 0x1f80 */
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
}
