/* multiboot.S — a Multiboot 1 header, linked into an image only with
 * `make bake MULTIBOOT=1` (for GRUB and other Multiboot loaders). QEMU's
 * -kernel prefers Multiboot over PVH whenever this header is present (on
 * microvm as on q35), and both machines boot the PVH note anyway, so the
 * default images leave it out and QEMU always takes the PVH path. */
#define KERNEL_VBASE 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VBASE)

	.section .boot.header, "a"
	.align 4
mb_header:                              /* Multiboot 1 spec §3.1.1 */
	.long 0x1badb002                    /* magic */
	.long 0x00010003                    /* page-align, mem info, a.out kludge */
	.long -(0x1badb002 + 0x00010003)
	.long PHYS(mb_header)               /* header_addr */
	.long PHYS(_kernel_start)           /* load_addr */
	.long PHYS(_edata)                  /* load_end_addr */
	.long PHYS(_kernel_end)             /* bss_end_addr */
	.long PHYS(x86_entry32)             /* entry_addr */


	.section .note.GNU-stack, "", @progbits
