/* dev.c — character devices by number (Linux Documentation/admin-guide/
 * devices.txt: 1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom,
 * 5:0 tty, 5:1 console) and the /dev directory that names them. The node
 * may sit in any file system: open goes by its rdev, as on Linux. */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"

enum { D_NULL, D_ZERO, D_FULL, D_RANDOM, D_TTY };

static const struct { const char *name; uint64_t rdev; int kind; uint32_t perm; } devs[] = {
	{ "null", VFS_DEV(1, 3), D_NULL, 0666 },     { "zero", VFS_DEV(1, 5), D_ZERO, 0666 },
	{ "full", VFS_DEV(1, 7), D_FULL, 0666 },     { "random", VFS_DEV(1, 8), D_RANDOM, 0666 },
	{ "urandom", VFS_DEV(1, 9), D_RANDOM, 0666 }, { "tty", VFS_DEV(5, 0), D_TTY, 0666 },
	{ "console", VFS_DEV(5, 1), D_TTY, 0600 },
};

static int kind_of(uint64_t rdev) /* as devs[] says, as a switch: on every console write */
{
	switch (rdev) {
	case VFS_DEV(1, 3): return D_NULL;
	case VFS_DEV(1, 5): return D_ZERO;
	case VFS_DEV(1, 7): return D_FULL;
	case VFS_DEV(1, 8): case VFS_DEV(1, 9): return D_RANDOM;
	case VFS_DEV(5, 0): case VFS_DEV(5, 1): return D_TTY;
	default: return -1;
	}
}

bool dev_known(uint64_t rdev) { return kind_of(rdev) >= 0; }
bool dev_is_tty(uint64_t rdev) { return kind_of(rdev) == D_TTY; }

int64_t dev_read(uint64_t rdev, void *buf, uint64_t n)
{
	switch (kind_of(rdev)) {
	case D_NULL: return 0;
	case D_ZERO: case D_FULL: memset(buf, 0, n); return (int64_t)n;
	case D_RANDOM: vfsp_random(buf, n); return (int64_t)n;
	case D_TTY: return n ? vfsp_console_read(buf, n) : 0;
	default: return -ENXIO;
	}
}

int64_t dev_write(uint64_t rdev, const void *buf, uint64_t n)
{
	switch (kind_of(rdev)) {
	case D_NULL: case D_ZERO: case D_RANDOM: return (int64_t)n;
	case D_FULL: return -ENOSPC;
	case D_TTY: vfsp_console_write(buf, n); return (int64_t)n;
	default: return -ENXIO;
	}
}

bool dev_readable(uint64_t rdev)
{
	return kind_of(rdev) != D_TTY || vfsp_console_readable();
}

static const struct { const char *name, *target; } links[] = {
	{ "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "fd", "/proc/self/fd" },
};

int dev_populate(struct vnode *root)
{
	struct vnode *dev, *vn;
	int r = vfs_mknod(root, "dev", VFS_IFDIR | 0755, 0, &dev);
	if (r && r != -EEXIST)
		return r;
	if ((r = vfs_walk(root, "dev", VFS_FOLLOW, &dev)))
		return r;
	if (!VFS_ISDIR(dev->mode))
		return -ENOTDIR;
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		r = vfs_mknod(dev, devs[i].name, VFS_IFCHR, devs[i].rdev, &vn);
		if (r == 0)
			vn->mode = VFS_IFCHR | devs[i].perm;
		else if (r != -EEXIST)
			return r;
	}
	r = vfs_mknod(dev, "shm", VFS_IFDIR, 0, &vn);
	if (r == 0)
		vn->mode = VFS_IFDIR | 01777;
	else if (r != -EEXIST)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if ((r = vfs_symlink(links[i].target, dev, links[i].name)) && r != -EEXIST)
			return r;
	return 0;
}
