/* nofs.c — stand-ins for an image baked without the file system (FS=0),
 * as nonet.c is for the network: weak, so that an image with fs.o links
 * kernel/fs.c instead. Such an image runs only its baked program. */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"

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

#define NOFS_STUB(nr, name) \
	__attribute__((weak)) int64_t sys_##name(uint64_t a, uint64_t b, uint64_t c, uint64_t d, \
						 uint64_t e, uint64_t f) \
	{ \
		(void)a; (void)b; (void)c; (void)d; (void)e; (void)f; \
		return -ENOSYS; \
	}
SYS_FS_CALLS(NOFS_STUB)

__attribute__((weak)) int64_t sys_fcntl_fs(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
					   uint64_t e, uint64_t f)
{
	return sys_fcntl(a, b, c, d, e, f);
}

__attribute__((weak)) void sys_fs_stdio(void) { }

__attribute__((weak)) int64_t sys_mmap_fs(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
					  uint64_t e, uint64_t f)
{
	return sys_mmap(a, b, c, d, e, f);
}
