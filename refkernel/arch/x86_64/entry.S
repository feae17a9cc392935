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
