/* test_mem_pages.c — the physical page allocator: ranges and rounding,
 * exhaustion, contiguous runs, bad frees, and counts against a shadow. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define BASE 0x100000ULL /* 1 MiB */
#define NP   200

static struct mem_pages mp;
static uint64_t bitmap[MEM_PAGES_BITMAP_BYTES(NP) / 8];

static void setup(void)
{
	mem_pages_init(&mp, BASE, NP, bitmap);
}

static uint64_t frame(uint64_t i)
{
	return BASE + i * PAGE_SIZE;
}

/* Counts free frames by allocating all of them, then frees them again. */
static uint64_t drain_count(void)
{
	static uint64_t got[NP + 1];
	uint64_t n = 0, a;
	while ((a = mem_page_alloc(&mp)) != 0) {
		cr_assert_leq(n, NP);
		got[n++] = a;
	}
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(mem_page_free(&mp, got[i]), 0);
	return n;
}

TestSuite(mem_pages, .init = setup);

Test(mem_pages, starts_all_in_use)
{
	cr_assert_eq(mp.nfree, 0);
	cr_assert_eq(mp.npages, NP);
	cr_assert_eq(mem_page_alloc(&mp), 0);
	cr_assert_eq(mem_pages_alloc(&mp, 1), 0);
}

Test(mem_pages, free_range_rounds_inward)
{
	/* [BASE+1, BASE+3 pages+5) holds whole frames 1 and 2 only. */
	mem_pages_free_range(&mp, BASE + 1, frame(3) + 5);
	cr_assert_eq(mp.nfree, 2);
	uint64_t a = mem_page_alloc(&mp), b = mem_page_alloc(&mp);
	cr_assert(a == frame(1) || a == frame(2));
	cr_assert(b == frame(1) || b == frame(2));
	cr_assert_neq(a, b);
	cr_assert_eq(mem_page_alloc(&mp), 0);
	/* Less than a page: nothing. */
	setup();
	mem_pages_free_range(&mp, frame(4) + 1, frame(5) + 4095);
	cr_assert_eq(mp.nfree, 0);
	mem_pages_free_range(&mp, frame(5), frame(5));
	cr_assert_eq(mp.nfree, 0);
	mem_pages_free_range(&mp, frame(6), frame(5)); /* backwards */
	cr_assert_eq(mp.nfree, 0);
}

Test(mem_pages, ranges_clip_to_span)
{
	mem_pages_free_range(&mp, 0, UINT64_MAX);
	cr_assert_eq(mp.nfree, NP);
	cr_assert_eq(drain_count(), NP);
	mem_pages_reserve_range(&mp, 0, BASE + 10);
	cr_assert_eq(mp.nfree, NP - 1);
	mem_pages_reserve_range(&mp, frame(NP) - 1, UINT64_MAX);
	cr_assert_eq(mp.nfree, NP - 2);
	mem_pages_reserve_range(&mp, frame(NP), frame(NP + 10)); /* outside */
	cr_assert_eq(mp.nfree, NP - 2);
	mem_pages_free_range(&mp, 0, BASE); /* outside */
	cr_assert_eq(mp.nfree, NP - 2);
	cr_assert_eq(drain_count(), NP - 2);
}

Test(mem_pages, reserve_rounds_outward)
{
	mem_pages_free_range(&mp, frame(0), frame(10));
	cr_assert_eq(mp.nfree, 10);
	/* [frame 2 + 1, frame 4 + 1) touches frames 2, 3 and 4. */
	mem_pages_reserve_range(&mp, frame(2) + 1, frame(4) + 1);
	cr_assert_eq(mp.nfree, 7);
	/* Reserving again is idempotent; counts do not go negative. */
	mem_pages_reserve_range(&mp, frame(2), frame(5));
	cr_assert_eq(mp.nfree, 7);
	for (int i = 0; i < 7; i++) {
		uint64_t a = mem_page_alloc(&mp);
		cr_assert(a < frame(2) || a >= frame(5), "reserved frame %#llx handed out",
			  (unsigned long long)a);
	}
	cr_assert_eq(mem_page_alloc(&mp), 0);
	/* Freeing a range twice counts each frame once. */
	setup();
	mem_pages_free_range(&mp, frame(0), frame(4));
	mem_pages_free_range(&mp, frame(2), frame(6));
	cr_assert_eq(mp.nfree, 6);
}

Test(mem_pages, alloc_until_exhaustion)
{
	mem_pages_free_range(&mp, frame(0), frame(NP));
	char seen[NP] = { 0 };
	for (int i = 0; i < NP; i++) {
		uint64_t a = mem_page_alloc(&mp);
		cr_assert_neq(a, 0, "ran out after %d", i);
		cr_assert_eq(a % PAGE_SIZE, 0);
		cr_assert_geq(a, BASE);
		cr_assert_lt(a, frame(NP));
		uint64_t idx = (a - BASE) / PAGE_SIZE;
		cr_assert(!seen[idx], "frame %llu twice", (unsigned long long)idx);
		seen[idx] = 1;
		cr_assert_eq(mp.nfree, (uint64_t)(NP - i - 1));
	}
	cr_assert_eq(mem_page_alloc(&mp), 0);
	cr_assert_eq(mem_page_alloc(&mp), 0);
	cr_assert_eq(mp.nfree, 0);
	/* One back, one out: the same frame. */
	cr_assert_eq(mem_page_free(&mp, frame(77)), 0);
	cr_assert_eq(mp.nfree, 1);
	cr_assert_eq(mem_page_alloc(&mp), frame(77));
}

Test(mem_pages, contiguous)
{
	mem_pages_free_range(&mp, frame(0), frame(NP));
	/* Make holes: keep frames 0, 10, 20, ... in use: 20 gaps of 9. */
	for (int i = 0; i < NP; i += 10)
		mem_pages_reserve_range(&mp, frame(i), frame(i + 1));
	uint64_t nfree = mp.nfree;
	cr_assert_eq(mem_pages_alloc(&mp, 10), 0, "no run of 10 exists");
	uint64_t a = mem_pages_alloc(&mp, 9);
	cr_assert_neq(a, 0);
	cr_assert_eq((a - BASE) / PAGE_SIZE % 10, 1);
	cr_assert_eq(mp.nfree, nfree - 9);
	for (int i = 0; i < 9; i++)
		cr_assert_eq(mem_page_free(&mp, a + i * PAGE_SIZE) == 0, 1);
	cr_assert_eq(mp.nfree, nfree);
	/* Runs of 9 fill every gap exactly. */
	int runs = 0;
	while (mem_pages_alloc(&mp, 9))
		runs++;
	cr_assert_eq(runs, NP / 10);
	cr_assert_eq(mem_pages_alloc(&mp, 0), 0);
	cr_assert_eq(mem_pages_alloc(&mp, NP + 1), 0);
	setup();
	mem_pages_free_range(&mp, frame(0), frame(NP));
	a = mem_pages_alloc(&mp, NP);
	cr_assert_eq(a, BASE);
	cr_assert_eq(mp.nfree, 0);
	cr_assert_eq(mem_pages_free(&mp, a, NP), 0);
	cr_assert_eq(mp.nfree, NP);
}

Test(mem_pages, bad_frees)
{
	mem_pages_free_range(&mp, frame(0), frame(10));
	uint64_t a = mem_page_alloc(&mp);
	cr_assert_eq(mem_page_free(&mp, a), 0);
	cr_assert_eq(mp.nfree, 10);
	cr_assert_eq(mem_page_free(&mp, a), -EINVAL, "double free");
	cr_assert_eq(mp.nfree, 10);
	cr_assert_eq(mem_page_free(&mp, a + 8), -EINVAL, "unaligned");
	cr_assert_eq(mem_page_free(&mp, BASE - PAGE_SIZE), -EINVAL, "below");
	cr_assert_eq(mem_page_free(&mp, frame(NP)), -EINVAL, "above");
	cr_assert_eq(mem_page_free(&mp, 0), -EINVAL);
	cr_assert_eq(mem_pages_free(&mp, frame(0), 0), -EINVAL);
	cr_assert_eq(mem_pages_free(&mp, frame(NP - 1), 2), -EINVAL, "run past the end");
	cr_assert_eq(mem_pages_free(&mp, frame(0), UINT64_MAX), -EINVAL);
	/* A run where one frame is already free changes nothing. */
	uint64_t r = mem_pages_alloc(&mp, 4);
	cr_assert_neq(r, 0);
	cr_assert_eq(mem_page_free(&mp, r + PAGE_SIZE), 0);
	uint64_t nf = mp.nfree;
	cr_assert_eq(mem_pages_free(&mp, r, 4), -EINVAL);
	cr_assert_eq(mp.nfree, nf);
	cr_assert_eq(mem_page_free(&mp, r), 0);
	cr_assert_eq(mem_pages_free(&mp, r + 2 * PAGE_SIZE, 2), 0);
	cr_assert_eq(mp.nfree, 10);
	cr_assert_eq(drain_count(), 10);
}

Test(mem_pages, frame_zero_never_returned)
{
	static uint64_t bm[1];
	struct mem_pages z;
	mem_pages_init(&z, 0, 16, bm);
	mem_pages_free_range(&z, 0, 16 * PAGE_SIZE);
	cr_assert_eq(z.nfree, 15);
	for (int i = 0; i < 15; i++)
		cr_assert_neq(mem_page_alloc(&z), 0);
	cr_assert_eq(mem_page_alloc(&z), 0);
	cr_assert_eq(mem_page_free(&z, 0), -EINVAL);
}

Test(mem_pages, random_against_shadow)
{
	enum { N = 1000 };
	static uint64_t bm[MEM_PAGES_BITMAP_BYTES(N) / 8];
	struct mem_pages m;
	mem_pages_init(&m, 0x40000000ULL, N, bm);
	mem_pages_free_range(&m, 0x40000000ULL, 0x40000000ULL + N * PAGE_SIZE);
	mem_pages_reserve_range(&m, 0x40000000ULL + 100 * PAGE_SIZE, 0x40000000ULL + 164 * PAGE_SIZE);
	static char used[N];
	memset(used, 0, sizeof(used));
	for (int i = 100; i < 164; i++)
		used[i] = 2; /* reserved */
	uint64_t nfree = N - 64;
	srand(42);
	for (int step = 0; step < 20000; step++) {
		int op = rand() % 3;
		if (op == 0) {
			uint64_t a = mem_page_alloc(&m);
			if (!a) {
				cr_assert_eq(nfree, 0);
				continue;
			}
			uint64_t i = (a - m.base) / PAGE_SIZE;
			cr_assert_eq(used[i], 0, "frame %llu handed out while in use", (unsigned long long)i);
			used[i] = 1;
			nfree--;
		} else if (op == 1) {
			uint64_t n = 1 + (uint64_t)(rand() % 8);
			uint64_t a = mem_pages_alloc(&m, n);
			if (!a)
				continue;
			uint64_t i = (a - m.base) / PAGE_SIZE;
			for (uint64_t j = i; j < i + n; j++) {
				cr_assert_eq(used[j], 0);
				used[j] = 1;
			}
			nfree -= n;
		} else {
			uint64_t i = (uint64_t)(rand() % N);
			int r = mem_page_free(&m, m.base + i * PAGE_SIZE);
			if (used[i] == 0) {
				cr_assert_eq(r, -EINVAL);
			} else if (used[i] == 1) {
				cr_assert_eq(r, 0);
				used[i] = 0;
				nfree++;
			} else {
				used[i] = 0; /* freeing a reserved frame is allowed (it is "in use") */
				nfree++;
			}
		}
		cr_assert_eq(m.nfree, nfree, "step %d", step);
	}
}

/* The bitmap is written lazily from the boot ranges: a bitmap full of
 * garbage must not matter, more ranges than are recorded fall back to
 * writing, and a reserve inside a recorded range counts once. */
Test(mem_pages, lazy_bitmap_from_ranges)
{
	enum { N = 4096 };
	static uint64_t bm[N / 64];
	struct mem_pages m;
	memset(bm, 0x5a, sizeof(bm));
	mem_pages_init(&m, 0, N, bm);
	for (int r = 0; r < MEM_PAGES_RANGES + 4; r++) /* 12 disjoint ranges of 100 frames */
		mem_pages_free_range(&m, (uint64_t)r * 300 * PAGE_SIZE, ((uint64_t)r * 300 + 100) * PAGE_SIZE);
	cr_assert_eq(m.nfree, (MEM_PAGES_RANGES + 4) * 100 - 1, "frame 0 is never free");
	mem_pages_reserve_range(&m, 1000 * PAGE_SIZE, 1250 * PAGE_SIZE); /* 50 of range 4's frames */
	mem_pages_reserve_range(&m, 1000 * PAGE_SIZE, 1250 * PAGE_SIZE); /* again: no change */
	uint64_t want = (MEM_PAGES_RANGES + 4) * 100 - 1 - 50;
	cr_assert_eq(m.nfree, want);
	mem_pages_free_range(&m, 300 * PAGE_SIZE, 400 * PAGE_SIZE); /* already free */
	cr_assert_eq(m.nfree, want);
	static char seen[N];
	uint64_t a, n = 0;
	while ((a = mem_page_alloc(&m)) != 0) {
		uint64_t i = a / PAGE_SIZE, in = i % 300;
		cr_assert(in < 100 && !(i >= 1200 && i < 1250) && !seen[i], "frame %lu", (unsigned long)i);
		seen[i] = 1;
		n++;
	}
	cr_assert_eq(n, want);
	cr_assert_eq(mem_page_free(&m, 4095 * PAGE_SIZE), -EINVAL, "never free, never allocated");
	cr_assert_eq(mem_page_free(&m, 301 * PAGE_SIZE), 0);
	cr_assert_eq(mem_pages_alloc(&m, 1), 301 * PAGE_SIZE);
}
