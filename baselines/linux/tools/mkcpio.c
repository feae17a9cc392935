/* mkcpio: write a "newc" cpio archive (the initramfs format) to stdout from a
 * manifest read on stdin, one entry a line:
 *   dir  PATH MODE            file PATH MODE SRC          nod PATH MODE c|b MAJ MIN
 * main() -> entry() per line -> one libarchive entry each (header, data,
 * trailer are libarchive's). Owner root, mtime 0, inode numbers in order: the
 * same inputs give the same bytes. Errors: one "mkcpio: ..." line naming the
 * manifest line, exit 1 (usage 2). */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static struct archive *ar;
static struct archive_entry *ent;
static unsigned long ino = 300;

static void die_line(int line, const char *what, const char *arg)
{
	fprintf(stderr, "mkcpio: manifest line %d: %s%s%s\n", line, what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static void die_ar(const char *what)
{
	fprintf(stderr, "mkcpio: %s: %s\n", what, archive_error_string(ar));
	exit(1);
}

/* One header; newc has 32-bit fields, which libarchive checks (ARCHIVE_FAILED). */
static void header(const char *name, unsigned mode, unsigned nlink, long long size, dev_t rdev)
{
	archive_entry_clear(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_mode(ent, mode);
	archive_entry_set_nlink(ent, nlink);
	archive_entry_set_size(ent, size);
	archive_entry_set_rdev(ent, rdev);
	archive_entry_set_ino(ent, (la_int64_t)ino++);
	archive_entry_set_mtime(ent, 0, 0);
	if (archive_write_header(ar, ent) != ARCHIVE_OK)
		die_ar(name);
}

static void copy_file(int line, const char *name, unsigned mode, const char *src)
{
	struct stat st;
	char buf[65536];
	size_t n;
	FILE *f = fopen(src, "rb");

	if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		die_line(line, "not a readable regular file", src);
	header(name, S_IFREG | mode, 1, (long long)st.st_size, 0);
	long long left = st.st_size;
	while (left > 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (archive_write_data(ar, buf, n) != (la_ssize_t)n)
			die_ar(name);
		left -= (long long)n;
	}
	if (left != 0)
		die_line(line, "short read", src);
	fclose(f);
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
		header(path, S_IFDIR | (unsigned)mode, 2, 0, 0);
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
		       makedev((unsigned)atoi(ma), (unsigned)atoi(mi)));
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
	ar = archive_write_new();
	ent = archive_entry_new();
	/* newc pads to 4 bytes; the archive ends where the trailer does (no block padding) */
	if (!ar || !ent || archive_write_set_format_cpio_newc(ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(ar, 0) != ARCHIVE_OK ||
	    archive_write_open_FILE(ar, stdout) != ARCHIVE_OK)
		die_ar("cannot start the archive");
	while (fgets(line, sizeof line, stdin))
		entry(++n, line);
	if (archive_write_close(ar) != ARCHIVE_OK)
		die_ar("write error");
	archive_entry_free(ent);
	archive_write_free(ar);
	return 0;
}
