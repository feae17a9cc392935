/* vfs_platform.h — what fs/ needs from below: memory, data pages, the clock,
 * randomness and the console. kernel/fs.c implements it on the kernel's
 * allocators; fs/platform_host.c with malloc for the unit tests and fuzzing.
 *
 * Error policy: the allocators return NULL when there is no memory (the
 * kernel's page allocator also when what is left is the reserve that page
 * faults of existing mappings need); fs/ turns that into -ENOMEM/-ENOSPC.
 */
#ifndef VFS_PLATFORM_H
#define VFS_PLATFORM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void   *vfsp_alloc(size_t n);          /* zeroed, or NULL */
void    vfsp_free(void *p);            /* (p) MAY be NULL */
void   *vfsp_page_alloc(void);         /* one zeroed 4 KiB page, 4 KiB aligned, or NULL */
void    vfsp_page_free(void *page);
struct vnode;
/* (vn) is cut to (size): its mappings drop what they map of its pages past
 * the new end (truncate then frees them; a later touch of them faults). */
void    vfsp_unmap_past(struct vnode *vn, uint64_t size);
int64_t vfsp_now_ns(void);             /* CLOCK_REALTIME */
void    vfsp_random(void *buf, size_t n);
int64_t vfsp_console_read(void *buf, size_t n); /* blocks for at least one byte */
void    vfsp_console_write(const void *buf, size_t n);
bool    vfsp_console_readable(void);

#endif
