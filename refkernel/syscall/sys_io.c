/* sys_io.c — file descriptors and the I/O calls on them. fds 0..2 are the
 * serial console; other kinds of file (sockets) bring their own kfile_ops. */
#include "kernel.h"
#include "syscall.h"
#include "sys_proc.h"

#define A uint64_t
#define TIOCGWINSZ 0x5413
#define FIONBIO    0x5421
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define O_RDWR  2

static int64_t con_read(struct kfile *f, void *buf, uint64_t n)
{
	(void)f;
	return console_read(buf, n);
}

static int64_t con_write(struct kfile *f, const void *buf, uint64_t n)
{
	(void)f;
	console_write(buf, n);
	return (int64_t)n;
}

static int64_t con_ioctl(struct kfile *f, uint64_t req, uint64_t arg)
{
	(void)f; (void)req; (void)arg;
	return -ENOTTY; /* TIOCGWINSZ and the rest: a serial line, not a terminal */
}

static unsigned con_poll(struct kfile *f)
{
	(void)f;
	return KPOLLOUT | (console_readable() ? KPOLLIN : 0);
}

static const struct kfile_ops console_ops = { con_read, con_write, con_ioctl, NULL, con_poll };
static struct kfile console = { &console_ops, NULL, O_RDWR, 3, 0 };
static uint64_t next_file_id = 1;

unsigned kfile_poll(struct kfile *f)
{
	return f->ops->poll ? f->ops->poll(f) : KPOLLIN | KPOLLOUT;
}
static struct kfile *fds[FD_MAX]; /* in .bss, not 8 KiB of image */

void fd_init(void)
{
	fds[0] = fds[1] = fds[2] = &console;
}

struct kfile *fd_get(unsigned fd)
{
	return fd < FD_MAX ? fds[fd] : NULL;
}

int fd_install(struct kfile *f)
{
	for (int fd = 0; fd < (int)fd_limit(); fd++) /* RLIMIT_NOFILE */
		if (!fds[fd]) {
			fds[fd] = f;
			if (!f->id)
				f->id = next_file_id++;
			return fd;
		}
	return -EMFILE;
}

void fd_set_slot(unsigned fd, struct kfile *f)
{
	fds[fd] = f;
}

int64_t sys_read(A fd, A buf, A n, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct kfile *k = fd_get((unsigned)fd);
	if (!k || !k->ops->read)
		return -EBADF;
	if (!mm_user_ok((void *)buf, n, true))
		return -EFAULT;
	return k->ops->read(k, (void *)buf, n);
}

int64_t sys_write(A fd, A buf, A n, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct kfile *k = fd_get((unsigned)fd);
	if (!k || !k->ops->write)
		return -EBADF;
	if (!mm_user_ok((void *)buf, n, false))
		return -EFAULT;
	return k->ops->write(k, (const void *)buf, n);
}

struct iovec_k { uint64_t base, len; };

static int64_t do_iov(A fd, A iov, A cnt, bool write)
{
	struct kfile *k = fd_get((unsigned)fd);
	if (!k || (write ? !k->ops->write : !k->ops->read))
		return -EBADF;
	if (cnt > 1024)
		return -EINVAL;
	if (!mm_user_ok((void *)iov, cnt * sizeof(struct iovec_k), false))
		return -EFAULT;
	const struct iovec_k *v = (const void *)iov;
	int64_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		if (!v[i].len)
			continue;
		if (!mm_user_ok((void *)v[i].base, v[i].len, !write))
			return total ? total : -EFAULT;
		int64_t r = write ? k->ops->write(k, (void *)v[i].base, v[i].len)
				  : k->ops->read(k, (void *)v[i].base, v[i].len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < v[i].len)
			break;
	}
	return total;
}

int64_t sys_readv(A fd, A iov, A cnt, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return do_iov(fd, iov, cnt, false);
}

int64_t sys_writev(A fd, A iov, A cnt, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	return do_iov(fd, iov, cnt, true);
}

int64_t sys_close(A ufd, A b, A c, A d, A e, A f)
{
	(void)b; (void)c; (void)d; (void)e; (void)f;
	unsigned fd = (unsigned)ufd;
	struct kfile *k = fd_get(fd);
	if (!k)
		return -EBADF;
	fds[fd] = NULL;
	if (--k->refs == 0 && k->ops->close)
		return k->ops->close(k);
	return 0;
}

int64_t sys_ioctl(A fd, A req, A arg, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct kfile *k = fd_get((unsigned)fd);
	if (!k)
		return -EBADF;
	if (req == FIONBIO) {
		if (!mm_user_ok((void *)arg, sizeof(int), false))
			return -EFAULT;
		k->flags = *(int *)arg ? (k->flags | KF_NONBLOCK) : (k->flags & ~KF_NONBLOCK);
		return 0;
	}
	return k->ops->ioctl ? k->ops->ioctl(k, req, arg) : -ENOTTY;
}

int64_t sys_fcntl(A fd, A cmd, A arg, A d, A e, A f)
{
	(void)d; (void)e; (void)f;
	struct kfile *k = fd_get((unsigned)fd);
	if (!k)
		return -EBADF;
	switch (cmd) {
	case F_GETFD: return 0;
	case F_SETFD: return 0; /* close-on-exec: there is no exec */
	case F_GETFL: return k->flags;
	case F_SETFL: k->flags = (k->flags & 3) | (int)(arg & ~3ULL); return 0; /* access mode stays */
	default: return -EINVAL;
	}
}
