/* test_cpio.c — the newc reader: an archive made by the host's cpio(1)
 * (files, directories, symlinks, hard links, modes, owners, mtimes), a
 * second archive laid over the first, concatenated archives, and forged
 * archives broken in one way each: a clean -EINVAL naming the problem. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfs.h"
#include "../../fs/platform_host.h"

static struct vfs_mount *fs;

static void setup(void)
{
	vfsp_host_page_limit(UINT64_MAX);
	vfsp_host_fail_allocs_after(-1);
	fs = ramfs_new(0, 1);
	vfs_init(fs->root);
}

static void teardown(void)
{
	ramfs_destroy(fs);
	cr_assert_eq(vfsp_host_pages_out(), 0);
}

TestSuite(cpio, .init = setup, .fini = teardown);

/* Append one newc entry to (buf) at (*len). */
static void entry(char *buf, size_t *len, const char *name, unsigned mode, unsigned ino,
		  unsigned nlink, const char *data, size_t dlen)
{
	size_t n = strlen(name) + 1;
	*len += (size_t)sprintf(buf + *len, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
				ino, mode, 1000, 100, nlink, 1700000000, dlen, 0, 0, 0, 0, n, 0);
	memcpy(buf + *len, name, n);
	*len += n;
	while (*len % 4)
		buf[(*len)++] = 0;
	memcpy(buf + *len, data, dlen);
	*len += dlen;
	while (*len % 4)
		buf[(*len)++] = 0;
}

static void trailer(char *buf, size_t *len)
{
	entry(buf, len, "TRAILER!!!", 0, 0, 1, "", 0);
}

static struct vnode *walk(const char *path)
{
	struct vnode *vn;
	int r = vfs_walk(NULL, path, 0, &vn);
	cr_assert_eq(r, 0, "%s: %d", path, r);
	return vn;
}

static void read_all(const char *path, char *out, size_t n)
{
	struct vfs_file *f;
	cr_assert_eq(vfs_open(NULL, path, VFS_O_RDONLY, 0, &f), 0, "%s", path);
	int64_t r = vfs_read(f, out, n - 1);
	cr_assert_geq(r, 0);
	out[r] = 0;
	vfs_close(f);
}

Test(cpio, host_cpio_archive)
{
	if (system("command -v cpio >/dev/null 2>&1") != 0)
		cr_skip_test("cpio(1) not installed");
	char dir[] = "/tmp/vfs-cpio-XXXXXX", cmd[512];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p t/etc t/usr/lib && echo hi > t/etc/motd && chmod 640 t/etc/motd && "
		 "printf 'abc' > t/usr/lib/libx.so.1 && ln -s libx.so.1 t/usr/lib/libx.so && "
		 "ln -s usr/lib t/lib && ln t/etc/motd t/etc/motd2 && "
		 "(cd t && find . | sort | cpio -o -H newc --quiet > ../a.cpio)", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/a.cpio", dir);
	FILE *f = fopen(cmd, "rb");
	static char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);

	struct cpio_error why = { 0 };
	cr_assert_eq(cpio_load(fs->root, buf, len, &why), 0, "%s at %lu", why.what, (unsigned long)why.offset);
	char s[64];
	read_all("/etc/motd", s, sizeof(s));
	cr_assert_str_eq(s, "hi\n");
	struct vnode *motd = walk("/etc/motd");
	cr_assert_eq(motd->mode, VFS_IFREG | 0640);
	cr_assert_eq(motd, walk("/etc/motd2"), "hard links are one file");
	cr_assert_eq(motd->nlink, 2);
	cr_assert_eq(motd->uid, (uint32_t)getuid());
	read_all("/lib/libx.so", s, sizeof(s));
	cr_assert_str_eq(s, "abc", "through two symbolic links");
	cr_assert_eq(ramfs_pages_used(fs), 0, "file data is served from the archive");
	cr_assert_neq(ramfs_contiguous(walk("/usr/lib/libx.so.1")), NULL);
}

Test(cpio, entries_types_attrs_overlay)
{
	static char a[4096], b[4096];
	size_t la = 0, lb = 0;
	entry(a, &la, ".", 040755, 1, 2, "", 0);
	entry(a, &la, "etc", 040700, 2, 2, "", 0);
	entry(a, &la, "etc/conf", 0100600, 3, 1, "old", 3);
	entry(a, &la, "bin/deep/tool", 0100755, 4, 1, "T", 1);
	entry(a, &la, "link", 0120777, 5, 1, "etc/conf", 8);
	entry(a, &la, "dev/null", 020666, 6, 1, "", 0);
	entry(a, &la, "h1", 0100644, 7, 2, "", 0);
	entry(a, &la, "h2", 0100644, 7, 2, "data", 4);
	trailer(a, &la);
	entry(b, &lb, "./etc", 040755, 1, 2, "", 0);
	entry(b, &lb, "etc/conf", 0100644, 2, 1, "new!", 4);
	entry(b, &lb, "/link", 0100644, 3, 1, "plain", 5);
	trailer(b, &lb);
	cr_assert_eq(cpio_load(fs->root, a, la, NULL), 0);
	struct vnode *etc = walk("/etc");
	cr_assert_eq(etc->mode, VFS_IFDIR | 0700);
	cr_assert_eq(etc->mtime_ns, 1700000000LL * 1000000000LL);
	cr_assert_eq(etc->uid, 1000);
	cr_assert_eq(etc->gid, 100);
	cr_assert(VFS_ISDIR(walk("/bin/deep")->mode), "missing parents are made");
	cr_assert(VFS_ISLNK(walk("/link")->mode));
	cr_assert(VFS_ISCHR(walk("/dev/null")->mode));
	cr_assert_eq(walk("/dev/null")->rdev, 0);
	char s[16];
	read_all("/h1", s, sizeof(s));
	cr_assert_str_eq(s, "data", "newc keeps the data with the last link");
	cr_assert_eq(walk("/h1"), walk("/h2"));

	/* The second archive lays over the first: the directory stays, files
	 * and links are replaced. Concatenated with NUL padding between. */
	static char both[8192];
	memcpy(both, a, la);
	memset(both + la, 0, 512);
	memcpy(both + la + 512, b, lb);
	ramfs_destroy(fs);
	fs = ramfs_new(0, 1);
	vfs_init(fs->root);
	cr_assert_eq(cpio_load(fs->root, both, la + 512 + lb, NULL), 0);
	cr_assert_eq(walk("/etc")->mode, VFS_IFDIR | 0755);
	read_all("/etc/conf", s, sizeof(s));
	cr_assert_str_eq(s, "new!");
	cr_assert(VFS_ISREG(walk("/link")->mode));
	read_all("/bin/deep/tool", s, sizeof(s));
	cr_assert_str_eq(s, "T", "entries of the first archive stay");
}

static int load_err(const char *buf, size_t len, const char *want)
{
	struct cpio_error why = { 0, NULL };
	int r = cpio_load(fs->root, buf, len, &why);
	if (want) {
		cr_assert_not_null(why.what);
		cr_assert(strstr(why.what, want), "got \"%s\", want \"%s\"", why.what, want);
	}
	return r;
}

Test(cpio, malformed)
{
	static char a[4096];
	size_t la = 0;
	entry(a, &la, "file", 0100644, 1, 1, "0123456789", 10);
	trailer(a, &la);
	size_t first = 116 + 10; /* header and "file\0" padded, the data */

	cr_assert_eq(load_err("garbage!", 8, "truncated"), -EINVAL);
	static char bad[4096];
	memcpy(bad, a, la);
	memcpy(bad, "070707", 6);
	cr_assert_eq(load_err(bad, la, "magic"), -EINVAL, "odc is not newc");
	memcpy(bad, a, la);
	bad[20] = 'g';
	cr_assert_eq(load_err(bad, la, "hexadecimal"), -EINVAL);
	for (size_t cut = 1; cut < first; cut++) {
		ramfs_destroy(fs);
		fs = ramfs_new(0, 1);
		vfs_init(fs->root);
		cr_assert_eq(cpio_load(fs->root, a, cut, NULL), -EINVAL, "cut at %zu", cut);
	}
	memcpy(bad, a, la);
	memcpy(bad + 54, "7FFFFFFF", 8); /* filesize */
	cr_assert_eq(load_err(bad, la, "past the end"), -EINVAL);
	memcpy(bad, a, la);
	memcpy(bad + 94, "FFFFFFFF", 8); /* namesize */
	cr_assert_eq(load_err(bad, la, "name size"), -EINVAL);
	memcpy(bad, a, la);
	memcpy(bad + 94, "00000003", 8); /* "fi" + no NUL where the size says */
	cr_assert_eq(load_err(bad, la, "NUL"), -EINVAL);
	memcpy(bad, a, la);
	memcpy(bad + 94, "00000000", 8);
	cr_assert_eq(load_err(bad, la, "name size"), -EINVAL);

	static char evil[1024];
	size_t le = 0;
	entry(evil, &le, "../escape", 0100644, 1, 1, "x", 1);
	cr_assert_eq(load_err(evil, le, ".."), -EINVAL);
	le = 0;
	entry(evil, &le, "a/../../b", 0100644, 1, 1, "x", 1);
	cr_assert_eq(load_err(evil, le, ".."), -EINVAL);
	le = 0;
	entry(evil, &le, "weird", 0170644, 1, 1, "", 0);
	cr_assert_eq(load_err(evil, le, "file type"), -EINVAL);
	le = 0;
	entry(evil, &le, "emptylink", 0120777, 1, 1, "", 0);
	cr_assert_eq(load_err(evil, le, "symlink"), -EINVAL);
	le = 0;
	entry(evil, &le, "nullink", 0120777, 1, 1, "a\0b", 3);
	cr_assert_eq(load_err(evil, le, "symlink"), -EINVAL);
	/* A file where a directory is needed as a parent. */
	le = 0;
	entry(evil, &le, "f", 0100644, 1, 1, "x", 1);
	entry(evil, &le, "f/g", 0100644, 2, 1, "y", 1);
	cr_assert_eq(load_err(evil, le, "cannot create"), -ENOTDIR);
	/* Nothing after the trailer but NULs, and no trailer at all: both fine. */
	memcpy(bad, a, la);
	memset(bad + la, 0, 100);
	cr_assert_eq(load_err(bad, la + 100, NULL), 0);
	cr_assert_eq(load_err(a, first, NULL), 0);
}

Test(cpio, out_of_memory_is_reported)
{
	static char a[1 << 14];
	size_t la = 0;
	for (int i = 0; i < 50; i++) {
		char name[16];
		snprintf(name, sizeof(name), "d%d/f", i);
		entry(a, &la, name, 0100644, (unsigned)i + 1, 1, "x", 1);
	}
	vfsp_host_fail_allocs_after(30);
	struct cpio_error why = { 0 };
	int r = cpio_load(fs->root, a, la, &why);
	vfsp_host_fail_allocs_after(-1);
	cr_assert_eq(r, -ENOMEM);
	cr_assert_str_eq(why.what, "out of memory");
}
