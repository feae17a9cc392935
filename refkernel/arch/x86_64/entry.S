/* entry.S — the ways into the kernel after boot:
 *   trap stubs (IDT vectors 0..63): push a uniform struct x86_regs, call x86_trap();
 *   x86_syscall_entry (IA32_LSTAR, prot=ring0): the application's `syscall` at ring 0;
 *   x86_syscall_entry3 (IA32_LSTAR, prot=ring3*): `syscall` from ring 3, SYSRET back;
 *   x86_resume_app: iretq into application code, at the ring prot= chose.
 * Every IDT entry runs on an IST stack, so an interrupt never writes into the
 * application's 128-byte red zone (ring 0), and from ring 3 every vector
 * switches stacks the same way (TSS.RSP0 is never used).
 * With prot=ring3-kpti the code in .text.entry and the entry page (cpu.c:
 * x86_entry, GDT/IDT/TSS, scratch, trampoline stack) are all that the user
 * page table maps of the kernel: each way in writes the kernel's CR3 first,
 * each way out the user table's last.
 */
#define E_URSP  0                       /* struct x86_entry_page (cpu.c) */
#define E_KCR3  8
#define E_UCR3  16
#define E_KPTI  24
#define E_PCID  25
#define E_UCS   26
#define E_USS   28
#define E_TOP   4096

/* Kernel CR3, from the entry page: (reg) is a free register. */
/* Both syscall entries: the rest of struct x86_syscall_frame (the
 * application's rsp - 128 is already pushed), sys_dispatch(frame), and back
 * to RCX = RIP, R11 = RFLAGS, every other register as it was (RAX the result). */
.macro syscall_dispatch
	push %r11
	push %rcx
	push %rax
	push %rbx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call sys_dispatch
.endm
.macro syscall_pop
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rbx
	pop %rax
	pop %rcx
	pop %r11
.endm

.macro to_kernel_cr3 reg
	cmpb $0, x86_entry+E_KPTI(%rip)
	je 98f
	mov x86_entry+E_KCR3(%rip), \reg
	mov \reg, %cr3
98:
.endm
/* User-table CR3 (kpti only). With PCID the user PCID's entries are kept
 * (bit 63, "no flush") unless paging.c cleared that bit after changing a
 * user mapping: then this write flushes them and the bit is set again. */
.macro to_user_cr3 reg
	cmpb $0, x86_entry+E_KPTI(%rip)
	je 99f
	mov x86_entry+E_UCR3(%rip), \reg
	mov \reg, %cr3
	cmpb $0, x86_entry+E_PCID(%rip)
	je 99f
	btsq $63, x86_entry+E_UCR3(%rip)
99:
.endm

	.section .text.entry, "ax"
	.globl x86_entry_text
x86_entry_text:

/* Vectors that push an error code (SDM vol. 3 §6.13): 8, 10-14, 17, 21, 29, 30.
 * One 16-byte stub per vector, in order, so cpu.c computes the addresses. */
	.align 16
x86_trap_0:
	.set i, 0
	.rept 64
	.align 16
	.if (i == 8) || (i >= 10 && i <= 14) || (i == 17) || (i == 21) || (i == 29) || (i == 30)
	.else
	push $0
	.endif
	push $i
	jmp trap_common
	.set i, i + 1
	.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	testb $3, 144(%rsp)                 /* from ring 3 (the saved CS): kernel page table */
	jz 1f
	to_kernel_cr3 %rax
1:	cld
	mov %rsp, %rdi
	call x86_trap
	testb $3, 144(%rsp)                 /* back to ring 3 (trap.c may have diverted it) */
	jz 2f
	to_user_cr3 %rax
2:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp                       /* vector, error code */
	iretq

/* Stub addresses for cpu.c's IDT setup; stubs are 16-byte aligned and in order. */
	.section .rodata
	.globl x86_trap_stubs
	.align 8
x86_trap_stubs:
	.quad x86_trap_0
	.section .text.entry, "ax"

/* syscall from ring 3 (prot=ring3, ring3-kpti): the CPU left RSP as the
 * application's, so it goes to the entry page's scratch word (one CPU, IF
 * off: no per-CPU area, hence no SWAPGS either: the kernel never uses GS and
 * leaves the application's GS base alone; with several CPUs a GS-based
 * per-CPU area and SWAPGS would replace the RIP-relative scratch); the
 * kernel table (kpti); the thread's kernel stack; then the same frame as at
 * ring 0 (rsp recorded 128 below the application's, as sys_signal.c expects).
 * Back by SYSRET: RCX = RIP, R11 = RFLAGS (sys_rt_sigreturn never comes this
 * way: it resumes by iretq; a handler address that is not canonical makes
 * SYSRET fault at ring 0, on its IST stack: the crash report). */
	.globl x86_syscall_entry3
x86_syscall_entry3:
	mov %rsp, x86_entry+E_URSP(%rip)
	to_kernel_cr3 %rsp
	mov x86_kstack_top(%rip), %rsp
	push x86_entry+E_URSP(%rip)
	subq $128, (%rsp)
	syscall_dispatch
	syscall_pop
	popq x86_entry+E_URSP(%rip)         /* application rsp - 128 */
	to_user_cr3 %rsp
	mov x86_entry+E_URSP(%rip), %rsp
	lea 128(%rsp), %rsp
	sysretq

/* x86_resume_app(struct x86_regs *r): return to application code with every
 * register from (r), by iretq, at the ring prot= chose (the selectors come
 * from the entry page, never from (r): a signal frame cannot pick CS). The
 * iretq frame is built on the entry page's trampoline stack (interrupts are
 * off here), so nothing is written below the application's stack pointer
 * and, with kpti, the stack is still mapped after the switch to the user
 * table. */
	.globl x86_resume_app
x86_resume_app:
	lea x86_entry+E_TOP(%rip), %rsp
	movzwq x86_entry+E_USS(%rip), %rax
	push %rax
	pushq 160(%rdi)                     /* rsp */
	pushq 152(%rdi)                     /* rflags */
	movzwq x86_entry+E_UCS(%rip), %rax
	push %rax
	pushq 136(%rdi)                     /* rip */
	pushq 72(%rdi)                      /* rdi, restored last */
	mov 0(%rdi), %r15
	mov 8(%rdi), %r14
	mov 16(%rdi), %r13
	mov 24(%rdi), %r12
	mov 32(%rdi), %r11
	mov 40(%rdi), %r10
	mov 48(%rdi), %r9
	mov 56(%rdi), %r8
	mov 64(%rdi), %rbp
	mov 80(%rdi), %rsi
	mov 88(%rdi), %rdx
	mov 96(%rdi), %rcx
	mov 104(%rdi), %rbx
	mov 112(%rdi), %rax
	to_user_cr3 %rdi
	pop %rdi
	iretq
	.globl x86_entry_text_end
x86_entry_text_end:
	.text

/* syscall at ring 0 (SDM vol. 2B SYSCALL): RCX = return RIP, R11 = RFLAGS,
 * RFLAGS &= ~FMASK (IF and DF cleared), CS/SS from STAR; RSP is unchanged, so
 * step below the red zone first, then switch to the kernel stack.
 * Return without sysret: restore RFLAGS with popfq on the application stack
 * (below its red zone again) and jump to RCX. After a call that unmapped
 * memory (x86_syscall_iret set) that stack may be gone — musl's detached
 * threads unmap their own stack and then exit — so the return is an iretq
 * from the entry page's trampoline stack, writing nothing of the caller's. */
	.globl x86_syscall_entry
x86_syscall_entry:
	sub $128, %rsp
	mov %rsp, syscall_user_rsp(%rip)
	mov x86_kstack_top(%rip), %rsp
	push syscall_user_rsp(%rip)
	syscall_dispatch                    /* result left in frame->rax */
	syscall_pop
	cmpb $0, x86_syscall_iret(%rip)
	jne 1f
	pop %rsp                            /* application rsp - 128 */
	push %r11
	popfq
	lea 128(%rsp), %rsp
	jmp *%rcx
1:	movb $0, x86_syscall_iret(%rip)
	popq x86_entry+E_TOP-16(%rip)       /* rsp - 128 */
	addq $128, x86_entry+E_TOP-16(%rip)
	mov %rcx, x86_entry+E_TOP-40(%rip)  /* rip */
	mov %r11, x86_entry+E_TOP-24(%rip)  /* rflags */
	movzwq x86_entry+E_UCS(%rip), %r11
	mov %r11, x86_entry+E_TOP-32(%rip)
	movzwq x86_entry+E_USS(%rip), %r11
	mov %r11, x86_entry+E_TOP-8(%rip)
	mov x86_entry+E_TOP-24(%rip), %r11  /* r11 = rflags, as SYSCALL's ABI leaves it */
	lea x86_entry+E_TOP-40(%rip), %rsp
	iretq

	.bss
	.align 8
syscall_user_rsp: .quad 0

	.section .note.GNU-stack, "", @progbits

	.text
/* x86_switch(&old->ksp, new->ksp): save the callee-saved registers on this
 * kernel stack, switch stacks, restore the other thread's and return into it. */
	.globl x86_switch
x86_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* Where a preempted thread lands (trap.c rewrote the interrupt's return
 * frame): on its own kernel stack, interrupts off, registers saved. */
	.globl x86_preempted
x86_preempted:
	call sched_preempted
	ud2

	.section .note.GNU-stack, "", @progbits

	.bss
	.globl x86_syscall_iret
x86_syscall_iret:
	.byte 0
