/* vfs.h — the file system layer (refkernel/fs/), between syscall/ above and
 * the kernel core below: vnodes, mounts, the path walk, open files, the ramfs
 * root, the cpio "newc" reader that fills it, and the device nodes of /dev.
 *
 * Error policy: every call returns 0 (or a count) or a negative errno, the
 * one Linux gives for the same case; nothing here panics. Kernel memory
 * exhausted is -ENOMEM; a ramfs that cannot have another data page is
 * -ENOSPC. Paths and buffers passed in are kernel-readable (the syscall
 * layer checks user pointers before calling down).
 *
 * Concurrency: one CPU, and the kernel runs system calls with interrupts
 * off; nothing here blocks except a read of the console device.
 *
 * Lifetime: a vnode lives while it is linked (nlink > 0) or referenced
 * (vfs_ref/vfs_unref: open files, the cwd, mappings). vfs_walk() returns a
 * borrowed pointer, valid until the next call that can unlink; take a
 * reference to keep it.
 *
 * What the layer needs from below is in vfs_platform.h (memory, data pages,
 * the clock, randomness, the console): fs/ builds on the host for tests.
 */
#ifndef VFS_H
#define VFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFS_NAME_MAX    255
#define VFS_PATH_MAX    4096 /* including the NUL, as Linux's PATH_MAX */
#define VFS_SYMLOOP_MAX 40   /* symbolic links followed in one walk (Linux MAXSYMLINKS) */

/* File types and permission bits, as Linux's st_mode. */
#define VFS_IFMT   0170000
#define VFS_IFSOCK 0140000
#define VFS_IFLNK  0120000
#define VFS_IFREG  0100000
#define VFS_IFBLK  0060000
#define VFS_IFDIR  0040000
#define VFS_IFCHR  0020000
#define VFS_IFIFO  0010000
#define VFS_ISTYPE(m, t) (((m) & VFS_IFMT) == (t))
#define VFS_ISDIR(m) VFS_ISTYPE(m, VFS_IFDIR)
#define VFS_ISREG(m) VFS_ISTYPE(m, VFS_IFREG)
#define VFS_ISLNK(m) VFS_ISTYPE(m, VFS_IFLNK)
#define VFS_ISCHR(m) VFS_ISTYPE(m, VFS_IFCHR)

/* open(2) flags, Linux x86-64 values. */
#define VFS_O_ACCMODE   03
#define VFS_O_RDONLY    00
#define VFS_O_WRONLY    01
#define VFS_O_RDWR      02
#define VFS_O_CREAT     0100
#define VFS_O_EXCL      0200
#define VFS_O_NOCTTY    0400
#define VFS_O_TRUNC     01000
#define VFS_O_APPEND    02000
#define VFS_O_NONBLOCK  04000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW  0400000
#define VFS_O_CLOEXEC   02000000
#define VFS_O_PATH      010000000
#define VFS_O_TMPFILE   020000000 /* with O_DIRECTORY */

#define VFS_PAGE 4096u

struct vnode;
struct vfs_mount;

/* One directory entry from readdir. (name) is not NUL-terminated. */
struct vfs_dirent {
	uint64_t ino;
	uint32_t mode;   /* type bits only matter */
	uint32_t len;
	const char *name;
};

/* The ops table of one file system. Directory ops get a directory vnode
 * whose name (name, len) is a single component, never "." or "..", and
 * the VFS has checked what Linux checks above the file system (types,
 * EEXIST, trailing slashes, cross-mount). Ops a file system lacks are NULL
 * (the VFS answers -EPERM for a namespace change, -EINVAL for the rest). */
struct vnode_ops {
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* create a regular file, directory, device or fifo (mode holds the type) */
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		      uint64_t rdev, struct vnode **out);
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target,
		       struct vnode **out);
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *vn);
	/* remove the entry; (rmdir): it must be an empty directory (-ENOTEMPTY) */
	int (*unlink)(struct vnode *dir, const char *name, size_t len, bool rmdir);
	/* move the entry; one that exists at the new name is replaced */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen,
		      struct vnode *ndir, const char *nname, size_t nlen);
	/* the entry at (*pos) or after it: 1 and (*pos) advanced, 0 at the end */
	int (*readdir)(struct vnode *dir, uint64_t *pos, struct vfs_dirent *out);
	int64_t (*read)(struct vnode *vn, void *buf, uint64_t n, uint64_t off);
	int64_t (*write)(struct vnode *vn, const void *buf, uint64_t n, uint64_t off);
	int (*truncate)(struct vnode *vn, uint64_t size);
	int64_t (*readlink)(struct vnode *vn, char *buf, size_t n); /* bytes, no NUL */
	/* Page (index) of a file for mmap, in (*kva): (own) asks for the file's
	 * own page (created if it was a hole or archive data), which writes
	 * through any mapping reach; otherwise a read-only view MAY be returned
	 * (archive pages in place) and -EAGAIN means "copy it with read". */
	int (*page)(struct vnode *vn, uint64_t index, bool own, void **kva);
	void (*release)(struct vnode *vn); /* unlinked and unreferenced: free it */
};

struct vnode {
	const struct vnode_ops *ops;
	struct vfs_mount *mnt;     /* the file system it belongs to */
	struct vfs_mount *mounted; /* a file system mounted on this directory, or NULL */
	struct vnode *parent;      /* directories: the one holding it (a root: itself) */
	uint64_t ino, size, rdev;
	uint32_t mode, uid, gid, nlink;
	int64_t atime_ns, mtime_ns, ctime_ns; /* CLOCK_REALTIME */
	int refs;
	uint32_t maps;             /* mappings of it (regions, shared or private): while
	                            * any, vfs_truncate has them drop the pages past the
	                            * new end first (vfsp_unmap_past) */
	void *priv;                /* the file system's */
};

struct vfs_mount {
	struct vnode *root;
	struct vnode *covered;     /* the directory it is mounted on, NULL for the root */
	uint64_t dev;              /* st_dev */
	uint64_t magic;            /* statfs f_type */
	uint64_t blocks, bfree;    /* statfs, in VFS_PAGE units (0: not counted) */
	const char *name;          /* "ramfs", "proc" (for /proc/self/mounts) */
};

/* ---- fs/vfs.c: namespace and path walk ---- */

void vfs_init(struct vnode *root);        /* root and cwd; umask 022 */
struct vnode *vfs_root(void);
struct vnode *vfs_cwd(void);
int  vfs_chdir(struct vnode *dir);        /* -ENOTDIR unless a directory */
unsigned vfs_umask(unsigned mask);        /* sets, returns the old one */
/* Mount the file system whose root is (root) on the directory at (path). */
int  vfs_mount(const char *path, struct vfs_mount *m);
void vfs_ref(struct vnode *vn);
void vfs_unref(struct vnode *vn);
int64_t vfs_now(void);                    /* time for a timestamp */

#define VFS_FOLLOW 1 /* follow a symbolic link in the last component */
/* Resolve (path) from (base) (NULL: the cwd; an absolute path starts at the
 * root). "." and ".." as Linux (".." at the root stays there, and climbs out
 * of a mounted file system), symlinks in the middle always followed, at
 * most VFS_SYMLOOP_MAX of them (-ELOOP), a trailing slash requires a
 * directory (-ENOTDIR) and follows a final symlink. "" is -ENOENT. */
int vfs_walk(struct vnode *base, const char *path, int flags, struct vnode **out);

/* The directory that holds the last component of (path), and that
 * component (NUL-terminated); len 0 when the path names a root ("/").
 * (slash): the path ended in '/'. */
struct vfs_parent {
	struct vnode *dir;
	size_t len;
	bool slash;
	char name[VFS_NAME_MAX + 1];
};
int vfs_walk_parent(struct vnode *base, const char *path, struct vfs_parent *p);

/* Namespace changes, each with Linux's checks and errors. */
int vfs_mknod(struct vnode *base, const char *path, uint32_t mode, uint64_t rdev,
	      struct vnode **out); /* mode holds the type; umask applied; (out) MAY be NULL */
int vfs_mkdir(struct vnode *base, const char *path, uint32_t mode);
int vfs_symlink(const char *target, struct vnode *base, const char *path);
int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	     bool follow);
#define VFS_REMOVEDIR 0x200 /* AT_REMOVEDIR */
int vfs_unlink(struct vnode *base, const char *path, int flags);
#define VFS_RENAME_NOREPLACE 1
#define VFS_RENAME_EXCHANGE  2
int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	       unsigned flags);
int64_t vfs_readlink(struct vnode *vn, char *buf, size_t n); /* -EINVAL unless a symlink */
int vfs_truncate(struct vnode *vn, uint64_t size);          /* -EISDIR, -EINVAL, -ENOSPC */
/* The absolute path of directory (dir) into (buf): its length with the
 * NUL, -ERANGE when it does not fit, -ENOENT when (dir) was removed. */
int64_t vfs_path_of(struct vnode *dir, char *buf, size_t n);
/* The same for any vnode: a file is found by a search of the tree from the
 * root (slow: for /proc/self/fd and the like); -ENOENT when unlinked. */
int64_t vfs_name_of(struct vnode *vn, char *buf, size_t n);

/* ---- fs/file.c: open files ---- */

struct vfs_file {
	struct vnode *vn;
	uint64_t pos;
	int flags;       /* open flags less O_CREAT/O_EXCL/O_TRUNC/O_CLOEXEC */
	int refs;        /* dup'ed file descriptors share it */
};
/* open(2) on the VFS: O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
 * O_NOFOLLOW, O_PATH; O_TMPFILE is -EOPNOTSUPP. (mode) less the umask. */
int vfs_open(struct vnode *base, const char *path, int flags, uint32_t mode, struct vfs_file **out);
struct vfs_file *vfs_file_of(struct vnode *vn, int flags); /* open an existing vnode */
void    vfs_close(struct vfs_file *f);      /* drops one reference */
int64_t vfs_read(struct vfs_file *f, void *buf, uint64_t n);
int64_t vfs_write(struct vfs_file *f, const void *buf, uint64_t n);
int64_t vfs_pread(struct vfs_file *f, void *buf, uint64_t n, uint64_t off);
int64_t vfs_pwrite(struct vfs_file *f, const void *buf, uint64_t n, uint64_t off);
#define VFS_SEEK_SET  0
#define VFS_SEEK_CUR  1
#define VFS_SEEK_END  2
#define VFS_SEEK_DATA 3
#define VFS_SEEK_HOLE 4
int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence);
/* getdents64: linux_dirent64 records into (buf); bytes written, 0 at the
 * end, -EINVAL when (n) cannot hold the next one, -ENOTDIR. */
int64_t vfs_getdents64(struct vfs_file *f, void *buf, size_t n);
bool    vfs_readable(const struct vfs_file *f); /* poll: data or not a device */

/* ---- fs/ramfs.c: the in-memory root ---- */

/* A new, empty ramfs whose data may use (max_pages) pages (0: no limit
 * beyond the platform's). NULL when out of memory. */
struct vfs_mount *ramfs_new(uint64_t max_pages, uint64_t dev);
void ramfs_destroy(struct vfs_mount *m);   /* frees every node: tests, fuzzing */
uint64_t ramfs_pages_used(const struct vfs_mount *m);
/* Regular file (vn)'s contents become (data, len) in place, read-only and
 * never freed (the archive's pages); the first write copies the page. */
int ramfs_set_extern(struct vnode *vn, const void *data, uint64_t len);
/* The whole file as one contiguous read-only buffer when it is archive data
 * not yet written to, else NULL (the loader reads the ELF in place). */
const void *ramfs_contiguous(struct vnode *vn);

/* ---- fs/cpio.c: fill a directory from a "newc" archive ---- */

/* Unpack (data, len) under (root): regular files (contents in place, see
 * ramfs_set_extern), directories, symbolic links, hard links (newc keeps the
 * data with the last link), device nodes and fifos, with their modes, owners
 * and mtimes. An entry replaces what is at its path (so a second archive
 * lays over the first), except a directory, which is kept. Archives may be
 * concatenated (NUL padding between). Missing parents are created (0755).
 * On a malformed archive it stops with -EINVAL and (*why) says what and at
 * which byte; entries before it stay. (why) MAY be NULL. */
struct cpio_error { uint64_t offset; const char *what; };
int cpio_load(struct vnode *root, const void *data, size_t len, struct cpio_error *why);

/* ---- fs/dev.c: device nodes ---- */

#define VFS_DEV(major, minor) (((uint64_t)(major) << 8) | (minor)) /* old_encode_dev */
/* Create /dev (null, zero, full, random, urandom, tty, console, shm/,
 * stdin/stdout/stderr and fd as links into /proc/self/fd) where missing. */
int dev_populate(struct vnode *root);
int64_t dev_read(uint64_t rdev, void *buf, uint64_t n);
int64_t dev_write(uint64_t rdev, const void *buf, uint64_t n);
bool dev_readable(uint64_t rdev);
bool dev_is_tty(uint64_t rdev);            /* isatty: the console */
bool dev_known(uint64_t rdev);             /* a device this kernel has */

/* ---- fs/procfs.c: /proc and /sys ---- */

/* A read-only synthetic file system built from a table the layer above
 * gives: each entry is a path below the mount ("1/maps"; the directories on
 * the way are made) and exactly one of: (gen) a file generated at each read
 * (st_size 0, as Linux's), (link) a symbolic link computed when read, or
 * (fd_link, fd_next) a directory of the open fds, each a link whose target
 * fd_link gives (-EBADF: not open). (store) makes a file writable (0644);
 * writes to the others are -EACCES. The strings and the table MUST outlive
 * the mount. NULL when out of memory. */
struct pfs_buf { char *p; size_t len, cap; bool failed; };
void pfs_printf(struct pfs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct pfs_entry {
	const char *path;
	uint32_t mode;                                /* permission bits; 0: 0444 */
	void (*gen)(struct pfs_buf *b);
	int64_t (*store)(const void *buf, uint64_t n);
	int64_t (*link)(char *buf, size_t n);         /* length, no NUL */
	int64_t (*fd_link)(int fd, char *buf, size_t n);
	int (*fd_next)(int after);                    /* the lowest open fd > after, or -1 */
};
struct vfs_mount *pfs_new(const char *name, uint64_t magic, uint64_t dev,
			  const struct pfs_entry *entries, size_t n);
void pfs_destroy(struct vfs_mount *m);     /* tests: frees the tree (not mounted any more) */

#endif
