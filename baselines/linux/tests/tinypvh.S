/* tinypvh: the smallest ELF bzextract accepts (a Xen PHYS32_ENTRY note), used
 * by tests/test.sh as the payload of fake bzImages for each compressor. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start
	.text
	.globl _start
_start:
	hlt
