/* idle.S: the null guest that stays up. Writes "idle-guest: up" to the
 * 16550 at 0x3f8 (QEMU's serial needs no setup to transmit), then halts
 * forever with interrupts off: a QEMU process whose guest touches one page,
 * so its footprint is the VMM's own (experiments/papers/firecracker-memory.ini). */
	.code32
	.text
	.globl _start
_start:
	cli
	movl $msg, %esi
	movw $0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	hlt
	jmp 2b
msg:	.asciz "idle-guest: up\n"
