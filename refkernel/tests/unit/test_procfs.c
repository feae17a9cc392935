/* test_procfs.c — fs/procfs.c mounted on a ramfs root: the tree a table
 * makes, files generated at each read, links computed when read, a
 * directory of fds that follows the fd table, read-only files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfs.h"
#include "../../fs/platform_host.h"

static struct vfs_mount *root, *proc;
static int reads, open_fds[8] = { 0, 1, 2, 5, -1 };
static char knob[16] = "7";

static void gen_count(struct pfs_buf *b) { pfs_printf(b, "read %d\n", ++reads); }
static void gen_big(struct pfs_buf *b)
{
	for (int i = 0; i < 3000; i++)
		pfs_printf(b, "line %04d\n", i);
}
static void gen_knob(struct pfs_buf *b) { pfs_printf(b, "%s\n", knob); }
static int64_t store_knob(const void *buf, uint64_t n)
{
	if (n >= sizeof(knob))
		return -EINVAL;
	memcpy(knob, buf, n);
	knob[n] = 0;
	return (int64_t)n;
}
static int64_t self_link(char *buf, size_t n) { return snprintf(buf, n, "1"); }
static int64_t fd_link(int fd, char *buf, size_t n)
{
	for (int i = 0; open_fds[i] >= 0; i++)
		if (open_fds[i] == fd)
			return snprintf(buf, n, "pipe:[%d]", fd);
	return -EBADF;
}
static int fd_next(int after)
{
	int best = -1;
	for (int i = 0; open_fds[i] >= 0; i++)
		if (open_fds[i] > after && (best < 0 || open_fds[i] < best))
			best = open_fds[i];
	return best;
}

static const struct pfs_entry entries[] = {
	{ .path = "self", .link = self_link },
	{ .path = "1/count", .gen = gen_count },
	{ .path = "1/fd", .fd_link = fd_link, .fd_next = fd_next },
	{ .path = "big", .gen = gen_big },
	{ .path = "sys/kernel/knob", .gen = gen_knob, .store = store_knob, .mode = 0644 },
};

static void setup(void)
{
	vfsp_host_page_limit(UINT64_MAX);
	vfsp_host_fail_allocs_after(-1);
	root = ramfs_new(0, 1);
	vfs_init(root->root);
	vfs_ref(root->root);
	cr_assert_eq(vfs_mkdir(NULL, "/proc", 0555), 0);
	proc = pfs_new("proc", 0x9fa0, 3, entries, sizeof(entries) / sizeof(entries[0]));
	cr_assert_not_null(proc);
	cr_assert_eq(vfs_mount("/proc", proc), 0);
	reads = 0;
}

static void teardown(void)
{
	pfs_destroy(proc);
	ramfs_destroy(root);
}

TestSuite(procfs, .init = setup, .fini = teardown);

static int64_t slurp(const char *path, char *buf, size_t n)
{
	struct vfs_file *f;
	int r = vfs_open(NULL, path, VFS_O_RDONLY, 0, &f);
	if (r)
		return r;
	int64_t got = 0, k;
	while ((k = vfs_read(f, buf + got, n - 1 - (size_t)got)) > 0)
		got += k;
	buf[got] = 0;
	vfs_close(f);
	return k < 0 ? k : got;
}

Test(procfs, generated_at_each_read_through_self)
{
	char buf[64];
	cr_assert_eq(slurp("/proc/self/count", buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "read 1\n");
	cr_assert_eq(slurp("/proc/1/count", buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "read 3\n"); /* the second read (at EOF) generated it once more */
	struct vnode *vn;
	cr_assert_eq(vfs_walk(NULL, "/proc/self", 0, &vn), 0);
	char l[8];
	cr_assert_eq(vfs_readlink(vn, l, sizeof(l)), 1);
	cr_assert_eq(vn->size, 0);
	cr_assert_eq(vfs_walk(NULL, "/proc/1/count", 0, &vn), 0);
	cr_assert_eq(vn->size, 0, "st_size 0, as Linux's");
}

Test(procfs, large_file_read_in_pieces)
{
	static char buf[64 << 10];
	cr_assert_eq(slurp("/proc/big", buf, sizeof(buf)), 3000 * 10);
	cr_assert(strncmp(buf + 2999 * 10, "line 2999\n", 10) == 0);
}

Test(procfs, fd_directory_follows_the_table)
{
	struct vnode *vn;
	char l[32];
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/5", 0, &vn), 0);
	cr_assert(VFS_ISLNK(vn->mode));
	int64_t n = vfs_readlink(vn, l, sizeof(l));
	cr_assert_eq(n, 8);
	cr_assert(memcmp(l, "pipe:[5]", 8) == 0);
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/4", 0, &vn), -ENOENT);
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/05", 0, &vn), -ENOENT);
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/99999", 0, &vn), -ENOENT);
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/x", 0, &vn), -ENOENT);
	struct vfs_file *d;
	cr_assert_eq(vfs_open(NULL, "/proc/1/fd", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &d), 0);
	char dents[512];
	int64_t got = vfs_getdents64(d, dents, sizeof(dents));
	cr_assert_gt(got, 0);
	int names = 0;
	for (int64_t off = 0; off < got;) {
		unsigned short reclen;
		memcpy(&reclen, dents + off + 16, 2);
		const char *name = dents + off + 19;
		if (strcmp(name, ".") && strcmp(name, ".."))
			cr_assert(!strcmp(name, "0") || !strcmp(name, "1") || !strcmp(name, "2") || !strcmp(name, "5"),
				  "%s", name);
		names++;
		off += reclen;
	}
	cr_assert_eq(names, 6);
	vfs_close(d);
	open_fds[3] = -1; /* fd 5 closed */
	cr_assert_eq(vfs_walk(NULL, "/proc/self/fd/5", 0, &vn), -ENOENT);
}

Test(procfs, read_only_and_writable_knobs)
{
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, "/proc/1/count", VFS_O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "x", 1), -EACCES);
	vfs_close(f);
	cr_assert_eq(vfs_open(NULL, "/proc/sys/kernel/knob", VFS_O_WRONLY | VFS_O_TRUNC, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "42", 2), 2);
	vfs_close(f);
	char buf[16];
	cr_assert_eq(slurp("/proc/sys/kernel/knob", buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "42\n");
	cr_assert_eq(vfs_mkdir(NULL, "/proc/new", 0755), -EPERM);
	cr_assert_eq(vfs_unlink(NULL, "/proc/big", 0), -EPERM);
	struct vnode *vn;
	cr_assert_eq(vfs_walk(NULL, "/proc/nothing", 0, &vn), -ENOENT);
	cr_assert_eq(vfs_walk(NULL, "/proc/1/..", 0, &vn), 0);
	cr_assert_eq(vn, proc->root);
}
