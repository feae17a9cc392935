/* sys_mm_more.c — the memory calls only real programs make: mremap, msync
 * (a check: a shared file mapping holds the file's own pages), mincore, over kernel/mm_more.c.
 * Part of fs.o; kernel/nofs.c answers them with -ENOSYS elsewhere. */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"

#define A uint64_t

int64_t sys_mremap(A old, A old_len, A new_len, A flags, A new_addr, A f)
{
	(void)f;
	return mm_mremap(old, old_len, new_len, (int)flags, new_addr);
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
int64_t sys_msync(A addr, A len, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if ((flags & ~(A)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC))
		return -EINVAL;
	int r = mm_range_check(addr, len);
	if (r)
		return r;
	return 0; /* MS_SYNC: memory is the medium, and the pages are the file's */
}

int64_t sys_mincore(A addr, A len, A vec, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (addr & 4095)
		return -EINVAL;
	uint64_t pages = (len + 4095) / 4096;
	if (len > (1ULL << 47))
		return -ENOMEM;
	if (!mm_user_ok((void *)vec, pages, true))
		return -EFAULT;
	return mm_mincore(addr, len, (uint8_t *)vec);
}
