/* vfs.c — the namespace: root, cwd, mounts, the path walk and the calls
 * that change names (contract in vfs.h). A walk takes one component at a
 * time: step() handles ".", ".." and mount crossings, the file system's
 * lookup the rest; a symbolic link is replaced by its target in a heap
 * buffer, and the walk goes on from the link's directory (or the root). */
#include "vfs.h"
#include "vfs_platform.h"
#include "kerrno.h"
#include "klib.h"

static struct vnode *root, *cwd;
static unsigned cur_umask = 022;

void vfs_init(struct vnode *r)
{
	root = cwd = r;
	cur_umask = 022;
}

struct vnode *vfs_root(void) { return root; }
struct vnode *vfs_cwd(void) { return cwd; }

unsigned vfs_umask(unsigned mask)
{
	unsigned old = cur_umask;
	cur_umask = mask & 0777;
	return old;
}

int64_t vfs_now(void) { return vfsp_now_ns(); }

void vfs_ref(struct vnode *vn)
{
	vn->refs++;
}

void vfs_unref(struct vnode *vn)
{
	if (--vn->refs == 0 && vn->nlink == 0 && vn->ops->release)
		vn->ops->release(vn);
}

int vfs_chdir(struct vnode *dir)
{
	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	vfs_ref(dir);
	struct vnode *old = cwd;
	cwd = dir;
	if (old)
		vfs_unref(old);
	return 0;
}

/* One component from (dir), a directory. */
static int step(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	if (len == 1 && name[0] == '.') {
		*out = dir;
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		while (dir != root && dir == dir->mnt->root && dir->mnt->covered)
			dir = dir->mnt->covered;
		*out = dir == root ? root : dir->parent;
		return 0;
	}
	if (!dir->ops->lookup)
		return -ENOENT;
	struct vnode *vn;
	int r = dir->ops->lookup(dir, name, len, &vn);
	if (r)
		return r;
	while (vn->mounted)
		vn = vn->mounted->root;
	*out = vn;
	return 0;
}

/* Replace the walk's remaining path with (link)'s target followed by
 * "/" (rest) (or by "/" alone when the link ended a path with a slash). */
static int expand(struct vnode *link, const char *rest, bool slash, char **buf, const char **s)
{
	char *nb = vfsp_alloc(VFS_PATH_MAX);
	if (!nb)
		return -ENOMEM;
	int64_t n = link->ops->readlink ? link->ops->readlink(link, nb, VFS_PATH_MAX) : -EINVAL;
	if (n <= 0) {
		vfsp_free(nb);
		return n == 0 ? -ENOENT : (int)n;
	}
	size_t rl = strlen(rest), tl = (size_t)n;
	size_t need = tl + (rl ? 1 + rl : slash ? 1 : 0);
	if (need >= VFS_PATH_MAX) {
		vfsp_free(nb);
		return -ENAMETOOLONG;
	}
	if (rl) {
		nb[tl] = '/';
		memmove(nb + tl + 1, rest, rl);
	} else if (slash) {
		nb[tl] = '/';
	}
	nb[need] = 0;
	vfsp_free(*buf); /* (rest) may point into it: copied first */
	*buf = nb;
	*s = nb;
	return 0;
}

/* The walk, to the end (p == NULL) or to the last component's directory. */
static int walk(struct vnode *base, const char *path, int flags, struct vnode **out,
		struct vfs_parent *p)
{
	if (!path[0])
		return -ENOENT;
	struct vnode *dir = path[0] == '/' ? root : base ? base : cwd;
	char *buf = NULL;
	const char *s = path;
	int links = 0, r = 0;

	for (;;) {
		if (*s == '/')
			dir = root;
		while (*s == '/')
			s++;
		if (!*s) { /* only slashes left: the path names (dir) itself */
			if (p) {
				p->dir = dir;
				p->len = 0;
				p->slash = true;
				p->name[0] = 0;
			} else {
				*out = dir;
			}
			break;
		}
		const char *c = s;
		while (*s && *s != '/')
			s++;
		size_t len = (size_t)(s - c);
		const char *rest = s;
		while (*rest == '/')
			rest++;
		bool last = !*rest, slash = rest != s;
		if (len > VFS_NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		if (!VFS_ISDIR(dir->mode)) {
			r = -ENOTDIR;
			break;
		}
		if (last && p) {
			p->dir = dir;
			p->len = len;
			p->slash = slash;
			memcpy(p->name, c, len);
			p->name[len] = 0;
			break;
		}
		struct vnode *next;
		r = step(dir, c, len, &next);
		if (r)
			break;
		if (VFS_ISLNK(next->mode) && (!last || slash || (flags & VFS_FOLLOW))) {
			if (++links > VFS_SYMLOOP_MAX) {
				r = -ELOOP;
				break;
			}
			r = expand(next, rest, slash, &buf, &s);
			if (r)
				break;
			continue; /* from (dir), the link's directory, or the root */
		}
		if (last) {
			if (slash && !VFS_ISDIR(next->mode))
				r = -ENOTDIR;
			else
				*out = next;
			break;
		}
		dir = next;
		s = rest;
	}
	vfsp_free(buf);
	return r;
}

int vfs_walk(struct vnode *base, const char *path, int flags, struct vnode **out)
{
	return walk(base, path, flags, out, NULL);
}

int vfs_walk_parent(struct vnode *base, const char *path, struct vfs_parent *p)
{
	return walk(base, path, 0, NULL, p);
}

static bool is_dot(const struct vfs_parent *p)
{
	return (p->len == 1 && p->name[0] == '.') ||
	       (p->len == 2 && p->name[0] == '.' && p->name[1] == '.');
}

/* Creating in (dir): it must still be linked. */
static int can_create(struct vnode *dir)
{
	if (dir->nlink == 0)
		return -ENOENT;
	return dir->ops->create ? 0 : -EPERM;
}

int vfs_mount(const char *path, struct vfs_mount *m)
{
	struct vnode *dir;
	int r = vfs_walk(NULL, path, VFS_FOLLOW, &dir);
	if (r)
		return r;
	if (!VFS_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->mounted)
		return -EBUSY;
	m->covered = dir;
	m->root->parent = m->root;
	dir->mounted = m;
	vfs_ref(dir);
	return 0;
}

int vfs_mknod(struct vnode *base, const char *path, uint32_t mode, uint64_t rdev, struct vnode **out)
{
	struct vfs_parent p;
	struct vnode *vn;
	int r = vfs_walk_parent(base, path, &p);
	if (r)
		return r;
	if (p.len == 0 || is_dot(&p))
		return -EEXIST;
	r = step(p.dir, p.name, p.len, &vn);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	if (p.slash && !VFS_ISDIR(mode))
		return -ENOENT; /* "file/" names a directory that is not there */
	if ((r = can_create(p.dir)))
		return r;
	mode = (mode & VFS_IFMT) | (mode & 07777 & ~cur_umask);
	r = p.dir->ops->create(p.dir, p.name, p.len, mode, rdev, &vn);
	if (r == 0 && out)
		*out = vn;
	return r;
}

int vfs_mkdir(struct vnode *base, const char *path, uint32_t mode)
{
	return vfs_mknod(base, path, VFS_IFDIR | (mode & 07777), 0, NULL);
}

int vfs_symlink(const char *target, struct vnode *base, const char *path)
{
	struct vfs_parent p;
	struct vnode *vn;
	if (!target[0])
		return -ENOENT;
	if (strlen(target) >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	int r = vfs_walk_parent(base, path, &p);
	if (r)
		return r;
	if (p.len == 0 || is_dot(&p))
		return -EEXIST;
	r = step(p.dir, p.name, p.len, &vn);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	if (p.slash)
		return -ENOENT;
	if ((r = can_create(p.dir)))
		return r;
	if (!p.dir->ops->symlink)
		return -EPERM;
	return p.dir->ops->symlink(p.dir, p.name, p.len, target, &vn);
}

int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	     bool follow)
{
	struct vnode *old, *vn;
	struct vfs_parent p;
	int r = vfs_walk(obase, opath, follow ? VFS_FOLLOW : 0, &old);
	if (r)
		return r;
	if (VFS_ISDIR(old->mode))
		return -EPERM;
	if ((r = vfs_walk_parent(nbase, npath, &p)))
		return r;
	if (p.len == 0 || is_dot(&p))
		return -EEXIST;
	r = step(p.dir, p.name, p.len, &vn);
	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	if (p.slash)
		return -ENOENT;
	if (p.dir->mnt != old->mnt)
		return -EXDEV;
	if ((r = can_create(p.dir)))
		return r;
	if (old->nlink == 0)
		return -ENOENT;
	if (!p.dir->ops->link)
		return -EPERM;
	return p.dir->ops->link(p.dir, p.name, p.len, old);
}

int vfs_unlink(struct vnode *base, const char *path, int flags)
{
	struct vfs_parent p;
	struct vnode *vn;
	bool rmdir = flags & VFS_REMOVEDIR;
	int r = vfs_walk_parent(base, path, &p);
	if (r)
		return r;
	if (p.len == 0)
		return rmdir ? -EBUSY : -EISDIR;
	if (is_dot(&p)) {
		if (!rmdir)
			return -EISDIR;
		return p.len == 1 ? -EINVAL : -ENOTEMPTY;
	}
	if ((r = step(p.dir, p.name, p.len, &vn)))
		return r;
	if (rmdir) {
		if (!VFS_ISDIR(vn->mode))
			return -ENOTDIR;
		if (vn == vn->mnt->root) /* a mount point (or the root) */
			return -EBUSY;
	} else {
		if (VFS_ISDIR(vn->mode))
			return -EISDIR;
		if (p.slash)
			return -ENOTDIR;
	}
	if (!p.dir->ops->unlink)
		return -EPERM;
	return p.dir->ops->unlink(p.dir, p.name, p.len, rmdir);
}

/* (a) is (d) or lies below it. */
static bool is_under(struct vnode *a, struct vnode *d)
{
	for (int i = 0; i < 4096; i++) {
		if (a == d)
			return true;
		if (a->parent == a || !a->parent)
			return false;
		a = a->parent;
	}
	return true; /* too deep to tell: refuse */
}

int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	       unsigned flags)
{
	struct vfs_parent op, np;
	struct vnode *old, *new = NULL;
	if (flags & ~(unsigned)(VFS_RENAME_NOREPLACE | VFS_RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & VFS_RENAME_EXCHANGE)
		return -EINVAL; /* not supported: no caller of ours needs it */
	int r = vfs_walk_parent(obase, opath, &op);
	if (r || (r = vfs_walk_parent(nbase, npath, &np)))
		return r;
	if (op.len == 0 || np.len == 0)
		return -EBUSY;
	if (is_dot(&op) || is_dot(&np))
		return -EINVAL; /* Linux: EBUSY for a mount point, EINVAL for "." and ".." */
	if ((r = step(op.dir, op.name, op.len, &old)))
		return r;
	r = step(np.dir, np.name, np.len, &new);
	if (r == -ENOENT)
		new = NULL;
	else if (r)
		return r;
	if ((op.slash || np.slash) && !VFS_ISDIR(old->mode))
		return -ENOTDIR;
	if (old == old->mnt->root || (new && new == new->mnt->root))
		return -EBUSY; /* a mount point */
	if (op.dir->mnt != np.dir->mnt)
		return -EXDEV;
	if (new == old)
		return 0;
	if (new && (flags & VFS_RENAME_NOREPLACE))
		return -EEXIST;
	if (VFS_ISDIR(old->mode)) {
		if (new && !VFS_ISDIR(new->mode))
			return -ENOTDIR;
		if (is_under(np.dir, old))
			return -EINVAL; /* into its own subtree */
	} else if (new && VFS_ISDIR(new->mode)) {
		return -EISDIR;
	}
	if (new && VFS_ISDIR(new->mode) && is_under(op.dir, new))
		return -ENOTEMPTY;
	if (np.dir->nlink == 0)
		return -ENOENT;
	if (!op.dir->ops->rename)
		return -EPERM;
	return op.dir->ops->rename(op.dir, op.name, op.len, np.dir, np.name, np.len);
}

int64_t vfs_readlink(struct vnode *vn, char *buf, size_t n)
{
	if (!VFS_ISLNK(vn->mode) || !vn->ops->readlink)
		return -EINVAL;
	return vn->ops->readlink(vn, buf, n);
}

int vfs_truncate(struct vnode *vn, uint64_t size)
{
	if (VFS_ISDIR(vn->mode))
		return -EISDIR;
	if (!VFS_ISREG(vn->mode) || !vn->ops->truncate)
		return -EINVAL;
	if (size > (1ULL << 46))
		return -EFBIG;
	if (size < vn->size && vn->maps)
		vfsp_unmap_past(vn, size);
	return vn->ops->truncate(vn, size);
}

int64_t vfs_path_of(struct vnode *dir, char *buf, size_t n)
{
	/* Collect the names from (dir) up: each step looks (d) up in its parent. */
	if (n < 2)
		return -ERANGE;
	size_t pos = n - 1;
	buf[pos] = 0;
	struct vnode *d = dir;
	for (int depth = 0; d != root; depth++) {
		if (d->nlink == 0 || depth > 2048)
			return -ENOENT;
		struct vnode *at = d;
		while (at != root && at == at->mnt->root && at->mnt->covered)
			at = at->mnt->covered;
		if (at == root)
			break;
		struct vnode *up = at->parent;
		struct vfs_dirent e;
		uint64_t cookie = 0;
		bool found = false;
		while (up->ops->readdir && up->ops->readdir(up, &cookie, &e) == 1) {
			struct vnode *vn;
			if ((e.len == 1 && e.name[0] == '.') || (e.len == 2 && e.name[0] == '.' && e.name[1] == '.'))
				continue;
			if (up->ops->lookup(up, e.name, e.len, &vn) == 0 && vn == at) {
				found = true;
				break;
			}
		}
		if (!found)
			return -ENOENT;
		if (e.len + 1 > pos)
			return -ERANGE;
		pos -= e.len;
		memcpy(buf + pos, e.name, e.len);
		buf[--pos] = '/';
		d = up;
	}
	if (pos == n - 1)
		buf[--pos] = '/';
	size_t len = n - pos;
	memmove(buf, buf + pos, len);
	return (int64_t)len;
}

/* The directory below (d) that links (vn), depth first; NULL if none. */
static struct vnode *holder(struct vnode *d, const struct vnode *vn, int depth, struct vfs_dirent *e)
{
	uint64_t cookie = 2;
	struct vnode *c;
	if (depth > 64 || !d->ops->readdir)
		return NULL;
	while (d->ops->readdir(d, &cookie, e) == 1)
		if (d->ops->lookup(d, e->name, e->len, &c) == 0 && c == vn)
			return d;
	cookie = 2;
	while (d->ops->readdir(d, &cookie, e) == 1) {
		if (d->ops->lookup(d, e->name, e->len, &c) || !VFS_ISDIR(c->mode) || c->mounted)
			continue;
		struct vnode *h = holder(c, vn, depth + 1, e);
		if (h)
			return h;
	}
	return NULL;
}

int64_t vfs_name_of(struct vnode *vn, char *buf, size_t n)
{
	if (VFS_ISDIR(vn->mode))
		return vfs_path_of(vn, buf, n);
	struct vfs_dirent e;
	struct vnode *d = vn->nlink ? holder(vfs_root(), vn, 0, &e) : NULL;
	if (!d)
		return -ENOENT;
	int64_t len = vfs_path_of(d, buf, n);
	if (len < 0)
		return len;
	size_t at = (size_t)len - 1; /* the NUL */
	if (at > 1)
		buf[at++] = '/';
	else
		at = 1;
	if (at + e.len + 1 > n)
		return -ERANGE;
	memcpy(buf + at, e.name, e.len);
	buf[at + e.len] = 0;
	return (int64_t)(at + e.len + 1);
}

int vfs_open(struct vnode *base, const char *path, int flags, uint32_t mode, struct vfs_file **out)
{
	struct vnode *vn;
	bool created = false;
	int r;
	if (flags & VFS_O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & VFS_O_PATH)
		flags &= VFS_O_PATH | VFS_O_DIRECTORY | VFS_O_NOFOLLOW | VFS_O_CLOEXEC;
	bool follow = !(flags & VFS_O_NOFOLLOW);
	if (flags & VFS_O_CREAT) {
		struct vfs_parent p;
		if ((r = vfs_walk_parent(base, path, &p)))
			return r;
		if (p.len == 0 || is_dot(&p))
			return -EISDIR;
		r = step(p.dir, p.name, p.len, &vn);
		if (r == 0) {
			if (flags & VFS_O_EXCL)
				return -EEXIST;
			if (VFS_ISLNK(vn->mode)) {
				if (!follow)
					return -ELOOP;
				if ((r = vfs_walk(p.dir, p.name, VFS_FOLLOW, &vn)))
					return r; /* a dangling link: not created through */
			}
			if (VFS_ISDIR(vn->mode) || p.slash)
				return -EISDIR;
		} else if (r == -ENOENT) {
			if (p.slash)
				return -EISDIR;
			if ((r = can_create(p.dir)))
				return r;
			r = p.dir->ops->create(p.dir, p.name, p.len,
					       VFS_IFREG | (mode & 07777 & ~cur_umask), 0, &vn);
			if (r)
				return r;
			created = true;
		} else {
			return r;
		}
	} else {
		if ((r = vfs_walk(base, path, follow ? VFS_FOLLOW : 0, &vn)))
			return r;
		if (VFS_ISLNK(vn->mode) && !(flags & VFS_O_PATH))
			return -ELOOP;
	}
	if ((flags & VFS_O_DIRECTORY) && !VFS_ISDIR(vn->mode))
		return -ENOTDIR;
	if (!(flags & VFS_O_PATH)) {
		if (VFS_ISDIR(vn->mode) && (flags & VFS_O_ACCMODE) != VFS_O_RDONLY)
			return -EISDIR;
		if ((VFS_ISCHR(vn->mode) && !dev_known(vn->rdev)) ||
		    VFS_ISTYPE(vn->mode, VFS_IFBLK) || VFS_ISTYPE(vn->mode, VFS_IFSOCK))
			return -ENXIO;
		if (VFS_ISTYPE(vn->mode, VFS_IFIFO))
			return -ENXIO; /* named pipes: not supported */
		if ((flags & VFS_O_TRUNC) && VFS_ISREG(vn->mode) && !created && vn->size &&
		    (r = vfs_truncate(vn, 0)))
			return r;
	}
	struct vfs_file *f = vfs_file_of(vn, flags);
	if (!f)
		return -ENOMEM; /* a file just created stays, as on Linux after a late failure */
	*out = f;
	return 0;
}
