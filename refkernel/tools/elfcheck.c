/* elfcheck — host tool used by `make bake`: accepts exactly the binaries the
 * refkernel can run (lib/elf.c's elf_check), else one line and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include "elf.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: elfcheck BINARY\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	struct elf_info info;
	const char *why = "out of memory";
	if (!buf || elf_check(buf, len, &info, &why)) {
		fprintf(stderr, "bake: %s: cannot be baked: %s\n", argv[1], why);
		return 1;
	}
	free(buf);
	return 0;
}
