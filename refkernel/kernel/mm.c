/* mm.c — memory: physical frames (lib/mem_pages.c over the boot memory map),
 * the kernel heap (lib/heap.c), kernel stacks with guard pages, and the
 * application's address space as a sorted list of regions (VMAs). Anonymous
 * memory, the stack and brk are demand-zero: mm_fault() supplies a page on
 * first touch. Call order: mem_init -> x86_paging_init (via mem_init) ->
 * kmalloc / mem_kstack_alloc -> mm_* from the ELF loader and the syscalls. */
#include "kernel.h"
#include "mem.h"
#include "x86.h"
#include "mm_impl.h"

extern char _kernel_start[], _kernel_end[];

static struct mem_pages frames;
struct heap mm_kheap; /* the kernel heap (kernel/api.c reads its figures) */
static uint64_t vmap_next = VMAP_BASE;

#define MAP_SHARED     0x01
#define MAP_PRIVATE    0x02
#define MAP_FIXED      0x10
#define MAP_ANONYMOUS  0x20
#define MAP_FIXED_NOREPLACE 0x100000
/* Anonymous memory is demand-zero, but the frames of a large writable
 * mapping are promised when it is made: every page of an mmap (or brk
 * growth) that is writable and at least an eighth of memory (MM_COMMIT_DIV)
 * and has no frame yet counts in (mm_committed); the kernel's own allocations
 * and other pages may not take those frames, and such a mapping that does
 * not fit in what is left, less MM_RESERVE_PAGES for the kernel, fails with
 * -ENOMEM up front. Their page tables are made at mmap time, so the first
 * touch of a promised page needs exactly its frame: two large mappings that
 * each fit but not together fail at the second mmap, not at a touch. Smaller and
 * read-only/PROT_NONE mappings are backed on touch only, like the stack:
 * that is Linux's overcommit, and what programs count on (musl's malloc
 * maps 1 MiB groups it fills slowly, glibc reserves 64 MiB arenas PROT_NONE;
 * 1000 echo connections of 68 KiB each run in 64 MiB). Such a page can still
 * find no frame at its first touch, which is the out-of-memory report
 * (status 247), as Linux's OOM killer would end it. Any single mapping that
 * does not fit in what is left is refused. The promise is made at mmap time:
 * a later mprotect does not change it. */
#define MM_RESERVE_PAGES 64
#define MM_COMMIT_DIV    8

struct vma *mm_vmas;
uint64_t mm_brk_base, mm_brk_cur;
uint64_t mm_committed; /* frames promised to untouched pages of accounted regions */

/* Frames at and above (zero_above) have never been handed out since boot
 * and are as the VMM gave them: zero (QEMU's guest RAM is fresh memory; the
 * boot structures sit below 1 MiB and modules are carved out of the RAM
 * ranges, boot.c). They need no zeroing; the allocator starts above the
 * kernel (mem_init) so that the first frames are of that kind. */
static uint64_t zero_above;

static bool frames_dirty(uint64_t pa, uint64_t n)
{
	bool dirty = pa < zero_above;
	if (pa + n * PAGE_SIZE > zero_above)
		zero_above = pa + n * PAGE_SIZE;
	return dirty;
}

/* A frame: (promised) ones may use the frames held for untouched pages.
 * Not inlined into mem_frame_alloc: one copy of its code to translate
 * under TCG, not two. */
__attribute__((noinline)) uint64_t mm_frame_take(bool promised, bool zero)
{
	if (!promised && frames.nfree <= mm_committed)
		return 0;
	uint64_t pa = mem_page_alloc(&frames);
	if (pa && promised && mm_committed)
		mm_committed--;
	if (pa && frames_dirty(pa, 1) && zero)
		memset(x86_phys(pa), 0, PAGE_SIZE);
	return pa;
}

uint64_t mem_frame_alloc(void)
{
	return mm_frame_take(false, true);
}

uint64_t mem_frames_alloc(uint64_t n)
{
	if (frames.nfree < mm_committed + n)
		return 0;
	uint64_t pa = mem_pages_alloc(&frames, n);
	if (pa && frames_dirty(pa, n))
		memset(x86_phys(pa), 0, n * PAGE_SIZE);
	return pa;
}

void mem_frame_free(uint64_t pa)
{
	if (pa >= (uint64_t)_kernel_start - KERNEL_VBASE && pa < (uint64_t)_kernel_end - KERNEL_VBASE)
		return; /* a page of the image mapped in place (app.c), not a frame */
	if (mem_page_free(&frames, pa))
		kprintf("refkernel: warning: bad frame free %#lx\n", (unsigned long)pa);
}

uint64_t mem_free_bytes(void) { return frames.nfree * PAGE_SIZE; }
uint64_t mem_total_bytes(void) { return frames.npages * PAGE_SIZE; }

static void *heap_grow(void *ctx, size_t npages)
{
	(void)ctx;
	if (frames.nfree < mm_committed + npages)
		return NULL;
	uint64_t pa = mem_pages_alloc(&frames, npages);
	if (pa)
		frames_dirty(pa, npages);
	return pa ? x86_phys(pa) : NULL;
}

void *kmalloc(size_t n) { return heap_alloc(&mm_kheap, n); }
void kfree(void *p) { heap_free(&mm_kheap, p); }

/* Freed thread stacks are kept for reuse (their virtual range with them). */
static struct kstack_free { struct kstack_free *next; uint64_t top; int pages; } *kstack_pool;

uint64_t mem_kstack_alloc_try(int pages)
{
	for (struct kstack_free **pp = &kstack_pool; *pp; pp = &(*pp)->next)
		if ((*pp)->pages == pages) {
			struct kstack_free *k = *pp;
			uint64_t top = k->top;
			*pp = k->next;
			kfree(k);
			return top;
		}
	uint64_t base = vmap_next + PAGE_SIZE; /* the page below stays unmapped: guard */
	if (base + pages * PAGE_SIZE > VMAP_BASE + VMAP_SIZE - PAGE_SIZE)
		return 0;
	for (int i = 0; i < pages; i++) {
		uint64_t pa = mm_frame_take(false, false); /* a stack needs no zeroing */
		if (!pa || x86_map(x86_pml4, base + i * PAGE_SIZE, pa, PTE_W | PTE_G | x86_nx)) {
			if (pa)
				mem_frame_free(pa);
			while (i-- > 0)
				mem_frame_free(x86_unmap(x86_pml4, base + i * PAGE_SIZE));
			return 0;
		}
	}
	vmap_next = base + pages * PAGE_SIZE;
	return vmap_next;
}

uint64_t mem_kstack_alloc(int pages)
{
	uint64_t top = mem_kstack_alloc_try(pages);
	if (!top)
		kpanic(KEXIT_OOM, "out of memory for a kernel stack");
	return top;
}

void mem_kstack_free(uint64_t top, int pages)
{
	struct kstack_free *k = kmalloc(sizeof(*k));
	if (!k) { /* cannot remember it: give the frames back, lose the range */
		for (int i = 1; i <= pages; i++)
			mem_frame_free(x86_unmap(x86_pml4, top - (uint64_t)i * PAGE_SIZE));
		return;
	}
	*k = (struct kstack_free){ kstack_pool, top, pages };
	kstack_pool = k;
}

int mem_init(const struct boot_info *bi)
{
	uint64_t ram_end = 0;
	for (int i = 0; i < bi->nram; i++)
		ram_end = MAX(ram_end, bi->ram[i].end);
	ram_end = PAGE_ROUND_UP(ram_end);
	uint64_t npages = ram_end / PAGE_SIZE;
	uint64_t bm_bytes = PAGE_ROUND_UP(MEM_PAGES_BITMAP_BYTES(npages));
	uint64_t k_start = (uint64_t)_kernel_start - KERNEL_VBASE;
	uint64_t k_end = (uint64_t)_kernel_end - KERNEL_VBASE;

	/* The bitmap goes in the first RAM above the kernel that holds it. */
	uint64_t bm = 0;
	for (int i = 0; i < bi->nram && !bm; i++) {
		uint64_t s = PAGE_ROUND_UP(MAX(bi->ram[i].start, k_end));
		if (s + bm_bytes <= bi->ram[i].end && s + bm_bytes <= 0x40000000ULL)
			bm = s;
	}
	if (!bm)
		return -ENOMEM;
	mem_pages_init(&frames, 0, npages, x86_phys(bm)); /* written lazily */
	for (int i = 0; i < bi->nram; i++)
		mem_pages_free_range(&frames, bi->ram[i].start, bi->ram[i].end);
	mem_pages_reserve_range(&frames, 0, PAGE_SIZE);
	mem_pages_reserve_range(&frames, k_start, k_end);
	mem_pages_reserve_range(&frames, bm, bm + bm_bytes);
	frames.hint = (bm + bm_bytes) / PAGE_SIZE; /* first frames: the zero ones above the kernel */
	zero_above = bm + bm_bytes;

	int r = x86_paging_init(ram_end);
	if (r)
		return r;
	frames.bitmap = x86_phys(bm); /* now through the direct map */
	heap_init(&mm_kheap, heap_grow, NULL);
	return 0;
}

/* ---- the application's address space ---- */

uint64_t mm_prot_flags(int prot)
{
	if (!(prot & (MM_PROT_R | MM_PROT_W | MM_PROT_X)))
		return 0; /* PROT_NONE: not present, the frame kept (x86_protect) */
	return PTE_P | ((prot & MM_PROT_W) ? PTE_W : 0) | ((prot & MM_PROT_X) ? 0 : x86_nx);
}

struct vma *mm_vma_find(uint64_t addr)
{
	for (struct vma *v = mm_vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

/* Regions come from a small static pool first, then from the heap: the
 * program's first ones (its segments, stack and vDSO, app.c) need no heap,
 * so a boot does not start it. A freed pool entry is kept for reuse. */
#define VMA_POOL 12
static struct vma vma_pool[VMA_POOL], *vma_spare;
static int vma_pool_used;

static struct vma *vma_alloc(void)
{
	struct vma *v = vma_spare;
	if (v)
		vma_spare = v->next;
	else if (vma_pool_used < VMA_POOL)
		v = &vma_pool[vma_pool_used++];
	else
		v = kmalloc(sizeof(*v));
	return v;
}

static void vma_free(struct vma *v)
{
	if (v >= vma_pool && v < vma_pool + VMA_POOL) {
		v->next = vma_spare;
		vma_spare = v;
	} else {
		kfree(v);
	}
}

static int vma_insert(uint64_t start, uint64_t end, int prot, bool acct)
{
	struct vma *n = vma_alloc(), **pp = &mm_vmas;
	if (!n)
		return -ENOMEM;
	/* field by field: a compound literal is a string store (rep stos),
	 * under TCG a block of its own */
	n->start = start;
	n->end = end;
	n->prot = prot;
	n->acct = acct;
	n->shared = n->zero = n->fill = false;
	n->pager = NULL;
	n->obj = NULL;
	n->off = 0;
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	return 0;
}

/* Split so that no VMA straddles addr. */
static int vma_split(uint64_t addr)
{
	struct vma *v = mm_vma_find(addr);
	if (!v || v->start == addr)
		return 0;
	struct vma *n = vma_alloc();
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = addr;
	if (v->pager) { /* the new half maps the file further on, with its own reference */
		n->off = v->off + (addr - v->start);
		v->pager->hold(v->obj);
	}
	v->end = addr;
	v->next = n;
	return 0;
}

bool mm_range_free(uint64_t start, uint64_t end)
{
	for (struct vma *v = mm_vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

/* Every page of [start, end) in some VMA. */
bool mm_range_mapped(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end;) {
		struct vma *v = mm_vma_find(a);
		if (!v)
			return false;
		a = v->end;
	}
	return true;
}

/* Unmap the frames of [start, end) of region (v), freed unless they are
 * a shared file's; returns how many there were. Missing page tables are
 * skipped whole, so a huge untouched range costs little. */
uint64_t mm_unmap_pages(const struct vma *v, uint64_t start, uint64_t end)
{
	uint64_t freed = 0;
	for (uint64_t va = start, next; va < end; va = next) {
		uint64_t *pte = x86_pte_next(x86_pml4, va, &next);
		if (pte && (*pte & PTE_ADDR)) {
			uint64_t pa = *pte & PTE_ADDR; /* x86_unmap's work, without a second walk */
			*pte = 0;
			invlpg(va);
			if (!v->shared)
				mem_frame_free(pa);
			freed++;
		}
	}
	return freed;
}

/* A region lost (freed) of its (pages): the untouched ones are promised no more. */
static void uncommit(const struct vma *v, uint64_t pages, uint64_t freed)
{
	if (!v->acct)
		return;
	uint64_t untouched = pages > freed ? pages - freed : 0;
	mm_committed = mm_committed > untouched ? mm_committed - untouched : 0;
}


static int populate(uint64_t start, uint64_t end, int prot)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = x86_pte(x86_pml4, va);
		if (pte && (*pte & PTE_ADDR))
			continue;
		uint64_t pa = mem_frame_alloc();
		if (!pa || x86_map(x86_pml4, va, pa, mm_prot_flags(prot)))
			return -ENOMEM;
	}
	return 0;
}

int mm_map_fixed(uint64_t va, uint64_t len, int prot, bool lazy)
{
	uint64_t start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + len);
	if (!mm_range_free(start, end)) {
		/* segments of one ELF may share a page: widen the permissions
		 * (of the frames already there too: see mm_fault) */
		for (uint64_t a = start; a < end; a += PAGE_SIZE) {
			struct vma *v = mm_vma_find(a);
			if (v && (v->prot | prot) != v->prot) {
				v->prot |= prot;
				for (uint64_t va = v->start, next; va < v->end; va = next) {
					uint64_t *pte = x86_pte_next(x86_pml4, va, &next);
					if (pte && (*pte & PTE_ADDR))
						x86_protect(x86_pml4, va, mm_prot_flags(v->prot));
				}
			} else if (!v && vma_insert(a, a + PAGE_SIZE, prot, false)) {
				return -ENOMEM;
			}
		}
	} else if (vma_insert(start, end, prot, false)) {
		return -ENOMEM;
	}
	return lazy ? 0 : populate(start, end, prot | MM_PROT_W);
}

/* Linux's checks for a range argument: page-aligned start, the range inside
 * the user half; (len) rounded up to pages. */
int mm_user_range(uint64_t addr, uint64_t len, uint64_t *end)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t plen = PAGE_ROUND_UP(len);
	if ((len && !plen) || addr > USER_TOP || plen > USER_TOP - addr)
		return -ENOMEM;
	*end = addr + plen;
	return 0;
}

int mm_mprotect(uint64_t addr, uint64_t len, int prot)
{
	uint64_t end;
	int r = mm_user_range(addr, len, &end);
	if (r || len == 0)
		return r;
	if (!mm_range_mapped(addr, end))
		return -ENOMEM;
	if (vma_split(addr) || vma_split(end))
		return -ENOMEM;
	for (struct vma *v = mm_vmas; v; v = v->next)
		if (v->start >= addr && v->end <= end)
			v->prot = prot;
	/* PROT_NONE keeps the frames (the data comes back with the permission) */
	for (uint64_t va = addr, next; va < end; va = next) {
		uint64_t *pte = x86_pte_next(x86_pml4, va, &next);
		if (pte && (*pte & PTE_ADDR))
			x86_protect(x86_pml4, va, mm_prot_flags(prot));
	}
	return 0;
}

int mm_munmap(uint64_t addr, uint64_t len)
{
	uint64_t end;
	if (len == 0 || mm_user_range(addr, len, &end))
		return -EINVAL;
	if (vma_split(addr) || vma_split(end))
		return -ENOMEM;
	for (struct vma **pp = &mm_vmas; *pp;) {
		struct vma *v = *pp;
		if (v->start >= addr && v->end <= end) {
			uncommit(v, (v->end - v->start) / PAGE_SIZE, mm_unmap_pages(v, v->start, v->end));
			*pp = v->next;
			if (v->pager)
				v->pager->drop(v->obj);
			vma_free(v);
		} else {
			pp = &v->next;
		}
	}
	return 0;
}

/* A new region [addr, addr + len); a large writable one gets its frames
 * promised and its page tables now (others get them at their faults). */
int mm_map_anon(uint64_t addr, uint64_t len, int prot)
{
	uint64_t pages = len / PAGE_SIZE;
	bool acct = (prot & MM_PROT_W) && pages >= frames.npages / MM_COMMIT_DIV;
	if (mm_committed + pages + MM_RESERVE_PAGES > frames.nfree)
		return -ENOMEM;
	if (vma_insert(addr, addr + len, prot, acct))
		return -ENOMEM;
	if (acct)
		mm_committed += pages;
	if (acct && x86_prealloc(x86_pml4, addr, addr + len)) { /* a promised page's touch needs only its frame */
		mm_munmap(addr, len);
		return -ENOMEM;
	}
	return 0;
}

int mm_map_file(uint64_t addr, uint64_t len, const struct mm_pager *pg, void *obj, uint64_t off, bool shared)
{
	uint64_t end = addr + PAGE_ROUND_UP(len);
	if (vma_split(addr) || vma_split(end))
		return -ENOMEM;
	for (struct vma *v = mm_vma_find(addr); v && v->start < end; v = v->next) {
		if (v->pager)
			v->pager->drop(v->obj);
		if (shared && v->acct) { /* the file holds the frames: none promised */
			uncommit(v, (v->end - v->start) / PAGE_SIZE, 0);
			v->acct = false;
		}
		*v = (struct vma){ .start = v->start, .end = v->end, .prot = v->prot, .acct = v->acct,
			.shared = shared, .pager = pg, .obj = obj, .off = off + (v->start - addr), .next = v->next };
		pg->hold(obj);
	}
	return 0;
}

int mm_map_file_lazy(uint64_t addr, uint64_t len, const struct mm_pager *pg, void *obj, uint64_t off)
{
	int r = mm_map_file(addr, len, pg, obj, off, false);
	uint64_t end = addr + PAGE_ROUND_UP(len);
	for (struct vma *v = mm_vma_find(addr); !r && v && v->start < end; v = v->next)
		v->fill = true;
	return r;
}

/* First fit above MMAP_BASE for (len), or 0. */
uint64_t mm_find_free(uint64_t len)
{
	uint64_t addr = MMAP_BASE;
	for (struct vma *v = mm_vmas; v; v = v->next)
		if (v->end > addr && v->start < addr + len)
			addr = v->end;
	return addr + len > USER_STACK_TOP - (1ULL << 32) ? 0 : addr;
}

int64_t mm_mmap(uint64_t addr, uint64_t len, int prot, int flags)
{
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no files to map in this kernel */
	if (len == 0)
		return -EINVAL;
	if (PAGE_ROUND_UP(len) < len || PAGE_ROUND_UP(len) > USER_TOP)
		return -ENOMEM;
	len = PAGE_ROUND_UP(len);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < 0x10000)
			return -EPERM; /* below mmap_min_addr, as Linux */
		if (addr > USER_TOP - len)
			return -ENOMEM; /* the user half ends at USER_TOP */
		if (!mm_range_free(addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			mm_munmap(addr, len);
		}
	} else if (!(addr = mm_find_free(len))) {
		return -ENOMEM;
	}
	int r = mm_map_anon(addr, len, prot);
	if (r)
		return r;
	return (int64_t)addr;
}

void mm_set_brk_base(uint64_t base)
{
	mm_brk_base = mm_brk_cur = PAGE_ROUND_UP(base);
}

uint64_t mm_brk(uint64_t newbrk)
{
	uint64_t old_end = PAGE_ROUND_UP(mm_brk_cur), new_end = PAGE_ROUND_UP(newbrk);
	if (newbrk < mm_brk_base || newbrk > mm_brk_base + (1ULL << 32))
		return mm_brk_cur;
	if (new_end > old_end) {
		if (!mm_range_free(old_end, new_end) ||
		    mm_map_anon(old_end, new_end - old_end, MM_PROT_R | MM_PROT_W))
			return mm_brk_cur;
	} else if (new_end < old_end) {
		mm_munmap(new_end, old_end - new_end);
	}
	mm_brk_cur = newbrk;
	return mm_brk_cur;
}

uint64_t mm_stack_reserve(uint64_t size, uint64_t *base)
{
	*base = USER_STACK_TOP - size;
	if (vma_insert(*base, USER_STACK_TOP, MM_PROT_R | MM_PROT_W, false))
		kpanic(KEXIT_OOM, "out of memory for the application stack");
	return USER_STACK_TOP;
}

/* A page of a shared file mapping: the file's own frame (none past its end). */
static bool mm_fault_shared(const struct vma *v, uint64_t addr)
{
	uint64_t va = PAGE_ROUND_DOWN(addr);
	uint64_t pa = v->pager->frame(v->obj, (v->off + (va - v->start)) / PAGE_SIZE);
	if (!pa)
		return false;
	if (x86_map(x86_pml4, va, pa, mm_prot_flags(v->prot)))
		kpanic(KEXIT_OOM, "out of memory for page tables");
	return true;
}

bool mm_fault(uint64_t addr, uint64_t err)
{
	struct vma *v = mm_fault_region(addr, err);
	if (!v)
		return false;
	/* Not present in a region with a protection: no frame yet. (Only
	 * PROT_NONE keeps a frame not present, and whatever gives its region a
	 * protection again, mm_mprotect or mm_map_fixed's widening, makes every
	 * frame of it present: no page walk is needed here to tell.) */
	if (v->shared)
		return mm_fault_shared(v, addr);
	uint64_t pa = mm_frame_take(v->acct, true); /* an accounted page's frame was promised */
	if (!pa)
		kpanic(KEXIT_OOM, "out of memory: no frame for address %#lx (%lu KiB total)",
		       (unsigned long)addr, (unsigned long)(mem_total_bytes() >> 10));
	if (v->fill && v->pager->fill(v->obj, (v->off + (PAGE_ROUND_DOWN(addr) - v->start)) / PAGE_SIZE,
				      x86_phys(pa))) {
		mem_frame_free(pa); /* the file cannot give the page: the fault stands */
		return false;
	}
	if (x86_map(x86_pml4, PAGE_ROUND_DOWN(addr), pa, mm_prot_flags(v->prot)))
		kpanic(KEXIT_OOM, "out of memory for page tables");
	return true;
}

bool mm_user_ok(const void *p, size_t len, bool write)
{
	uint64_t a = (uint64_t)p, end = a + len;
	int need = MM_PROT_R | (write ? MM_PROT_W : 0);
	if (len == 0)
		return true;
	if (end < a || end > USER_TOP)
		return false;
	for (uint64_t pg = PAGE_ROUND_DOWN(a); pg < end;) {
		struct vma *v = mm_vma_find(pg);
		if (!v || (v->prot & need) != need)
			return false;
		pg = v->end;
	}
	return true;
}

/* MADV_DONTNEED: the frames go; an accounted page is promised again. */
int mm_discard(uint64_t addr, uint64_t len)
{
	uint64_t end;
	int r = mm_user_range(addr, len, &end);
	if (r)
		return r == -ENOMEM ? -EINVAL : r;
	if (!mm_range_mapped(addr, end))
		return -ENOMEM;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = mm_vma_find(a);
		uint64_t stop = MIN(v->end, end), freed = mm_unmap_pages(v, a, stop);
		if (v->acct) /* a shared file's pages come back from the file, not zeroed */
			mm_committed += freed;
		a = stop;
	}
	return 0;
}

/* Map device registers (physical [pa, pa+len)) uncached into the kernel's
 * vmap area. Returns the kernel address, or NULL when out of memory. */
void *mem_map_mmio(uint64_t pa, uint64_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1), base = vmap_next + PAGE_SIZE;
	len = PAGE_ROUND_UP(len + off);
	for (uint64_t i = 0; i < len; i += PAGE_SIZE)
		if (x86_map(x86_pml4, base + i, PAGE_ROUND_DOWN(pa) + i, PTE_W | PTE_PCD | PTE_PWT | PTE_G | x86_nx))
			return NULL;
	vmap_next = base + len;
	return (void *)(base + off);
}
