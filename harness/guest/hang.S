/* hang.S: a guest that never exits (tests the harness's timeouts). */
	.code32
	.text
	.globl _start
_start:
	cli
1:	hlt
	jmp 1b
