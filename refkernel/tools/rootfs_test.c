/* rootfs_test.c — the closure resolver and the archive writer on trees of
 * real shared objects built here with the host's cc (RUNPATH, RPATH and its
 * inheritance, $ORIGIN, a forged ld.so cache, a candidate that is not ELF, a
 * missing library), checked where it matters against what ld.so itself does
 * when the program is run; the archive is read back byte by byte (alignment,
 * contents, links, defaults) and unpacked with GNU cpio. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootfs.h"

static char T[PATH_MAX]; /* this test's tree */

static int shf(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
#define SH(...) cr_assert_eq(shf(__VA_ARGS__), 0, "command failed: " __VA_ARGS__)

static void tree_up(void)
{
	snprintf(T, sizeof(T), "/tmp/rootfs-test.XXXXXX");
	cr_assert_not_null(mkdtemp(T));
	SH("cd %s && mkdir -p lib rp bin c d1 d2 root/etc && "
	   "echo 'int f(void) { return 7; }' > f.c && "
	   "echo 'extern int f(void); int g(void) { return f() + 1; }' > g.c && "
	   "echo 'extern int g(void); int main(void) { return g() == 8 ? 0 : 1; }' > main.c && "
	   "echo 'void _start(void) { for (;;) ; }' > start.c", T);
}

static void tree_down(void)
{
	if (T[0])
		shf("rm -rf %s", T);
}

/* Shared object (dir)/(name) from (src), soname = name, extra cc flags. */
static void mklib(const char *dir, const char *name, const char *src, const char *flags)
{
	SH("cd %s && cc -shared -fPIC -nostdlib -o %s/%s -Wl,-soname,%s %s %s", T, dir, name, name, src, flags);
}

static const struct rf_obj *obj(const struct rf_closure *c, const char *name)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->objs[i].name, name) == 0)
			return &c->objs[i];
	return NULL;
}

/* (got) is the file (want, relative to T). */
static void same_file(const char *got, const char *want)
{
	char a[PATH_MAX], b[PATH_MAX], w[2 * PATH_MAX];
	snprintf(w, sizeof(w), "%s/%s", T, want);
	cr_assert_not_null(realpath(got, a), "%s", got);
	cr_assert_not_null(realpath(w, b), "%s", w);
	cr_assert_str_eq(a, b);
}

static const char *const no_dirs[] = { NULL };

TestSuite(rootfs, .init = tree_up, .fini = tree_down, .timeout = 60);

Test(rootfs, runpath_with_origin_and_the_host_libc)
{
	mklib("lib", "libleaf.so", "f.c", "");
	mklib("lib", "liba.so", "g.c", "-Llib -l:libleaf.so '-Wl,--enable-new-dtags,-rpath,$ORIGIN'");
	SH("cd %s && cc -o bin/prog main.c -Llib -l:liba.so -Wl,-rpath-link,lib "
	   "'-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib'", T);
	char bin[PATH_MAX + 16], err[512] = "";
	snprintf(bin, sizeof(bin), "%s/bin/prog", T);
	cr_assert_eq(shf("%s", bin), 0, "ld.so runs the program");

	struct rf_closure c;
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.objs[0].path, bin);
	cr_assert_str_eq(c.interp, "/lib64/ld-linux-x86-64.so.2");
	cr_assert_str_eq(c.objs[1].path, "/lib64/ld-linux-x86-64.so.2");
	const struct rf_obj *a = obj(&c, "liba.so"), *leaf = obj(&c, "libleaf.so"), *libc = obj(&c, "libc.so.6");
	cr_assert(a && leaf && libc);
	cr_assert_str_eq(a->path, strcat(strcpy((char[PATH_MAX + 32]){ 0 }, T), "/bin/../lib/liba.so"));
	same_file(leaf->path, "lib/libleaf.so");
	cr_assert_str_eq(c.objs[a->loader].name, bin);
	cr_assert_str_eq(c.objs[leaf->loader].name, "liba.so");
	/* libc's own DT_NEEDED ld-linux-x86-64.so.2 is the interpreter (by soname) */
	cr_assert_null(obj(&c, "ld-linux-x86-64.so.2"));
	cr_assert_eq(c.n, 5, "prog, ld.so, liba, libc, libleaf: got %d", c.n);
	rf_closure_free(&c);
}

/* DT_RPATH of the program applies to its libraries' needs too; DT_RUNPATH
 * does not (glibc's rule, seen by running both). */
Test(rootfs, rpath_is_inherited_runpath_is_not)
{
	mklib("rp", "libe.so", "f.c", "");
	mklib("rp", "libd.so", "g.c", "-Lrp -l:libe.so");
	char rp[PATH_MAX + 8];
	snprintf(rp, sizeof(rp), "%s/rp", T);
	SH("cd %s && cc -o bin/old main.c -Lrp -l:libd.so -Wl,-rpath-link,rp -Wl,--disable-new-dtags,-rpath,%s", T, rp);
	SH("cd %s && cc -o bin/new main.c -Lrp -l:libd.so -Wl,-rpath-link,rp -Wl,--enable-new-dtags,-rpath,%s", T, rp);
	cr_assert_eq(shf("%s/bin/old", T), 0, "ld.so finds libe through the program's RPATH");
	cr_assert_neq(shf("%s/bin/new 2>/dev/null", T), 0, "ld.so does not find libe through RUNPATH");

	char bin[PATH_MAX + 16], err[512] = "", want[PATH_MAX + 64];
	struct rf_closure c;
	snprintf(bin, sizeof(bin), "%s/bin/old", T);
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(obj(&c, "libe.so"));
	same_file(obj(&c, "libe.so")->path, "rp/libe.so");
	rf_closure_free(&c);

	snprintf(bin, sizeof(bin), "%s/bin/new", T);
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "libe.so (needed by %s/libd.so): not found", rp);
	cr_assert_str_eq(err, want);
}

Test(rootfs, a_missing_library_is_named)
{
	mklib("lib", "libgone.so", "f.c", "");
	SH("cd %s && cc -nostdlib -Wl,--no-as-needed -o bin/p start.c -Llib -l:libgone.so && rm lib/libgone.so", T);
	char bin[PATH_MAX + 16], err[512] = "", want[PATH_MAX + 64];
	struct rf_closure c;
	snprintf(bin, sizeof(bin), "%s/bin/p", T);
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "libgone.so (needed by %s): not found", bin);
	cr_assert_str_eq(err, want);
}

/* A cache in glibc's format: nlibs entries (flags, key, value, osversion,
 * hwcap), strings after them; with (old) the "ld.so-1.7.0" part in front. */
static void write_cache(const char *path, int old, int n, const char *const *keys,
			const char *const *vals, const uint64_t *hwcaps)
{
	unsigned char buf[8192] = { 0 };
	size_t base = 0;
	if (old) {
		memcpy(buf, "ld.so-1.7.0", 11);
		base = 16; /* nlibs = 0 */
	}
	unsigned char *h = buf + base;
	memcpy(h, "glibc-ld.so.cache1.1", 20);
	uint32_t nl = (uint32_t)n;
	memcpy(h + 20, &nl, 4);
	size_t str = 48 + (size_t)n * 24;
	for (int i = 0; i < n; i++) {
		unsigned char *e = h + 48 + (size_t)i * 24;
		int32_t flags = 0x0303;
		uint32_t k = (uint32_t)str, v;
		strcpy((char *)h + str, keys[i]);
		str += strlen(keys[i]) + 1;
		v = (uint32_t)str;
		strcpy((char *)h + str, vals[i]);
		str += strlen(vals[i]) + 1;
		memcpy(e, &flags, 4);
		memcpy(e + 4, &k, 4);
		memcpy(e + 8, &v, 4);
		memcpy(e + 16, &hwcaps[i], 8);
	}
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fwrite(buf, 1, base + str, f);
	fclose(f);
}

Test(rootfs, the_cache_finds_a_library_and_hwcap_entries_are_passed_over)
{
	mklib("c", "libleaf.so", "f.c", "");
	mklib("d1", "libleaf.so", "f.c", "");
	SH("cd %s && cc -nostdlib -Wl,--no-as-needed -o bin/p start.c -Lc -l:libleaf.so", T);
	char v1[PATH_MAX + 32], v2[PATH_MAX + 32], cache[PATH_MAX + 32], bin[PATH_MAX + 16], err[512] = "";
	snprintf(v1, sizeof(v1), "%s/d1/libleaf.so", T);
	snprintf(v2, sizeof(v2), "%s/c/libleaf.so", T);
	snprintf(bin, sizeof(bin), "%s/bin/p", T);
	const char *keys[] = { "libleaf.so", "libleaf.so" }, *vals[] = { v1, v2 };
	const uint64_t hw[] = { (1ULL << 62) | 1, 0 };
	for (int old = 0; old < 2; old++) {
		snprintf(cache, sizeof(cache), "%s/ld.so.cache%d", T, old);
		write_cache(cache, old, 2, keys, vals, hw);
		struct rf_opts o = { cache, no_dirs };
		struct rf_closure c;
		cr_assert_eq(rf_resolve(bin, &o, &c, err, sizeof(err)), 0, "%s", err);
		cr_assert_str_eq(obj(&c, "libleaf.so")->path, v2);
		cr_assert_eq(c.n, 3);
		rf_closure_free(&c);
	}
	struct rf_opts none = { NULL, no_dirs };
	struct rf_closure c;
	cr_assert_eq(rf_resolve(bin, &none, &c, err, sizeof(err)), -1, "no cache, no dirs: not found");
}

Test(rootfs, a_candidate_that_is_not_elf_is_passed_over)
{
	mklib("d2", "libleaf.so", "f.c", "");
	SH("cd %s && echo 'not a library' > d1/libleaf.so && "
	   "cc -nostdlib -Wl,--no-as-needed -o bin/p start.c -Ld2 -l:libleaf.so -Wl,--enable-new-dtags,-rpath,%s/d1:%s/d2", T, T, T);
	char bin[PATH_MAX + 16], err[512] = "", want[PATH_MAX + 32];
	struct rf_closure c;
	snprintf(bin, sizeof(bin), "%s/bin/p", T);
	snprintf(want, sizeof(want), "%s/d2/libleaf.so", T);
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(obj(&c, "libleaf.so")->path, want);
	rf_closure_free(&c);
}

Test(rootfs, refusals_name_the_file)
{
	char p[PATH_MAX + 32], err[512] = "", want[PATH_MAX + 64];
	struct rf_closure c;
	snprintf(p, sizeof(p), "%s/nothere", T);
	cr_assert_eq(rf_resolve(p, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: no such file", p);
	cr_assert_str_eq(err, want);

	snprintf(p, sizeof(p), "%s/main.c", T);
	cr_assert_eq(rf_resolve(p, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not an ELF file", p);
	cr_assert_str_eq(err, want);

	snprintf(p, sizeof(p), "%s/bin", T);
	cr_assert_eq(rf_resolve(p, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", p);
	cr_assert_str_eq(err, want);

	/* an AArch64 executable: our own x86-64 one with e_machine = 183 */
	SH("cd %s && cc -nostdlib -static -o bin/arm start.c && printf '\\267\\000' | "
	   "dd of=bin/arm bs=1 seek=18 conv=notrunc status=none", T);
	snprintf(p, sizeof(p), "%s/bin/arm", T);
	cr_assert_eq(rf_resolve(p, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not x86-64", p);
	cr_assert_str_eq(err, want);

	/* a truncated ELF header */
	SH("cd %s && head -c 40 bin/arm > bin/short", T);
	snprintf(p, sizeof(p), "%s/bin/short", T);
	cr_assert_eq(rf_resolve(p, &rf_host_opts, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: truncated ELF header", p);
	cr_assert_str_eq(err, want);
}

Test(rootfs, a_static_program_is_alone)
{
	SH("cd %s && cc -nostdlib -static -o bin/s start.c", T);
	char bin[PATH_MAX + 16], err[512] = "";
	struct rf_closure c;
	snprintf(bin, sizeof(bin), "%s/bin/s", T);
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.n, 1);
	cr_assert_null(c.interp);
	rf_closure_free(&c);
}

/* ---- the archive, read back ------------------------------------------- */

struct member {
	char name[PATH_MAX];
	unsigned mode;
	size_t size, data; /* data: offset in the archive */
};

static unsigned hex8(const unsigned char *p)
{
	char b[9];
	memcpy(b, p, 8);
	b[8] = '\0';
	return (unsigned)strtoul(b, NULL, 16);
}

/* Parse (buf) as newc; returns the member count (trailer excluded). */
static int parse(const unsigned char *buf, size_t len, struct member *m, int max)
{
	size_t off = 0;
	int n = 0;
	for (;;) {
		cr_assert(off + 110 <= len, "header inside the archive");
		cr_assert_eq(memcmp(buf + off, "070701", 6), 0, "newc magic at %zu", off);
		unsigned mode = hex8(buf + off + 14), size = hex8(buf + off + 54), nsz = hex8(buf + off + 94);
		const char *name = (const char *)buf + off + 110;
		cr_assert(nsz > 0 && off + 110 + nsz <= len && name[nsz - 1] == '\0');
		size_t data = (off + 110 + nsz + 3) & ~(size_t)3;
		if (strcmp(name, "TRAILER!!!") == 0)
			return n;
		cr_assert(n < max);
		snprintf(m[n].name, sizeof(m[n].name), "%s", name);
		m[n].mode = mode;
		m[n].size = size;
		m[n].data = data;
		n++;
		off = (data + size + 3) & ~(size_t)3;
	}
}

static const struct member *mem(const struct member *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	unsigned char *b = malloc(*len + 1);
	cr_assert_eq(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

static const char *rel(const char *abs)
{
	return abs + 1;
}

Test(rootfs, the_archive_holds_the_closure_aligned_byte_for_byte)
{
	mklib("lib", "libleaf.so", "f.c", "");
	SH("cd %s && ln -s lib lnk && cc -o bin/prog start.c -nostdlib -Wl,--no-as-needed -Llib -l:libleaf.so "
	   "-Wl,--enable-new-dtags,-rpath,%s/lnk && "
	   "echo 'x = 1' > root/etc/app.conf && echo 'me:x:1:1::/:/bin/sh' > root/etc/passwd && "
	   "head -c 5000 /dev/urandom > root/data.bin", T, T);
	char bin[PATH_MAX + 16], out[PATH_MAX + 16], root[PATH_MAX + 16], err[1024] = "";
	snprintf(bin, sizeof(bin), "%s/bin/prog", T);
	snprintf(out, sizeof(out), "%s/out.cpio", T);
	snprintf(root, sizeof(root), "%s/root", T);
	struct rf_closure c;
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rf_archive(&c, root, out, err, sizeof(err)), 0, "%s", err);

	size_t len;
	unsigned char *buf = slurp(out, &len);
	static struct member m[512];
	int n = parse(buf, len, m, 512);
	int files = 0;
	for (int i = 0; i < n; i++) {
		if (!S_ISREG(m[i].mode) || m[i].size == 0)
			continue;
		files++;
		cr_assert_eq(m[i].data % RF_ALIGN, 0, "%s: data at %zu", m[i].name, m[i].data);
	}
	cr_assert_geq(files, 5);
	/* every file of the closure, at its host path, byte for byte, with
	 * the link it was found through */
	for (int i = 0; i < c.n; i++) {
		char real[PATH_MAX];
		cr_assert_not_null(realpath(c.objs[i].path, real));
		const struct member *f = mem(m, n, rel(real));
		cr_assert(f && S_ISREG(f->mode), "%s in the archive", real);
		size_t hl;
		unsigned char *host = slurp(real, &hl);
		cr_assert_eq(hl, f->size);
		cr_assert_eq(memcmp(host, buf + f->data, hl), 0, "%s: same bytes", real);
		free(host);
	}
	char lnk[PATH_MAX + 8];
	snprintf(lnk, sizeof(lnk), "%s/lnk", T);
	const struct member *l = mem(m, n, rel(lnk));
	cr_assert(l && S_ISLNK(l->mode));
	cr_assert_eq(memcmp(buf + l->data, "lib", 3), 0);
	cr_assert_eq(l->size, 3);
	/* ROOTFS at /, and it wins over the defaults */
	const struct member *pw = mem(m, n, "etc/passwd"), *hosts = mem(m, n, "etc/hosts"),
			    *grp = mem(m, n, "etc/group"), *ns = mem(m, n, "etc/nsswitch.conf"),
			    *conf = mem(m, n, "etc/app.conf"), *data = mem(m, n, "data.bin");
	cr_assert(pw && hosts && grp && ns && conf && data);
	cr_assert_eq(memcmp(buf + pw->data, "me:x:1:1", 8), 0);
	cr_assert(memmem(buf + grp->data, grp->size, "nobody", 6));
	cr_assert(memmem(buf + hosts->data, hosts->size, "127.0.0.1\tlocalhost", 19));
	cr_assert(mem(m, n, "proc") && mem(m, n, "dev") && mem(m, n, "sys") && mem(m, n, "tmp"));
	/* a directory precedes what it holds */
	for (int i = 0; i < n; i++) {
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s", m[i].name);
		char *sl = strrchr(d, '/');
		if (!sl || d[0] == '.')
			continue;
		*sl = '\0';
		const struct member *pd = mem(m, n, d);
		cr_assert(pd && pd < &m[i], "%s before %s", d, m[i].name);
	}
	free(buf);

	/* GNU cpio unpacks it, padding members included, and the program's
	 * path through the link reaches the same bytes */
	SH("mkdir %s/x && cd %s/x && cpio -idm --quiet < %s", T, T, out);
	SH("cmp %s/x%s/lnk/libleaf.so %s/lib/libleaf.so && cmp %s/x/data.bin %s/root/data.bin && "
	   "test -L %s/x%s/lnk", T, T, T, T, T, T, T);
	rf_closure_free(&c);
}

Test(rootfs, rootfs_may_not_put_files_under_a_link_of_the_closure)
{
	mklib("lib", "libleaf.so", "f.c", "");
	SH("cd %s && ln -s lib lnk && cc -o bin/prog start.c -nostdlib -Wl,--no-as-needed -Llib -l:libleaf.so "
	   "-Wl,--enable-new-dtags,-rpath,%s/lnk && mkdir -p root%s/lnk && touch root%s/lnk/extra", T, T, T, T);
	char bin[PATH_MAX + 16], out[PATH_MAX + 16], root[PATH_MAX + 16], err[1024] = "", want[PATH_MAX * 4];
	snprintf(bin, sizeof(bin), "%s/bin/prog", T);
	snprintf(out, sizeof(out), "%s/out.cpio", T);
	snprintf(root, sizeof(root), "%s/root", T);
	struct rf_closure c;
	cr_assert_eq(rf_resolve(bin, &rf_host_opts, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rf_archive(&c, root, out, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s%s/lnk: %s/lnk is a symbolic link to lib in the program's closure; put it there",
		 root, T, T);
	cr_assert_str_eq(err, want);
	cr_assert_neq(access(out, F_OK), 0, "no archive left behind");

	cr_assert_eq(rf_archive(&c, NULL, "/nonexistent/dir/x.cpio", err, sizeof(err)), -1);
	cr_assert(strstr(err, "/nonexistent/dir/x.cpio"), "%s", err);
	rf_closure_free(&c);
}

/* The command line: usage is exit 2, a refusal one line and exit 1. */
Test(rootfs, the_tool_exits_2_on_usage_and_1_on_a_refusal)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert(n > 0);
	exe[n] = '\0';
	char tool[PATH_MAX + 16];
	snprintf(tool, sizeof(tool), "%s/rootfs", dirname(exe));
	cr_assert_eq(access(tool, X_OK), 0, "%s built beside the tests", tool);
	cr_assert_eq(shf("%s 2>/dev/null", tool), 2);
	cr_assert_eq(shf("%s -o %s/o.cpio %s/nothere 2>%s/err", tool, T, T, T), 1);
	cr_assert_eq(shf("test $(wc -l < %s/err) -eq 1 && grep -q '^rootfs: .*/nothere: no such file$' %s/err", T, T), 0);
	cr_assert_eq(shf("%s -o %s/o.cpio %s/main.c 2>%s/err", tool, T, T, T), 1);
	cr_assert_eq(shf("grep -q 'main.c: not an ELF file$' %s/err", T), 0);
}
