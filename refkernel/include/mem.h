/* mem.h — physical page allocator and kernel heap.
 *
 * Page allocator (mem_pages_*): one bit per 4 KiB frame in [base, base +
 * npages*4096), 1 = in use. Everything starts in use; mem_pages_free_range()
 * hands RAM to it (from the boot memory map) and mem_pages_reserve_range()
 * takes ranges back out (kernel image, boot data). Ranges are rounded inward
 * (free) or outward (reserve) to whole pages and clipped to the managed span.
 * mem_page_alloc() returns a physical address, or 0 when memory is exhausted;
 * mem_pages_alloc(n) returns n contiguous frames or 0. Freeing a frame that is
 * not allocated is a bug and is reported by returning -EINVAL (never corrupts
 * the counts). The allocator does not zero frames. The bitmap need not be
 * initialised by the caller: it is written lazily, a word at a time, from
 * the ranges given at boot (mem_pages_init is O(1), a free range O(1)).
 * The struct and its bitmap are owned by the caller (no allocation inside).
 *
 * Heap (heap_*): first-fit free list with boundary tags and coalescing over
 * arenas obtained from a (grow) callback that returns (npages) zero-or-more
 * contiguous pages, or NULL. heap_alloc returns 16-byte aligned memory or NULL
 * (size 0 returns NULL); heap_free(NULL) is a no-op; a double free or a
 * pointer the heap did not return is detected by a header check and reported
 * through (h->bad_free) counting, never corrupting the lists.
 */
#ifndef MEM_H
#define MEM_H
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ULL
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

#define MEM_PAGES_RANGES 8

struct mem_pages {
	uint64_t base;      /* physical address of frame 0 */
	uint64_t npages;    /* frames managed */
	uint64_t nfree;     /* frames currently free */
	uint64_t hint;      /* next frame to look at */
	uint64_t *bitmap;   /* npages bits, caller-provided, written lazily */
	uint64_t ready;     /* internal: bitmap words written so far */
	int nranges;        /* internal: free ranges recorded above (ready) */
	struct { uint64_t first, last; } ranges[MEM_PAGES_RANGES];
};

/* Bytes of bitmap needed for (npages) frames. */
#define MEM_PAGES_BITMAP_BYTES(npages) ((((npages) + 63) / 64) * 8)

void     mem_pages_init(struct mem_pages *mp, uint64_t base, uint64_t npages, uint64_t *bitmap);
void     mem_pages_free_range(struct mem_pages *mp, uint64_t start, uint64_t end);
void     mem_pages_reserve_range(struct mem_pages *mp, uint64_t start, uint64_t end);
uint64_t mem_page_alloc(struct mem_pages *mp);
uint64_t mem_pages_alloc(struct mem_pages *mp, uint64_t n);
int      mem_page_free(struct mem_pages *mp, uint64_t phys);
int      mem_pages_free(struct mem_pages *mp, uint64_t phys, uint64_t n);

struct heap {
	void *(*grow)(void *ctx, size_t npages);
	void *ctx;
	void *free_list;        /* internal */
	void *arenas;           /* internal: list of arenas, for checking frees */
	size_t bytes_in_use;    /* payload bytes handed out */
	size_t bytes_arena;     /* bytes obtained from grow */
	unsigned long bad_free; /* frees of pointers the heap did not hand out */
};

void   heap_init(struct heap *h, void *(*grow)(void *ctx, size_t npages), void *ctx);
void  *heap_alloc(struct heap *h, size_t size);
void  *heap_calloc(struct heap *h, size_t n, size_t size);
void   heap_free(struct heap *h, void *p);

#endif
