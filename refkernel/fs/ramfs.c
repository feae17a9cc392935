/* ramfs.c — the in-memory file system of the root (contract in vfs.h).
 * A directory is a list of entries in creation order, each with a cookie
 * that readdir positions on (stable while entries come and go). A regular
 * file is a vector of owned 4 KiB pages over an optional read-only extern
 * range (archive data served in place): page i comes from pages[i] if
 * owned, else from the extern bytes below ext_len, else it is a hole of
 * zeros. The first write to a page copies it. Data pages are counted
 * against the file system's limit and the platform's memory (-ENOSPC). */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"

#define RAMFS_MAGIC 0x858458f6 /* Linux's RAMFS_MAGIC */

struct rdirent {
	struct rdirent *next;
	struct vnode *vn;
	uint64_t cookie;
	uint32_t len;
	char name[];
};

struct rnode {
	struct vnode vn;
	union {
		struct { struct rdirent *head, **tail; uint64_t next_cookie, count; } d;
		struct { const uint8_t *ext; uint64_t ext_len; void **pages; uint64_t cap; } f;
		struct { char *target; } l;
	};
};

struct ramfs {
	struct vfs_mount m;
	uint64_t pages, max_pages, next_ino, nodes;
};

static const struct vnode_ops ramfs_ops;

static struct ramfs *fs_of(struct vnode *vn) { return (struct ramfs *)vn->mnt; }
static struct rnode *rn(struct vnode *vn) { return (struct rnode *)vn; }

static void touch(struct vnode *vn, bool data)
{
	int64_t now = vfs_now();
	vn->ctime_ns = now;
	if (data)
		vn->mtime_ns = now;
}

static struct rnode *node_new(struct ramfs *fs, uint32_t mode)
{
	struct rnode *n = vfsp_alloc(sizeof(*n));
	if (!n)
		return NULL;
	n->vn.ops = &ramfs_ops;
	n->vn.mnt = &fs->m;
	n->vn.ino = fs->next_ino++;
	n->vn.mode = mode;
	n->vn.atime_ns = n->vn.mtime_ns = n->vn.ctime_ns = vfs_now();
	if (VFS_ISDIR(mode)) {
		n->d.tail = &n->d.head;
		n->d.next_cookie = 2; /* 0 and 1: "." and ".." */
		n->vn.size = 4096;
	}
	fs->nodes++;
	return n;
}

static void file_free_pages(struct ramfs *fs, struct rnode *n, uint64_t from)
{
	for (uint64_t i = from; i < n->f.cap; i++)
		if (n->f.pages[i]) {
			vfsp_page_free(n->f.pages[i]);
			n->f.pages[i] = NULL;
			fs->pages--;
		}
}

static void node_free(struct vnode *vn)
{
	struct rnode *n = rn(vn);
	struct ramfs *fs = fs_of(vn);
	if (VFS_ISREG(vn->mode)) {
		file_free_pages(fs, n, 0);
		vfsp_free(n->f.pages);
	} else if (VFS_ISLNK(vn->mode)) {
		vfsp_free(n->l.target);
	}
	fs->nodes--;
	vfsp_free(n);
}

static void ramfs_release(struct vnode *vn)
{
	node_free(vn);
}

static void drop_link(struct vnode *vn)
{
	if (VFS_ISDIR(vn->mode))
		vn->nlink = 0; /* its "." goes with it */
	else
		vn->nlink--;
	touch(vn, false);
	if (vn->nlink == 0 && vn->refs == 0)
		node_free(vn);
}

/* ---- directories ---- */

static struct rdirent **find(struct rnode *d, const char *name, size_t len)
{
	struct rdirent **pp = &d->d.head;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->len == len && memcmp((*pp)->name, name, len) == 0)
			return pp;
	return NULL;
}

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct rnode *d = rn(dir);
	if (dir->nlink == 0)
		return -ENOENT;
	struct rdirent **pp = find(d, name, len);
	if (!pp)
		return -ENOENT;
	*out = (*pp)->vn;
	return 0;
}

static int add_entry(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	struct rnode *d = rn(dir);
	struct rdirent *e = vfsp_alloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	e->vn = vn;
	e->len = (uint32_t)len;
	e->cookie = d->d.next_cookie++;
	memcpy(e->name, name, len);
	*d->d.tail = e;
	d->d.tail = &e->next;
	d->d.count++;
	if (VFS_ISDIR(vn->mode)) {
		vn->parent = dir;
		dir->nlink++;
	}
	touch(dir, true);
	return 0;
}

/* Unhook entry (*pp) of (d) without touching its vnode. */
static void remove_entry(struct rnode *d, struct rdirent **pp)
{
	struct rdirent *e = *pp;
	*pp = e->next;
	if (d->d.tail == &e->next)
		d->d.tail = pp;
	d->d.count--;
	if (VFS_ISDIR(e->vn->mode))
		d->vn.nlink--;
	touch(&d->vn, true);
	vfsp_free(e);
}

static int ramfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
			uint64_t rdev, struct vnode **out)
{
	struct ramfs *fs = fs_of(dir);
	struct rnode *n = node_new(fs, mode);
	if (!n)
		return -ENOMEM;
	n->vn.rdev = rdev;
	n->vn.nlink = VFS_ISDIR(mode) ? 2 : 1;
	int r = add_entry(dir, name, len, &n->vn);
	if (r) {
		node_free(&n->vn);
		return r;
	}
	*out = &n->vn;
	return 0;
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
			 struct vnode **out)
{
	size_t tl = strlen(target);
	char *t = vfsp_alloc(tl + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t, target, tl + 1);
	int r = ramfs_create(dir, name, len, VFS_IFLNK | 0777, 0, out);
	if (r) {
		vfsp_free(t);
		return r;
	}
	rn(*out)->l.target = t;
	(*out)->size = tl;
	return 0;
}

static int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	if (vn->nlink >= 65000)
		return -EMLINK;
	int r = add_entry(dir, name, len, vn);
	if (r)
		return r;
	vn->nlink++;
	touch(vn, false);
	return 0;
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir)
{
	struct rnode *d = rn(dir);
	struct rdirent **pp = find(d, name, len);
	if (!pp)
		return -ENOENT;
	struct vnode *vn = (*pp)->vn;
	if (rmdir && rn(vn)->d.count)
		return -ENOTEMPTY;
	remove_entry(d, pp);
	drop_link(vn);
	return 0;
}

static int ramfs_rename(struct vnode *odir, const char *oname, size_t olen,
			struct vnode *ndir, const char *nname, size_t nlen)
{
	struct rnode *od = rn(odir), *nd = rn(ndir);
	struct rdirent **op = find(od, oname, olen), **np = find(nd, nname, nlen);
	if (!op)
		return -ENOENT;
	struct vnode *vn = (*op)->vn;
	if (np) {
		struct vnode *victim = (*np)->vn;
		if (VFS_ISDIR(victim->mode) && rn(victim)->d.count)
			return -ENOTEMPTY;
		/* Reuse the target's entry: the name stays where it was. */
		if (VFS_ISDIR(victim->mode))
			ndir->nlink--;
		(*np)->vn = vn;
		if (VFS_ISDIR(vn->mode)) {
			ndir->nlink++;
			vn->parent = ndir;
		}
		op = find(od, oname, olen); /* unchanged: a different entry */
		remove_entry(od, op);
		drop_link(victim);
		touch(ndir, true);
	} else {
		int r = add_entry(ndir, nname, nlen, vn);
		if (r)
			return r;
		op = find(od, oname, olen); /* the list may have grown at its tail */
		remove_entry(od, op);
	}
	touch(vn, false);
	return 0;
}

static int ramfs_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	struct rnode *d = rn(dir);
	if (*pos < 2) {
		struct vnode *vn = *pos == 0 ? dir : dir->parent;
		*out = (struct vfs_dirent){ vn->ino, VFS_IFDIR, (uint32_t)(*pos + 1), ".." };
		(*pos)++;
		return 1;
	}
	if (dir->nlink == 0)
		return 0;
	for (struct rdirent *e = d->d.head; e; e = e->next)
		if (e->cookie >= *pos) {
			*out = (struct vfs_dirent){ e->vn->ino, e->vn->mode, e->len, e->name };
			*pos = e->cookie + 1;
			return 1;
		}
	return 0;
}

/* ---- regular files ---- */

static int grow_vector(struct rnode *n, uint64_t npages)
{
	if (npages <= n->f.cap)
		return 0;
	uint64_t cap = n->f.cap ? n->f.cap : 4;
	while (cap < npages)
		cap *= 2;
	void **v = vfsp_alloc(cap * sizeof(void *));
	if (!v)
		return -ENOMEM;
	if (n->f.cap)
		memcpy(v, n->f.pages, n->f.cap * sizeof(void *));
	vfsp_free(n->f.pages);
	n->f.pages = v;
	n->f.cap = cap;
	return 0;
}

/* The file's own page (i), made from the extern bytes or zeros if needed. */
static int own_page(struct ramfs *fs, struct rnode *n, uint64_t i, void **out)
{
	int r = grow_vector(n, i + 1);
	if (r)
		return r;
	if (!n->f.pages[i]) {
		if (fs->max_pages && fs->pages >= fs->max_pages)
			return -ENOSPC;
		void *pg = vfsp_page_alloc();
		if (!pg)
			return -ENOSPC;
		uint64_t off = i * VFS_PAGE;
		if (off < n->f.ext_len)
			memcpy(pg, n->f.ext + off, MIN((uint64_t)VFS_PAGE, n->f.ext_len - off));
		n->f.pages[i] = pg;
		fs->pages++;
	}
	*out = n->f.pages[i];
	return 0;
}

static int64_t ramfs_read(struct vnode *vn, void *buf, uint64_t len, uint64_t off)
{
	struct rnode *n = rn(vn);
	if (off >= vn->size)
		return 0;
	len = MIN(len, vn->size - off);
	uint8_t *b = buf;
	for (uint64_t done = 0; done < len;) {
		uint64_t pos = off + done, i = pos / VFS_PAGE, in = pos % VFS_PAGE;
		uint64_t k = MIN(len - done, VFS_PAGE - in);
		if (i < n->f.cap && n->f.pages[i]) {
			memcpy(b + done, (uint8_t *)n->f.pages[i] + in, k);
		} else if (pos < n->f.ext_len) {
			uint64_t e = MIN(k, n->f.ext_len - pos);
			memcpy(b + done, n->f.ext + pos, e);
			memset(b + done + e, 0, k - e);
		} else {
			memset(b + done, 0, k);
		}
		done += k;
	}
	return (int64_t)len;
}

static int64_t ramfs_write(struct vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
	struct rnode *n = rn(vn);
	struct ramfs *fs = fs_of(vn);
	if (off + len < off || off + len > (1ULL << 46))
		return -EFBIG;
	const uint8_t *b = buf;
	uint64_t done = 0;
	int r = 0;
	while (done < len) {
		uint64_t pos = off + done, i = pos / VFS_PAGE, in = pos % VFS_PAGE;
		uint64_t k = MIN(len - done, VFS_PAGE - in);
		void *pg;
		if ((r = own_page(fs, n, i, &pg)))
			break;
		memcpy((uint8_t *)pg + in, b + done, k);
		done += k;
	}
	if (off + done > vn->size)
		vn->size = off + done;
	if (done)
		touch(vn, true);
	return done ? (int64_t)done : r;
}

static int ramfs_truncate(struct vnode *vn, uint64_t size)
{
	struct rnode *n = rn(vn);
	struct ramfs *fs = fs_of(vn);
	if (size < vn->size) {
		uint64_t keep = (size + VFS_PAGE - 1) / VFS_PAGE;
		file_free_pages(fs, n, keep); /* no mapping maps them now (vfs_truncate) */
		if (size % VFS_PAGE && keep - 1 < n->f.cap && n->f.pages[keep - 1])
			memset((uint8_t *)n->f.pages[keep - 1] + size % VFS_PAGE, 0,
			       VFS_PAGE - size % VFS_PAGE);
		n->f.ext_len = MIN(n->f.ext_len, size);
	}
	vn->size = size;
	touch(vn, true);
	return 0;
}

static int64_t ramfs_readlink(struct vnode *vn, char *buf, size_t len)
{
	size_t k = MIN(len, (size_t)vn->size);
	memcpy(buf, rn(vn)->l.target, k);
	return (int64_t)k;
}

static int ramfs_page(struct vnode *vn, uint64_t index, bool own, void **kva)
{
	struct rnode *n = rn(vn);
	if (!own && !(index < n->f.cap && n->f.pages[index])) {
		uint64_t off = index * VFS_PAGE;
		/* a whole, page-aligned page of archive data is shared in place */
		if (off + VFS_PAGE <= n->f.ext_len && ((uintptr_t)(n->f.ext + off) % VFS_PAGE) == 0) {
			*kva = (void *)(n->f.ext + off);
			return 0;
		}
		return -EAGAIN;
	}
	return own_page(fs_of(vn), n, index, kva);
}

static const struct vnode_ops ramfs_ops = {
	.lookup = ramfs_lookup, .create = ramfs_create, .symlink = ramfs_symlink,
	.link = ramfs_link, .unlink = ramfs_unlink, .rename = ramfs_rename,
	.readdir = ramfs_readdir, .read = ramfs_read, .write = ramfs_write,
	.truncate = ramfs_truncate, .readlink = ramfs_readlink, .page = ramfs_page,
	.release = ramfs_release,
};

/* ---- the file system ---- */

struct vfs_mount *ramfs_new(uint64_t max_pages, uint64_t dev)
{
	struct ramfs *fs = vfsp_alloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->max_pages = max_pages;
	fs->next_ino = 1;
	fs->m.dev = dev;
	fs->m.magic = RAMFS_MAGIC;
	fs->m.name = "ramfs";
	struct rnode *r = node_new(fs, VFS_IFDIR | 0755);
	if (!r) {
		vfsp_free(fs);
		return NULL;
	}
	r->vn.nlink = 2;
	r->vn.parent = &r->vn;
	r->vn.refs = 1; /* the mount holds its root */
	fs->m.root = &r->vn;
	return &fs->m;
}

static void destroy_dir(struct rnode *d)
{
	while (d->d.head) {
		struct rdirent *e = d->d.head;
		struct vnode *vn = e->vn;
		d->d.head = e->next;
		vfsp_free(e);
		if (VFS_ISDIR(vn->mode)) {
			destroy_dir(rn(vn));
			vn->nlink = 0;
		} else {
			vn->nlink--;
		}
		if (vn->nlink == 0)
			node_free(vn);
	}
	d->d.tail = &d->d.head;
	d->d.count = 0;
}

void ramfs_destroy(struct vfs_mount *m)
{
	struct ramfs *fs = (struct ramfs *)m;
	destroy_dir(rn(m->root));
	node_free(m->root);
	vfsp_free(fs);
}

uint64_t ramfs_pages_used(const struct vfs_mount *m)
{
	return ((const struct ramfs *)m)->pages;
}

int ramfs_set_extern(struct vnode *vn, const void *data, uint64_t len)
{
	if (vn->ops != &ramfs_ops || !VFS_ISREG(vn->mode))
		return -EINVAL;
	struct rnode *n = rn(vn);
	file_free_pages(fs_of(vn), n, 0);
	n->f.ext = data;
	n->f.ext_len = len;
	vn->size = len;
	return 0;
}

const void *ramfs_contiguous(struct vnode *vn)
{
	if (vn->ops != &ramfs_ops || !VFS_ISREG(vn->mode))
		return NULL;
	struct rnode *n = rn(vn);
	if (n->f.ext_len != vn->size || !n->f.ext)
		return NULL;
	for (uint64_t i = 0; i < n->f.cap; i++)
		if (n->f.pages[i])
			return NULL;
	return n->f.ext;
}
