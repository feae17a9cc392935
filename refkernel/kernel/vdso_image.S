/* vdso_image.S — the vDSO (refkernel/vdso/, built first) embedded in the
 * kernel; app.c copies it into each application's address space. */
	.section .rodata
	.balign 16
	.globl vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_PATH
vdso_image_end:

	.section .note.GNU-stack, "", @progbits
