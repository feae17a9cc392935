/* rootfs — the root file system of one x86-64 Linux program as a cpio
 * "newc" archive (`make rootfs BIN= [ROOTFS=] OUT=`; see rootfs.h).
 *
 *   rootfs [--rootfs DIR] [--cache FILE | --no-cache] [--libdir DIR]... -o OUT BIN
 *   rootfs --list [...] BIN      print the closure: "name path", one a line
 *
 * BIN lands at its absolute path, its interpreter and libraries at the paths
 * the host's loader finds them; symbolic links met on the way (/lib64 ->
 * usr/lib64, /usr/bin/redis-server -> redis-check-rdb, ...) are archived as
 * the links the host has, so every path works as on the host and each file's
 * bytes are there once. --libdir replaces the default directories (tests).
 * Exit status: 0, 1 a refusal (one line on stderr), 2 bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"

static int usage(void)
{
	fprintf(stderr, "usage: rootfs [--rootfs DIR] [--cache FILE | --no-cache] [--libdir DIR]... "
			"(-o OUT | --list) BIN\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *tree = NULL, *bin = NULL;
	struct rf_opts o = rf_host_opts;
	const char *dirs[64];
	int ndirs = 0, list = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--list") == 0)
			list = 1;
		else if (strcmp(a, "--no-cache") == 0)
			o.cache = NULL;
		else if ((strcmp(a, "-o") == 0 || strcmp(a, "--rootfs") == 0 || strcmp(a, "--cache") == 0 ||
			  strcmp(a, "--libdir") == 0) && i + 1 < argc) {
			const char *v = argv[++i];
			if (a[1] == 'o')
				out = v;
			else if (a[2] == 'r')
				tree = *v ? v : NULL;
			else if (a[2] == 'c')
				o.cache = v;
			else if (ndirs < 63)
				dirs[ndirs++] = v;
			else
				return usage();
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		} else if (a[0] == '-' || bin) {
			return usage();
		} else {
			bin = a;
		}
	}
	if (!bin || (!out && !list))
		return usage();
	if (ndirs) {
		dirs[ndirs] = NULL;
		o.dirs = dirs;
	}

	char err[2 * 4096] = "";
	struct rf_closure c;
	if (rf_resolve(bin, &o, &c, err, sizeof(err))) {
		fprintf(stderr, "rootfs: %s\n", err);
		return 1;
	}
	int st = 0;
	if (list)
		for (int i = 0; i < c.n; i++)
			printf("%s %s\n", c.objs[i].name, c.objs[i].path);
	if (out && rf_archive(&c, tree, out, err, sizeof(err))) {
		fprintf(stderr, "rootfs: %s\n", err);
		st = 1;
	}
	rf_closure_free(&c);
	return st;
}
