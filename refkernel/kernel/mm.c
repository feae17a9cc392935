/* mm.c — memory: physical frames (lib/mem_pages.c over the boot memory map),
 * the kernel heap (lib/heap.c), kernel stacks with guard pages, and the
 * application's address space as a sorted list of regions (VMAs). Anonymous
 * memory, the stack and brk are demand-zero: mm_fault() supplies a page on
 * first touch. Call order: mem_init -> x86_paging_init (via mem_init) ->
 * kmalloc / mem_kstack_alloc -> mm_* from the ELF loader and the syscalls. */
#include "kernel.h"
#include "mem.h"
#include "x86.h"

extern char _kernel_start[], _kernel_end[];

static struct mem_pages frames;
static struct heap kheap;
static uint64_t vmap_next = VMAP_BASE;

#define USER_STACK_TOP 0x00007ffffffff000ULL
#define MMAP_BASE      0x0000100000000000ULL
#define MAP_SHARED     0x01
#define MAP_PRIVATE    0x02
#define MAP_FIXED      0x10
#define MAP_ANONYMOUS  0x20
#define MAP_FIXED_NOREPLACE 0x100000
/* Anonymous memory is demand-zero, but a mapping (or brk growth) larger than
 * the memory left, less a reserve for the faults of mappings already made,
 * is refused with -ENOMEM up front: a failing mmap (and pthread_create,
 * malloc) is something a program can handle, a page fault with no frame is
 * not. */
#define MM_RESERVE_PAGES 64

struct vma {
	uint64_t start, end;
	int prot;
	struct vma *next;
};
static struct vma *vmas;
static uint64_t brk_base, brk_cur;

uint64_t mem_frame_alloc(void)
{
	uint64_t pa = mem_page_alloc(&frames);
	if (pa)
		memset(x86_phys(pa), 0, PAGE_SIZE);
	return pa;
}

uint64_t mem_frames_alloc(uint64_t n)
{
	uint64_t pa = mem_pages_alloc(&frames, n);
	if (pa)
		memset(x86_phys(pa), 0, n * PAGE_SIZE);
	return pa;
}

void mem_frame_free(uint64_t pa)
{
	if (mem_page_free(&frames, pa))
		kprintf("refkernel: warning: bad frame free %#lx\n", (unsigned long)pa);
}

uint64_t mem_free_bytes(void) { return frames.nfree * PAGE_SIZE; }
uint64_t mem_total_bytes(void) { return frames.npages * PAGE_SIZE; }

static void *heap_grow(void *ctx, size_t npages)
{
	(void)ctx;
	uint64_t pa = mem_pages_alloc(&frames, npages);
	return pa ? x86_phys(pa) : NULL;
}

void *kmalloc(size_t n) { return heap_alloc(&kheap, n); }
void kfree(void *p) { heap_free(&kheap, p); }

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
		uint64_t pa = mem_page_alloc(&frames); /* a stack needs no zeroing */
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
	mem_pages_init(&frames, 0, npages, x86_phys(bm));
	memset(x86_phys(bm), 0xff, bm_bytes);
	for (int i = 0; i < bi->nram; i++)
		mem_pages_free_range(&frames, bi->ram[i].start, bi->ram[i].end);
	mem_pages_reserve_range(&frames, 0, PAGE_SIZE);
	mem_pages_reserve_range(&frames, k_start, k_end);
	mem_pages_reserve_range(&frames, bm, bm + bm_bytes);

	int r = x86_paging_init(ram_end);
	if (r)
		return r;
	frames.bitmap = x86_phys(bm); /* now through the direct map */
	heap_init(&kheap, heap_grow, NULL);
	return 0;
}

/* ---- the application's address space ---- */

static uint64_t prot_flags(int prot)
{
	return ((prot & MM_PROT_W) ? PTE_W : 0) | ((prot & MM_PROT_X) ? 0 : x86_nx);
}

static struct vma *vma_find(uint64_t addr)
{
	for (struct vma *v = vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

static int vma_insert(uint64_t start, uint64_t end, int prot)
{
	struct vma *n = kmalloc(sizeof(*n)), **pp = &vmas;
	if (!n)
		return -ENOMEM;
	*n = (struct vma){ start, end, prot, NULL };
	while (*pp && (*pp)->start < start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	return 0;
}

/* Split so that no VMA straddles addr. */
static int vma_split(uint64_t addr)
{
	struct vma *v = vma_find(addr);
	if (!v || v->start == addr)
		return 0;
	struct vma *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = (struct vma){ addr, v->end, v->prot, v->next };
	v->end = addr;
	v->next = n;
	return 0;
}

static bool range_free(uint64_t start, uint64_t end)
{
	for (struct vma *v = vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

static void unmap_pages(uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pa = x86_unmap(x86_pml4, va);
		if (pa)
			mem_frame_free(pa);
	}
}

static int populate(uint64_t start, uint64_t end, int prot)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = x86_pte(x86_pml4, va);
		if (pte && (*pte & PTE_P))
			continue;
		uint64_t pa = mem_frame_alloc();
		if (!pa || x86_map(x86_pml4, va, pa, prot_flags(prot)))
			return -ENOMEM;
	}
	return 0;
}

int mm_map_fixed(uint64_t va, uint64_t len, int prot, bool lazy)
{
	uint64_t start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + len);
	if (!range_free(start, end)) {
		/* segments of one ELF may share a page: widen the permissions */
		for (uint64_t a = start; a < end; a += PAGE_SIZE) {
			struct vma *v = vma_find(a);
			if (v)
				v->prot |= prot;
			else if (vma_insert(a, a + PAGE_SIZE, prot))
				return -ENOMEM;
		}
	} else if (vma_insert(start, end, prot)) {
		return -ENOMEM;
	}
	return lazy ? 0 : populate(start, end, prot | MM_PROT_W);
}

int mm_mprotect(uint64_t addr, uint64_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t end = PAGE_ROUND_UP(addr + len);
	for (uint64_t a = addr; a < end; a += PAGE_SIZE)
		if (!vma_find(a))
			return -ENOMEM;
	if (vma_split(addr) || vma_split(end))
		return -ENOMEM;
	for (struct vma *v = vmas; v; v = v->next)
		if (v->start >= addr && v->end <= end)
			v->prot = prot;
	for (uint64_t a = addr; a < end; a += PAGE_SIZE) {
		if (prot == 0) /* PROT_NONE: drop the page (anonymous memory only) */
			unmap_pages(a, a + PAGE_SIZE);
		else
			x86_protect(x86_pml4, a, prot_flags(prot));
	}
	return 0;
}

int mm_munmap(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr + len < addr)
		return -EINVAL;
	uint64_t end = PAGE_ROUND_UP(addr + len);
	if (vma_split(addr) || vma_split(end))
		return -ENOMEM;
	for (struct vma **pp = &vmas; *pp;) {
		struct vma *v = *pp;
		if (v->start >= addr && v->end <= end) {
			unmap_pages(v->start, v->end);
			*pp = v->next;
			kfree(v);
		} else {
			pp = &v->next;
		}
	}
	return 0;
}

int64_t mm_mmap(uint64_t addr, uint64_t len, int prot, int flags)
{
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no files to map in this kernel */
	if (len == 0 || len > (1ULL << 40))
		return -EINVAL;
	len = PAGE_ROUND_UP(len);
	if (len / PAGE_SIZE + MM_RESERVE_PAGES > frames.nfree)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & (PAGE_SIZE - 1)) || addr < 0x10000 || addr + len > MMAP_BASE * 64)
			return -EINVAL;
		if (!range_free(addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			mm_munmap(addr, len);
		}
	} else {
		/* first fit above MMAP_BASE */
		addr = MMAP_BASE;
		for (struct vma *v = vmas; v; v = v->next)
			if (v->end > addr && v->start < addr + len)
				addr = v->end;
		if (addr + len > USER_STACK_TOP - (1ULL << 32))
			return -ENOMEM;
	}
	if (vma_insert(addr, addr + len, prot))
		return -ENOMEM;
	return (int64_t)addr;
}

void mm_set_brk_base(uint64_t base)
{
	brk_base = brk_cur = PAGE_ROUND_UP(base);
}

uint64_t mm_brk(uint64_t newbrk)
{
	uint64_t old_end = PAGE_ROUND_UP(brk_cur), new_end = PAGE_ROUND_UP(newbrk);
	if (newbrk < brk_base || newbrk > brk_base + (1ULL << 32))
		return brk_cur;
	if (new_end > old_end) {
		if ((new_end - old_end) / PAGE_SIZE + MM_RESERVE_PAGES > frames.nfree || /* as mm_mmap */
		    !range_free(old_end, new_end) || vma_insert(old_end, new_end, MM_PROT_R | MM_PROT_W))
			return brk_cur;
	} else if (new_end < old_end) {
		mm_munmap(new_end, old_end - new_end);
	}
	brk_cur = newbrk;
	return brk_cur;
}

uint64_t mm_stack_reserve(uint64_t size, uint64_t *base)
{
	*base = USER_STACK_TOP - size;
	if (vma_insert(*base, USER_STACK_TOP, MM_PROT_R | MM_PROT_W))
		kpanic(KEXIT_OOM, "out of memory for the application stack");
	return USER_STACK_TOP;
}

bool mm_fault(uint64_t addr, uint64_t err)
{
	if (err & 1) /* present: a protection violation, not a lazy page */
		return false;
	struct vma *v = vma_find(addr);
	if (!v || v->prot == 0 || ((err & 2) && !(v->prot & MM_PROT_W)) ||
	    ((err & 16) && !(v->prot & MM_PROT_X)))
		return false;
	uint64_t pa = mem_frame_alloc();
	if (!pa)
		kpanic(KEXIT_OOM, "out of memory: no frame for address %#lx (%lu KiB total)",
		       (unsigned long)addr, (unsigned long)(mem_total_bytes() >> 10));
	if (x86_map(x86_pml4, PAGE_ROUND_DOWN(addr), pa, prot_flags(v->prot)))
		kpanic(KEXIT_OOM, "out of memory for page tables");
	return true;
}

bool mm_user_ok(const void *p, size_t len, bool write)
{
	uint64_t a = (uint64_t)p, end = a + len;
	if (len == 0)
		return true;
	if (end < a || end > USER_STACK_TOP)
		return false;
	for (uint64_t pg = PAGE_ROUND_DOWN(a); pg < end; pg += PAGE_SIZE) {
		struct vma *v = vma_find(pg);
		if (!v || !(v->prot & MM_PROT_R) || (write && !(v->prot & MM_PROT_W)))
			return false;
	}
	return true;
}

int mm_discard(uint64_t addr, uint64_t len)
{
	uint64_t end = PAGE_ROUND_UP(addr + len);
	for (uint64_t a = addr; a < end; a += PAGE_SIZE)
		if (!vma_find(a))
			return -ENOMEM;
	unmap_pages(addr, end);
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
