/* probe.S: the accelerator probe. Times a ring-0 loop of PROBE_LOOPS iterations
 * (2 instructions each) with rdtsc, prints "probe: tsc=<16 hex digits>" on the
 * 16550 UART at 0x3f8 and exits through isa-debug-exit (QEMU status 1). */
#ifndef PROBE_LOOPS
#define PROBE_LOOPS 1000000
#endif
	.code32
	.text
	.globl _start
_start:
	cli
	rdtsc
	movl %eax, %esi
	movl %edx, %edi
	movl $PROBE_LOOPS, %ecx
1:	decl %ecx
	jnz 1b
	rdtsc
	subl %esi, %eax
	sbbl %edi, %edx
	movl %eax, %ebp		/* low half of the delta */
	movl %edx, %ebx		/* high half */
	movl $msg, %esi
2:	movb (%esi), %al	/* print the prefix */
	testb %al, %al
	jz 3f
	call putc
	incl %esi
	jmp 2b
3:	movl %ebx, %ecx
	call puthex32
	movl %ebp, %ecx
	call puthex32
	movb $'\n', %al
	call putc
	xorl %eax, %eax
	outb %al, $0xf4
4:	hlt
	jmp 4b

/* puthex32: print ecx as 8 hex digits. Clobbers eax, ecx, edx. */
puthex32:
	movl $8, %edx
5:	roll $4, %ecx
	movl %ecx, %eax
	andl $15, %eax
	movb hexdig(%eax), %al
	pushl %edx
	call putc
	popl %edx
	decl %edx
	jnz 5b
	ret

/* putc: write al to COM1, waiting for the transmit holding register. */
putc:
	pushl %eax
	movw $0x3fd, %dx
6:	inb %dx, %al
	testb $0x20, %al
	jz 6b
	popl %eax
	movw $0x3f8, %dx
	outb %al, %dx
	ret

msg:	.asciz "probe: tsc="
hexdig:	.ascii "0123456789abcdef"
