/* sys_fs.c — the file system calls on the VFS (fs/, vfs.h): argument and
 * user-pointer checks, then one call down. Open files are kfiles whose
 * priv is a struct vfs_file (vfs_kops; dev_kops for a device), so read/write/readv/writev/close/
 * dup/poll work on them through the generic fd code of sys_io.c. Part of
 * fs.o: an image baked with FS=0 gets kernel/nofs.c's stand-ins.
 * One process: POSIX and flock locks cannot conflict (a process never
 * conflicts with itself), and fsync has nothing to do (memory is the medium). */
#include "kernel.h"
#include "syscall.h"
#include "vfs.h"
#include "sys_fs.h"
#include "sys_proc.h"
#include "kfmt.h"

#define A uint64_t
#define MAP_POPULATE 0x8000
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_EACCESS          0x200
#define AT_EMPTY_PATH       0x1000
#define UTIME_NOW  ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

/* ---- open files as kfiles ---- */

static struct vfs_file *vf(struct kfile *k) { return k->priv; }

static int64_t vk_read(struct kfile *k, void *b, uint64_t n) { return vfs_read(vf(k), b, n); }

static int64_t vk_write(struct kfile *k, const void *b, uint64_t n)
{
	struct vfs_file *f = vf(k);
	f->flags = (f->flags & ~VFS_O_APPEND) | (k->flags & VFS_O_APPEND); /* F_SETFL may change it */
	return vfs_write(f, b, n);
}

static int64_t vk_ioctl(struct kfile *k, uint64_t req, uint64_t arg)
{
	(void)k; (void)req; (void)arg;
	return -ENOTTY; /* files and the serial console alike: not terminals */
}

static int vk_close(struct kfile *k)
{
	vfs_close(vf(k));
	kfree(k);
	return 0;
}

static unsigned vk_poll(struct kfile *k)
{
	return KPOLLOUT | KPOLLWRNORM | (vfs_readable(vf(k)) ? KPOLLIN | KPOLLRDNORM : 0);
}

static const struct kfile_ops vfs_kops = { vk_read, vk_write, vk_ioctl, vk_close, vk_poll };

/* A device node opened (the console as fds 0-2, /dev/null...): read and
 * write go to dev.c at once, the access mode checked as vfs_pread/pwrite
 * check it. The rest is a file's. */
static bool dk_denied(const struct vfs_file *f, int deny)
{
	return (f->flags & VFS_O_PATH) || (f->flags & VFS_O_ACCMODE) == deny;
}

static int64_t dk_read(struct kfile *k, void *b, uint64_t n)
{
	struct vfs_file *f = vf(k);
	return dk_denied(f, VFS_O_WRONLY) ? -EBADF : dev_read(f->vn->rdev, b, n);
}

static int64_t dk_write(struct kfile *k, const void *b, uint64_t n)
{
	struct vfs_file *f = vf(k);
	return dk_denied(f, VFS_O_RDONLY) ? -EBADF : dev_write(f->vn->rdev, b, n);
}

static const struct kfile_ops dev_kops = { dk_read, dk_write, vk_ioctl, vk_close, vk_poll };

static bool is_vfs(const struct kfile *k) { return k->ops == &vfs_kops || k->ops == &dev_kops; }
static const struct kfile_ops *kops_of(const struct vfs_file *f)
{
	return VFS_ISCHR(f->vn->mode) ? &dev_kops : &vfs_kops;
}

static int install_file(struct vfs_file *f)
{
	struct kfile *k = kmalloc(sizeof(*k));
	if (!k) {
		vfs_close(f);
		return -ENOMEM;
	}
	*k = (struct kfile){ kops_of(f), f, f->flags & (VFS_O_ACCMODE | VFS_O_NONBLOCK | VFS_O_APPEND | VFS_O_PATH), 1, 0 };
	int fd = fd_install(k);
	if (fd < 0)
		vk_close(k);
	return fd;
}

/* The VFS file behind (fd), or NULL (not open, or not a file). */
static struct vfs_file *file_of(uint64_t fd)
{
	struct kfile *k = fd_get((int)(unsigned)fd);
	return k && is_vfs(k) ? k->priv : NULL;
}

/* fds 0, 1 and 2: /dev/console as a file (fstat, /proc/self/fd see it). */
void sys_fs_stdio(void)
{
	struct vfs_file *f;
	if (vfs_open(NULL, "/dev/console", VFS_O_RDWR, 0, &f))
		return; /* no /dev/console: fds 0-2 stay the plain console */
	struct kfile *k = kmalloc(sizeof(*k));
	if (!k) {
		vfs_close(f);
		return;
	}
	*k = (struct kfile){ kops_of(f), f, VFS_O_RDWR, 3, 0 };
	for (int fd = 0; fd < 3; fd++)
		fd_set_slot(fd, k);
	sys_procfs_mount();
}

bool sys_fs_always_ready(const struct kfile *k)
{
	return is_vfs(k) && (VFS_ISREG(vf((struct kfile *)k)->vn->mode) ||
				       VFS_ISDIR(vf((struct kfile *)k)->vn->mode));
}

/* The VFS file behind (k), or NULL: /proc/self/fd names it by its path. */
struct vfs_file *sys_fs_file(const struct kfile *k)
{
	return is_vfs(k) ? k->priv : NULL;
}

/* ---- arguments ---- */

/* A path from user memory into a kernel buffer (VFS_PATH_MAX, kfree it). */
static int get_path(uint64_t upath, char **out)
{
	const char *u = (const char *)upath;
	char *buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < VFS_PATH_MAX; i++) {
		if ((i == 0 || ((upath + i) & 4095) == 0) && !mm_user_ok(u + i, 1, false)) {
			kfree(buf);
			return -EFAULT;
		}
		buf[i] = u[i];
		if (!buf[i]) {
			*out = buf;
			return 0;
		}
	}
	kfree(buf);
	return -ENAMETOOLONG;
}

/* The directory (dirfd) names for a relative (path): NULL for the cwd. */
static int base_of(uint64_t dirfd, const char *path, struct vnode **base)
{
	*base = NULL;
	if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	struct vfs_file *f = file_of(dirfd);
	if (!f)
		return -EBADF;
	if (path[0] && !VFS_ISDIR(f->vn->mode))
		return -ENOTDIR;
	*base = f->vn;
	return 0;
}

/* Path and base together; on success the caller kfree()s (*path). */
static int at_path(uint64_t dirfd, uint64_t upath, char **path, struct vnode **base)
{
	int r = get_path(upath, path);
	if (r)
		return r;
	if ((r = base_of(dirfd, *path, base)))
		kfree(*path);
	return r;
}

/* The vnode (dirfd, path, flags) names: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW. */
static int lookup_at(uint64_t dirfd, uint64_t upath, int flags, struct vnode **out)
{
	char *path;
	struct vnode *base;
	int r = at_path(dirfd, upath, &path, &base);
	if (r)
		return r;
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		struct vfs_file *f = (int)dirfd == AT_FDCWD ? NULL : file_of(dirfd);
		if ((int)dirfd == AT_FDCWD)
			*out = vfs_cwd();
		else if (f)
			*out = f->vn;
		else
			r = -EBADF;
	} else {
		r = vfs_walk(base, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_FOLLOW, out);
	}
	kfree(path);
	return r;
}

/* ---- open, close_range, memfd ---- */

int64_t sys_openat(A dirfd, A upath, A flags, A mode, A e, A f)
{
	(void)e; (void)f;
	char *path;
	struct vnode *base;
	struct vfs_file *vfile;
	int r = at_path(dirfd, upath, &path, &base);
	if (r)
		return r;
	r = vfs_open(base, path, (int)flags, (uint32_t)mode, &vfile);
	kfree(path);
	return r ? r : install_file(vfile);
}

int64_t sys_open(A upath, A flags, A mode, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_openat((A)(int64_t)AT_FDCWD, upath, flags, mode, 0, 0);
}

int64_t sys_creat(A upath, A mode, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_openat((A)(int64_t)AT_FDCWD, upath, VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC, mode, 0, 0);
}

int64_t sys_close_range(A first, A last, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	unsigned lo = (unsigned)first, hi = (unsigned)last;
	if (lo > hi || (flags & ~(A)6)) /* CLOSE_RANGE_UNSHARE 2, CLOSE_RANGE_CLOEXEC 4 */
		return -EINVAL;
	if (flags & 4)
		return 0; /* close-on-exec: there is no exec */
	for (unsigned fd = lo; fd <= hi && fd < FD_MAX; fd++)
		if (fd_get((int)fd))
			sys_close(fd, 0, 0, 0, 0, 0);
	return 0;
}

int64_t sys_memfd_create(A uname, A flags, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	static unsigned long seq;
	char *name, tmp[48];
	if (flags & ~(A)0xf) /* MFD_CLOEXEC, ALLOW_SEALING, HUGETLB, NOEXEC_SEAL */
		return -EINVAL;
	int r = get_path(uname, &name);
	if (r)
		return r;
	size_t len = strlen(name);
	kfree(name);
	if (len > 249)
		return -EINVAL;
	/* An unlinked file of the root: it lives while it is open. */
	kfmt_snprintf(tmp, sizeof(tmp), "/.memfd-%lu", ++seq);
	struct vfs_file *vfile;
	if ((r = vfs_open(NULL, tmp, VFS_O_CREAT | VFS_O_EXCL | VFS_O_RDWR, 0777, &vfile)))
		return r;
	vfs_unlink(NULL, tmp, 0);
	return install_file(vfile);
}

/* ---- AF_UNIX socket files (sys_fs.h) ---- */

int sys_fs_sock_bind(const char *path, void **out)
{
	struct vnode *vn;
	int r = vfs_mknod(NULL, path, VFS_IFSOCK | 0777, 0, &vn);
	if (r)
		return r == -EEXIST ? -EADDRINUSE : r;
	vfs_ref(vn);
	*out = vn;
	return 0;
}

int sys_fs_sock_find(const char *path, void **out)
{
	struct vnode *vn;
	int r = vfs_walk(NULL, path, VFS_FOLLOW, &vn);
	if (r)
		return r;
	if (!VFS_ISTYPE(vn->mode, VFS_IFSOCK))
		return -ECONNREFUSED;
	vfs_ref(vn);
	*out = vn;
	return 0;
}

void sys_fs_sock_put(void *vn)
{
	vfs_unref(vn);
}

/* ---- positioned I/O ---- */

int64_t sys_lseek(A fd, A off, A whence, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ESPIPE : -EBADF;
	return vfs_lseek(vfile, (int64_t)off, (int)whence);
}

static int64_t positioned(A fd, A buf, A n, A off, bool write)
{
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ESPIPE : -EBADF;
	if ((int64_t)off < 0)
		return -EINVAL;
	if (!mm_user_ok((void *)buf, n, !write))
		return -EFAULT;
	return write ? vfs_pwrite(vfile, (const void *)buf, n, off) : vfs_pread(vfile, (void *)buf, n, off);
}

int64_t sys_pread64(A fd, A buf, A n, A off, A e, A f)
{
	(void)e; (void)f;
	return positioned(fd, buf, n, off, false);
}

int64_t sys_pwrite64(A fd, A buf, A n, A off, A e, A f)
{
	(void)e; (void)f;
	return positioned(fd, buf, n, off, true);
}

struct iovec_k { uint64_t base, len; };

/* preadv/pwritev(2): (off) -1 means the file position (the *v2 calls). */
static int64_t positioned_v(A fd, A uiov, A cnt, int64_t off, bool write)
{
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ESPIPE : -EBADF;
	if (off < -1 || cnt > 1024)
		return -EINVAL;
	if (!mm_user_ok((void *)uiov, cnt * sizeof(struct iovec_k), false))
		return -EFAULT;
	const struct iovec_k *v = (const void *)uiov;
	int64_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		if (!v[i].len)
			continue;
		if (!mm_user_ok((void *)v[i].base, v[i].len, !write))
			return total ? total : -EFAULT;
		int64_t r;
		if (off == -1)
			r = write ? vfs_write(vfile, (void *)v[i].base, v[i].len)
				  : vfs_read(vfile, (void *)v[i].base, v[i].len);
		else
			r = write ? vfs_pwrite(vfile, (void *)v[i].base, v[i].len, (uint64_t)off + (uint64_t)total)
				  : vfs_pread(vfile, (void *)v[i].base, v[i].len, (uint64_t)off + (uint64_t)total);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < v[i].len)
			break;
	}
	return total;
}

int64_t sys_preadv(A fd, A iov, A cnt, A off, A e, A f)
{
	(void)e; (void)f;
	return (int64_t)off < 0 ? -EINVAL : positioned_v(fd, iov, cnt, (int64_t)off, false);
}

int64_t sys_pwritev(A fd, A iov, A cnt, A off, A e, A f)
{
	(void)e; (void)f;
	return (int64_t)off < 0 ? -EINVAL : positioned_v(fd, iov, cnt, (int64_t)off, true);
}

int64_t sys_preadv2(A fd, A iov, A cnt, A off, A e, A flags)
{
	(void)e;
	return flags ? -EOPNOTSUPP : positioned_v(fd, iov, cnt, (int64_t)off, false);
}

int64_t sys_pwritev2(A fd, A iov, A cnt, A off, A e, A flags)
{
	(void)e;
	return flags ? -EOPNOTSUPP : positioned_v(fd, iov, cnt, (int64_t)off, true);
}

/* sendfile: from a file through a bounce buffer into any fd (a socket). */
int64_t sys_sendfile(A out_fd, A in_fd, A uoff, A count, A e, A f)
{
	(void)e; (void)f;
	struct vfs_file *in = file_of(in_fd);
	struct kfile *out = fd_get((int)(unsigned)out_fd);
	if (!in || !out || !out->ops->write || (in->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		return -EBADF;
	int64_t *poff = (int64_t *)uoff;
	if (poff && !mm_user_ok(poff, sizeof(*poff), true))
		return -EFAULT;
	uint64_t pos = poff ? (uint64_t)*poff : in->pos;
	if (poff && *poff < 0)
		return -EINVAL;
	size_t chunk = (size_t)MIN(count, 65536ULL);
	uint8_t *buf = chunk ? kmalloc(chunk) : NULL;
	if (chunk && !buf)
		return -ENOMEM;
	int64_t done = 0, r = 0;
	while ((uint64_t)done < count) {
		int64_t got = vfs_pread(in, buf, MIN(chunk, count - (uint64_t)done), pos);
		if (got <= 0) {
			r = got;
			break;
		}
		int64_t put = out->ops->write(out, buf, (uint64_t)got);
		if (put <= 0) {
			r = put;
			break;
		}
		done += put;
		pos += (uint64_t)put;
		if (put < got)
			break;
	}
	kfree(buf);
	if (poff)
		*poff = (int64_t)pos;
	else
		in->pos = pos;
	return done ? done : r;
}

/* ---- stat family ---- */

struct stat_k {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t unused[3];
};

static void fill_stat(const struct vnode *vn, struct stat_k *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = vn->mnt ? vn->mnt->dev : 0;
	st->ino = vn->ino;
	st->nlink = vn->nlink;
	st->mode = vn->mode;
	st->uid = vn->uid;
	st->gid = vn->gid;
	st->rdev = vn->rdev;
	st->size = (int64_t)vn->size;
	st->blksize = 4096;
	st->blocks = (int64_t)(ALIGN_UP(vn->size, 4096) / 512);
	st->atime = vn->atime_ns / 1000000000;
	st->atime_ns = vn->atime_ns % 1000000000;
	st->mtime = vn->mtime_ns / 1000000000;
	st->mtime_ns = vn->mtime_ns % 1000000000;
	st->ctime = vn->ctime_ns / 1000000000;
	st->ctime_ns = vn->ctime_ns % 1000000000;
}

/* fstat of an fd that is not a file: a pipe or a socket. */
static void fill_stat_other(struct kfile *k, struct stat_k *st)
{
	memset(st, 0, sizeof(*st));
	st->mode = k->ops->ioctl ? 0140777 : 0010600; /* sockets have ioctl (FIONREAD), pipes not */
	st->nlink = 1;
	st->ino = k->id;
	st->blksize = 4096;
	st->dev = 0x0c; /* an anonymous device, as pipefs/sockfs */
}

static int stat_of(uint64_t dirfd, uint64_t upath, int flags, struct stat_k *st)
{
	char *path;
	int r = get_path(upath, &path);
	if (r)
		return r;
	bool empty = !path[0];
	kfree(path);
	if (empty && (flags & AT_EMPTY_PATH) && (int)dirfd != AT_FDCWD && !file_of(dirfd)) {
		struct kfile *k = fd_get((int)(unsigned)dirfd);
		if (!k)
			return -EBADF;
		fill_stat_other(k, st);
		return 0;
	}
	struct vnode *vn;
	if ((r = lookup_at(dirfd, upath, flags, &vn)))
		return r;
	fill_stat(vn, st);
	return 0;
}

int64_t sys_newfstatat(A dirfd, A upath, A ust, A flags, A e, A f)
{
	(void)e; (void)f;
	if (flags & ~(A)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	if (!mm_user_ok((void *)ust, sizeof(struct stat_k), true))
		return -EFAULT;
	struct stat_k st;
	int r = stat_of(dirfd, upath, (int)flags, &st);
	if (r == 0)
		*(struct stat_k *)ust = st;
	return r;
}

int64_t sys_stat(A upath, A ust, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_newfstatat((A)(int64_t)AT_FDCWD, upath, ust, 0, 0, 0);
}

int64_t sys_lstat(A upath, A ust, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_newfstatat((A)(int64_t)AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW, 0, 0);
}

int64_t sys_fstat(A fd, A ust, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (!mm_user_ok((void *)ust, sizeof(struct stat_k), true))
		return -EFAULT;
	struct kfile *k = fd_get((int)(unsigned)fd);
	if (!k)
		return -EBADF;
	struct stat_k st;
	if (is_vfs(k))
		fill_stat(vf(k)->vn, &st);
	else
		fill_stat_other(k, &st);
	*(struct stat_k *)ust = st;
	return 0;
}

struct statx_ts { int64_t sec; uint32_t nsec; int32_t pad; };
struct statx_k {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

int64_t sys_statx(A dirfd, A upath, A flags, A mask, A ubuf, A f)
{
	(void)f; (void)mask;
	if (!mm_user_ok((void *)ubuf, sizeof(struct statx_k), true))
		return -EFAULT;
	if (flags & ~(A)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000 /* AT_STATX_SYNC_TYPE */))
		return -EINVAL;
	struct stat_k st;
	int r = stat_of(dirfd, upath, (int)flags, &st);
	if (r)
		return r;
	struct statx_k *x = (void *)ubuf;
	memset(x, 0, sizeof(*x));
	x->mask = 0x7ff; /* STATX_BASIC_STATS */
	x->blksize = (uint32_t)st.blksize;
	x->nlink = (uint32_t)st.nlink;
	x->uid = st.uid;
	x->gid = st.gid;
	x->mode = (uint16_t)st.mode;
	x->ino = st.ino;
	x->size = (uint64_t)st.size;
	x->blocks = (uint64_t)st.blocks;
	x->atime = (struct statx_ts){ st.atime, (uint32_t)st.atime_ns, 0 };
	x->mtime = (struct statx_ts){ st.mtime, (uint32_t)st.mtime_ns, 0 };
	x->ctime = (struct statx_ts){ st.ctime, (uint32_t)st.ctime_ns, 0 };
	x->rdev_major = (uint32_t)(st.rdev >> 8);
	x->rdev_minor = (uint32_t)(st.rdev & 0xff);
	x->dev_major = (uint32_t)(st.dev >> 8);
	x->dev_minor = (uint32_t)(st.dev & 0xff);
	return 0;
}

int64_t sys_faccessat2(A dirfd, A upath, A mode, A flags, A e, A f)
{
	(void)e; (void)f;
	if ((mode & ~7ULL) || (flags & ~(A)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	struct vnode *vn;
	int r = lookup_at(dirfd, upath, (int)flags, &vn);
	if (r)
		return r;
	/* root: read and write always; execute when some x bit is set (or a directory) */
	if ((mode & 1) && !VFS_ISDIR(vn->mode) && !(vn->mode & 0111))
		return -EACCES;
	return 0;
}

int64_t sys_faccessat(A dirfd, A upath, A mode, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_faccessat2(dirfd, upath, mode, 0, 0, 0);
}

int64_t sys_access(A upath, A mode, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_faccessat2((A)(int64_t)AT_FDCWD, upath, mode, 0, 0, 0);
}

struct statfs_k {
	int64_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	int64_t namelen, frsize, flags, spare[4];
};

static int fill_statfs(const struct vnode *vn, A ubuf)
{
	if (!mm_user_ok((void *)ubuf, sizeof(struct statfs_k), true))
		return -EFAULT;
	struct statfs_k *s = (void *)ubuf;
	uint64_t total = mem_total_bytes() / 4096, avail = mem_free_bytes() / 4096;
	memset(s, 0, sizeof(*s));
	s->type = (int64_t)vn->mnt->magic;
	s->bsize = s->frsize = 4096;
	s->blocks = total; /* the guest's memory bounds the ramfs */
	s->bfree = s->bavail = avail;
	s->files = total;
	s->ffree = avail;
	s->fsid[0] = (int32_t)vn->mnt->dev;
	s->namelen = VFS_NAME_MAX;
	s->flags = 0x20; /* ST_VALID */
	return 0;
}

int64_t sys_statfs(A upath, A ubuf, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct vnode *vn;
	int r = lookup_at((A)(int64_t)AT_FDCWD, upath, 0, &vn);
	return r ? r : fill_statfs(vn, ubuf);
}

int64_t sys_fstatfs(A fd, A ubuf, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ENOSYS : -EBADF;
	return fill_statfs(vfile->vn, ubuf);
}

/* ---- directories and names ---- */

int64_t sys_getdents64(A fd, A ubuf, A n, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ENOTDIR : -EBADF;
	if (!mm_user_ok((void *)ubuf, n, true))
		return -EFAULT;
	return vfs_getdents64(vfile, (void *)ubuf, (size_t)MIN(n, 1ULL << 30));
}

int64_t sys_getcwd(A ubuf, A size, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	char *buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int64_t r = vfs_path_of(vfs_cwd(), buf, VFS_PATH_MAX);
	if (r > 0 && (uint64_t)r > size)
		r = -ERANGE;
	else if (r > 0 && !mm_user_ok((void *)ubuf, (size_t)r, true))
		r = -EFAULT;
	else if (r > 0)
		memcpy((void *)ubuf, buf, (size_t)r);
	kfree(buf);
	return r;
}

int64_t sys_chdir(A upath, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct vnode *vn;
	int r = lookup_at((A)(int64_t)AT_FDCWD, upath, 0, &vn);
	return r ? r : vfs_chdir(vn);
}

int64_t sys_fchdir(A fd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ENOTDIR : -EBADF;
	return vfs_chdir(vfile->vn);
}

int64_t sys_mknodat(A dirfd, A upath, A mode, A dev, A e, A f)
{
	(void)e; (void)f;
	char *path;
	struct vnode *base;
	uint32_t type = (uint32_t)mode & VFS_IFMT;
	if (type == 0)
		type = VFS_IFREG;
	if (type == VFS_IFDIR || type == VFS_IFLNK)
		return -EINVAL;
	int r = at_path(dirfd, upath, &path, &base);
	if (r)
		return r;
	r = vfs_mknod(base, path, type | ((uint32_t)mode & 07777), dev, NULL);
	kfree(path);
	return r;
}

int64_t sys_mknod(A upath, A mode, A dev, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_mknodat((A)(int64_t)AT_FDCWD, upath, mode, dev, 0, 0);
}

int64_t sys_mkdirat(A dirfd, A upath, A mode, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	char *path;
	struct vnode *base;
	int r = at_path(dirfd, upath, &path, &base);
	if (r)
		return r;
	r = vfs_mkdir(base, path, (uint32_t)mode);
	kfree(path);
	return r;
}

int64_t sys_mkdir(A upath, A mode, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_mkdirat((A)(int64_t)AT_FDCWD, upath, mode, 0, 0, 0);
}

int64_t sys_unlinkat(A dirfd, A upath, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	if (flags & ~(A)AT_REMOVEDIR)
		return -EINVAL;
	char *path;
	struct vnode *base;
	int r = at_path(dirfd, upath, &path, &base);
	if (r)
		return r;
	r = vfs_unlink(base, path, (flags & AT_REMOVEDIR) ? VFS_REMOVEDIR : 0);
	kfree(path);
	return r;
}

int64_t sys_unlink(A upath, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return sys_unlinkat((A)(int64_t)AT_FDCWD, upath, 0, 0, 0, 0);
}

int64_t sys_rmdir(A upath, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return sys_unlinkat((A)(int64_t)AT_FDCWD, upath, AT_REMOVEDIR, 0, 0, 0);
}

int64_t sys_renameat2(A odirfd, A uold, A ndirfd, A unew, A flags, A f)
{
	(void)f;
	char *op, *np;
	struct vnode *ob, *nb;
	int r = at_path(odirfd, uold, &op, &ob);
	if (r)
		return r;
	if ((r = at_path(ndirfd, unew, &np, &nb))) {
		kfree(op);
		return r;
	}
	r = vfs_rename(ob, op, nb, np, (unsigned)flags);
	kfree(op);
	kfree(np);
	return r;
}

int64_t sys_renameat(A odirfd, A uold, A ndirfd, A unew, A e, A f)
{
	(void)e; (void)f;
	return sys_renameat2(odirfd, uold, ndirfd, unew, 0, 0);
}

int64_t sys_rename(A uold, A unew, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_renameat2((A)(int64_t)AT_FDCWD, uold, (A)(int64_t)AT_FDCWD, unew, 0, 0);
}

int64_t sys_symlinkat(A utarget, A dirfd, A upath, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	char *target, *path;
	struct vnode *base;
	int r = get_path(utarget, &target);
	if (r)
		return r;
	if ((r = at_path(dirfd, upath, &path, &base))) {
		kfree(target);
		return r;
	}
	r = vfs_symlink(target, base, path);
	kfree(target);
	kfree(path);
	return r;
}

int64_t sys_symlink(A utarget, A upath, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_symlinkat(utarget, (A)(int64_t)AT_FDCWD, upath, 0, 0, 0);
}

int64_t sys_readlinkat(A dirfd, A upath, A ubuf, A size, A e, A f)
{
	(void)e; (void)f;
	if ((int64_t)size <= 0)
		return -EINVAL;
	struct vnode *vn;
	int r = lookup_at(dirfd, upath, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &vn);
	if (r)
		return r;
	if (!mm_user_ok((void *)ubuf, size, true))
		return -EFAULT;
	return vfs_readlink(vn, (char *)ubuf, (size_t)MIN(size, (A)VFS_PATH_MAX));
}

int64_t sys_readlink(A upath, A ubuf, A size, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_readlinkat((A)(int64_t)AT_FDCWD, upath, ubuf, size, 0, 0);
}

int64_t sys_linkat(A odirfd, A uold, A ndirfd, A unew, A flags, A f)
{
	(void)f;
	if (flags & ~(A)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	char *op, *np;
	struct vnode *ob, *nb;
	int r = at_path(odirfd, uold, &op, &ob);
	if (r)
		return r;
	if ((r = at_path(ndirfd, unew, &np, &nb))) {
		kfree(op);
		return r;
	}
	r = vfs_link(ob, op, nb, np, flags & AT_SYMLINK_FOLLOW);
	kfree(op);
	kfree(np);
	return r;
}

int64_t sys_link(A uold, A unew, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_linkat((A)(int64_t)AT_FDCWD, uold, (A)(int64_t)AT_FDCWD, unew, 0, 0);
}

/* ---- sizes, attributes, sync, locks ---- */

int64_t sys_truncate(A upath, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if ((int64_t)len < 0)
		return -EINVAL;
	struct vnode *vn;
	int r = lookup_at((A)(int64_t)AT_FDCWD, upath, 0, &vn);
	return r ? r : vfs_truncate(vn, len);
}

int64_t sys_ftruncate(A fd, A len, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -EINVAL : -EBADF;
	if ((int64_t)len < 0 || (vfile->flags & VFS_O_ACCMODE) == VFS_O_RDONLY || !VFS_ISREG(vfile->vn->mode))
		return -EINVAL;
	return vfs_truncate(vfile->vn, len);
}

int64_t sys_fallocate(A fd, A mode, A off, A len, A e, A f)
{
	(void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? -ESPIPE : -EBADF;
	if ((int64_t)off < 0 || (int64_t)len <= 0)
		return -EINVAL;
	if ((vfile->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		return -EBADF;
	if (mode & ~1ULL) /* FALLOC_FL_KEEP_SIZE only */
		return -EOPNOTSUPP;
	if (!VFS_ISREG(vfile->vn->mode))
		return VFS_ISDIR(vfile->vn->mode) ? -EISDIR : -ENODEV;
	if (off + len < off)
		return -EFBIG;
	/* ramfs pages come on first write: growing the size is all there is */
	if (!(mode & 1) && off + len > vfile->vn->size)
		return vfs_truncate(vfile->vn, off + len);
	return 0;
}

static int64_t fd_sync(A fd)
{
	return fd_get((int)(unsigned)fd) ? 0 : -EBADF; /* memory is the medium */
}

int64_t sys_fsync(A fd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return fd_sync(fd);
}

int64_t sys_fdatasync(A fd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return fd_sync(fd);
}

int64_t sys_syncfs(A fd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return fd_sync(fd);
}

int64_t sys_sync(A a, A b, A c, A d, A e, A f)
{
	(void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
	return 0;
}

int64_t sys_umask(A mask, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return vfs_umask((unsigned)mask);
}

static int set_mode(struct vnode *vn, A mode)
{
	vn->mode = (vn->mode & VFS_IFMT) | ((uint32_t)mode & 07777);
	vn->ctime_ns = vfs_now();
	return 0;
}

int64_t sys_fchmodat(A dirfd, A upath, A mode, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct vnode *vn;
	int r = lookup_at(dirfd, upath, 0, &vn);
	return r ? r : set_mode(vn, mode);
}

int64_t sys_chmod(A upath, A mode, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	return sys_fchmodat((A)(int64_t)AT_FDCWD, upath, mode, 0, 0, 0);
}

int64_t sys_fchmod(A fd, A mode, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? 0 : -EBADF;
	return set_mode(vfile->vn, mode);
}

static int set_owner(struct vnode *vn, A uid, A gid)
{
	if ((uint32_t)uid != UINT32_MAX)
		vn->uid = (uint32_t)uid;
	if ((uint32_t)gid != UINT32_MAX)
		vn->gid = (uint32_t)gid;
	vn->ctime_ns = vfs_now();
	return 0;
}

int64_t sys_fchownat(A dirfd, A upath, A uid, A gid, A flags, A f)
{
	(void)f;
	if (flags & ~(A)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vnode *vn;
	int r = lookup_at(dirfd, upath, (int)flags, &vn);
	return r ? r : set_owner(vn, uid, gid);
}

int64_t sys_chown(A upath, A uid, A gid, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_fchownat((A)(int64_t)AT_FDCWD, upath, uid, gid, 0, 0);
}

int64_t sys_lchown(A upath, A uid, A gid, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return sys_fchownat((A)(int64_t)AT_FDCWD, upath, uid, gid, AT_SYMLINK_NOFOLLOW, 0);
}

int64_t sys_fchown(A fd, A uid, A gid, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return fd_get((int)(unsigned)fd) ? 0 : -EBADF;
	return set_owner(vfile->vn, uid, gid);
}

struct timespec_k { int64_t sec, nsec; };

int64_t sys_utimensat(A dirfd, A upath, A utimes, A flags, A e, A f)
{
	(void)e; (void)f;
	struct vnode *vn;
	struct timespec_k ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (flags & ~(A)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (utimes) {
		if (!mm_user_ok((void *)utimes, sizeof(ts), false))
			return -EFAULT;
		memcpy(ts, (void *)utimes, sizeof(ts));
		for (int i = 0; i < 2; i++)
			if (ts[i].nsec != UTIME_NOW && ts[i].nsec != UTIME_OMIT &&
			    (ts[i].nsec < 0 || ts[i].nsec > 999999999))
				return -EINVAL;
	}
	int r;
	if (!upath) { /* futimens */
		struct vfs_file *vfile = file_of(dirfd);
		if (!vfile)
			return -EBADF;
		vn = vfile->vn;
	} else if ((r = lookup_at(dirfd, upath, (int)flags, &vn))) {
		return r;
	}
	int64_t now = vfs_now();
	int64_t *dst[2] = { &vn->atime_ns, &vn->mtime_ns };
	for (int i = 0; i < 2; i++)
		if (ts[i].nsec == UTIME_NOW)
			*dst[i] = now;
		else if (ts[i].nsec != UTIME_OMIT)
			*dst[i] = ts[i].sec * 1000000000 + ts[i].nsec;
	vn->ctime_ns = now;
	return 0;
}

int64_t sys_flock(A fd, A op, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (!fd_get((int)(unsigned)fd))
		return -EBADF;
	unsigned kind = (unsigned)op & ~4u; /* LOCK_NB */
	return kind == 1 || kind == 2 || kind == 8 ? 0 : -EINVAL; /* LOCK_SH, LOCK_EX, LOCK_UN */
}

/* fcntl's record locks and F_DUPFD(_CLOEXEC); everything else in sys_fcntl. */
struct flock_k { int16_t type, whence; int64_t start, len; int32_t pid; };
#define F_DUPFD 0
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_UNLCK 2

int64_t sys_fcntl_fs(A fd, A cmd, A arg, A d, A e, A f)
{
	struct kfile *k = fd_get((int)(unsigned)fd);
	if (!k)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD: case F_DUPFD_CLOEXEC:
		if ((int)arg < 0 || (int)arg >= (int)fd_limit())
			return -EINVAL; /* RLIMIT_NOFILE, as Linux */
		for (int nfd = (int)arg; nfd < (int)fd_limit(); nfd++)
			if (!fd_get(nfd)) {
				k->refs++;
				fd_set_slot(nfd, k);
				return nfd;
			}
		return -EMFILE;
	case F_GETLK: case F_OFD_GETLK: {
		struct flock_k *l = (void *)arg;
		if (!mm_user_ok(l, sizeof(*l), true))
			return -EFAULT;
		if (l->type < 0 || l->type > 2)
			return -EINVAL;
		l->type = F_UNLCK; /* one process: nothing can conflict */
		return 0;
	}
	case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW: {
		const struct flock_k *l = (const void *)arg;
		if (!mm_user_ok(l, sizeof(*l), false))
			return -EFAULT;
		if (l->type < 0 || l->type > 2 || l->whence < 0 || l->whence > 2)
			return -EINVAL;
		return 0;
	}
	default:
		return sys_fcntl(fd, cmd, arg, d, e, f);
	}
}

/* mmap of a file. MAP_SHARED: a region whose pages are the file's own
 * (kfs_pager, kernel/fs.c): every mapping of the file and read(2)/write(2)
 * see one another's writes at once; msync has nothing to do. MAP_PRIVATE:
 * an anonymous region (placement, MAP_FIXED, accounting as sys_mmap) whose
 * pages are copied from the file at their first fault (mm_map_file_lazy),
 * what ld.so maps libraries with: most of a library is never touched, and
 * copying it all at mmap was most of nginx's boot. A page not yet touched
 * shows later writes to the file, as on Linux; one touched does not (on
 * Linux only a written one: POSIX leaves it open). Both are named after the
 * file (/proc/self/maps), an anonymous MAP_SHARED "/dev/zero (deleted)"
 * as on Linux (here it is private memory: one process). */
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_TYPE      0x0f
#define MAP_ANONYMOUS 0x20
#define PROT_WRITE    0x2

int64_t sys_mmap_fs(A addr, A len, A prot, A flags, A fd, A off)
{
	if (flags & MAP_ANONYMOUS) {
		int64_t va = sys_mmap(addr, len, prot, flags, fd, off);
		if (va >= 0 && (flags & MAP_SHARED)) /* or MAP_SHARED_VALIDATE (3) */
			mm_mark_zero((uint64_t)va, ALIGN_UP(len, 4096ULL)); /* named as Linux names it */
		if (va >= 0 && (flags & MAP_POPULATE) && prot)
			mm_populate((uint64_t)va, (uint64_t)va + ALIGN_UP(len, 4096ULL));
		return va;
	}
	struct vfs_file *vfile = file_of(fd);
	if (!vfile)
		return -EBADF;
	unsigned type = (unsigned)flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != 3 /* MAP_SHARED_VALIDATE */)
		return -EINVAL;
	if ((off & 4095) || len == 0)
		return -EINVAL;
	int acc = vfile->flags & VFS_O_ACCMODE;
	if ((vfile->flags & VFS_O_PATH) || acc == VFS_O_WRONLY ||
	    (type != MAP_PRIVATE && (prot & PROT_WRITE) && acc != VFS_O_RDWR))
		return -EACCES;
	if (!VFS_ISREG(vfile->vn->mode))
		return VFS_ISCHR(vfile->vn->mode) ? -ENODEV : -EACCES;
	struct vnode *vn = vfile->vn;
	if (type != MAP_PRIVATE) {
		if (!vn->ops->page)
			return -ENODEV;
		int64_t va = sys_mmap(addr, len, prot, (flags & ~(A)MAP_TYPE) | MAP_PRIVATE | MAP_ANONYMOUS, (A)-1, 0);
		if (va < 0)
			return va;
		int r = mm_map_file((uint64_t)va, len, &kfs_pager, vn, off, true);
		if (r) {
			sys_munmap((A)va, len, 0, 0, 0, 0);
			return r;
		}
		if ((flags & MAP_POPULATE) && prot)
			mm_populate((uint64_t)va, (uint64_t)va + ALIGN_UP(len, 4096ULL));
		return va;
	}
	int64_t va = sys_mmap(addr, len, prot, (flags & ~(A)MAP_TYPE) | MAP_PRIVATE | MAP_ANONYMOUS, (A)-1, 0);
	if (va < 0)
		return va;
	int r = mm_map_file_lazy((uint64_t)va, len, &kfs_pager, vn, off);
	if (r) {
		sys_munmap((A)va, len, 0, 0, 0, 0);
		return r;
	}
	if ((flags & MAP_POPULATE) && prot)
		mm_populate((uint64_t)va, (uint64_t)va + ALIGN_UP(len, 4096ULL));
	return va;
}
