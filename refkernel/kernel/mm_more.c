/* mm_more.c — the address-space calls only real programs make (part of
 * fs.o, over kernel/mm_impl.h): mremap, mincore, msync's range check,
 * MAP_POPULATE's frames, and what /proc/self/maps and status show. An
 * image without fs.o answers the calls with -ENOSYS (kernel/nofs.c). */
#include "kernel.h"
#include "mem.h"
#include "x86.h"
#include "mm_impl.h"

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED   2

/* MAP_POPULATE: frames now, as far as there are (Linux does not fail the mmap). */
void mm_populate(uint64_t start, uint64_t end)
{
	struct vma *v = mm_vma_find(start);
	for (uint64_t va = start; v && va < end; va += PAGE_SIZE) {
		uint64_t *pte = x86_pte(x86_pml4, va), pa;
		if (pte && (*pte & PTE_ADDR))
			continue;
		if (v->shared) {
			if (!(pa = v->pager->frame(v->obj, (v->off + (va - v->start)) / PAGE_SIZE)))
				return;
			if (x86_map(x86_pml4, va, pa, mm_prot_flags(v->prot)))
				return;
			continue;
		}
		if (!(pa = mm_frame_take(v->acct, true)))
			return;
		if (v->fill && v->pager->fill(v->obj, (v->off + (va - v->start)) / PAGE_SIZE, x86_phys(pa))) {
			mem_frame_free(pa);
			return;
		}
		if (x86_map(x86_pml4, va, pa, mm_prot_flags(v->prot))) {
			mem_frame_free(pa);
			return;
		}
	}
}

/* The grown or moved range [va, va + len) maps the file of (v) further on
 * from (off), as (v) does. */
static int same_file(const struct vma *v, uint64_t va, uint64_t len, uint64_t off)
{
	if (v->fill)
		return mm_map_file_lazy(va, len, v->pager, v->obj, off);
	if (v->zero)
		mm_mark_zero(va, len);
	return v->pager ? mm_map_file(va, len, v->pager, v->obj, off, v->shared) : 0;
}

/* mremap: shrink in place, grow in place when the pages after are free, or
 * (MREMAP_MAYMOVE) move: the frames themselves move to the new range (no
 * copy; a shared file mapping's are the file's and are found again at the
 * faults), the old range goes. The old range MUST lie in one region (-EFAULT). */
int64_t mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr)
{
	if ((old & (PAGE_SIZE - 1)) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	uint64_t olen = PAGE_ROUND_UP(old_len), nlen = PAGE_ROUND_UP(new_len);
	if (!nlen || nlen < new_len || nlen > USER_TOP || olen < old_len || olen > USER_TOP - old)
		return new_len && nlen >= new_len ? -ENOMEM : -EINVAL;
	if (!olen)
		return -EINVAL; /* duplicating a shared mapping: none here */
	struct vma *v = mm_vma_find(old), *last = mm_vma_find(old + olen - 1);
	if (!v || !mm_range_mapped(old, old + olen))
		return -EFAULT; /* adjacent regions count as one (Linux merges them) */
	int prot = v->prot;
	if (flags & MREMAP_FIXED) {
		if ((new_addr & (PAGE_SIZE - 1)) || new_addr < 0x10000 || new_addr > USER_TOP - nlen)
			return -EINVAL;
		if (new_addr < old + olen && old < new_addr + nlen)
			return -EINVAL;
		mm_munmap(new_addr, nlen);
	} else if (nlen <= olen) {
		if (nlen < olen)
			mm_munmap(old + nlen, olen - nlen);
		return (int64_t)old;
	} else if (old + olen == last->end && mm_range_free(old + olen, old + nlen) && old + nlen <= USER_TOP) {
		int r = mm_map_anon(old + olen, nlen - olen, prot); /* grow in place */
		if (!r && (r = same_file(last, old + olen, nlen - olen, last->off + (old + olen - last->start))))
			mm_munmap(old + olen, nlen - olen);
		return r ? r : (int64_t)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		return -ENOMEM;
	} else if (!(new_addr = mm_find_free(nlen))) {
		return -ENOMEM;
	}
	int r = mm_map_anon(new_addr, nlen, prot);
	if (!r && (r = same_file(v, new_addr, nlen, v->off + (old - v->start))))
		mm_munmap(new_addr, nlen);
	if (r)
		return r;
	struct vma *n = mm_vma_find(new_addr);
	uint64_t keep = v->shared ? 0 : MIN(olen, nlen);
	for (uint64_t off = 0, next; off < keep; off = next - old) {
		uint64_t *pte = x86_pte_next(x86_pml4, old + off, &next);
		if (next > old + keep)
			next = old + keep;
		if (!pte || !(*pte & PTE_ADDR))
			continue;
		uint64_t pa = x86_unmap(x86_pml4, old + off);
		if (x86_map(x86_pml4, new_addr + off, pa, mm_prot_flags(prot))) {
			mem_frame_free(pa);
			continue;
		}
		if (n->acct && mm_committed)
			mm_committed--; /* a promised page of the new region is touched */
		if (v->acct)
			mm_committed++; /* the old region's page counts as untouched until it goes */
	}
	mm_munmap(old, olen);
	return (int64_t)new_addr;
}

void mm_mark_zero(uint64_t addr, uint64_t len)
{
	for (struct vma *v = mm_vma_find(addr); v && v->start < addr + len; v = v->next)
		v->zero = true;
}

/* Past the end of its file (the pager gave no page) or a private page the
 * file could not fill: a fault mm_fault could resolve in a file mapping. */
bool mm_fault_bus(uint64_t addr, uint64_t err)
{
	const struct vma *v = mm_fault_region(addr, err);
	return v && (v->shared || v->fill);
}

void mm_unmap_file_past(const void *obj, uint64_t pgoff)
{
	for (struct vma *v = mm_vmas; v; v = v->next) {
		if (v->obj != obj || !(v->shared || v->fill))
			continue;
		uint64_t skip = pgoff * PAGE_SIZE > v->off ? pgoff * PAGE_SIZE - v->off : 0;
		if (skip >= v->end - v->start)
			continue;
		uint64_t freed = mm_unmap_pages(v, v->start + skip, v->end);
		if (v->acct) /* a private page dropped is promised again, as MADV_DONTNEED's */
			mm_committed += freed;
	}
}

/* mincore: one byte per page, 1 when it has a frame. */
int mm_mincore(uint64_t addr, uint64_t len, uint8_t *vec)
{
	uint64_t end;
	int r = mm_user_range(addr, len, &end);
	if (r)
		return r;
	if (!mm_range_mapped(addr, end))
		return -ENOMEM;
	for (uint64_t va = addr; va < end; va += PAGE_SIZE) {
		uint64_t *pte = x86_pte(x86_pml4, va);
		vec[(va - addr) / PAGE_SIZE] = pte && (*pte & PTE_ADDR) ? 1 : 0;
	}
	return 0;
}

/* msync's range check: every page mapped (-ENOMEM otherwise). */
int mm_range_check(uint64_t addr, uint64_t len)
{
	uint64_t end;
	int r = mm_user_range(addr, len, &end);
	if (r)
		return r;
	return mm_range_mapped(addr, end) ? 0 : -ENOMEM;
}

/* ---- what /proc tells of the address space ---- */

bool mm_region_next(uint64_t addr, struct mm_region *out)
{
	for (struct vma *v = mm_vmas; v; v = v->next)
		if (v->end > addr) {
			*out = (struct mm_region){ MAX(v->start, addr), v->end, v->prot, 0, v->pager, v->obj,
				v->off + (MAX(v->start, addr) - v->start), v->shared || v->zero, v->zero };
			for (uint64_t va = out->start, next; va < out->end; va = next) {
				uint64_t *pte = x86_pte_next(x86_pml4, va, &next);
				if (pte && (*pte & PTE_ADDR))
					out->resident++;
			}
			return true;
		}
	return false;
}

uint64_t mm_brk_start(uint64_t *cur)
{
	*cur = mm_brk_cur;
	return mm_brk_base;
}

