/* entry.S — the ways into the kernel after boot:
 *   trap stubs (IDT vectors 0..63): push a uniform struct x86_regs, call x86_trap();
 *   x86_syscall_entry (IA32_LSTAR): the application's `syscall` at ring 0;
 *   x86_enter_app: the jump to the application's first instruction.
 * Every IDT entry runs on an IST stack, so an interrupt never writes into the
 * application's 128-byte red zone.
 */
	.text

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
	cld
	mov %rsp, %rdi
	call x86_trap
	pop %r15
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
	.text

/* syscall at ring 0 (SDM vol. 2B SYSCALL): RCX = return RIP, R11 = RFLAGS,
 * RFLAGS &= ~FMASK (IF and DF cleared), CS/SS from STAR; RSP is unchanged, so
 * step below the red zone first, then switch to the kernel stack.
 * Return without sysret: restore RFLAGS with popfq on the application stack
 * (below its red zone again) and jump to RCX. */
	.globl x86_syscall_entry
x86_syscall_entry:
	sub $128, %rsp
	mov %rsp, syscall_user_rsp(%rip)
	mov x86_kstack_top(%rip), %rsp
	push syscall_user_rsp(%rip)
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
	call sys_dispatch                   /* result left in frame->rax */
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
	pop %rsp                            /* application rsp - 128 */
	push %r11
	popfq
	lea 128(%rsp), %rsp
	jmp *%rcx

/* x86_enter_app(entry, sp): System V process entry: rsp = sp, rdx = 0 (no
 * atexit handler), other registers zero, interrupts as configured. */
	.globl x86_enter_app
x86_enter_app:
	mov %rsi, %rsp
	mov %rdi, %rcx
	xor %eax, %eax
	xor %ebx, %ebx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	jmp *%rcx

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

/* x86_resume_app(struct x86_regs *r): return to application code with every
 * register from (r). iretq pops RIP, CS, RFLAGS, RSP and SS from this kernel
 * stack, so nothing is written below the application's stack pointer. */
	.globl x86_resume_app
x86_resume_app:
	pushq $0x10
	pushq 160(%rdi)                     /* rsp */
	pushq 152(%rdi)                     /* rflags */
	pushq $0x08
	pushq 136(%rdi)                     /* rip */
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
	mov 72(%rdi), %rdi
	iretq

/* Where a preempted thread lands (trap.c rewrote the interrupt's return
 * frame): on its own kernel stack, interrupts off, registers saved. */
	.globl x86_preempted
x86_preempted:
	call sched_preempted
	ud2

	.section .note.GNU-stack, "", @progbits
