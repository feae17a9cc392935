/* file.c — open files on the VFS (contract in vfs.h): read and write at the
 * file position or at an offset, lseek, getdents64. Device nodes go to
 * dev.c by their rdev, whatever file system holds them. */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"

struct vfs_file *vfs_file_of(struct vnode *vn, int flags)
{
	struct vfs_file *f = vfsp_alloc(sizeof(*f));
	if (!f)
		return NULL;
	f->vn = vn;
	f->flags = flags & ~(VFS_O_CREAT | VFS_O_EXCL | VFS_O_TRUNC | VFS_O_CLOEXEC | VFS_O_NOCTTY);
	f->refs = 1;
	vfs_ref(vn);
	return f;
}

void vfs_close(struct vfs_file *f)
{
	if (--f->refs > 0)
		return;
	vfs_unref(f->vn);
	vfsp_free(f);
}

static int can(const struct vfs_file *f, bool write)
{
	int acc = f->flags & VFS_O_ACCMODE;
	if ((f->flags & VFS_O_PATH) || acc == (write ? VFS_O_RDONLY : VFS_O_WRONLY))
		return -EBADF;
	if (VFS_ISDIR(f->vn->mode))
		return -EISDIR;
	return 0;
}

int64_t vfs_pread(struct vfs_file *f, void *buf, uint64_t n, uint64_t off)
{
	int r = can(f, false);
	if (r)
		return r;
	if (VFS_ISCHR(f->vn->mode))
		return dev_read(f->vn->rdev, buf, n);
	if (!f->vn->ops->read)
		return -EINVAL;
	return f->vn->ops->read(f->vn, buf, n, off);
}

int64_t vfs_pwrite(struct vfs_file *f, const void *buf, uint64_t n, uint64_t off)
{
	int r = can(f, true);
	if (r)
		return r;
	if (VFS_ISCHR(f->vn->mode))
		return dev_write(f->vn->rdev, buf, n);
	if (!f->vn->ops->write)
		return -EINVAL;
	if (n == 0)
		return 0;
	return f->vn->ops->write(f->vn, buf, n, off);
}

/* read/write at the position; a device has none and goes straight to dev.c. */
int64_t vfs_read(struct vfs_file *f, void *buf, uint64_t n)
{
	if (VFS_ISCHR(f->vn->mode)) {
		int r = can(f, false);
		return r ? r : dev_read(f->vn->rdev, buf, n);
	}
	int64_t r = vfs_pread(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

int64_t vfs_write(struct vfs_file *f, const void *buf, uint64_t n)
{
	if (VFS_ISCHR(f->vn->mode)) {
		int r = can(f, true);
		return r ? r : dev_write(f->vn->rdev, buf, n);
	}
	if ((f->flags & VFS_O_APPEND) && VFS_ISREG(f->vn->mode) && can(f, true) == 0)
		f->pos = f->vn->size;
	int64_t r = vfs_pwrite(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence)
{
	struct vnode *vn = f->vn;
	if (f->flags & VFS_O_PATH)
		return -EBADF;
	if (VFS_ISCHR(vn->mode))
		return 0; /* as Linux's /dev/null and friends */
	int64_t base, size = (int64_t)vn->size;
	switch (whence) {
	case VFS_SEEK_SET: base = 0; break;
	case VFS_SEEK_CUR: base = (int64_t)f->pos; break;
	case VFS_SEEK_END: base = size; break;
	case VFS_SEEK_DATA: /* no holes are reported: data to the end */
	case VFS_SEEK_HOLE:
		if (VFS_ISDIR(vn->mode))
			return -EINVAL;
		if (off < 0 || off >= size)
			return -ENXIO;
		f->pos = (uint64_t)(whence == VFS_SEEK_DATA ? off : size);
		return (int64_t)f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

/* struct linux_dirent64 */
struct dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
} __attribute__((packed));

int64_t vfs_getdents64(struct vfs_file *f, void *buf, size_t n)
{
	struct vnode *dir = f->vn;
	if (f->flags & VFS_O_PATH)
		return -EBADF;
	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!dir->ops->readdir)
		return 0;
	size_t used = 0;
	for (;;) {
		uint64_t pos = f->pos;
		struct vfs_dirent e;
		if (dir->ops->readdir(dir, &pos, &e) != 1)
			break;
		size_t reclen = ALIGN_UP(sizeof(struct dirent64) + e.len + 1, (size_t)8);
		if (reclen > n - used) {
			if (!used)
				return -EINVAL;
			break;
		}
		struct dirent64 *d = (struct dirent64 *)((uint8_t *)buf + used);
		d->d_ino = e.ino;
		d->d_off = (int64_t)pos;
		d->d_reclen = (uint16_t)reclen;
		d->d_type = (uint8_t)((e.mode & VFS_IFMT) >> 12);
		memcpy(d->d_name, e.name, e.len);
		memset(d->d_name + e.len, 0, reclen - sizeof(*d) - e.len);
		used += reclen;
		f->pos = pos;
	}
	return (int64_t)used;
}

bool vfs_readable(const struct vfs_file *f)
{
	return !VFS_ISCHR(f->vn->mode) || dev_readable(f->vn->rdev);
}
