/* nofs.c — stand-ins for an image baked without the file system (FS=0),
 * as nonet.c is for the network: weak, so that an image with fs.o links
 * kernel/fs.c instead. Such an image runs only its baked program. */
#include "kernel.h"

__attribute__((weak)) void kfs_init(const struct boot_info *bi)
{
	if (bi->nmods)
		kpanic(KEXIT_BADROOT, "-initrd given but this image was baked without the file system (FS=0)");
}

__attribute__((weak)) const uint8_t *kfs_program(const char *path, size_t *len)
{
	(void)len;
	kpanic(KEXIT_NOPROG, "%s: this image has no file system (FS=0) and no baked program", path);
}
