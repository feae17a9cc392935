/* mkcpio: write a "newc" cpio archive (the initramfs format) to stdout from a
 * manifest read on stdin, one entry a line:
 *   dir  PATH MODE            file PATH MODE SRC          nod PATH MODE c|b MAJ MIN
 * main() -> entry() per line -> header() + data -> trailer. Owner root, mtime 0,
 * inode numbers in order: the same inputs give the same bytes. Errors: one
 * "mkcpio: ..." line naming the manifest line, exit 1 (usage 2). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long ino = 300;
static unsigned long long written;

static void die_line(int line, const char *what, const char *arg)
{
	fprintf(stderr, "mkcpio: manifest line %d: %s%s%s\n", line, what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static void out(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n) {
		fprintf(stderr, "mkcpio: write error: %s\n", strerror(errno));
		exit(1);
	}
	written += n;
}

static void pad4(void)
{
	static const char z[4];

	out(z, (4 - written % 4) % 4);
}

/* newc header: magic "070701" then 13 eight-digit hex fields. */
static void header(const char *name, unsigned mode, unsigned nlink, unsigned long size,
		   unsigned rmaj, unsigned rmin)
{
	char h[160];

	if (snprintf(h, sizeof h, "070701%08lX%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08lX%08X",
		 ino++, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, rmaj, rmin,
		 (unsigned long)strlen(name) + 1, 0u) != 110) {
		fprintf(stderr, "mkcpio: %s: a field does not fit newc's 32 bits\n", name);
		exit(1);
	}
	out(h, 110);
	out(name, strlen(name) + 1);
	pad4();
}

static void copy_file(int line, const char *name, unsigned mode, const char *src)
{
	struct stat st;
	char buf[65536];
	size_t left;
	FILE *f = fopen(src, "rb");

	if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		die_line(line, "not a readable regular file", src);
	header(name, S_IFREG | mode, 1, (unsigned long)st.st_size, 0, 0);
	for (left = (size_t)st.st_size; left > 0;) {
		size_t n = fread(buf, 1, left < sizeof buf ? left : sizeof buf, f);
		if (n == 0)
			die_line(line, "short read", src);
		out(buf, n);
		left -= n;
	}
	fclose(f);
	pad4();
}

static void entry(int line, char *s)
{
	char *kind = strtok(s, " \t\n"), *path, *mode_s, *end;
	unsigned long mode;

	if (!kind || kind[0] == '#')
		return;
	path = strtok(NULL, " \t\n");
	mode_s = strtok(NULL, " \t\n");
	if (!path || !mode_s)
		die_line(line, "expected KIND PATH MODE ...", NULL);
	while (*path == '/')
		path++;
	if (!*path)
		die_line(line, "empty path", NULL);
	mode = strtoul(mode_s, &end, 8);
	if (*end || mode > 07777)
		die_line(line, "bad octal mode", mode_s);
	if (!strcmp(kind, "dir")) {
		header(path, S_IFDIR | (unsigned)mode, 2, 0, 0, 0);
	} else if (!strcmp(kind, "file")) {
		char *src = strtok(NULL, " \t\n");
		if (!src)
			die_line(line, "file needs a source path", NULL);
		copy_file(line, path, (unsigned)mode, src);
	} else if (!strcmp(kind, "nod")) {
		char *t = strtok(NULL, " \t\n"), *ma = strtok(NULL, " \t\n"), *mi = strtok(NULL, " \t\n");
		if (!t || !ma || !mi || (strcmp(t, "c") && strcmp(t, "b")))
			die_line(line, "nod needs c|b MAJOR MINOR", NULL);
		header(path, (t[0] == 'c' ? S_IFCHR : S_IFBLK) | (unsigned)mode, 1, 0,
		       (unsigned)atoi(ma), (unsigned)atoi(mi));
	} else {
		die_line(line, "unknown kind (dir, file, nod)", kind);
	}
}

int main(int argc, char **argv)
{
	char line[8192];
	int n = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: mkcpio < MANIFEST > ARCHIVE.cpio\n");
		return 2;
	}
	while (fgets(line, sizeof line, stdin))
		entry(++n, line);
	ino = 0;
	header("TRAILER!!!", 0, 1, 0, 0, 0);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "mkcpio: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
