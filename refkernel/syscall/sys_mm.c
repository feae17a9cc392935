/* sys_mm.c — the memory calls: brk, mmap (anonymous; files in sys_fs.c),
 * munmap, mprotect, madvise, as thin checks over kernel/mm.c; mremap,
 * msync and mincore are in sys_mm_more.c (fs.o). A MAP_SHARED file mapping
 * maps the file's own pages (sys_fs.c, kernel/fs.c). */
#include "kernel.h"
#include "syscall.h"
#include "sys_fs.h"
#include "x86.h"

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
	x86_syscall_iret = 1; /* maybe the caller's own stack (musl's __unmapself) */
	return mm_munmap(addr, len);
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
