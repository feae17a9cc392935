/* pvh_note.S: the Xen ELF note (XEN_ELFNOTE_PHYS32_ENTRY = 18) that makes QEMU
 * boot an ELF by PVH: entry in 32-bit protected mode, paging off, ring 0. */
	.section .note.pvh, "a"
	.p2align 2
	.long 4			/* name size: "Xen\0" */
	.long 4			/* desc size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start
