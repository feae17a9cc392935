/* rootfs_resolve.c — a program's interpreter and library closure, found as
 * glibc's ld.so would find them (contract in rootfs.h). Order of work:
 * rf_resolve() -> elf_read() of BIN and the interpreter -> breadth-first over
 * DT_NEEDED: find_lib() tries RPATH, RUNPATH, the cache (cache_lookup()) and
 * the default directories, each candidate checked by elf_read(). Every field
 * read from a file is bounds-checked; nothing is executed. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/elf64.h"
#include "rootfs.h"

static const char *const host_dirs[] = {
	/* glibc's system search path on Debian x86-64 (`ld.so --help`), then
	 * the lib64 directories other distributions use. */
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib",
	"/lib64", "/usr/lib64", NULL,
};
const struct rf_opts rf_host_opts = { "/etc/ld.so.cache", host_dirs };

/* What the closure needs from one ELF file; strings are copies. */
struct elf_dyn {
	char *interp, *soname, *rpath, *runpath;
	int nneeded;
	char **needed;
};

struct obj {
	struct rf_obj pub;
	char *real;       /* realpath of pub.path, to spot one file reached twice */
	char *origin;     /* $ORIGIN */
	struct elf_dyn d;
};

struct state {
	const struct rf_opts *o;
	unsigned char *cache;
	size_t cache_len;
	int n, cap;
	struct obj *objs;
	char *err;
	size_t errlen;
};

static int fail(struct state *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "rootfs: out of memory\n");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

/* Whole file into memory; NULL with errno set. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = xmalloc(cap);
	for (size_t r; (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				fprintf(stderr, "rootfs: out of memory\n");
				exit(1);
			}
			buf = nb;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

static bool in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* File offset of virtual address (va), through the PT_LOAD segments. */
static bool va_to_off(const unsigned char *img, size_t len, const Elf64_Ehdr *eh,
		      uint64_t va, uint64_t *off)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && va >= ph.p_vaddr && va - ph.p_vaddr < ph.p_filesz &&
		    in_file(ph.p_offset, ph.p_filesz, len)) {
			*off = ph.p_offset + (va - ph.p_vaddr);
			return true;
		}
	}
	return false;
}

/* String (idx) of the table [tab, tab+size), NUL-terminated inside it. */
static char *str_at(const unsigned char *img, uint64_t tab, uint64_t size, uint64_t idx)
{
	if (idx >= size)
		return NULL;
	const char *p = (const char *)img + tab + idx;
	size_t n = strnlen(p, size - idx);
	return n < size - idx ? xstrdup(p) : NULL;
}

static void dyn_free(struct elf_dyn *d)
{
	free(d->interp);
	free(d->soname);
	free(d->rpath);
	free(d->runpath);
	for (int i = 0; i < d->nneeded; i++)
		free(d->needed[i]);
	free(d->needed);
	memset(d, 0, sizeof(*d));
}

/* Read (path) into (d). Returns 0, or -1 with (*why) one of the fixed
 * reasons below (errno's text for a file that cannot be read). */
static int elf_read(const char *path, struct elf_dyn *d, const char **why)
{
	memset(d, 0, sizeof(*d));
	size_t len = 0;
	unsigned char *img = slurp(path, &len);
	if (!img) {
		*why = errno == ENOENT ? "no such file" : strerror(errno);
		return -1;
	}
	Elf64_Ehdr eh;
	int r = -1;
	if (len < 4 || memcmp(img, "\177ELF", 4) != 0) {
		*why = "not an ELF file";
		goto out;
	}
	if (len < sizeof(eh)) {
		*why = "truncated ELF header";
		goto out;
	}
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		*why = "not a 64-bit ELF file (not x86-64)";
		goto out;
	}
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		*why = "not x86-64";
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		*why = "not an executable or shared object";
		goto out;
	}
	if (eh.e_phnum && (eh.e_phentsize != sizeof(Elf64_Phdr) ||
			   !in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len))) {
		*why = "program headers outside the file";
		goto out;
	}
	Elf64_Phdr dyn = { 0 };
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_DYNAMIC)
			dyn = ph;
		if (ph.p_type == PT_INTERP) {
			if (!in_file(ph.p_offset, ph.p_filesz, len) || ph.p_filesz == 0 ||
			    !(d->interp = str_at(img, ph.p_offset, ph.p_filesz, 0))) {
				*why = "bad PT_INTERP";
				goto out;
			}
		}
	}
	if (dyn.p_type == PT_DYNAMIC) {
		if (!in_file(dyn.p_offset, dyn.p_filesz, len)) {
			*why = "PT_DYNAMIC outside the file";
			goto out;
		}
		uint64_t nd = dyn.p_filesz / sizeof(Elf64_Dyn), strtab = 0, strsz = 0, off;
		bool has_tab = false;
		for (uint64_t k = 0; k < nd; k++) {
			Elf64_Dyn e;
			memcpy(&e, img + dyn.p_offset + k * sizeof(e), sizeof(e));
			if (e.d_tag == DT_NULL)
				break;
			if (e.d_tag == DT_STRTAB)
				strtab = e.d_val, has_tab = true;
			if (e.d_tag == DT_STRSZ)
				strsz = e.d_val;
		}
		if (has_tab) {
			if (!va_to_off(img, len, &eh, strtab, &off) || !in_file(off, strsz, len)) {
				*why = "DT_STRTAB outside the file";
				goto out;
			}
			d->needed = xmalloc(nd * sizeof(char *));
			memset(d->needed, 0, nd * sizeof(char *));
			for (uint64_t k = 0; k < nd; k++) {
				Elf64_Dyn e;
				memcpy(&e, img + dyn.p_offset + k * sizeof(e), sizeof(e));
				if (e.d_tag == DT_NULL)
					break;
				char **slot = e.d_tag == DT_NEEDED  ? &d->needed[d->nneeded]
					      : e.d_tag == DT_SONAME  ? &d->soname
					      : e.d_tag == DT_RPATH   ? &d->rpath
					      : e.d_tag == DT_RUNPATH ? &d->runpath
								      : NULL;
				if (!slot)
					continue;
				free(*slot);
				if (!(*slot = str_at(img, off, strsz, e.d_val))) {
					*why = "dynamic string outside DT_STRTAB";
					goto out;
				}
				if (e.d_tag == DT_NEEDED)
					d->nneeded++;
			}
		}
	}
	r = 0;
out:
	free(img);
	if (r)
		dyn_free(d);
	return r;
}

/* Is (path) a library ld.so would take (64-bit x86-64 ELF)? (d) is filled. */
static bool usable(const char *path, struct elf_dyn *d)
{
	const char *why;
	return access(path, R_OK) == 0 && elf_read(path, d, &why) == 0;
}

/* ---- the ld.so cache (glibc elf/cache.c, "glibc-ld.so.cache1.1") ------ */

#define CACHE_OLD     "ld.so-1.7.0"
#define CACHE_NEW     "glibc-ld.so.cache1.1"
#define FLAG_X86_64   0x0303 /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */

/* Path the cache gives for (name), or NULL. Entries with a hwcap (the
 * glibc-hwcaps subdirectories) are passed over: the guest's CPU need not be
 * the host's, and ld.so falls back to the plain library. */
static const char *cache_lookup(const struct state *s, const char *name)
{
	const unsigned char *c = s->cache;
	size_t len = s->cache_len, base = 0;
	if (!c)
		return NULL;
	if (len >= 16 && memcmp(c, CACHE_OLD, strlen(CACHE_OLD)) == 0) {
		uint32_t nold;
		memcpy(&nold, c + 12, 4);
		/* 11-byte magic, nlibs at 12, 12-byte entries from 16; the new
		 * format follows, 8-aligned. */
		base = ((size_t)16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	if (!in_file(base, 48, len) || memcmp(c + base, CACHE_NEW, strlen(CACHE_NEW)) != 0)
		return NULL;
	uint32_t nlibs;
	memcpy(&nlibs, c + base + 20, 4);
	if (!in_file(base + 48, (uint64_t)nlibs * 24, len))
		return NULL;
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = c + base + 48 + (size_t)i * 24;
		int32_t flags;
		uint32_t key, value;
		uint64_t hwcap;
		memcpy(&flags, e, 4);
		memcpy(&key, e + 4, 4);
		memcpy(&value, e + 8, 4);
		memcpy(&hwcap, e + 16, 8);
		if (flags != FLAG_X86_64 || hwcap != 0 || !in_file(base + key, 1, len) ||
		    !in_file(base + value, 1, len))
			continue;
		const char *k = (const char *)c + base + key, *v = (const char *)c + base + value;
		if (strnlen(k, len - base - key) == len - base - key ||
		    strnlen(v, len - base - value) == len - base - value)
			continue;
		if (strcmp(k, name) == 0)
			return v;
	}
	return NULL;
}

/* ---- search ----------------------------------------------------------- */

/* (in) with $ORIGIN, $LIB, $PLATFORM (or ${...}) expanded into (out). */
static bool expand(const char *in, const char *origin, char *out, size_t outlen)
{
	static const struct { const char *name, *val; } dst[] = {
		{ "LIB", "lib/x86_64-linux-gnu" }, { "PLATFORM", "x86_64" }, { "ORIGIN", NULL },
	};
	size_t n = 0;
	while (*in) {
		const char *val = NULL;
		size_t skip = 0;
		if (*in == '$') {
			for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]) && !val; i++) {
				size_t l = strlen(dst[i].name);
				const char *v = dst[i].val ? dst[i].val : origin;
				if (strncmp(in + 1, dst[i].name, l) == 0 &&
				    !(in[1 + l] == '_' || (in[1 + l] >= 'A' && in[1 + l] <= 'Z') ||
				      (in[1 + l] >= 'a' && in[1 + l] <= 'z') || (in[1 + l] >= '0' && in[1 + l] <= '9')))
					val = v, skip = 1 + l;
				else if (in[1] == '{' && strncmp(in + 2, dst[i].name, l) == 0 && in[2 + l] == '}')
					val = v, skip = 3 + l;
			}
		}
		if (val) {
			size_t l = strlen(val);
			if (n + l >= outlen)
				return false;
			memcpy(out + n, val, l);
			n += l;
			in += skip;
		} else {
			if (n + 1 >= outlen)
				return false;
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return true;
}

/* Try (name) in each directory of the ':' list (dirs), expanded with
 * (origin). On success (path) holds the file and (d) its contents. */
static bool try_list(const char *dirs, const char *origin, const char *name,
		     char *path, size_t plen, struct elf_dyn *d)
{
	char dir[PATH_MAX];
	for (const char *p = dirs; p && *p;) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char one[PATH_MAX];
		if (l > 0 && l < sizeof(one)) {
			memcpy(one, p, l);
			one[l] = '\0';
			if (expand(one, origin, dir, sizeof(dir)) &&
			    (size_t)snprintf(path, plen, "%s/%s", dir, name) < plen && usable(path, d))
				return true;
		}
		p = e ? e + 1 : p + l;
	}
	return false;
}

/* glibc elf/dl-load.c _dl_map_object(): the search for (name) needed by
 * object (who). */
static bool find_lib(struct state *s, int who, const char *name, char *path, size_t plen,
		     struct elf_dyn *d)
{
	const struct obj *o = &s->objs[who];
	if (strchr(name, '/')) {
		char ex[PATH_MAX];
		return expand(name, o->origin, ex, sizeof(ex)) &&
		       (size_t)snprintf(path, plen, "%s", ex) < plen && usable(path, d);
	}
	/* DT_RPATH of the object and its loaders, unless the object has
	 * DT_RUNPATH; a loader with DT_RUNPATH contributes nothing. */
	if (!o->d.runpath)
		for (int l = who; l >= 0; l = s->objs[l].pub.loader)
			if (!s->objs[l].d.runpath && s->objs[l].d.rpath &&
			    try_list(s->objs[l].d.rpath, s->objs[l].origin, name, path, plen, d))
				return true;
	if (o->d.runpath && try_list(o->d.runpath, o->origin, name, path, plen, d))
		return true;
	const char *c = cache_lookup(s, name);
	if (c && (size_t)snprintf(path, plen, "%s", c) < plen && usable(path, d))
		return true;
	for (int i = 0; s->o->dirs && s->o->dirs[i]; i++)
		if ((size_t)snprintf(path, plen, "%s/%s", s->o->dirs[i], name) < plen && usable(path, d))
			return true;
	return false;
}

static char *dir_of(const char *path)
{
	char *d = xstrdup(path), *sl = strrchr(d, '/');
	if (sl == d)
		sl[1] = '\0';
	else if (sl)
		*sl = '\0';
	return d;
}

static void add(struct state *s, const char *name, const char *path, int loader,
		const char *origin, struct elf_dyn *d)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		struct obj *no = realloc(s->objs, s->cap * sizeof(*no));
		if (!no) {
			fprintf(stderr, "rootfs: out of memory\n");
			exit(1);
		}
		s->objs = no;
	}
	struct obj *o = &s->objs[s->n++];
	char real[PATH_MAX];
	o->pub.name = xstrdup(name);
	o->pub.path = xstrdup(path);
	o->pub.loader = loader;
	o->real = xstrdup(realpath(path, real) ? real : path);
	o->origin = origin ? xstrdup(origin) : dir_of(path);
	o->d = *d;
}

/* Already loaded under (name), as ld.so's _dl_name_match_p sees it. */
static bool loaded(const struct state *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->objs[i].pub.name, name) == 0 ||
		    (s->objs[i].d.soname && strcmp(s->objs[i].d.soname, name) == 0))
			return true;
	return false;
}

static bool loaded_file(const struct state *s, const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return false;
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->objs[i].real, real) == 0)
			return true;
	return false;
}

/* BIN's absolute path as given (links on the way are kept by the archive:
 * /bin/busybox stays /bin/busybox, with /bin -> usr/bin); a relative one
 * is taken from the current directory. */
static int abs_bin(struct state *s, const char *bin, char *out, size_t outlen)
{
	char cwd[PATH_MAX];
	int w;

	if (bin[0] == '/')
		w = snprintf(out, outlen, "%s", bin);
	else if (!getcwd(cwd, sizeof(cwd)))
		return fail(s, "%s: %s", bin, strerror(errno));
	else
		w = snprintf(out, outlen, "%s/%s", cwd, bin);
	if (w < 0 || (size_t)w >= outlen)
		return fail(s, "%s: path too long", bin);
	return 0;
}

int rf_resolve(const char *bin, const struct rf_opts *o, struct rf_closure *c,
	       char *err, size_t errlen)
{
	struct state s = { .o = o, .err = err, .errlen = errlen };
	struct elf_dyn d;
	const char *why;
	char path[PATH_MAX], real[PATH_MAX];
	int r = -1;

	memset(c, 0, sizeof(*c));
	struct stat st;
	if (stat(bin, &st) != 0)
		return fail(&s, "%s: no such file", bin);
	if (!S_ISREG(st.st_mode))
		return fail(&s, "%s: not a regular file", bin);
	if (elf_read(bin, &d, &why))
		return fail(&s, "%s: %s", bin, why);
	if (abs_bin(&s, bin, path, sizeof(path))) {
		dyn_free(&d);
		return -1;
	}
	char *origin = dir_of(realpath(bin, real) ? real : path);
	add(&s, path, path, -1, origin, &d);
	free(origin);
	if (o->cache)
		s.cache = slurp(o->cache, &s.cache_len);

	if (s.objs[0].d.interp) {
		const char *ip = s.objs[0].d.interp;
		if (elf_read(ip, &d, &why)) {
			fail(&s, "interpreter %s (of %s): %s", ip, bin, why);
			goto out;
		}
		add(&s, ip, ip, 0, NULL, &d);
	}
	for (int i = 0; i < s.n; i++) {
		for (int k = 0; k < s.objs[i].d.nneeded; k++) {
			const char *name = s.objs[i].d.needed[k];
			if (loaded(&s, name))
				continue;
			if (!find_lib(&s, i, name, path, sizeof(path), &d)) {
				fail(&s, "%s (needed by %s): not found", name, s.objs[i].pub.path);
				goto out;
			}
			if (loaded_file(&s, path)) {
				dyn_free(&d);
				continue;
			}
			add(&s, name, path, i, NULL, &d);
		}
	}
	c->interp = s.objs[0].d.interp ? xstrdup(s.objs[0].d.interp) : NULL;
	c->n = s.n;
	c->objs = xmalloc(s.n * sizeof(*c->objs));
	for (int i = 0; i < s.n; i++) {
		c->objs[i] = s.objs[i].pub;
		s.objs[i].pub.name = s.objs[i].pub.path = NULL;
	}
	r = 0;
out:
	for (int i = 0; i < s.n; i++) {
		free(s.objs[i].pub.name);
		free(s.objs[i].pub.path);
		free(s.objs[i].real);
		free(s.objs[i].origin);
		dyn_free(&s.objs[i].d);
	}
	free(s.objs);
	free(s.cache);
	return r;
}

void rf_closure_free(struct rf_closure *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->objs[i].name);
		free(c->objs[i].path);
	}
	free(c->objs);
	free(c->interp);
	memset(c, 0, sizeof(*c));
}
