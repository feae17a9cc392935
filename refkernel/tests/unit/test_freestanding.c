/* test_freestanding.c — lib/ must also build as kernel code: compile every
 * each lib/ source with the kernel's flags and check that the objects need nothing
 * beyond klib.h and each other, and keep no writable static state. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KFLAGS "-std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie " \
	"-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin -Iinclude"

static const char *allowed[] = { "memcpy", "memmove", "memset", "memcmp", "strlen",
				 "strcmp", "strncmp", "strchr" };

Test(freestanding, lib_builds_as_kernel_code)
{
	if (access("lib/kfmt.c", R_OK) != 0 || system("command -v nm >/dev/null") != 0)
		cr_skip_test("run from refkernel/ with binutils installed");
	char dir[] = "/tmp/refkernel-fs-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	glob_t g;
	cr_assert_eq(glob("lib/*.c", 0, NULL, &g), 0);
	char cmd[1024], line[256];
	/* Symbols defined by lib/ itself. */
	char defined[8192] = " ";
	for (size_t i = 0; i < g.gl_pathc; i++) {
		snprintf(cmd, sizeof(cmd), "cc " KFLAGS " -c -o %s/%zu.o %s 2>&1", dir, i, g.gl_pathv[i]);
		FILE *f = popen(cmd, "r");
		char out[2048] = "";
		size_t n = fread(out, 1, sizeof(out) - 1, f);
		out[n] = '\0';
		cr_assert_eq(pclose(f), 0, "%s does not build freestanding:\n%s", g.gl_pathv[i], out);
		snprintf(cmd, sizeof(cmd), "nm --defined-only -g %s/%zu.o", dir, i);
		f = popen(cmd, "r");
		while (fgets(line, sizeof(line), f)) {
			char name[200];
			if (sscanf(line, "%*s %*s %199s", name) == 1) {
				strcat(defined, name);
				strcat(defined, " ");
			}
		}
		pclose(f);
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		snprintf(cmd, sizeof(cmd), "nm -u %s/%zu.o", dir, i);
		FILE *f = popen(cmd, "r");
		while (fgets(line, sizeof(line), f)) {
			char name[200], key[210];
			if (sscanf(line, " U %199s", name) != 1)
				continue;
			int ok = 0;
			for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
				ok |= strcmp(name, allowed[k]) == 0;
			snprintf(key, sizeof(key), " %s ", name);
			ok |= strstr(defined, key) != NULL;
			cr_expect(ok, "%s needs %s, which the kernel does not provide", g.gl_pathv[i], name);
		}
		pclose(f);
		/* No writable static state: .data and .bss are empty. */
		snprintf(cmd, sizeof(cmd), "size -A %s/%zu.o", dir, i);
		f = popen(cmd, "r");
		while (fgets(line, sizeof(line), f)) {
			char sec[64];
			unsigned long sz;
			if (sscanf(line, "%63s %lu", sec, &sz) != 2)
				continue;
			if (!strncmp(sec, ".data", 5) || !strncmp(sec, ".bss", 4))
				cr_expect_eq(sz, 0, "%s has %lu bytes of %s", g.gl_pathv[i], sz, sec);
		}
		pclose(f);
	}
	globfree(&g);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
