/* procfs.c — read-only synthetic file systems (/proc, /sys; contract in
 * vfs.h): a fixed tree built from a table of entries the layer above gives
 * (pfs_new), whose files are generated at each read (as Linux's seq_files:
 * st_size 0, contents as of the read), whose links are computed when read,
 * and whose fd directories list what the fd table holds at that moment.
 * The tree is built once; fd entries are made on first lookup and kept. */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"
#include "kfmt.h"

#define PFS_FD_MAX 1024 /* FD_MAX */

struct pnode {
	struct vnode vn;
	const struct pfs_entry *e; /* NULL: a directory the paths imply */
	const char *name;
	size_t len;
	struct pnode *child, *sibling;
	int fd;                    /* an entry of an fd directory, else -1 */
};

struct pfs {
	struct vfs_mount m;
	uint64_t next_ino;
	struct pnode **fdn;        /* PFS_FD_MAX entries of the (one) fd directory, on demand */
};

static const struct vnode_ops pfs_ops;
static struct pnode *pn(struct vnode *vn) { return (struct pnode *)vn; }
static struct pfs *fs_of(struct vnode *vn) { return (struct pfs *)vn->mnt; }

static struct pnode *node_new(struct pfs *fs, uint32_t mode, const char *name, size_t len)
{
	struct pnode *n = vfsp_alloc(sizeof(*n));
	if (!n)
		return NULL;
	n->vn.ops = &pfs_ops;
	n->vn.mnt = &fs->m;
	n->vn.ino = fs->next_ino++;
	n->vn.mode = mode;
	n->vn.nlink = VFS_ISDIR(mode) ? 2 : 1;
	n->vn.refs = 1; /* never released: the tree lives as long as the kernel */
	n->vn.atime_ns = n->vn.mtime_ns = n->vn.ctime_ns = vfs_now();
	n->name = name;
	n->len = len;
	n->fd = -1;
	return n;
}

static struct pnode *child(struct pnode *d, const char *name, size_t len)
{
	for (struct pnode *c = d->child; c; c = c->sibling)
		if (c->len == len && memcmp(c->name, name, len) == 0)
			return c;
	return NULL;
}

/* Add (e) at its path, making the directories on the way. */
static int add(struct pfs *fs, const struct pfs_entry *e)
{
	struct pnode *d = pn(fs->m.root);
	const char *p = e->path;
	for (;;) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);
		struct pnode *c = child(d, p, len);
		if (!c) {
			uint32_t mode = s ? VFS_IFDIR | 0555 : e->link ? VFS_IFLNK | 0777 :
					e->fd_link ? VFS_IFDIR | 0500 : VFS_IFREG | (e->mode ? e->mode : 0444);
			if (!(c = node_new(fs, mode, p, len)))
				return -ENOMEM;
			c->vn.parent = &d->vn;
			c->sibling = d->child;
			d->child = c;
			d->vn.nlink += VFS_ISDIR(mode) ? 1 : 0;
		}
		if (!s) {
			c->e = e;
			return 0;
		}
		if (!VFS_ISDIR(c->vn.mode))
			return -EINVAL;
		d = c;
		p = s + 1;
	}
}

struct vfs_mount *pfs_new(const char *name, uint64_t magic, uint64_t dev,
			  const struct pfs_entry *entries, size_t n)
{
	struct pfs *fs = vfsp_alloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->next_ino = 1;
	fs->m.dev = dev;
	fs->m.magic = magic;
	fs->m.name = name;
	struct pnode *r = node_new(fs, VFS_IFDIR | 0555, "", 0);
	if (!r)
		goto err;
	r->vn.parent = &r->vn;
	fs->m.root = &r->vn;
	for (size_t i = 0; i < n; i++)
		if (add(fs, &entries[i]))
			goto err; /* the nodes made so far stay: boot cannot go on anyway */
	return &fs->m;
err:
	pfs_destroy(&fs->m);
	return NULL;
}

static void free_tree(struct pnode *d)
{
	while (d->child) {
		struct pnode *c = d->child;
		d->child = c->sibling;
		free_tree(c);
	}
	vfsp_free(d);
}

void pfs_destroy(struct vfs_mount *m)
{
	struct pfs *fs = (struct pfs *)m;
	if (fs->fdn)
		for (int i = 0; i < PFS_FD_MAX; i++)
			vfsp_free(fs->fdn[i]);
	vfsp_free(fs->fdn);
	if (m->root)
		free_tree(pn(m->root));
	vfsp_free(fs);
}

static bool is_fddir(const struct pnode *d) { return d->e && d->e->fd_link; }

static int parse_fd(const char *s, size_t len)
{
	if (len == 0 || len > 4 || (len > 1 && s[0] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < PFS_FD_MAX ? v : -1;
}

static int pfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct pnode *d = pn(dir);
	if (!is_fddir(d)) {
		struct pnode *c = child(d, name, len);
		if (!c)
			return -ENOENT;
		*out = &c->vn;
		return 0;
	}
	int fd = parse_fd(name, len);
	if (fd < 0 || d->e->fd_next(fd - 1) != fd)
		return -ENOENT; /* not open */
	struct pfs *fs = fs_of(dir);
	if (!fs->fdn && !(fs->fdn = vfsp_alloc(PFS_FD_MAX * sizeof(*fs->fdn))))
		return -ENOMEM;
	if (!fs->fdn[fd]) {
		struct pnode *c = node_new(fs, VFS_IFLNK | 0700, "", 0);
		if (!c)
			return -ENOMEM;
		c->vn.parent = dir;
		c->e = d->e;
		c->fd = fd;
		fs->fdn[fd] = c;
	}
	*out = &fs->fdn[fd]->vn;
	return 0;
}

static int pfs_readdir(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out)
{
	struct pnode *d = pn(dir);
	if (*pos < 2) {
		struct vnode *vn = *pos == 0 ? dir : dir->parent;
		*out = (struct vfs_dirent){ vn->ino, VFS_IFDIR, (uint32_t)(*pos + 1), ".." };
		(*pos)++;
		return 1;
	}
	if (is_fddir(d)) { /* position = fd + 2 */
		static char num[8];
		int fd = d->e->fd_next((int)*pos - 3);
		if (fd < 0)
			return 0;
		int len = kfmt_snprintf(num, sizeof(num), "%d", fd);
		*out = (struct vfs_dirent){ 0x10000 + (uint64_t)fd, VFS_IFLNK, (uint32_t)len, num };
		*pos = (uint64_t)fd + 3;
		return 1;
	}
	uint64_t i = 2;
	for (struct pnode *c = d->child; c; c = c->sibling, i++)
		if (i == *pos) {
			*out = (struct vfs_dirent){ c->vn.ino, c->vn.mode, (uint32_t)c->len, c->name };
			(*pos)++;
			return 1;
		}
	return 0;
}

/* ---- generated contents ---- */

#define PFS_FILE_MAX (256u << 10) /* a generated file is cut here */

static void put(void *ctx, char c)
{
	struct pfs_buf *b = ctx;
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		char *p = cap <= PFS_FILE_MAX ? vfsp_alloc(cap) : NULL;
		if (!p) {
			b->failed = true;
			return;
		}
		if (b->p)
			memcpy(p, b->p, b->len);
		vfsp_free(b->p);
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
}

void pfs_printf(struct pfs_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kfmt(put, b, fmt, ap);
	va_end(ap);
}

static int64_t pfs_read(struct vnode *vn, void *buf, uint64_t n, uint64_t off)
{
	struct pnode *f = pn(vn);
	if (!f->e || !f->e->gen)
		return -EINVAL;
	struct pfs_buf b = { 0 };
	f->e->gen(&b);
	int64_t r = -ENOMEM;
	if (!b.failed) {
		uint64_t len = b.len;
		r = off < len ? (int64_t)MIN(n, len - off) : 0;
		if (r > 0)
			memcpy(buf, b.p + off, (size_t)r);
	}
	vfsp_free(b.p);
	return r;
}

static int64_t pfs_write(struct vnode *vn, const void *buf, uint64_t n, uint64_t off)
{
	struct pnode *f = pn(vn);
	(void)off;
	if (!f->e || !f->e->store)
		return -EACCES; /* read-only, as Linux's 0444 files are even for root */
	return f->e->store(buf, n);
}

static int pfs_truncate(struct vnode *vn, uint64_t size)
{
	(void)size;
	return pn(vn)->e && pn(vn)->e->store ? 0 : -EACCES; /* O_TRUNC on a writable knob */
}

static int64_t pfs_readlink(struct vnode *vn, char *buf, size_t n)
{
	struct pnode *l = pn(vn);
	char tmp[VFS_PATH_MAX];
	int64_t len = l->fd >= 0 ? l->e->fd_link(l->fd, tmp, sizeof(tmp)) : l->e->link(tmp, sizeof(tmp));
	if (len < 0)
		return len == -EBADF ? -ENOENT : len;
	len = MIN((int64_t)n, len);
	memcpy(buf, tmp, (size_t)len);
	return len;
}

static const struct vnode_ops pfs_ops = {
	.lookup = pfs_lookup, .readdir = pfs_readdir, .read = pfs_read, .write = pfs_write,
	.truncate = pfs_truncate, .readlink = pfs_readlink,
};
