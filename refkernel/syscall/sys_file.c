/* sys_file.c — the few files a unikernel without a file system still has:
 * /dev/null, /dev/zero, /dev/urandom (and /dev/random) through open/openat,
 * pipes through pipe/pipe2, and dup/dup2/dup3. Any other path is -ENOENT.
 * One thread: a pipe that is full (or empty with a writer) cannot be drained
 * by anyone else, so it returns -EAGAIN instead of blocking forever. */
#include "kernel.h"
#include "syscall.h"

#define A uint64_t
#define AT_FDCWD   (-100)
#define O_ACCMODE  3
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000
#define PIPE_SIZE  65536

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

static int install(const struct kfile_ops *ops, void *priv, int flags)
{
	struct kfile *f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct kfile){ ops, priv, flags, 1, 0 };
	int fd = fd_install(f);
	if (fd < 0)
		kfree(f);
	return fd;
}

static int64_t do_open(const char *path, uint64_t flags)
{
	size_t len = 0;
	while (len < 256 && mm_user_ok(path + len, 1, false) && path[len])
		len++;
	if (len == 256 || !mm_user_ok(path, len + 1, false))
		return len == 256 ? -ENAMETOOLONG : -EFAULT;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (strcmp(path, devices[i].path) == 0)
			return install(devices[i].ops, NULL, (int)(flags & (O_ACCMODE | O_NONBLOCK)));
	return -ENOENT;
}

/* Weak: images with the file system (fs.o) take syscall/sys_fs.c's. */
__attribute__((weak)) int64_t sys_open(A path, A flags, A mode, A d, A e, A f)
{
	(void)mode; (void)d; (void)e; (void)f;
	return do_open((const char *)path, flags);
}

__attribute__((weak)) int64_t sys_openat(A dirfd, A path, A flags, A mode, A e, A f)
{
	(void)mode; (void)e; (void)f;
	if ((int)dirfd != AT_FDCWD && ((const char *)path)[0] != '/')
		return -EBADF;
	return do_open((const char *)path, flags);
}

struct pipe {
	uint8_t buf[PIPE_SIZE];
	uint32_t head, tail; /* tail - head bytes queued */
	int readers, writers;
};

static int64_t pipe_read(struct kfile *f, void *b, uint64_t n)
{
	struct pipe *p = f->priv;
	uint32_t avail = p->tail - p->head;
	if (!avail)
		return p->writers ? -EAGAIN : 0;
	uint64_t k = MIN(n, avail);
	for (uint64_t i = 0; i < k; i++)
		((uint8_t *)b)[i] = p->buf[(p->head + i) % PIPE_SIZE];
	p->head += (uint32_t)k;
	return (int64_t)k;
}

static int64_t pipe_write(struct kfile *f, const void *b, uint64_t n)
{
	struct pipe *p = f->priv;
	if (!p->readers)
		return -EPIPE;
	uint64_t k = MIN(n, PIPE_SIZE - (p->tail - p->head));
	if (!k)
		return -EAGAIN;
	for (uint64_t i = 0; i < k; i++)
		p->buf[(p->tail + i) % PIPE_SIZE] = ((const uint8_t *)b)[i];
	p->tail += (uint32_t)k;
	return (int64_t)k;
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
	int r = install(&pipe_r_ops, p, (int)(flags & O_NONBLOCK));
	int w = r < 0 ? r : install(&pipe_w_ops, p, (int)(flags & O_NONBLOCK) | 1);
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

int64_t sys_dup3(A oldfd, A newfd, A flags, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct kfile *k = fd_get((int)oldfd);
	if (!k || (flags & ~(uint64_t)O_CLOEXEC))
		return k ? -EINVAL : -EBADF;
	if ((int)newfd < 0 || (int)newfd >= FD_MAX)
		return -EBADF;
	if (oldfd == newfd)
		return -EINVAL;
	if (fd_get((int)newfd))
		sys_close(newfd, 0, 0, 0, 0, 0);
	k->refs++;
	fd_set_slot((int)newfd, k);
	return (int64_t)newfd;
}

int64_t sys_dup2(A oldfd, A newfd, A c, A d, A e, A f)
{
	(void)c; (void)d; (void)e; (void)f;
	if (oldfd == newfd)
		return fd_get((int)oldfd) ? (int64_t)newfd : -EBADF;
	return sys_dup3(oldfd, newfd, 0, 0, 0, 0);
}

int64_t sys_dup(A oldfd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	struct kfile *k = fd_get((int)oldfd);
	if (!k)
		return -EBADF;
	int fd = fd_install(k);
	if (fd >= 0)
		k->refs++;
	return fd;
}
