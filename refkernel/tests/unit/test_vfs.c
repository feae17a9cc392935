/* test_vfs.c — the path walk and the namespace calls on a fresh ramfs root:
 * "." and ".." (at the root too), symbolic links and their loop limit,
 * trailing slashes, and the errors Linux gives for each case; open flags;
 * a second file system mounted in the tree. */
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
	vfs_ref(fs->root);
}

static void teardown(void)
{
	ramfs_destroy(fs);
	cr_assert_eq(vfsp_host_pages_out(), 0, "pages leaked");
}

TestSuite(vfs, .init = setup, .fini = teardown);

static struct vnode *walk(const char *path, int flags)
{
	struct vnode *vn = NULL;
	int r = vfs_walk(NULL, path, flags, &vn);
	cr_assert_eq(r, 0, "walk %s: %d", path, r);
	return vn;
}

static int walk_err(const char *path, int flags)
{
	struct vnode *vn;
	return vfs_walk(NULL, path, flags, &vn);
}

static void write_file(const char *path, const char *data)
{
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, path, VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC, 0644, &f), 0, "%s", path);
	cr_assert_eq(vfs_write(f, data, strlen(data)), (int64_t)strlen(data));
	vfs_close(f);
}

static void tree(void)
{
	cr_assert_eq(vfs_mkdir(NULL, "/a", 0755), 0);
	cr_assert_eq(vfs_mkdir(NULL, "/a/b", 0755), 0);
	write_file("/a/b/f", "hello");
	cr_assert_eq(vfs_symlink("b/f", NULL, "/a/lf"), 0);
	cr_assert_eq(vfs_symlink("/a/b", NULL, "/lb"), 0);
	cr_assert_eq(vfs_symlink("nowhere", NULL, "/dangling"), 0);
}

Test(vfs, dot_and_dotdot)
{
	tree();
	struct vnode *r = vfs_root(), *b = walk("/a/b", 0);
	cr_assert_eq(walk("/", 0), r);
	cr_assert_eq(walk("/..", 0), r);
	cr_assert_eq(walk("/../../..", 0), r, ".. at the root stays at the root");
	cr_assert_eq(walk("/a/..", 0), r);
	cr_assert_eq(walk("/a/b/../b/./.", 0), b);
	cr_assert_eq(walk("//a///b//", 0), b);
	cr_assert_eq(walk(".", 0), r);
	cr_assert_eq(vfs_chdir(b), 0);
	cr_assert_eq(walk("f", 0), walk("/a/b/f", 0));
	cr_assert_eq(walk("../../..", 0), r);
	cr_assert_eq(walk_err("", 0), -ENOENT);
}

Test(vfs, enoent_enotdir)
{
	tree();
	cr_assert_eq(walk_err("/nope", 0), -ENOENT);
	cr_assert_eq(walk_err("/nope/x", 0), -ENOENT);
	cr_assert_eq(walk_err("/a/b/f/x", 0), -ENOTDIR, "a file in the middle");
	cr_assert_eq(walk_err("/a/b/f/..", 0), -ENOTDIR);
	cr_assert_eq(walk_err("/a/b/f/", 0), -ENOTDIR, "trailing slash on a file");
	cr_assert_eq(walk_err("/a/b/f/.", 0), -ENOTDIR);
	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(walk_err(longname, 0), -ENAMETOOLONG);
}

Test(vfs, symlinks)
{
	tree();
	struct vnode *f = walk("/a/b/f", 0);
	cr_assert(VFS_ISLNK(walk("/a/lf", 0)->mode), "the last link is not followed without VFS_FOLLOW");
	cr_assert_eq(walk("/a/lf", VFS_FOLLOW), f, "relative target from the link's directory");
	cr_assert_eq(walk("/lb/f", 0), f, "absolute target in the middle");
	cr_assert_eq(walk("/lb/", 0), walk("/a/b", 0), "a trailing slash follows the link");
	cr_assert_eq(walk("/lb/../b/f", 0), f, ".. after a link is the target's parent");
	cr_assert_eq(walk_err("/dangling", VFS_FOLLOW), -ENOENT);
	cr_assert(VFS_ISLNK(walk("/dangling", 0)->mode));
	cr_assert_eq(walk_err("/a/lf/", 0), -ENOTDIR, "a link to a file with a slash");
	char buf[64];
	cr_assert_eq(vfs_readlink(walk("/a/lf", 0), buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "b/f", 3), 0);
	cr_assert_eq(vfs_readlink(f, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vfs_symlink("", NULL, "/empty"), -ENOENT);
	cr_assert_eq(vfs_symlink("x", NULL, "/a"), -EEXIST);
}

Test(vfs, symlink_loops)
{
	cr_assert_eq(vfs_symlink("self", NULL, "/self"), 0);
	cr_assert_eq(walk_err("/self", VFS_FOLLOW), -ELOOP);
	cr_assert_eq(walk_err("/self/x", 0), -ELOOP);
	cr_assert_eq(vfs_symlink("/ping", NULL, "/pong"), 0);
	cr_assert_eq(vfs_symlink("/pong", NULL, "/ping"), 0);
	cr_assert_eq(walk_err("/ping/", 0), -ELOOP);
	/* A chain of 40 links resolves; 41 is too many (Linux MAXSYMLINKS). */
	cr_assert_eq(vfs_mkdir(NULL, "/end", 0755), 0);
	char name[32], target[32];
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		if (i == 1)
			snprintf(target, sizeof(target), "/end");
		else
			snprintf(target, sizeof(target), "l%d", i - 1);
		cr_assert_eq(vfs_symlink(target, NULL, name), 0);
	}
	cr_assert_eq(walk("/l40", VFS_FOLLOW), walk("/end", 0));
	cr_assert_eq(walk_err("/l41", VFS_FOLLOW), -ELOOP);
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, "/self", VFS_O_RDONLY, 0, &f), -ELOOP);
}

Test(vfs, trailing_slashes_on_create)
{
	tree();
	cr_assert_eq(vfs_mkdir(NULL, "/d/", 0755), 0, "mkdir accepts a trailing slash");
	cr_assert(VFS_ISDIR(walk("/d", 0)->mode));
	cr_assert_eq(vfs_mkdir(NULL, "/d", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdir(NULL, "/dangling", 0755), -EEXIST, "a dangling link exists");
	cr_assert_eq(vfs_mkdir(NULL, "/", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdir(NULL, "/nope/x", 0755), -ENOENT);
	cr_assert_eq(vfs_mkdir(NULL, "/a/b/f/x", 0755), -ENOTDIR);
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, "/new/", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -EISDIR);
	cr_assert_eq(vfs_open(NULL, "/a/b/f/", VFS_O_RDONLY, 0, &f), -ENOTDIR);
	cr_assert_eq(vfs_unlink(NULL, "/a/b/f/", 0), -ENOTDIR);
	cr_assert_eq(vfs_unlink(NULL, "/d/", VFS_REMOVEDIR), 0, "rmdir accepts a trailing slash");
}

Test(vfs, open_flags)
{
	tree();
	struct vfs_file *f;
	char buf[16];
	cr_assert_eq(vfs_open(NULL, "/a/b/f", VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &f), -EEXIST);
	cr_assert_eq(vfs_open(NULL, "/dangling", VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, 0644, &f), -EEXIST);
	cr_assert_eq(vfs_open(NULL, "/a", VFS_O_WRONLY, 0, &f), -EISDIR);
	cr_assert_eq(vfs_open(NULL, "/a", VFS_O_CREAT | VFS_O_RDONLY, 0644, &f), -EISDIR);
	cr_assert_eq(vfs_open(NULL, "/a/b/f", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), -ENOTDIR);
	cr_assert_eq(vfs_open(NULL, "/a/lf", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0, &f), -ELOOP);
	cr_assert_eq(vfs_open(NULL, "/a", VFS_O_RDWR | VFS_O_TMPFILE, 0600, &f), -EOPNOTSUPP);
	cr_assert_eq(vfs_open(NULL, "/nope", VFS_O_RDONLY, 0, &f), -ENOENT);

	cr_assert_eq(vfs_open(NULL, "/a/lf", VFS_O_RDONLY | VFS_O_NOFOLLOW | VFS_O_PATH, 0, &f), 0);
	cr_assert(VFS_ISLNK(f->vn->mode), "O_PATH|O_NOFOLLOW opens the link itself");
	cr_assert_eq(vfs_read(f, buf, 4), -EBADF);
	vfs_close(f);

	cr_assert_eq(vfs_open(NULL, "/a/lf", VFS_O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(vfs_write(f, "x", 1), -EBADF, "read-only");
	vfs_close(f);

	cr_assert_eq(vfs_open(NULL, "/a/b/f", VFS_O_WRONLY | VFS_O_APPEND, 0, &f), 0);
	cr_assert_eq(vfs_lseek(f, 0, VFS_SEEK_SET), 0);
	cr_assert_eq(vfs_write(f, " world", 6), 6);
	cr_assert_eq(f->vn->size, 11, "O_APPEND writes at the end");
	cr_assert_eq(vfs_read(f, buf, 1), -EBADF, "write-only");
	vfs_close(f);

	cr_assert_eq(vfs_open(NULL, "/a/b/f", VFS_O_RDWR | VFS_O_TRUNC, 0, &f), 0);
	cr_assert_eq(f->vn->size, 0);
	vfs_close(f);

	vfs_umask(077);
	cr_assert_eq(vfs_open(NULL, "/a/m", VFS_O_CREAT | VFS_O_WRONLY, 0666, &f), 0);
	cr_assert_eq(f->vn->mode, VFS_IFREG | 0600, "umask applied");
	vfs_close(f);
	vfs_umask(022);
}

Test(vfs, unlink_rmdir_errors)
{
	tree();
	cr_assert_eq(vfs_unlink(NULL, "/a", 0), -EISDIR);
	cr_assert_eq(vfs_unlink(NULL, "/a/b/f", VFS_REMOVEDIR), -ENOTDIR);
	cr_assert_eq(vfs_unlink(NULL, "/a", VFS_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(vfs_unlink(NULL, "/a/.", VFS_REMOVEDIR), -EINVAL);
	cr_assert_eq(vfs_unlink(NULL, "/a/..", VFS_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(vfs_unlink(NULL, "/", VFS_REMOVEDIR), -EBUSY);
	cr_assert_eq(vfs_unlink(NULL, "/nope", 0), -ENOENT);
	cr_assert_eq(vfs_unlink(NULL, "/lb", 0), 0, "unlink removes the link, not the target");
	cr_assert(VFS_ISDIR(walk("/a/b", 0)->mode));

	/* A removed cwd: lookups and creation in it fail with ENOENT. */
	cr_assert_eq(vfs_mkdir(NULL, "/gone", 0755), 0);
	cr_assert_eq(vfs_chdir(walk("/gone", 0)), 0);
	cr_assert_eq(vfs_unlink(NULL, "/gone", VFS_REMOVEDIR), 0);
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, "x", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), -ENOENT);
	char buf[64];
	cr_assert_eq(vfs_path_of(vfs_cwd(), buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vfs_chdir(vfs_root()), 0);
}

Test(vfs, rename_cases)
{
	tree();
	write_file("/x", "X");
	write_file("/y", "Y");
	struct vnode *x = walk("/x", 0);
	cr_assert_eq(vfs_rename(NULL, "/x", NULL, "/y", 0), 0, "replaces a file");
	cr_assert_eq(walk("/y", 0), x);
	cr_assert_eq(walk_err("/x", 0), -ENOENT);
	cr_assert_eq(vfs_rename(NULL, "/y", NULL, "/a", 0), -EISDIR);
	cr_assert_eq(vfs_rename(NULL, "/a", NULL, "/y", 0), -ENOTDIR);
	cr_assert_eq(vfs_rename(NULL, "/a", NULL, "/a/b/c", 0), -EINVAL, "into its own subtree");
	cr_assert_eq(vfs_rename(NULL, "/nope", NULL, "/z", 0), -ENOENT);
	write_file("/z", "Z");
	cr_assert_eq(vfs_rename(NULL, "/y", NULL, "/z", VFS_RENAME_NOREPLACE), -EEXIST);
	cr_assert_eq(vfs_mkdir(NULL, "/e", 0755), 0);
	cr_assert_eq(vfs_rename(NULL, "/a", NULL, "/e", 0), 0, "a directory replaces an empty one");
	cr_assert_eq(walk("/e/b/../..", 0), vfs_root(), ".. follows the move");
	cr_assert_eq(vfs_mkdir(NULL, "/full", 0755), 0);
	write_file("/full/f", "1");
	cr_assert_eq(vfs_rename(NULL, "/e", NULL, "/full", 0), -ENOTEMPTY);
	cr_assert_eq(vfs_link(NULL, "/z", NULL, "/z2", false), 0);
	cr_assert_eq(vfs_rename(NULL, "/z", NULL, "/z2", 0), 0, "two links to one file: nothing happens");
	cr_assert_eq(walk("/z", 0), walk("/z2", 0));
	char buf[64];
	cr_assert_eq(vfs_path_of(walk("/e/b", 0), buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "/e/b");
	cr_assert_eq(vfs_path_of(vfs_root(), buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "/");
	cr_assert_eq(vfs_path_of(walk("/e/b", 0), buf, 4), -ERANGE);
}

Test(vfs, hard_links)
{
	tree();
	cr_assert_eq(vfs_link(NULL, "/a/b/f", NULL, "/g", false), 0);
	struct vnode *f = walk("/g", 0);
	cr_assert_eq(f, walk("/a/b/f", 0));
	cr_assert_eq(f->nlink, 2);
	cr_assert_eq(vfs_link(NULL, "/a", NULL, "/a2", false), -EPERM, "no links to directories");
	cr_assert_eq(vfs_link(NULL, "/g", NULL, "/a", false), -EEXIST);
	cr_assert_eq(vfs_link(NULL, "/a/lf", NULL, "/lf2", false), 0);
	cr_assert(VFS_ISLNK(walk("/lf2", 0)->mode), "linkat without AT_SYMLINK_FOLLOW links the link");
	cr_assert_eq(vfs_link(NULL, "/a/lf", NULL, "/lf3", true), 0);
	cr_assert_eq(walk("/lf3", 0), f);
	cr_assert_eq(vfs_unlink(NULL, "/a/b/f", 0), 0);
	cr_assert_eq(f->nlink, 2);
	/* Open, then unlinked: the data stays readable until the last close. */
	struct vfs_file *o;
	cr_assert_eq(vfs_open(NULL, "/g", VFS_O_RDONLY, 0, &o), 0);
	cr_assert_eq(vfs_unlink(NULL, "/g", 0), 0);
	cr_assert_eq(vfs_unlink(NULL, "/lf3", 0), 0);
	cr_assert_eq(o->vn->nlink, 0);
	char buf[8];
	cr_assert_eq(vfs_read(o, buf, sizeof(buf)), 5);
	vfs_close(o);
}

Test(vfs, mounts)
{
	tree();
	struct vfs_mount *m = ramfs_new(0, 2);
	cr_assert_not_null(m);
	cr_assert_eq(vfs_mount("/a/b", m), 0);
	cr_assert_eq(walk("/a/b", 0), m->root, "the mounted root covers the directory");
	cr_assert_eq(walk_err("/a/b/f", 0), -ENOENT, "the covered files are hidden");
	cr_assert_eq(vfs_mkdir(NULL, "/a/b/sub", 0755), 0);
	cr_assert_eq(walk("/a/b/sub/../..", 0), walk("/a", 0), ".. climbs out of the mount");
	cr_assert_eq(walk("/a/b/..", 0), walk("/a", 0));
	cr_assert_eq(vfs_unlink(NULL, "/a/b", VFS_REMOVEDIR), -EBUSY);
	write_file("/a/b/in", "1");
	cr_assert_eq(vfs_link(NULL, "/a/b/in", NULL, "/out", false), -EXDEV);
	cr_assert_eq(vfs_rename(NULL, "/a/b/in", NULL, "/out", 0), -EXDEV);
	char buf[64];
	cr_assert_eq(vfs_path_of(walk("/a/b/sub", 0), buf, sizeof(buf)), 9);
	cr_assert_str_eq(buf, "/a/b/sub");
	cr_assert_eq(vfs_mount("/a/b/in", m), -ENOTDIR);
	ramfs_destroy(m);
}

Test(vfs, getdents64)
{
	tree();
	struct vfs_file *d;
	cr_assert_eq(vfs_open(NULL, "/a", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &d), 0);
	char buf[4096];
	int64_t n = vfs_getdents64(d, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	const char *names[8];
	int count = 0;
	for (int64_t off = 0; off < n;) {
		uint16_t reclen;
		memcpy(&reclen, buf + off + 16, 2);
		cr_assert_eq(reclen % 8, 0);
		names[count++] = buf + off + 19;
		off += reclen;
	}
	cr_assert_eq(count, 4);
	cr_assert_str_eq(names[0], ".");
	cr_assert_str_eq(names[1], "..");
	cr_assert_str_eq(names[2], "b");
	cr_assert_str_eq(names[3], "lf");
	cr_assert_eq(vfs_getdents64(d, buf, sizeof(buf)), 0, "then the end");
	cr_assert_eq(vfs_lseek(d, 0, VFS_SEEK_SET), 0);
	cr_assert_eq(vfs_getdents64(d, buf, 20), -EINVAL, "too small for one record");
	cr_assert_eq(vfs_getdents64(d, buf, 24), 24, "exactly one");
	cr_assert_eq(vfs_read(d, buf, 1), -EISDIR);
	vfs_close(d);
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, "/a/b/f", VFS_O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_getdents64(f, buf, sizeof(buf)), -ENOTDIR);
	vfs_close(f);
}

Test(vfs, devices)
{
	cr_assert_eq(dev_populate(vfs_root()), 0);
	cr_assert_eq(dev_populate(vfs_root()), 0, "twice: what exists stays");
	struct vfs_file *f;
	char buf[8] = "xxxxxxx";
	cr_assert_eq(vfs_open(NULL, "/dev/zero", VFS_O_RDWR, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, 8), 8);
	cr_assert_eq(buf[3], 0);
	cr_assert_eq(vfs_write(f, buf, 8), 8);
	vfs_close(f);
	cr_assert_eq(vfs_open(NULL, "/dev/full", VFS_O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, buf, 8), -ENOSPC);
	vfs_close(f);
	cr_assert_eq(vfs_open(NULL, "/dev/null", VFS_O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, 8), 0);
	vfs_close(f);
	cr_assert(VFS_ISDIR(walk("/dev/shm", 0)->mode));
	cr_assert_eq(walk("/dev/shm", 0)->mode & 07777, 01777);
	cr_assert(VFS_ISLNK(walk("/dev/stdout", 0)->mode));
	cr_assert_eq(vfs_mknod(NULL, "/dev/odd", VFS_IFCHR | 0600, VFS_DEV(42, 0), NULL), 0);
	cr_assert_eq(vfs_open(NULL, "/dev/odd", VFS_O_RDONLY, 0, &f), -ENXIO);
}

/* Device reads and writes at the file position go straight to dev.c:
 * the access mode still counts. A socket file (what an AF_UNIX bind makes)
 * is a node like any other: its name exists (EEXIST), unlink removes it,
 * open is ENXIO. */
Test(vfs, device_access_and_socket_nodes)
{
	cr_assert_eq(dev_populate(vfs_root()), 0);
	struct vfs_file *f;
	char buf[4] = "abc";
	cr_assert_eq(vfs_open(NULL, "/dev/null", VFS_O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, buf, 3), -EBADF, "read-only");
	vfs_close(f);
	cr_assert_eq(vfs_open(NULL, "/dev/zero", VFS_O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, 3), -EBADF, "write-only");
	cr_assert_eq(vfs_write(f, buf, 3), 3);
	cr_assert_eq(f->pos, 0, "a device has no position");
	vfs_close(f);
	struct vnode *vn;
	cr_assert_eq(vfs_mkdir(NULL, "/run", 0755), 0);
	cr_assert_eq(vfs_mknod(NULL, "/run/s", VFS_IFSOCK | 0777, 0, &vn), 0);
	cr_assert(VFS_ISTYPE(walk("/run/s", 0)->mode, VFS_IFSOCK));
	cr_assert_eq(walk("/run/s", 0)->mode & 0777, 0755, "0777 less the umask");
	cr_assert_eq(vfs_mknod(NULL, "/run/s", VFS_IFSOCK | 0777, 0, NULL), -EEXIST);
	cr_assert_eq(vfs_open(NULL, "/run/s", VFS_O_RDWR, 0, &f), -ENXIO);
	cr_assert_eq(vfs_mknod(NULL, "/nodir/s", VFS_IFSOCK | 0777, 0, NULL), -ENOENT);
	cr_assert_eq(vfs_unlink(NULL, "/run/s", 0), 0);
	cr_assert_eq(vfs_walk(NULL, "/run/s", 0, &vn), -ENOENT);
}
