/* sys_mm.c — the memory calls: brk, mmap (anonymous; files in sys_fs.c),
 * munmap, mprotect, madvise, mremap, msync, mincore, as thin checks over
 * kernel/mm.c. A MAP_SHARED file mapping is written back to its file at
 * msync and munmap (sys_fs_writeback, sys_fs.c). */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"

#define A uint64_t
#define PROT_MASK 7
#define MADV_DONTNEED 4
#define MADV_FREE 8

int64_t sys_brk(A addr, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return (int64_t)mm_brk(addr);
}

int64_t sys_mmap(A addr, A len, A prot, A flags, A fd, A off)
{
	(void)off;
	if (prot & ~(uint64_t)PROT_MASK)
		return -EINVAL;
	if (!(flags & 0x20) && (int)fd >= 0)
		return -ENODEV; /* no file can be mapped: there are no files */
	return mm_mmap(addr, len, (int)prot, (int)flags);
}

int64_t sys_munmap(A addr, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (!(addr & 4095) && len && len < (1ULL << 47))
		sys_fs_writeback(addr, len, true);
	return mm_munmap(addr, len);
}

int64_t sys_mremap(A old, A old_len, A new_len, A flags, A new_addr, A f)
{
	(void)f;
	sys_fs_writeback(old, old_len, true); /* a shared file mapping that moves is a copy from now on */
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
	sys_fs_writeback(addr, len, false);
	return 0;
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

int64_t sys_mprotect(A addr, A len, A prot, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (prot & ~(uint64_t)PROT_MASK)
		return -EINVAL;
	return mm_mprotect(addr, len, (int)prot);
}

/* DONTNEED must hand back zero pages next time: drop them (demand-zero
 * refills). FREE may do the same. Other advice is only advice. */
int64_t sys_madvise(A addr, A len, A advice, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (addr & 4095)
		return -EINVAL;
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		return mm_discard(addr, len);
	return 0;
}
