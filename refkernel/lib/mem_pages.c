/* mem_pages.c — physical frame allocator: one bit per 4 KiB frame, 1 = in use
 * (contract in mem.h). Boot: mem_pages_init() -> mem_pages_free_range() per
 * RAM region -> mem_pages_reserve_range() for the kernel and boot data; then
 * mem_page(s)_alloc/free. The frame at physical address 0 is never handed
 * out, because 0 means "no memory". The bitmap is written lazily: words at
 * and above (ready) are not yet written and follow from the free ranges
 * recorded at boot (mark ranges, not pages), so booting with a GiB of RAM
 * costs no more than with 2 MiB; a word is written when the allocator or a
 * reserve first reaches it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerrno.h"
#include "klib.h"
#include "mem.h"

static bool test_bit(const struct mem_pages *mp, uint64_t i)
{
	return (mp->bitmap[i / 64] >> (i % 64)) & 1;
}

static void set_bit(struct mem_pages *mp, uint64_t i)
{
	mp->bitmap[i / 64] |= 1ULL << (i % 64);
}

static void clear_bit(struct mem_pages *mp, uint64_t i)
{
	mp->bitmap[i / 64] &= ~(1ULL << (i % 64));
}

void mem_pages_init(struct mem_pages *mp, uint64_t base, uint64_t npages, uint64_t *bitmap)
{
	mp->base = PAGE_ROUND_DOWN(base);
	mp->npages = npages;
	mp->nfree = 0;
	mp->hint = 0;
	mp->bitmap = bitmap;
	mp->ready = 0;
	mp->nranges = 0;
}

/* Write the bitmap's words below (words) from the recorded free ranges. */
static void make_ready(struct mem_pages *mp, uint64_t words)
{
	uint64_t nwords = (mp->npages + 63) / 64;
	if (words > nwords)
		words = nwords;
	for (uint64_t w = mp->ready; w < words; w++) {
		uint64_t v = ~0ULL, lo = w * 64, hi = lo + 64;
		for (int r = 0; r < mp->nranges; r++) {
			uint64_t a = MAX(lo, mp->ranges[r].first), b = MIN(hi, mp->ranges[r].last);
			if (a < b)
				v &= b - a == 64 ? 0 : ~(((1ULL << (b - a)) - 1) << (a - lo));
		}
		mp->bitmap[w] = v;
	}
	if (words > mp->ready)
		mp->ready = words;
}

/* Frame indexes [*first, *last) of the page range [start, end), clipped. */
static bool clip(const struct mem_pages *mp, uint64_t start, uint64_t end,
		 uint64_t *first, uint64_t *last)
{
	uint64_t span_end = mp->base + mp->npages * PAGE_SIZE;
	if (start < mp->base)
		start = mp->base;
	if (end > span_end)
		end = span_end;
	if (start >= end)
		return false;
	*first = (start - mp->base) / PAGE_SIZE;
	*last = (end - mp->base) / PAGE_SIZE;
	return *first < *last;
}

void mem_pages_free_range(struct mem_pages *mp, uint64_t start, uint64_t end)
{
	uint64_t first, last;
	/* Round inward; an end that rounds past the top of memory saturates. */
	uint64_t s = start > UINT64_MAX - (PAGE_SIZE - 1) ? UINT64_MAX : PAGE_ROUND_UP(start);
	if (!clip(mp, s, PAGE_ROUND_DOWN(end), &first, &last))
		return;
	if (mp->base + first * PAGE_SIZE == 0 && ++first == last)
		return;
	/* Above the written words, and overlapping no recorded range: record it. */
	bool overlap = false;
	for (int r = 0; r < mp->nranges; r++)
		overlap |= mp->ranges[r].first < last && first < mp->ranges[r].last;
	if (first >= mp->ready * 64 && !overlap && mp->nranges < MEM_PAGES_RANGES) {
		mp->ranges[mp->nranges].first = first;
		mp->ranges[mp->nranges++].last = last;
		mp->nfree += last - first;
		if (first < mp->hint)
			mp->hint = first;
		return;
	}
	make_ready(mp, (last + 63) / 64);
	for (uint64_t i = first; i < last; i++) {
		/* whole words at once: a GiB of RAM is 4096 words, not 262144 bits */
		if (i % 64 == 0 && last - i >= 64 && mp->bitmap[i / 64] == ~0ULL &&
		    mp->base + i * PAGE_SIZE != 0) {
			mp->bitmap[i / 64] = 0;
			mp->nfree += 64;
			i += 63;
			continue;
		}
		if (mp->base + i * PAGE_SIZE == 0)
			continue;
		if (test_bit(mp, i)) {
			clear_bit(mp, i);
			mp->nfree++;
		}
	}
	if (first < mp->hint)
		mp->hint = first;
}

void mem_pages_reserve_range(struct mem_pages *mp, uint64_t start, uint64_t end)
{
	uint64_t first, last;
	uint64_t e = end > UINT64_MAX - (PAGE_SIZE - 1) ? PAGE_ROUND_DOWN(UINT64_MAX) : PAGE_ROUND_UP(end);
	if (!clip(mp, PAGE_ROUND_DOWN(start), e, &first, &last))
		return;
	make_ready(mp, (last + 63) / 64);
	for (uint64_t i = first; i < last; i++) {
		if (i % 64 == 0 && last - i >= 64 && mp->bitmap[i / 64] == 0) {
			mp->bitmap[i / 64] = ~0ULL;
			mp->nfree -= 64;
			i += 63;
			continue;
		}
		if (!test_bit(mp, i)) {
			set_bit(mp, i);
			mp->nfree--;
		}
	}
}

/* First free frame at or after (from), or npages. Skips full words. */
static uint64_t find_free(struct mem_pages *mp, uint64_t from)
{
	uint64_t i = from;
	while (i < mp->npages) {
		if (i / 64 >= mp->ready)
			make_ready(mp, i / 64 + 1);
		if (i % 64 == 0 && mp->bitmap[i / 64] == ~0ULL) {
			i += 64;
			continue;
		}
		if (!test_bit(mp, i))
			return i;
		i++;
	}
	return mp->npages;
}

uint64_t mem_page_alloc(struct mem_pages *mp)
{
	if (mp->nfree == 0)
		return 0;
	uint64_t i = find_free(mp, mp->hint);
	if (i >= mp->npages)
		i = find_free(mp, 0);
	if (i >= mp->npages)
		return 0; /* counts and bitmap disagree: cannot happen */
	set_bit(mp, i);
	mp->nfree--;
	mp->hint = i + 1;
	return mp->base + i * PAGE_SIZE;
}

uint64_t mem_pages_alloc(struct mem_pages *mp, uint64_t n)
{
	if (n == 0 || n > mp->nfree)
		return 0;
	if (n == 1)
		return mem_page_alloc(mp);
	uint64_t i = find_free(mp, 0);
	while (i < mp->npages && mp->npages - i >= n) {
		make_ready(mp, (i + n + 63) / 64);
		uint64_t run = 1;
		while (run < n && !test_bit(mp, i + run))
			run++;
		if (run == n) {
			for (uint64_t j = i; j < i + n; j++)
				set_bit(mp, j);
			mp->nfree -= n;
			return mp->base + i * PAGE_SIZE;
		}
		i = find_free(mp, i + run + 1);
	}
	return 0;
}

int mem_pages_free(struct mem_pages *mp, uint64_t phys, uint64_t n)
{
	if (n == 0 || phys == 0 || phys % PAGE_SIZE || phys < mp->base)
		return -EINVAL;
	uint64_t first = (phys - mp->base) / PAGE_SIZE;
	if (first >= mp->npages || n > mp->npages - first || first + n > mp->ready * 64)
		return -EINVAL; /* beyond the written words: never allocated */
	/* Check the whole run first, so a bad free changes nothing. */
	for (uint64_t i = first; i < first + n; i++)
		if (!test_bit(mp, i))
			return -EINVAL;
	for (uint64_t i = first; i < first + n; i++)
		clear_bit(mp, i);
	mp->nfree += n;
	if (first < mp->hint)
		mp->hint = first;
	return 0;
}

int mem_page_free(struct mem_pages *mp, uint64_t phys)
{
	return mem_pages_free(mp, phys, 1);
}
