/* fuzz_cpio.c — libFuzzer target: arbitrary bytes as a cpio archive into a
 * fresh ramfs (limited to 64 data pages), then a few walks and reads over
 * what came out, then the whole tree freed (leaks are failures).
 * With -DFUZZ_SEEDS_MAIN it writes seed archives into a directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs.h"
#include "../../fs/platform_host.h"

#ifndef FUZZ_SEEDS_MAIN
static void poke(void)
{
	static const char *paths[] = { "/", "/a", "/a/b", "/l", "/a/../l/x/", "/dev/null", "x/y/z" };
	char buf[64];
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct vfs_file *f;
		if (vfs_open(NULL, paths[i], VFS_O_RDONLY, 0, &f) == 0) {
			vfs_read(f, buf, sizeof(buf));
			vfs_getdents64(f, buf, sizeof(buf));
			vfs_close(f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	vfsp_host_page_limit(64);
	struct vfs_mount *fs = ramfs_new(0, 1);
	if (!fs)
		return 0;
	vfs_init(fs->root);
	struct cpio_error why;
	cpio_load(fs->root, data, len, &why);
	dev_populate(fs->root);
	poke();
	ramfs_destroy(fs);
	if (vfsp_host_pages_out() != 0)
		abort();
	return 0;
}
#else
static size_t entry(char *buf, size_t len, const char *name, unsigned mode, unsigned ino,
		    unsigned nlink, const char *data, size_t dlen)
{
	size_t n = strlen(name) + 1;
	len += (size_t)sprintf(buf + len, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
			       ino, mode, 0, 0, nlink, 0, dlen, 0, 0, 0, 0, n, 0);
	memcpy(buf + len, name, n);
	len += n;
	while (len % 4)
		buf[len++] = 0;
	memcpy(buf + len, data, dlen);
	len += dlen;
	while (len % 4)
		buf[len++] = 0;
	return len;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-cpio-seeds DIR\n");
		return 2;
	}
	static char buf[8192];
	size_t n = 0;
	n = entry(buf, n, ".", 040755, 1, 2, "", 0);
	n = entry(buf, n, "a", 040755, 2, 2, "", 0);
	n = entry(buf, n, "a/b", 0100644, 3, 2, "hello", 5);
	n = entry(buf, n, "a/c", 0100644, 3, 2, "", 0);
	n = entry(buf, n, "l", 0120777, 4, 1, "a", 1);
	n = entry(buf, n, "dev/null", 020666, 5, 1, "", 0);
	n = entry(buf, n, "TRAILER!!!", 0, 0, 1, "", 0);
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-1", argv[1]);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}
#endif
