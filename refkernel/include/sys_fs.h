/* sys_fs.h — the file system calls of syscall/sys_fs.c (on the VFS, in
 * fs.o), as one list: SYS_FS_CALLS(X) gives X(number, name) per call. The
 * dispatch table takes them all (syscall.c's SYS_CALLS); kernel/nofs.c defines
 * weak -ENOSYS stand-ins for an image baked without the file system (FS=0).
 * open/openat are not in the list: sys_file.c's device-only versions are
 * the weak stand-ins there; fcntl goes to sys_fcntl_fs (locks, F_DUPFD),
 * which passes the rest to sys_fcntl; mmap to sys_mmap_fs (files, then
 * sys_mmap for the mapping itself). */
#ifndef SYS_FS_H
#define SYS_FS_H
#include <stdint.h>
#include <stdbool.h>

#define SYS_FS_CALLS(X) \
	X(4, stat) X(5, fstat) X(6, lstat) X(8, lseek) X(17, pread64) X(18, pwrite64) \
	X(21, access) X(40, sendfile) X(73, flock) X(74, fsync) X(75, fdatasync) X(76, truncate) \
	X(77, ftruncate) X(79, getcwd) X(80, chdir) X(81, fchdir) X(82, rename) X(83, mkdir) \
	X(84, rmdir) X(85, creat) X(86, link) X(87, unlink) X(88, symlink) X(89, readlink) \
	X(90, chmod) X(91, fchmod) X(92, chown) X(93, fchown) X(94, lchown) X(95, umask) \
	X(133, mknod) X(137, statfs) X(138, fstatfs) X(162, sync) X(217, getdents64) \
	X(258, mkdirat) X(259, mknodat) X(260, fchownat) X(262, newfstatat) X(263, unlinkat) \
	X(264, renameat) X(265, linkat) X(266, symlinkat) X(267, readlinkat) X(268, fchmodat) \
	X(269, faccessat) X(280, utimensat) X(285, fallocate) X(295, preadv) X(296, pwritev) \
	X(306, syncfs) X(316, renameat2) X(319, memfd_create) X(327, preadv2) X(328, pwritev2) \
	X(332, statx) X(436, close_range) X(439, faccessat2)

#define SYS_FS_DECL(nr, name) \
	int64_t sys_##name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
SYS_FS_CALLS(SYS_FS_DECL)

int64_t sys_fcntl_fs(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
int64_t sys_mmap_fs(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t); /* files, else sys_mmap */
void sys_fs_stdio(void); /* fds 0-2 become /dev/console opened as a file; /proc and /sys mounted */
struct kfile;
struct vfs_file *sys_fs_file(const struct kfile *k); /* NULL unless a VFS file */
bool sys_fs_always_ready(const struct kfile *k);   /* a regular file or directory */
void sys_procfs_mount(void);

/* AF_UNIX names that are paths (sys_unix.c): bind makes the socket file at
 * (path) (S_IFSOCK, 0777 less the umask; -EADDRINUSE when the name exists,
 * the path walk's errors otherwise); find looks one up (-ECONNREFUSED when
 * it is no socket file). Both hand back the vnode, held until
 * sys_fs_sock_put. An image without the file system answers -ENOSYS. */
int  sys_fs_sock_bind(const char *path, void **vn);
int  sys_fs_sock_find(const char *path, void **vn);
void sys_fs_sock_put(void *vn);

#endif
