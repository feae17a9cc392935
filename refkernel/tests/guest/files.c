/* files: the file system calls, run in a fresh directory (argv[1]); every
 * line it prints is the same on the refkernel and natively on Linux
 * (tests/guest/fs.sh compares them). No inode numbers or times of day. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int fails;

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}
#define T(call) show(#call, (long)(call))

static void expect(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	fails += !ok;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir)
{
	char *names[64];
	int n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		printf("opendir %s: %s\n", dir, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void stat_line(const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		printf("stat %s: %s\n", path, strerror(errno));
		return;
	}
	printf("stat %s: type=%o mode=%o size=%lld nlink=%lu\n", path, st.st_mode >> 12, st.st_mode & 07777,
	       (long long)(S_ISDIR(st.st_mode) ? 0 : st.st_size), (unsigned long)(S_ISDIR(st.st_mode) ? 0 : st.st_nlink));
}

int main(int argc, char **argv)
{
	char buf[256];
	if (argc < 2 || chdir(argv[1]) < 0) {
		printf("usage: files DIR (an empty directory)\n");
		return 2;
	}
	umask(022);
	T(mkdir("d", 0755));
	T(mkdir("d", 0755));
	T(mkdir("d/", 0700));
	int fd = open("d/f", O_CREAT | O_EXCL | O_RDWR, 0640);
	show("open d/f O_CREAT|O_EXCL", fd >= 0 ? 0 : -1);
	T(open("d/f", O_CREAT | O_EXCL | O_RDWR, 0640));
	T(write(fd, "hello world\n", 12));
	T(lseek(fd, 0, SEEK_SET));
	memset(buf, 0, sizeof(buf));
	T(read(fd, buf, sizeof(buf)));
	printf("read: %s", buf);
	T(pread(fd, buf, 5, 6));
	printf("pread: %.5s\n", buf);
	T(pwrite(fd, "x", 1, 20));
	T(lseek(fd, 0, SEEK_END));
	T(lseek(fd, 0, SEEK_CUR));
	T(lseek(fd, -100, SEEK_SET));
	stat_line("d/f", 1);
	T(pread(fd, buf, 10, 10));
	expect("hole reads zeros", buf[1] == '\n' && buf[2] == 0 && buf[9] == 0);
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	T(pwritev(fd, iov, 2, 0));
	char x1[3] = { 0 }, x2[4] = { 0 };
	struct iovec riov[2] = { { x1, 2 }, { x2, 3 } };
	T(preadv(fd, riov, 2, 0));
	printf("preadv: %s %s\n", x1, x2);
	T(ftruncate(fd, 5));
	T(pread(fd, buf, 100, 0));
	T(fallocate(fd, 0, 0, 8192));
	stat_line("d/f", 1);
	T(truncate("d/f", 3));
	T(lseek(fd, 0, SEEK_HOLE));
	T(lseek(fd, 5, SEEK_DATA));
	T(close(fd));
	T(close(fd));

	int a = open("d/app", O_CREAT | O_WRONLY | O_APPEND, 0600);
	T(write(a, "one", 3));
	T(lseek(a, 0, SEEK_SET));
	T(write(a, "two", 3));
	T(read(a, buf, 1));
	close(a);
	stat_line("d/app", 1);
	T(open("d/app", O_WRONLY | O_TRUNC));
	stat_line("d/app", 1);

	T(symlink("f", "d/lf"));
	T(symlink("/nonexistent/x", "d/dangling"));
	T(symlink("loop", "d/loop"));
	stat_line("d/lf", 1);
	stat_line("d/lf", 0);
	stat_line("d/dangling", 1);
	stat_line("d/loop", 1);
	T(readlink("d/lf", buf, sizeof(buf)));
	T(readlink("d/f", buf, sizeof(buf)));
	T(open("d/loop", O_RDONLY));
	T(open("d/lf", O_RDONLY | O_NOFOLLOW));
	T(open("d/f/x", O_RDONLY));
	T(open("d/f/", O_RDONLY));
	T(open("d/f", O_RDONLY | O_DIRECTORY));
	T(open("d", O_WRONLY));
	T(open("d/new/", O_CREAT | O_WRONLY, 0644));
	T(open("nope/x", O_RDONLY));
	T(access("d/f", F_OK));
	T(access("d/f", X_OK));
	T(access("d", X_OK));
	T(access("nope", R_OK));

	T(link("d/f", "d/hard"));
	stat_line("d/hard", 1);
	T(link("d", "d2"));
	T(rename("d/hard", "d/moved"));
	T(rename("d/app", "d/moved"));
	stat_line("d/moved", 1);
	T(rename("d", "d/sub"));
	T(mkdir("e", 0755));
	T(rename("d/moved", "e"));
	T(rename("e", "d/f"));
	T(unlink("d"));
	T(rmdir("d"));
	T(rmdir("d/f"));
	T(unlink("d/moved"));
	T(unlink("nope"));
	T(rmdir("e"));
	T(rmdir("."));
	list("d");
	list(".");

	T(chdir("d"));
	char *cwd = getcwd(buf, sizeof(buf));
	printf("getcwd ends in /d: %s\n", cwd && strlen(cwd) >= 2 && strcmp(cwd + strlen(cwd) - 2, "/d") == 0 ? "yes" : "no");
	T(getcwd(buf, 2) ? 0 : -1);
	T(chdir("f"));
	T(chdir(".."));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	T(mkdirat(dfd, "sub", 0700));
	T(faccessat(dfd, "sub", F_OK, 0));
	int sf = openat(dfd, "sub/g", O_CREAT | O_RDWR, 0644);
	T(write(sf, "gg", 2));
	T(renameat(dfd, "sub/g", dfd, "g2"));
	struct stat st;
	T(fstatat(dfd, "g2", &st, 0));
	printf("fstatat size=%lld\n", (long long)st.st_size);
	T(fstatat(sf, "", &st, AT_EMPTY_PATH));
	printf("AT_EMPTY_PATH size=%lld\n", (long long)st.st_size);
	T(unlinkat(dfd, "sub", 0));
	T(unlinkat(dfd, "sub", AT_REMOVEDIR));
	T(openat(sf, "x", O_RDONLY));
	T(fchdir(dfd));
	T(access("g2", F_OK));
	T(chdir(".."));
	close(sf);

	/* statx (332) by hand: musl has no wrapper. Layout: linux/stat.h. */
	struct { unsigned mask, blksize; unsigned long long attr; unsigned nlink, uid, gid;
		 unsigned short mode, pad; unsigned long long ino, size, blocks, amask, t[8], spare[16]; } sx;
	T(syscall(332, AT_FDCWD, "d/g2", 0, 0x7ff, &sx));
	printf("statx size=%llu mode=%o\n", sx.size, sx.mode & 07777);
	T(chmod("d/g2", 0604));
	T(chown("d/g2", 12, 34));
	T(stat("d/g2", &st));
	printf("after chmod/chown: mode=%o uid=%u gid=%u\n", st.st_mode & 07777, st.st_uid, st.st_gid);
	struct timespec ts[2] = { { 1234567890, 5 }, { 1111111111, 7 } };
	T(utimensat(AT_FDCWD, "d/g2", ts, 0));
	T(stat("d/g2", &st));
	printf("times: a=%lld.%ld m=%lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	umask(027);
	int c = creat("d/c", 0666);
	T(fstat(c, &st));
	printf("creat under umask 027: mode=%o\n", st.st_mode & 07777);
	T(umask(022));

	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	T(fcntl(c, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	T(fcntl(c, F_GETLK, &fl));
	printf("F_GETLK type is F_UNLCK: %s\n", fl.l_type == F_UNLCK ? "yes" : "no");
	T(flock(c, LOCK_EX | LOCK_NB));
	T(flock(c, LOCK_UN));
	int dup = fcntl(c, F_DUPFD, 100);
	printf("F_DUPFD >= 100: %s\n", dup >= 100 ? "yes" : "no");
	T(fsync(c));
	T(fdatasync(c));
	close(dup);
	close(c);

	int z = open("/dev/zero", O_RDONLY);
	memset(buf, 1, 8);
	T(read(z, buf, 8));
	expect("/dev/zero gives zeros", buf[0] == 0 && buf[7] == 0);
	close(z);
	int nul = open("/dev/null", O_RDWR);
	T(read(nul, buf, 8));
	T(write(nul, buf, 8));
	close(nul);
	int full = open("/dev/full", O_WRONLY);
	T(write(full, buf, 1));
	close(full);
	stat_line("/dev/null", 1);

	int m = memfd_create("test", 0);
	T(write(m, "memfd!", 6));
	T(pread(m, buf, 6, 0));
	T(fstat(m, &st));
	printf("memfd size=%lld\n", (long long)st.st_size);

	int p[2];
	T(pipe(p));
	off_t off = 1;
	T(sendfile(p[1], m, &off, 4));
	memset(buf, 0, 8);
	T(read(p[0], buf, 8));
	printf("sendfile: %s off=%lld\n", buf, (long long)off);
	T(lseek(p[0], 0, SEEK_SET));
	T(pread(p[0], buf, 1, 0));
	T(fstat(p[0], &st));
	printf("pipe is a fifo: %s\n", S_ISFIFO(st.st_mode) ? "yes" : "no");
	close(p[0]);
	close(p[1]);
	close(m);

	/* mmap of a file: MAP_PRIVATE sees the data, its writes stay private */
	int mf = open("d/g2", O_RDWR);
	char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, mf, 0);
	expect("mmap MAP_PRIVATE of a file", map != MAP_FAILED && map[0] == 'g' && map[1] == 'g' && map[2] == 0);
	if (map != MAP_FAILED) {
		map[0] = 'X';
		T(pread(mf, buf, 2, 0));
		printf("file after a private write: %.2s\n", buf);
		T(munmap(map, 8192));
	}
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, mf, 0);
	expect("mmap PROT_READ of a file", ro != MAP_FAILED && ro[1] == 'g');
	close(mf);
	errno = 0;
	expect("mmap with a bad fd: EBADF", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF);
	int rdo = open("d/g2", O_RDONLY);
	errno = 0;
	expect("MAP_SHARED|PROT_WRITE of a read-only fd: EACCES",
	       mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rdo, 0) == MAP_FAILED && errno == EACCES);
	close(rdo);

	/* 1 MiB written in odd pieces, read back whole */
	int big = open("d/big", O_CREAT | O_RDWR | O_TRUNC, 0644);
	static unsigned char data[1 << 20], back[1 << 20];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	size_t done = 0;
	while (done < sizeof(data)) {
		size_t k = sizeof(data) - done < 5000 ? sizeof(data) - done : 5000;
		if (write(big, data + done, k) != (ssize_t)k)
			break;
		done += k;
	}
	T(done);
	T(pread(big, back, sizeof(back), 0));
	expect("1 MiB reads back", memcmp(data, back, sizeof(data)) == 0);
	close(big);
	int fds[3] = { open("d/big", O_RDONLY), open("d/big", O_RDONLY), open("d/big", O_RDONLY) };
	T(syscall(SYS_close_range, fds[0], fds[2], 0));
	T(close(fds[1]));
	T(unlink("d/big"));
	list("d");
	printf("files: %d wrong\n", fails);
	return fails != 0;
}
