/* platform_host.c — vfs_platform.h on the host's libc, for the unit tests
 * and the fuzz target: pages from aligned_alloc under a settable limit,
 * allocations that can be made to fail, the real clock, a fixed console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfs_platform.h"
#include "platform_host.h"

static uint64_t limit = UINT64_MAX, out;
static long fail_after = -1;

void vfsp_host_page_limit(uint64_t pages) { limit = pages; }
uint64_t vfsp_host_pages_out(void) { return out; }
void vfsp_host_fail_allocs_after(long n) { fail_after = n; }

static uint64_t unmaps, unmap_size;
uint64_t vfsp_host_unmaps(uint64_t *size)
{
	*size = unmap_size;
	return unmaps;
}
void vfsp_unmap_past(struct vnode *vn, uint64_t size)
{
	(void)vn;
	unmaps++;
	unmap_size = size;
}

void *vfsp_alloc(size_t n)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return calloc(1, n ? n : 1);
}

void vfsp_free(void *p) { free(p); }

void *vfsp_page_alloc(void)
{
	if (out >= limit)
		return NULL;
	void *p = aligned_alloc(4096, 4096);
	if (p) {
		memset(p, 0, 4096);
		out++;
	}
	return p;
}

void vfsp_page_free(void *p)
{
	out--;
	free(p);
}

int64_t vfsp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vfsp_random(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)buf)[i] = (unsigned char)rand();
}

int64_t vfsp_console_read(void *buf, size_t n)
{
	(void)buf; (void)n;
	return 0; /* end of input */
}

void vfsp_console_write(const void *buf, size_t n)
{
	(void)buf; (void)n;
}

bool vfsp_console_readable(void) { return true; }
