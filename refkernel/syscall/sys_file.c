/* sys_file.c — the few files a unikernel without a file system still has:
 * /dev/null, /dev/zero, /dev/urandom (and /dev/random) through open/openat,
 * pipes through pipe/pipe2, and dup/dup2/dup3. Any other path is -ENOENT.
 * A blocking pipe read (write) waits while the pipe is empty with a writer
 * (full with a reader), as on Linux; other threads run meanwhile and every
 * change to a pipe wakes its waiters (sched_events). With only one thread
 * nobody could ever change it: that is reported as a deadlock, like futex. */
#include "kernel.h"
#include "syscall.h"
#include "sys_proc.h"
#include "ksched.h"

#define A uint64_t
#define AT_FDCWD   (-100)
#define O_ACCMODE  3
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000
#define PIPE_SIZE  65536
#define PIPE_BUF   4096 /* writes up to this size are atomic (POSIX) */
#define PATH_MAX_K 256

static int64_t null_read(struct kfile *f, void *b, uint64_t n) { (void)f; (void)b; (void)n; return 0; }
static int64_t sink_write(struct kfile *f, const void *b, uint64_t n) { (void)f; (void)b; return (int64_t)n; }
static int64_t zero_read(struct kfile *f, void *b, uint64_t n) { (void)f; memset(b, 0, n); return (int64_t)n; }
static int64_t rand_read(struct kfile *f, void *b, uint64_t n) { (void)f; rand_bytes(b, n); return (int64_t)n; }
static int kfile_free(struct kfile *f) { kfree(f); return 0; }

static const struct kfile_ops null_ops = { null_read, sink_write, NULL, kfile_free, NULL };
static const struct kfile_ops zero_ops = { zero_read, sink_write, NULL, kfile_free, NULL };
static const struct kfile_ops rand_ops = { rand_read, sink_write, NULL, kfile_free, NULL };

static const struct { const char *path; const struct kfile_ops *ops; } devices[] = {
	{ "/dev/null", &null_ops }, { "/dev/zero", &zero_ops },
	{ "/dev/urandom", &rand_ops }, { "/dev/random", &rand_ops },
};

/* Copy a NUL-terminated path from the application, every byte checked
 * before it is read. Returns its length, -EFAULT or -ENAMETOOLONG. */
static int64_t get_path(A upath, char *buf)
{
	for (size_t i = 0; i < PATH_MAX_K; i++) {
		if (!mm_user_ok((const char *)upath + i, 1, false))
			return -EFAULT;
		if (!(buf[i] = ((const char *)upath)[i]))
			return (int64_t)i;
	}
	return -ENAMETOOLONG;
}

static int64_t do_open(A dirfd, A upath, uint64_t flags)
{
	char path[PATH_MAX_K];
	int64_t len = get_path(upath, path);
	if (len < 0)
		return len;
	if (len == 0)
		return -ENOENT;
	if (path[0] != '/' && (int)dirfd != AT_FDCWD)
		return fd_get((unsigned)dirfd) ? -ENOTDIR : -EBADF; /* no directories to open */
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (strcmp(path, devices[i].path) == 0)
			return fd_install_new(devices[i].ops, NULL, (int)(flags & (O_ACCMODE | O_NONBLOCK)));
	return -ENOENT;
}

/* Weak: images with the file system (fs.o) take syscall/sys_fs.c's. */
__attribute__((weak)) int64_t sys_open(A path, A flags, A mode, A d, A e, A f)
{
	(void)mode; (void)d; (void)e; (void)f;
	return do_open((A)AT_FDCWD, path, flags);
}

__attribute__((weak)) int64_t sys_openat(A dirfd, A path, A flags, A mode, A e, A f)
{
	(void)mode; (void)e; (void)f;
	return do_open(dirfd, path, flags);
}

struct pipe {
	uint8_t buf[PIPE_SIZE];
	uint32_t head, tail; /* tail - head bytes queued */
	int readers, writers;
};

static bool pipe_readable(void *ctx)
{
	struct pipe *p = ctx;
	return p->tail != p->head || !p->writers;
}

static bool pipe_writable(void *ctx)
{
	struct pipe *p = ctx;
	return p->tail - p->head < PIPE_SIZE || !p->readers;
}

/* Block until (ready)(p); -EAGAIN for a non-blocking file. */
static int pipe_wait(struct kfile *f, bool (*ready)(void *), const char *what)
{
	if (f->flags & KF_NONBLOCK)
		return -EAGAIN;
	if (sched_nthreads() == 1)
		kpanic(KEXIT_PANIC, "deadlock: the only thread blocks on a pipe %s that only it can change", what);
	kwait_until(ready, f->priv, 0);
	return 0;
}

/* After a wait: a user buffer may have been unmapped by another thread; a
 * kernel one (sendfile's bounce buffer, in the high half) stays mapped. */
/* The caller checked (b); after a wait another thread may have unmapped it. */
static bool buf_still_ok(const void *b, uint64_t n, bool write, bool waited)
{
	return !waited || (uintptr_t)b >= DMAP_BASE || mm_user_ok(b, n, write);
}

static int64_t pipe_read(struct kfile *f, void *b, uint64_t n)
{
	struct pipe *p = f->priv;
	bool waited = false;
	if (!n)
		return 0;
	while (!pipe_readable(p)) {
		int r = pipe_wait(f, pipe_readable, "read");
		if (r)
			return r;
		waited = true;
	}
	uint64_t k = MIN(n, p->tail - p->head);
	if (!buf_still_ok(b, k, true, waited))
		return -EFAULT;
	for (uint64_t i = 0; i < k; i++)
		((uint8_t *)b)[i] = p->buf[(p->head + i) % PIPE_SIZE];
	p->head += (uint32_t)k;
	if (k)
		sched_events(); /* a writer waiting for room */
	return (int64_t)k;
}

/* All of (n) for a blocking file (as Linux), what fits for a non-blocking
 * one; up to PIPE_BUF bytes go in at once or not at all. */
static int64_t pipe_write(struct kfile *f, const void *b, uint64_t n)
{
	struct pipe *p = f->priv;
	uint64_t done = 0;
	bool waited = false;
	while (done < n) {
		if (!p->readers)
			return done ? (int64_t)done : -EPIPE;
		uint64_t room = PIPE_SIZE - (p->tail - p->head);
		if (!room || (n <= PIPE_BUF && room < n)) {
			int r = pipe_wait(f, pipe_writable, "write");
			if (r)
				return done ? (int64_t)done : r;
			waited = true;
			continue;
		}
		uint64_t k = MIN(n - done, room);
		if (!buf_still_ok((const uint8_t *)b + done, k, false, waited))
			return done ? (int64_t)done : -EFAULT;
		for (uint64_t i = 0; i < k; i++)
			p->buf[(p->tail + i) % PIPE_SIZE] = ((const uint8_t *)b)[done + i];
		p->tail += (uint32_t)k;
		done += k;
		sched_events(); /* a reader waiting for data */
	}
	return (int64_t)done;
}

static int pipe_close(struct kfile *f)
{
	struct pipe *p = f->priv;
	if (f->ops->read)
		p->readers--;
	else
		p->writers--;
	if (!p->readers && !p->writers)
		kfree(p);
	else
		sched_events(); /* EOF or EPIPE for whoever waits on the other end */
	kfree(f);
	return 0;
}

static unsigned pipe_poll(struct kfile *f)
{
	struct pipe *p = f->priv;
	uint32_t queued = p->tail - p->head;
	if (f->ops->read)
		return (queued ? KPOLLIN : 0) | (p->writers ? 0 : KPOLLHUP);
	return (queued < PIPE_SIZE ? KPOLLOUT : 0) | (p->readers ? 0 : KPOLLERR);
}

static const struct kfile_ops pipe_r_ops = { pipe_read, NULL, NULL, pipe_close, pipe_poll };
static const struct kfile_ops pipe_w_ops = { NULL, pipe_write, NULL, pipe_close, pipe_poll };
bool sys_is_pipe(const struct kfile *k) { return k->ops == &pipe_r_ops || k->ops == &pipe_w_ops; }

int64_t sys_pipe2(A fds, A flags, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	if (!mm_user_ok((void *)fds, 2 * sizeof(int), true))
		return -EFAULT;
	struct pipe *p = kmalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct pipe){ .readers = 1, .writers = 1 };
	int r = fd_install_new(&pipe_r_ops, p, (int)(flags & O_NONBLOCK));
	int w = r < 0 ? r : fd_install_new(&pipe_w_ops, p, (int)(flags & O_NONBLOCK) | 1);
	if (w < 0) {
		if (r >= 0)
			sys_close((A)r, 0, 0, 0, 0, 0); /* frees p with it */
		else
			kfree(p);
		return w;
	}
	((int *)fds)[0] = r;
	((int *)fds)[1] = w;
	return 0;
}

int64_t sys_pipe(A fds, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	return sys_pipe2(fds, 0, 0, 0, 0, 0);
}

/* fds are unsigned int on Linux: the upper 32 bits of the argument go. */
int64_t sys_dup3(A uold, A unew, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	unsigned oldfd = (unsigned)uold, newfd = (unsigned)unew;
	struct kfile *k = fd_get(oldfd);
	if ((flags & ~(uint64_t)O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	if (!k || newfd >= fd_limit())
		return -EBADF; /* RLIMIT_NOFILE, as Linux */
	if (fd_get(newfd))
		sys_close(newfd, 0, 0, 0, 0, 0);
	k->refs++;
	fd_set_slot(newfd, k);
	return (int64_t)newfd;
}

int64_t sys_dup2(A uold, A unew, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	unsigned oldfd = (unsigned)uold, newfd = (unsigned)unew;
	if (oldfd == newfd)
		return fd_get(oldfd) ? (int64_t)newfd : -EBADF;
	return sys_dup3(oldfd, newfd, 0, 0, 0, 0);
}

int64_t sys_dup(A oldfd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct kfile *k = fd_get((unsigned)oldfd);
	if (!k)
		return -EBADF;
	int fd = fd_install(k);
	if (fd >= 0)
		k->refs++;
	return fd;
}
