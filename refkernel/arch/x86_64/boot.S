/* boot.S — first instructions. Both boot protocols land in x86_entry32 in
 * 32-bit protected mode, paging off:
 *   PVH (Xen ELF note PHYS32_ENTRY; QEMU -M microvm/q35 -kernel): %ebx = hvm_start_info
 *   Multiboot 1 (a.out kludge header):                     %eax = 0x2badb002, %ebx = mbi
 * The Multiboot header is in multiboot.S, linked only on request (see there).
 * We record the TSC, build boot page tables (phys 0..1 GiB identity and at
 * KERNEL_VBASE, one 1 GiB page or 512 2 MiB ones), enter long mode and call kmain(magic, info) on the boot stack.
 */
#define KERNEL_VBASE 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VBASE)

	.section .note.Xen, "a", @note      /* Xen ELF note for PVH (xen/include/public/elfnote.h) */
	.align 4
	.long 4, 4, 18                      /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long PHYS(x86_entry32)

	.section .boot.text, "ax"
	.code32
	.globl x86_entry32
x86_entry32:
	mov %eax, %edi                      /* boot magic (multiboot) */
	mov %ebx, %esi                      /* boot info */
	rdtsc
	mov %eax, PHYS(x86_boot_tsc)
	mov %edx, PHYS(x86_boot_tsc) + 4
	mov $PHYS(boot_stack_top), %esp

	mov $0x80000000, %eax               /* long mode present? */
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode
	mov %edx, %ebp                      /* bit 20: NX */

	/* boot page tables in .bss: pml4[0] and pml4[511]/pdpt[510] -> the first
	 * GiB, as one 1 GiB page where the CPU has them (EDX bit 26), else one
	 * PD of 2 MiB pages */
	mov $PHYS(boot_pdpt_lo), %eax
	or $3, %eax
	mov %eax, PHYS(boot_pml4)
	mov $PHYS(boot_pdpt_hi), %eax
	or $3, %eax
	mov %eax, PHYS(boot_pml4) + 511 * 8
	mov $0x83, %eax                     /* present, writable, large page */
	bt $26, %ebp
	jc 1f
	mov $PHYS(boot_pd), %ebx
	mov $512, %ecx
0:	mov %eax, (%ebx)
	add $0x200000, %eax
	add $8, %ebx
	loop 0b
	mov $PHYS(boot_pd), %eax
	or $3, %eax
1:	mov %eax, PHYS(boot_pdpt_lo)
	mov %eax, PHYS(boot_pdpt_hi) + 510 * 8

	mov %cr4, %eax                      /* PAE, OSFXSR, OSXMMEXCPT */
	or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx               /* EFER.LME, and NXE when the CPU has NX */
	rdmsr
	or $(1 << 8), %eax
	bt $20, %ebp
	jnc 2f
	or $(1 << 11), %eax
2:	wrmsr
	mov %cr0, %eax                      /* PG, WP, NE, MP, PE; EM off (SSE) */
	and $~(1 << 2), %eax
	or $((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1) | 1), %eax
	mov %eax, %cr0
	lgdt PHYS(boot_gdtr)
	ljmp $0x08, $PHYS(entry64_low)

no_long_mode:                           /* say why on COM1, exit through isa-debug-exit */
	mov $PHYS(msg_no_lm), %esi
3:	lodsb
	test %al, %al
	jz 4f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 3b
4:	mov $0x7e, %al
	out %al, $0xf4
	cli
5:	hlt
	jmp 5b

	.code64
entry64_low:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $entry64_high, %rax
	jmp *%rax

	.text
entry64_high:
	movabs $boot_stack_top, %rsp
	lgdt boot_gdtr_hi(%rip)             /* GDT base at its high address */
	mov %edi, %edi
	mov %esi, %esi
	xor %ebp, %ebp
	call kmain
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_lm:
	.asciz "refkernel: error: CPU has no long mode\n"

	.data
	.align 16
	.globl x86_gdt
x86_gdt:                                /* null, kernel code 64, kernel data, TSS (filled by cpu.c) */
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0, 0
x86_gdt_end:
boot_gdtr:
	.word x86_gdt_end - x86_gdt - 1
	.long PHYS(x86_gdt)
	.align 8
boot_gdtr_hi:
	.word x86_gdt_end - x86_gdt - 1
	.quad x86_gdt
	.globl x86_boot_tsc
	.align 8
x86_boot_tsc:
	.quad 0

	.bss
	.align 4096
boot_pml4:    .skip 4096
boot_pdpt_lo: .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:      .skip 4096
	.globl boot_stack_top
boot_stack:   .skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
