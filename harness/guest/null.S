/* null.S: the null guest, the floor of VM boot time. Its first instructions
 * write 0 to QEMU's isa-debug-exit port (0xf4): QEMU exits with status 1. */
	.code32
	.text
	.globl _start
_start:
	xorl %eax, %eax
	outb %al, $0xf4
1:	hlt			/* not reached without isa-debug-exit */
	jmp 1b
