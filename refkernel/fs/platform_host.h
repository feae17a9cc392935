/* platform_host.h — knobs of the hosted vfs_platform.h (platform_host.c)
 * for the unit tests and the fuzz target. */
#ifndef FS_PLATFORM_HOST_H
#define FS_PLATFORM_HOST_H
#include <stdint.h>

void     vfsp_host_page_limit(uint64_t pages); /* pages the platform hands out at once */
uint64_t vfsp_host_pages_out(void);            /* pages allocated and not freed */
void     vfsp_host_fail_allocs_after(long n);  /* vfsp_alloc fails after (n) more; -1: never */
uint64_t vfsp_host_unmaps(uint64_t *size);    /* vfsp_unmap_past calls so far; (*size) the last one's */

#endif
