/* heap.c — kernel heap: first-fit explicit free list with boundary tags and
 * immediate coalescing, over arenas from the caller's grow() (contract in mem.h).
 * heap_alloc() -> find_fit() (or add_arena() via grow) -> take(); heap_free()
 * -> valid_block() -> coalesce -> push().
 *
 * Arena:  [arena header 24 | prologue footer 8 | blocks ... | epilogue 16]
 * Block:  [size|ALLOC 8 | check 8 | payload ... | footer = size|ALLOC 8]
 * Block sizes are multiples of 16, so every payload is 16-byte aligned. A free
 * block keeps its list links in the payload. (check) binds the header to its
 * address and state, which is how bad and double frees are caught. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "klib.h"
#include "mem.h"

#define ALLOC       1ULL
#define HDR         16
#define OVERHEAD    24 /* header + footer */
#define MIN_BLOCK   48 /* header, two links, footer, rounded to 16 */
#define ARENA_HDR   32 /* struct arena + prologue footer */
#define EPILOGUE    16
#define MIN_GROW    4  /* pages */
#define MAGIC       0x6b68656170a11ce5ULL

struct arena {
	struct arena *next;
	size_t size;
	size_t pad;
	size_t prologue; /* a footer that looks allocated: stops coalescing */
};

struct blk {
	size_t sz;       /* size | ALLOC */
	uint64_t check;
	/* free blocks only: */
	struct blk *next, *prev;
};

_Static_assert(sizeof(struct arena) == ARENA_HDR, "arena header size");

static size_t bsize(const struct blk *b)
{
	return b->sz & ~(size_t)15;
}

static uint64_t check_of(const struct blk *b)
{
	return (uint64_t)(uintptr_t)b ^ b->sz ^ MAGIC;
}

static size_t *footer(struct blk *b)
{
	return (size_t *)((char *)b + bsize(b) - sizeof(size_t));
}

/* Write header and footer of a block of (size) bytes in state (alloc). */
static void set_block(struct blk *b, size_t size, bool alloc)
{
	b->sz = size | (alloc ? ALLOC : 0);
	b->check = check_of(b);
	*footer(b) = b->sz;
}

static void push(struct heap *h, struct blk *b)
{
	struct blk *head = h->free_list;
	b->prev = NULL;
	b->next = head;
	if (head)
		head->prev = b;
	h->free_list = b;
}

static void unlink_blk(struct heap *h, struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		h->free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

void heap_init(struct heap *h, void *(*grow)(void *ctx, size_t npages), void *ctx)
{
	h->grow = grow;
	h->ctx = ctx;
	h->free_list = NULL;
	h->arenas = NULL;
	h->bytes_in_use = 0;
	h->bytes_arena = 0;
	h->bad_free = 0;
}

static bool add_arena(struct heap *h, size_t need)
{
	size_t bytes = need + ARENA_HDR + EPILOGUE;
	size_t npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (npages < MIN_GROW)
		npages = MIN_GROW;
	if (!h->grow)
		return false;
	struct arena *a = h->grow(h->ctx, npages);
	if (!a || ((uintptr_t)a & 15))
		return false;
	a->size = npages * PAGE_SIZE;
	a->next = h->arenas;
	a->pad = 0;
	a->prologue = ALLOC;
	h->arenas = a;
	struct blk *ep = (struct blk *)((char *)a + a->size - EPILOGUE);
	ep->sz = ALLOC;
	ep->check = check_of(ep);
	struct blk *b = (struct blk *)((char *)a + ARENA_HDR);
	set_block(b, a->size - ARENA_HDR - EPILOGUE, false);
	push(h, b);
	h->bytes_arena += a->size;
	return true;
}

static struct blk *find_fit(struct heap *h, size_t need)
{
	for (struct blk *b = h->free_list; b; b = b->next)
		if (bsize(b) >= need)
			return b;
	return NULL;
}

void *heap_alloc(struct heap *h, size_t size)
{
	if (size == 0 || size > SIZE_MAX / 2)
		return NULL;
	size_t need = ALIGN_UP(size + OVERHEAD, (size_t)16);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	struct blk *b = find_fit(h, need);
	if (!b) {
		if (!add_arena(h, need))
			return NULL;
		b = find_fit(h, need);
		if (!b)
			return NULL;
	}
	unlink_blk(h, b);
	size_t have = bsize(b);
	if (have - need >= MIN_BLOCK) {
		struct blk *rest = (struct blk *)((char *)b + need);
		set_block(rest, have - need, false);
		push(h, rest);
		have = need;
	}
	set_block(b, have, true);
	h->bytes_in_use += have - OVERHEAD;
	return (char *)b + HDR;
}

void *heap_calloc(struct heap *h, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = heap_alloc(h, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* The block of payload (p) if (p) is a live allocation of this heap. */
static struct blk *valid_block(struct heap *h, void *p)
{
	uintptr_t u = (uintptr_t)p;
	if (u & 15)
		return NULL;
	for (struct arena *a = h->arenas; a; a = a->next) {
		uintptr_t lo = (uintptr_t)a + ARENA_HDR + HDR;
		uintptr_t end = (uintptr_t)a + a->size - EPILOGUE; /* blocks end here */
		if (u < lo || u >= end)
			continue;
		struct blk *b = (struct blk *)(u - HDR);
		if (!(b->sz & ALLOC) || b->check != check_of(b))
			return NULL;
		size_t s = bsize(b);
		if (s < MIN_BLOCK || s > end - (uintptr_t)b || *footer(b) != b->sz)
			return NULL;
		return b;
	}
	return NULL;
}

void heap_free(struct heap *h, void *p)
{
	if (!p)
		return;
	struct blk *b = valid_block(h, p);
	if (!b) {
		h->bad_free++;
		return;
	}
	size_t size = bsize(b);
	h->bytes_in_use -= size - OVERHEAD;

	struct blk *next = (struct blk *)((char *)b + size);
	if (!(next->sz & ALLOC)) {
		unlink_blk(h, next);
		size += bsize(next);
		next->check = 0;
	}
	size_t prev_foot = *(size_t *)((char *)b - sizeof(size_t));
	if (!(prev_foot & ALLOC)) {
		struct blk *prev = (struct blk *)((char *)b - (prev_foot & ~(size_t)15));
		unlink_blk(h, prev);
		size += bsize(prev);
		b->check = 0;
		b = prev;
	}
	set_block(b, size, false);
	push(h, b);
}
