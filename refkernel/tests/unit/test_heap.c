/* test_heap.c — the kernel heap: alignment, reuse, coalescing, growth,
 * random alloc/free against a shadow copy, and bad frees. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* grow() backed by one pool of pages handed out in order, like the kernel's
 * page allocator, with a page budget. */
struct pool {
	unsigned char *mem;
	size_t npages, used, limit;
	int calls;
	size_t last_request;
};

static void *pool_grow(void *ctx, size_t npages)
{
	struct pool *p = ctx;
	p->calls++;
	p->last_request = npages;
	if (npages > p->limit - p->used)
		return NULL;
	void *r = p->mem + p->used * PAGE_SIZE;
	memset(r, 0xaa, npages * PAGE_SIZE); /* not zeroed */
	p->used += npages;
	return r;
}

static struct pool pool;
static struct heap h;

static void setup(void)
{
	pool.npages = 1024; /* 4 MiB */
	pool.mem = aligned_alloc(PAGE_SIZE, pool.npages * PAGE_SIZE);
	pool.used = 0;
	pool.limit = pool.npages;
	pool.calls = 0;
	heap_init(&h, pool_grow, &pool);
}

static void teardown(void)
{
	free(pool.mem);
}

TestSuite(heap, .init = setup, .fini = teardown);

static int in_pool(const void *p)
{
	const unsigned char *c = p;
	return c >= pool.mem && c < pool.mem + pool.used * PAGE_SIZE;
}

Test(heap, zero_and_null)
{
	cr_assert_null(heap_alloc(&h, 0));
	heap_free(&h, NULL);
	cr_assert_eq(h.bad_free, 0);
	cr_assert_eq(pool.calls, 0, "no arena before the first allocation");
	cr_assert_null(heap_alloc(&h, SIZE_MAX));
	cr_assert_null(heap_alloc(&h, SIZE_MAX / 2 + 1));
	cr_assert_eq(h.bytes_in_use, 0);
}

Test(heap, alignment_and_no_overlap)
{
	enum { N = 300 };
	unsigned char *p[N];
	for (int i = 0; i < N; i++) {
		size_t sz = (size_t)i + 1;
		p[i] = heap_alloc(&h, sz);
		cr_assert_not_null(p[i]);
		cr_assert_eq((uintptr_t)p[i] % 16, 0, "size %zu not aligned", sz);
		cr_assert(in_pool(p[i]) && in_pool(p[i] + sz - 1));
		memset(p[i], i & 0xff, sz);
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; k < (size_t)i + 1; k++)
			cr_assert_eq(p[i][k], i & 0xff, "block %d overwritten", i);
	cr_assert_geq(h.bytes_in_use, (size_t)N * (N + 1) / 2);
	for (int i = 0; i < N; i++)
		heap_free(&h, p[i]);
	cr_assert_eq(h.bytes_in_use, 0);
	cr_assert_eq(h.bad_free, 0);
}

Test(heap, reuse_after_free)
{
	void *a = heap_alloc(&h, 100);
	void *keep = heap_alloc(&h, 100);
	heap_free(&h, a);
	void *b = heap_alloc(&h, 100);
	cr_assert_eq(a, b, "freed block not reused");
	/* A smaller request also fits the freed block. */
	heap_free(&h, b);
	void *c = heap_alloc(&h, 40);
	cr_assert_eq(a, c);
	heap_free(&h, c);
	heap_free(&h, keep);
	cr_assert_eq(pool.calls, 1);
	cr_assert_eq(h.bytes_in_use, 0);
}

Test(heap, coalescing_both_sides)
{
	unsigned char *a = heap_alloc(&h, 1000);
	unsigned char *b = heap_alloc(&h, 1000);
	unsigned char *c = heap_alloc(&h, 1000);
	unsigned char *guard = heap_alloc(&h, 16);
	cr_assert(a && b && c && guard);
	cr_assert(b > a && c > b, "first fit in one arena allocates upwards");
	int calls = pool.calls;
	heap_free(&h, a);
	heap_free(&h, c);
	/* Neither hole alone holds 2500 bytes; merged with b they do. */
	heap_free(&h, b);
	unsigned char *big = heap_alloc(&h, 3000);
	cr_assert_eq(big, a, "a, b and c did not merge");
	cr_assert_eq(pool.calls, calls);
	memset(big, 1, 3000);
	heap_free(&h, big);
	heap_free(&h, guard);
	/* Everything merged back: one arena-sized allocation fits without growing. */
	unsigned char *all = heap_alloc(&h, 16000);
	cr_assert_not_null(all);
	cr_assert_eq(pool.calls, calls);
	heap_free(&h, all);
}

Test(heap, coalescing_prev_only_and_next_only)
{
	void *a = heap_alloc(&h, 200), *b = heap_alloc(&h, 200), *c = heap_alloc(&h, 200);
	void *d = heap_alloc(&h, 200);
	heap_free(&h, a);
	heap_free(&h, b); /* merges with the previous block */
	void *ab = heap_alloc(&h, 400);
	cr_assert_eq(ab, a);
	heap_free(&h, d);
	heap_free(&h, c); /* merges with the next block (d, then the tail) */
	void *cd = heap_alloc(&h, 400);
	cr_assert_eq(cd, c);
	heap_free(&h, ab);
	heap_free(&h, cd);
	cr_assert_eq(h.bad_free, 0);
	cr_assert_eq(h.bytes_in_use, 0);
}

Test(heap, grow_on_demand_and_failure)
{
	void *a = heap_alloc(&h, 10);
	cr_assert_eq(pool.calls, 1);
	size_t arena = h.bytes_arena;
	cr_assert_geq(arena, PAGE_SIZE);
	/* Bigger than any arena so far: grows by at least the request. */
	unsigned char *big = heap_alloc(&h, 100000);
	cr_assert_not_null(big);
	cr_assert_eq(pool.calls, 2);
	cr_assert_geq(pool.last_request * PAGE_SIZE, 100000);
	cr_assert_eq(h.bytes_arena, arena + pool.last_request * PAGE_SIZE);
	memset(big, 0x5a, 100000);
	/* Out of pages: NULL, nothing breaks. */
	pool.limit = pool.used;
	cr_assert_null(heap_alloc(&h, 1 << 20));
	cr_assert_eq(pool.calls, 3);
	void *small = heap_alloc(&h, 64); /* still fits in an arena */
	cr_assert_not_null(small);
	heap_free(&h, big);
	heap_free(&h, a);
	heap_free(&h, small);
	cr_assert_eq(h.bytes_in_use, 0);
	cr_assert_eq(h.bad_free, 0);
}

Test(heap, no_grow_callback)
{
	struct heap n;
	heap_init(&n, NULL, NULL);
	cr_assert_null(heap_alloc(&n, 8));
}

static void *misaligned_grow(void *ctx, size_t npages)
{
	(void)npages;
	return (char *)ctx + 8;
}

Test(heap, misaligned_arena_refused)
{
	struct heap m;
	heap_init(&m, misaligned_grow, pool.mem);
	cr_assert_null(heap_alloc(&m, 8));
}

Test(heap, calloc_zeroes_and_checks_overflow)
{
	unsigned char *a = heap_alloc(&h, 500);
	memset(a, 0xff, 500);
	heap_free(&h, a);
	unsigned char *z = heap_calloc(&h, 50, 10);
	cr_assert_not_null(z);
	for (int i = 0; i < 500; i++)
		cr_assert_eq(z[i], 0);
	cr_assert_null(heap_calloc(&h, SIZE_MAX / 2, 4));
	cr_assert_null(heap_calloc(&h, 0, 10));
	heap_free(&h, z);
}

Test(heap, bad_frees_are_counted_not_fatal)
{
	unsigned char *a = heap_alloc(&h, 64);
	unsigned char *b = heap_alloc(&h, 64);
	memset(a, 0x11, 64);
	memset(b, 0x22, 64);
	int local[8];
	heap_free(&h, local);       /* not from the heap */
	heap_free(&h, a + 16);      /* inside a block */
	heap_free(&h, a + 1);       /* misaligned */
	heap_free(&h, pool.mem + (pool.npages - 1) * PAGE_SIZE); /* pool, but no arena */
	cr_assert_eq(h.bad_free, 4);
	heap_free(&h, a);
	heap_free(&h, a);           /* double free */
	cr_assert_eq(h.bad_free, 5);
	heap_free(&h, b);           /* merges with a */
	heap_free(&h, b);           /* double free of an absorbed block */
	heap_free(&h, a);
	cr_assert_eq(h.bad_free, 7);
	cr_assert_eq(h.bytes_in_use, 0);
	/* The heap still works and hands out distinct blocks. */
	unsigned char *c = heap_alloc(&h, 64), *d = heap_alloc(&h, 64);
	cr_assert(c && d && c != d);
	heap_free(&h, c);
	heap_free(&h, d);
	cr_assert_eq(h.bad_free, 7);
}

Test(heap, random_against_shadow)
{
	enum { SLOTS = 400, STEPS = 30000 };
	static unsigned char *ptr[SLOTS];
	static size_t len[SLOTS];
	static unsigned char tag[SLOTS];
	memset(ptr, 0, sizeof(ptr));
	size_t live = 0;
	srand(7);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % SLOTS;
		if (ptr[i]) {
			for (size_t k = 0; k < len[i]; k++)
				cr_assert_eq(ptr[i][k], tag[i], "step %d: slot %d byte %zu corrupted", step, i, k);
			heap_free(&h, ptr[i]);
			live -= len[i];
			ptr[i] = NULL;
		} else {
			size_t sz = rand() % 16 == 0 ? 1 + (size_t)(rand() % 20000) : 1 + (size_t)(rand() % 300);
			ptr[i] = heap_alloc(&h, sz);
			cr_assert_not_null(ptr[i], "step %d: out of memory with %zu live", step, live);
			cr_assert_eq((uintptr_t)ptr[i] % 16, 0);
			len[i] = sz;
			tag[i] = (unsigned char)(step | 1);
			memset(ptr[i], tag[i], sz);
			live += sz;
		}
		cr_assert_geq(h.bytes_in_use, live);
		cr_assert_leq(h.bytes_in_use, live + 48 * SLOTS);
	}
	for (int i = 0; i < SLOTS; i++) {
		if (ptr[i])
			heap_free(&h, ptr[i]);
	}
	cr_assert_eq(h.bytes_in_use, 0);
	cr_assert_eq(h.bad_free, 0);
	/* Fragmentation stays bounded: the arenas are not a multiple of the peak. */
	cr_assert_leq(h.bytes_arena, 3u << 20, "arenas grew to %zu bytes", h.bytes_arena);
}

/* Arenas from separate host allocations: scattered, never adjacent. */
struct scattered {
	void *arenas[1024];
	int n;
};

static void *scattered_grow(void *ctx, size_t npages)
{
	struct scattered *s = ctx;
	if (s->n == 1024)
		return NULL;
	return s->arenas[s->n++] = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
}

Test(heap, scattered_arenas)
{
	struct scattered s = { .n = 0 };
	struct heap sh;
	heap_init(&sh, scattered_grow, &s);
	void *p[200];
	for (int i = 0; i < 200; i++) {
		p[i] = heap_alloc(&sh, 1000 + (size_t)i * 37);
		cr_assert_not_null(p[i]);
		memset(p[i], i, 1000 + (size_t)i * 37);
	}
	cr_assert_gt(s.n, 5, "expected several arenas, got %d", s.n);
	/* A pointer from another heap is refused. */
	void *other = heap_alloc(&h, 32);
	heap_free(&sh, other);
	cr_assert_eq(sh.bad_free, 1);
	heap_free(&h, other);
	cr_assert_eq(h.bad_free, 0);
	for (int i = 0; i < 200; i += 2)
		heap_free(&sh, p[i]);
	for (int i = 1; i < 200; i += 2) {
		unsigned char *c = p[i];
		for (size_t k = 0; k < 1000 + (size_t)i * 37; k++)
			cr_assert_eq(c[k], (unsigned char)i);
		heap_free(&sh, p[i]);
	}
	cr_assert_eq(sh.bytes_in_use, 0);
	cr_assert_eq(sh.bad_free, 1);
	for (int i = 0; i < s.n; i++)
		free(s.arenas[i]);
}
