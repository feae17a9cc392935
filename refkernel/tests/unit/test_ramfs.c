/* test_ramfs.c — ramfs file data: holes, truncation, page accounting,
 * archive data served in place and copied on the first write, mmap pages,
 * and the limits: a full file system gives ENOSPC (short writes first),
 * failing kernel allocations give ENOMEM, and nothing leaks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfs.h"
#include "../../fs/platform_host.h"

static struct vfs_mount *fs;

static void setup(void)
{
	vfsp_host_page_limit(UINT64_MAX);
	vfsp_host_fail_allocs_after(-1);
	fs = ramfs_new(0, 1);
	cr_assert_not_null(fs);
	vfs_init(fs->root);
}

static void teardown(void)
{
	vfsp_host_fail_allocs_after(-1);
	ramfs_destroy(fs);
	cr_assert_eq(vfsp_host_pages_out(), 0, "pages leaked");
}

TestSuite(ramfs, .init = setup, .fini = teardown);

static struct vfs_file *open_rw(const char *path)
{
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, path, VFS_O_CREAT | VFS_O_RDWR, 0644, &f), 0);
	return f;
}

Test(ramfs, write_read_holes_truncate)
{
	struct vfs_file *f = open_rw("/f");
	static char big[3 * 4096 + 100];
	char buf[sizeof(big)];
	memset(big, 'a', sizeof(big));
	cr_assert_eq(vfs_pwrite(f, "end", 3, 20000), 3);
	cr_assert_eq(f->vn->size, 20003);
	cr_assert_eq(ramfs_pages_used(fs), 1, "a hole costs no page");
	cr_assert_eq(vfs_pread(f, buf, 10, 100), 10);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(vfs_pread(f, buf, 100, 19998), 5, "short read at the end");
	cr_assert_eq(memcmp(buf + 2, "end", 3), 0);
	cr_assert_eq(vfs_pread(f, buf, 10, 30000), 0);
	cr_assert_eq(vfs_pwrite(f, big, sizeof(big), 1), (int64_t)sizeof(big));
	cr_assert_eq(ramfs_pages_used(fs), 5);
	cr_assert_eq(vfs_truncate(f->vn, 5000), 0);
	cr_assert_eq(ramfs_pages_used(fs), 2);
	cr_assert_eq(vfs_truncate(f->vn, 9000), 0);
	cr_assert_eq(vfs_pread(f, buf, 9000, 0), 9000);
	cr_assert_eq(buf[4999], 'a');
	cr_assert_eq(buf[5000], 0, "bytes past a truncation read back as zeros");
	cr_assert_eq(buf[8999], 0);
	cr_assert_eq(vfs_lseek(f, 0, VFS_SEEK_END), 9000);
	cr_assert_eq(vfs_lseek(f, 10, VFS_SEEK_DATA), 10);
	cr_assert_eq(vfs_lseek(f, 10, VFS_SEEK_HOLE), 9000);
	cr_assert_eq(vfs_lseek(f, 9000, VFS_SEEK_DATA), -ENXIO);
	cr_assert_eq(vfs_lseek(f, -1, VFS_SEEK_SET), -EINVAL);
	cr_assert_eq(vfs_truncate(fs->root, 0), -EISDIR);
	cr_assert(f->vn->mtime_ns > 0);
	vfs_close(f);
}

Test(ramfs, limit_gives_enospc_and_short_writes)
{
	ramfs_destroy(fs);
	fs = ramfs_new(3, 1);
	vfs_init(fs->root);
	struct vfs_file *f = open_rw("/f");
	static char data[5 * 4096];
	cr_assert_eq(vfs_write(f, data, sizeof(data)), 3 * 4096, "a short write up to the limit");
	cr_assert_eq(vfs_write(f, data, 1), -ENOSPC);
	cr_assert_eq(f->vn->size, 3 * 4096);
	struct vfs_file *g = open_rw("/g");
	cr_assert_eq(vfs_write(g, data, 10), -ENOSPC);
	cr_assert_eq(vfs_unlink(NULL, "/f", 0), 0);
	cr_assert_eq(vfs_write(g, data, 10), -ENOSPC, "still open: its pages stay");
	vfs_close(f);
	cr_assert_eq(vfs_write(g, data, 10), 10, "freed at the last close");
	vfs_close(g);
}

Test(ramfs, platform_out_of_pages_and_memory)
{
	vfsp_host_page_limit(2);
	struct vfs_file *f = open_rw("/f");
	static char data[4 * 4096];
	cr_assert_eq(vfs_write(f, data, sizeof(data)), 2 * 4096);
	cr_assert_eq(vfs_write(f, data, 1), -ENOSPC);
	vfs_close(f);
	vfsp_host_page_limit(UINT64_MAX);
	vfsp_host_fail_allocs_after(0);
	cr_assert_eq(vfs_mkdir(NULL, "/d", 0755), -ENOMEM);
	cr_assert_eq(vfs_symlink("x", NULL, "/l"), -ENOMEM);
	struct vfs_file *g;
	cr_assert_eq(vfs_open(NULL, "/g", VFS_O_CREAT | VFS_O_RDWR, 0644, &g), -ENOMEM);
	/* node made, entry not: nothing is left half-made */
	vfsp_host_fail_allocs_after(1);
	cr_assert_eq(vfs_mkdir(NULL, "/d", 0755), -ENOMEM);
	vfsp_host_fail_allocs_after(-1);
	struct vnode *vn;
	cr_assert_eq(vfs_walk(NULL, "/d", 0, &vn), -ENOENT);
	cr_assert_eq(vfs_mkdir(NULL, "/d", 0755), 0);
}

static const char archive_bytes[] = "0123456789abcdefghij";

Test(ramfs, extern_data_in_place_then_copied)
{
	static char ext[3 * 4096] __attribute__((aligned(4096)));
	memset(ext, 'e', sizeof(ext));
	struct vfs_file *f = open_rw("/f");
	cr_assert_eq(ramfs_set_extern(f->vn, ext, sizeof(ext)), 0);
	cr_assert_eq(ramfs_contiguous(f->vn), ext, "served from the archive bytes");
	cr_assert_eq(ramfs_pages_used(fs), 0, "no copy to read it");
	void *pg;
	cr_assert_eq(f->vn->ops->page(f->vn, 1, false, &pg), 0);
	cr_assert_eq(pg, ext + 4096, "an aligned archive page is mapped in place");
	cr_assert_eq(vfs_pwrite(f, "W", 1, 5000), 1);
	cr_assert_eq(ramfs_pages_used(fs), 1, "the first write copies one page");
	cr_assert_eq(ext[5000], 'e', "the archive is never written");
	cr_assert_null(ramfs_contiguous(f->vn));
	char buf[3];
	cr_assert_eq(vfs_pread(f, buf, 3, 4999), 3);
	cr_assert_eq(memcmp(buf, "eWe", 3), 0);
	cr_assert_eq(f->vn->ops->page(f->vn, 1, false, &pg), 0);
	cr_assert_neq(pg, ext + 4096, "a written page is the file's own");
	cr_assert_eq(f->vn->ops->page(f->vn, 2, true, &pg), 0);
	cr_assert_eq(ramfs_pages_used(fs), 2);
	vfs_close(f);

	/* Unaligned archive data: read in place, mapped by copying. */
	f = open_rw("/u");
	cr_assert_eq(ramfs_set_extern(f->vn, archive_bytes + 1, 10), 0);
	cr_assert_eq(vfs_pread(f, buf, 3, 0), 3);
	cr_assert_eq(memcmp(buf, "123", 3), 0);
	cr_assert_eq(f->vn->ops->page(f->vn, 0, false, &pg), -EAGAIN);
	cr_assert_eq(vfs_truncate(f->vn, 2), 0);
	cr_assert_eq(vfs_truncate(f->vn, 6), 0);
	cr_assert_eq(vfs_pread(f, buf, 3, 1), 3);
	cr_assert_eq(memcmp(buf, "2\0\0", 3), 0, "truncation cuts the archive data too");
	vfs_close(f);
}

/* A shared mapping points at the file's own pages (vn->maps): a write(2)
 * lands in the page the mapping holds, and a truncation while mapped has
 * the mappings drop the pages past the new end (vfsp_unmap_past) before it
 * frees them; not mapped, it asks nothing. */
Test(ramfs, mapped_pages_are_the_files_and_are_unmapped_at_truncate)
{
	struct vfs_file *f = open_rw("/m");
	char buf[4096];
	memset(buf, 'q', sizeof(buf));
	cr_assert_eq(vfs_pwrite(f, buf, 4096, 4096), 4096);
	void *pg, *again;
	cr_assert_eq(f->vn->ops->page(f->vn, 1, true, &pg), 0);
	cr_assert_eq(((char *)pg)[0], 'q');
	cr_assert_eq(vfs_pwrite(f, "w", 1, 4096 + 5), 1);
	cr_assert_eq(((char *)pg)[5], 'w', "write(2) reaches the page a mapping holds");
	memcpy((char *)pg + 6, "m", 1);
	char b = 0;
	cr_assert_eq(vfs_pread(f, &b, 1, 4096 + 6), 1);
	cr_assert_eq(b, 'm', "a store to the page reaches read(2)");
	uint64_t size, calls = vfsp_host_unmaps(&size);
	f->vn->maps++;
	cr_assert_eq(vfs_truncate(f->vn, 100), 0);
	cr_assert_eq(vfsp_host_unmaps(&size), calls + 1, "mapped: the mappings are told");
	cr_assert_eq(size, 100, "of the new end");
	cr_assert_eq(ramfs_pages_used(fs), 0, "and the page past it is freed");
	cr_assert_eq(vfs_truncate(f->vn, 8192), 0);
	cr_assert_eq(vfsp_host_unmaps(&size), calls + 1, "growing unmaps nothing");
	cr_assert_eq(f->vn->ops->page(f->vn, 1, true, &again), 0);
	cr_assert_eq(((char *)again)[5], 0, "grown again: a zero page");
	f->vn->maps--;
	cr_assert_eq(vfs_truncate(f->vn, 0), 0);
	cr_assert_eq(vfsp_host_unmaps(&size), calls + 1, "not mapped: nothing to tell");
	cr_assert_eq(ramfs_pages_used(fs), 0, "truncation frees the pages");
	vfs_close(f);
}

Test(ramfs, many_entries_and_readdir_while_removing)
{
	char name[32];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/n%d", i);
		cr_assert_eq(vfs_mknod(NULL, name, VFS_IFREG | 0644, 0, NULL), 0);
	}
	struct vfs_file *d;
	cr_assert_eq(vfs_open(NULL, "/", VFS_O_RDONLY, 0, &d), 0);
	char buf[256];
	int seen = 0;
	int64_t n;
	while ((n = vfs_getdents64(d, buf, sizeof(buf))) > 0) {
		for (int64_t off = 0; off < n;) {
			uint16_t reclen;
			memcpy(&reclen, buf + off + 16, 2);
			const char *nm = buf + off + 19;
			if (nm[0] == 'n') {
				char path[40];
				snprintf(path, sizeof(path), "/%s", nm);
				cr_assert_eq(vfs_unlink(NULL, path, 0), 0);
				seen++;
			}
			off += reclen;
		}
	}
	cr_assert_eq(n, 0);
	cr_assert_eq(seen, 300, "removing while reading skips nothing");
	vfs_close(d);
	cr_assert_eq(fs->root->nlink, 2);
}
