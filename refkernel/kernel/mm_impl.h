/* mm_impl.h — the application address space's internals (kernel/mm.c),
 * shared with kernel/mm_more.c (the calls only real programs make: mremap,
 * mincore, msync's check, MAP_POPULATE, /proc's view), which is part of
 * fs.o so that images without it stay small. Not a contract: kernel.h is. */
#ifndef MM_IMPL_H
#define MM_IMPL_H
#include <stdbool.h>
#include <stdint.h>

#define USER_TOP       0x00007ffffffff000ULL /* Linux's TASK_SIZE: the user range ends here */
#define USER_STACK_TOP USER_TOP
#define MMAP_BASE      0x0000100000000000ULL

struct vma {
	uint64_t start, end;
	int prot;
	bool acct;          /* its untouched pages count in (mm_committed) */
	bool shared;        /* a shared file mapping: its frames are the file's (pager) */
	bool zero;          /* anonymous MAP_SHARED (/proc: "/dev/zero (deleted)"); else as private */
	const struct mm_pager *pager; /* a file mapping (shared or private), else NULL */
	void *obj;          /* the pager's file, held once per region */
	uint64_t off;       /* file offset of (start) */
	bool fill;          /* private file mapping filled at each page's first fault (pager->fill) */
	struct vma *next;
};
extern struct vma *mm_vmas;             /* sorted by start */
extern uint64_t mm_committed;           /* frames promised to untouched pages of accounted regions */
extern uint64_t mm_brk_base, mm_brk_cur;

struct vma *mm_vma_find(uint64_t addr);
/* The region a page fault at (addr) with error code (err) may be resolved
 * in: not present, in a region whose protection allows the access; else
 * NULL (mm_fault, and mm_fault_bus when the pager then gave no page). */
static inline struct vma *mm_fault_region(uint64_t addr, uint64_t err)
{
	if (err & 1) /* present: a protection violation, not a lazy page */
		return NULL;
	struct vma *v = mm_vma_find(addr);
	if (!v || v->prot == 0 || ((err & 2) && !(v->prot & MM_PROT_W)) ||
	    ((err & 16) && !(v->prot & MM_PROT_X)))
		return NULL;
	return v;
}
bool     mm_range_free(uint64_t start, uint64_t end);
bool     mm_range_mapped(uint64_t start, uint64_t end); /* every page in some region */
int      mm_map_anon(uint64_t addr, uint64_t len, int prot);
int      mm_user_range(uint64_t addr, uint64_t len, uint64_t *end); /* -EINVAL, -ENOMEM */
uint64_t mm_prot_flags(int prot);
uint64_t mm_frame_take(bool promised, bool zero);
uint64_t mm_find_free(uint64_t len);    /* first fit above MMAP_BASE, 0 if none */
uint64_t mm_unmap_pages(const struct vma *v, uint64_t start, uint64_t end); /* frames dropped (freed unless shared) */
extern struct heap mm_kheap;            /* the kernel heap (kmalloc) */

#endif
