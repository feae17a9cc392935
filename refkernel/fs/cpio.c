/* cpio.c — unpack cpio "newc" archives (the initramfs format, Linux
 * Documentation/driver-api/early-userspace/buffer-format.rst) into a
 * directory (contract in vfs.h). Each entry: a 110-byte header of ASCII hex
 * fields, the NUL-terminated name, padding to 4, the data, padding to 4;
 * "TRAILER!!!" ends an archive, and another may follow after NUL padding.
 * Every field is checked against the bytes there are before it is used. */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"

#define HDR_LEN 110

struct hdr {
	uint64_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint64_t devmajor, devminor, rdevmajor, rdevminor, namesize;
};

/* Hard links seen in this archive: (dev, ino) -> the vnode made first;
 * and directories, whose mtimes are set at the end (entries added to them
 * change them), as Linux's initramfs unpacker does. */
struct links {
	struct { uint64_t dev, ino; struct vnode *vn; } *v;
	size_t n, cap;
	struct { struct vnode *vn; int64_t mtime; } *dirs;
	size_t ndirs, dcap;
};

static int dir_add(struct links *l, struct vnode *vn, int64_t mtime)
{
	if (l->ndirs == l->dcap) {
		size_t cap = l->dcap ? 2 * l->dcap : 16;
		void *v = vfsp_alloc(cap * sizeof(l->dirs[0]));
		if (!v)
			return -ENOMEM;
		if (l->ndirs)
			memcpy(v, l->dirs, l->ndirs * sizeof(l->dirs[0]));
		vfsp_free(l->dirs);
		l->dirs = v;
		l->dcap = cap;
	}
	l->dirs[l->ndirs].vn = vn;
	l->dirs[l->ndirs].mtime = mtime;
	l->ndirs++;
	return 0;
}

static void dir_forget(struct links *l, struct vnode *vn)
{
	for (size_t i = 0; i < l->ndirs;)
		if (l->dirs[i].vn == vn)
			l->dirs[i] = l->dirs[--l->ndirs];
		else
			i++;
}

/* Set the directories' mtimes (dir_forget() took out the removed ones). */
static void dirs_done(struct links *l)
{
	for (size_t i = 0; i < l->ndirs; i++)
		l->dirs[i].vn->mtime_ns = l->dirs[i].mtime;
	l->ndirs = 0;
}

static int fail(struct cpio_error *why, uint64_t off, const char *what)
{
	if (why) {
		why->offset = off;
		why->what = what;
	}
	return -EINVAL;
}

static bool hex8(const uint8_t *p, uint64_t *out)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static bool parse_hdr(const uint8_t *p, struct hdr *h)
{
	uint64_t *f[] = { &h->ino, &h->mode, &h->uid, &h->gid, &h->nlink, &h->mtime, &h->filesize,
			  &h->devmajor, &h->devminor, &h->rdevmajor, &h->rdevminor, &h->namesize };
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (!hex8(p + 6 + 8 * i, f[i]))
			return false;
	uint64_t check;
	return hex8(p + 102, &check);
}

/* "./a/b", "/a/b" -> "a/b"; "." and "" -> "" (the root itself).
 * False when a component is "..". */
static bool normalise(const char *name, const char **out)
{
	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else if (name[0] == '.' && name[1] == 0)
			name++;
		else
			break;
	}
	for (const char *c = name; *c;) {
		const char *e = c;
		while (*e && *e != '/')
			e++;
		if (e - c == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c = *e ? e + 1 : e;
	}
	*out = name;
	return true;
}

/* Make the directories above (path) that are missing (0755, root's). */
static int make_parents(struct vnode *root, const char *path)
{
	size_t n = strlen(path);
	char *buf = vfsp_alloc(n + 1);
	int r = 0;
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i < n && !r; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = 0;
		r = vfs_mknod(root, buf, VFS_IFDIR | 0755, 0, NULL);
		buf[i] = '/';
		if (r == -EEXIST)
			r = 0;
	}
	vfsp_free(buf);
	return r;
}

/* Clear the way for a new entry of type (mode) at (path). 1: a directory
 * is there and stays (its attributes are updated). */
static int clear_path(struct vnode *root, const char *path, uint32_t mode, struct vnode **keep,
		      struct links *l)
{
	struct vnode *vn;
	int r = vfs_walk(root, path, 0, &vn);
	if (r == -ENOENT)
		return make_parents(root, path);
	if (r)
		return r;
	if (VFS_ISDIR(vn->mode) && VFS_ISDIR(mode)) {
		*keep = vn;
		return 1;
	}
	if (!VFS_ISDIR(vn->mode))
		return vfs_unlink(root, path, 0);
	r = vfs_unlink(root, path, VFS_REMOVEDIR);
	if (r == 0)
		dir_forget(l, vn);
	return r;
}

static struct vnode *link_find(struct links *l, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dev == dev && l->v[i].ino == ino)
			return l->v[i].vn;
	return NULL;
}

static int link_add(struct links *l, uint64_t dev, uint64_t ino, struct vnode *vn)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *v = vfsp_alloc(cap * sizeof(l->v[0]));
		if (!v)
			return -ENOMEM;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(l->v[0]));
		vfsp_free(l->v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].dev = dev;
	l->v[l->n].ino = ino;
	l->v[l->n].vn = vn;
	l->n++;
	return 0;
}

static void set_attrs(struct vnode *vn, const struct hdr *h)
{
	vn->mode = (vn->mode & VFS_IFMT) | ((uint32_t)h->mode & 07777);
	vn->uid = (uint32_t)h->uid;
	vn->gid = (uint32_t)h->gid;
	vn->mtime_ns = vn->ctime_ns = vn->atime_ns = (int64_t)(h->mtime * 1000000000ULL);
}

static int add_entry(struct vnode *root, const struct hdr *h, const char *path,
		     const uint8_t *data, struct links *links)
{
	uint32_t type = (uint32_t)h->mode & VFS_IFMT;
	struct vnode *vn = NULL;
	if (!path[0]) { /* "." : the root's own attributes */
		if (type != VFS_IFDIR)
			return 0;
		set_attrs(root, h);
		return dir_add(links, root, root->mtime_ns);
	}
	int r = clear_path(root, path, type, &vn, links);
	if (r < 0)
		return r;
	if (r == 1) {
		set_attrs(vn, h);
		return dir_add(links, vn, vn->mtime_ns);
	}
	uint64_t dev = h->devmajor << 32 | h->devminor;
	switch (type) {
	case VFS_IFREG: {
		struct vnode *first = h->nlink > 1 ? link_find(links, dev, h->ino) : NULL;
		if (first) {
			struct vfs_parent p;
			if ((r = vfs_walk_parent(root, path, &p)))
				return r;
			if ((r = first->ops->link(p.dir, p.name, p.len, first)))
				return r;
			vn = first;
		} else {
			if ((r = vfs_mknod(root, path, VFS_IFREG | 0600, 0, &vn)))
				return r;
			if (h->nlink > 1 && (r = link_add(links, dev, h->ino, vn)))
				return r;
		}
		if (h->filesize && (r = ramfs_set_extern(vn, data, h->filesize)))
			return r;
		break;
	}
	case VFS_IFDIR:
		if ((r = vfs_mknod(root, path, VFS_IFDIR | 0700, 0, &vn)))
			return r;
		break;
	case VFS_IFLNK: {
		if (h->filesize == 0 || h->filesize >= VFS_PATH_MAX)
			return -EINVAL;
		for (uint64_t i = 0; i < h->filesize; i++)
			if (!data[i])
				return -EINVAL;
		char *target = vfsp_alloc(h->filesize + 1);
		if (!target)
			return -ENOMEM;
		memcpy(target, data, h->filesize);
		r = vfs_symlink(target, root, path);
		vfsp_free(target);
		if (r || (r = vfs_walk(root, path, 0, &vn)))
			return r;
		break;
	}
	case VFS_IFCHR: case VFS_IFBLK: case VFS_IFIFO: case VFS_IFSOCK:
		if ((r = vfs_mknod(root, path, type | 0600, VFS_DEV(h->rdevmajor, h->rdevminor), &vn)))
			return r;
		break;
	default:
		return -EINVAL;
	}
	set_attrs(vn, h);
	return type == VFS_IFDIR ? dir_add(links, vn, vn->mtime_ns) : 0;
}

int cpio_load(struct vnode *root, const void *buf, size_t len, struct cpio_error *why)
{
	const uint8_t *a = buf;
	struct links links = { 0 };
	uint64_t off = 0;
	int r = 0;
	while (off < len) {
		if (a[off] == 0) { /* padding between concatenated archives */
			off++;
			continue;
		}
		struct hdr h;
		if (off % 4) {
			r = fail(why, off, "archive not aligned to 4 bytes");
			break;
		}
		if (len - off < HDR_LEN) {
			r = fail(why, off, "truncated header");
			break;
		}
		if (memcmp(a + off, "070701", 6) != 0 && memcmp(a + off, "070702", 6) != 0) {
			r = fail(why, off, "not a cpio newc header (magic 070701)");
			break;
		}
		if (!parse_hdr(a + off, &h)) {
			r = fail(why, off, "header field is not hexadecimal");
			break;
		}
		if (h.namesize < 2 || h.namesize > VFS_PATH_MAX || h.namesize > len - off - HDR_LEN) {
			r = fail(why, off, "name size out of range");
			break;
		}
		const char *name = (const char *)a + off + HDR_LEN;
		if (name[h.namesize - 1] != 0 || strlen(name) != h.namesize - 1) {
			r = fail(why, off, "name not NUL-terminated where its size says");
			break;
		}
		uint64_t data_off = ALIGN_UP(off + HDR_LEN + h.namesize, 4);
		if (data_off > len || h.filesize > len - data_off) {
			r = fail(why, off, "file data past the end of the archive");
			break;
		}
		uint64_t next = ALIGN_UP(data_off + h.filesize, 4);
		if (strcmp(name, "TRAILER!!!") == 0) {
			links.n = 0; /* inode numbers are per archive */
			dirs_done(&links);
			off = next;
			continue;
		}
		const char *path;
		if (!normalise(name, &path)) {
			r = fail(why, off, "name with a \"..\" component");
			break;
		}
		r = add_entry(root, &h, path, a + data_off, &links);
		if (r == -EINVAL) {
			r = fail(why, off, "bad entry (file type or symlink target)");
			break;
		}
		if (r) {
			if (why) {
				why->offset = off;
				why->what = r == -ENOSPC || r == -ENOMEM ? "out of memory" : "cannot create the entry";
			}
			break;
		}
		off = next;
	}
	dirs_done(&links);
	vfsp_free(links.v);
	vfsp_free(links.dirs);
	return r;
}
