/* rootfs_cpio.c — the archive of a resolved program (contract in rootfs.h).
 * rf_archive() collects members (add_host() walks each host path, keeping
 * the links it crosses; add_tree() copies ROOTFS; then the defaults), sorts
 * them so that a directory precedes what it holds, and writes them with
 * libarchive as cpio "newc", aligning file data to RF_ALIGN.
 *
 * Alignment: a newc member is a 110-byte header, its NUL-terminated name and
 * its data, each padded to 4 bytes. Before a regular file whose data would
 * not start on a RF_ALIGN boundary, a padding member is written: a directory
 * named "." or "./././...", which every reader takes for the root it already
 * has (Linux's initramfs, GNU cpio, bsdtar) and whose name length sets the
 * padding in steps of 4. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

enum kind { M_DIR, M_FILE, M_LINK };
enum origin { FROM_HOST, FROM_ROOTFS, FROM_DEFAULT };

struct member {
	char *path;       /* inside the archive, no leading '/' */
	enum kind kind;
	enum origin from;
	unsigned mode;    /* permission bits */
	char *src;        /* M_FILE: host file to copy, or NULL with (data) */
	char *data;       /* M_LINK: the target; M_FILE: contents when src is NULL */
	size_t size;
};

struct set {
	int n, cap;
	struct member *m;
	char *err;
	size_t errlen;
};

static int fail(struct set *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *dup_or_die(const char *p)
{
	char *d = strdup(p);
	if (!d) {
		fprintf(stderr, "rootfs: out of memory\n");
		exit(1);
	}
	return d;
}

static struct member *find(struct set *s, const char *path)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->m[i].path, path) == 0)
			return &s->m[i];
	return NULL;
}

/* The link member that (path) or one of its parents is, or NULL. */
static struct member *link_on_path(struct set *s, const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + strlen(buf);;) {
		struct member *m = find(s, buf);
		if (m && m->kind == M_LINK)
			return m;
		while (p > buf && *p != '/')
			p--;
		if (p == buf)
			return NULL;
		*p = '\0';
	}
}

static struct member *push(struct set *s, const char *path, enum kind k, enum origin from, unsigned mode)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		struct member *nm = realloc(s->m, s->cap * sizeof(*nm));
		if (!nm) {
			fprintf(stderr, "rootfs: out of memory\n");
			exit(1);
		}
		s->m = nm;
	}
	struct member *m = &s->m[s->n++];
	memset(m, 0, sizeof(*m));
	m->path = dup_or_die(path);
	m->kind = k;
	m->from = from;
	m->mode = mode;
	return m;
}

/* Directory (path) and its parents; an existing directory is kept. */
static int add_dirs(struct set *s, const char *path, enum origin from, unsigned mode)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		struct member *m = find(s, buf);
		if (!m)
			push(s, buf, M_DIR, from, c ? 0755 : mode);
		else if (m->kind != M_DIR)
			return fail(s, "/%s: both a directory and a %s", buf,
				    m->kind == M_LINK ? "symbolic link" : "file");
		if (!c)
			return 0;
		*p = c;
	}
}

static int add_parent_dirs(struct set *s, const char *path, enum origin from)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	char *sl = strrchr(buf, '/');
	if (!sl)
		return 0;
	*sl = '\0';
	return add_dirs(s, buf, from, 0755);
}

/* Host path (abs) into the set: each symbolic link on the way becomes a
 * link member and the walk goes on at its target, so that no member lies
 * under a link and every name the program uses works as on the host. */
static int add_host(struct set *s, const char *abs)
{
	char walk[PATH_MAX], cur[PATH_MAX];
	int hops = 0;
	if (abs[0] != '/')
		return fail(s, "%s: not an absolute path", abs);
	snprintf(walk, sizeof(walk), "%s", abs);
again:
	cur[0] = '\0';
	for (const char *p = walk; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0)
			break;
		size_t cl = strlen(cur);
		if ((l == 1 && p[0] == '.')) {
			p += l;
			continue;
		}
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			char *sl = strrchr(cur, '/');
			if (sl)
				*sl = '\0';
			else
				cur[0] = '\0';
			p += l;
			continue;
		}
		if (cl + 1 + l >= sizeof(cur))
			return fail(s, "%s: path too long", abs);
		snprintf(cur + cl, sizeof(cur) - cl, "%s%.*s", cl ? "/" : "", (int)l, p);
		p += l;
		char host[PATH_MAX + 1];
		snprintf(host, sizeof(host), "/%s", cur);
		struct stat st;
		if (lstat(host, &st) != 0)
			return fail(s, "%s: %s", host, strerror(errno));
		if (S_ISLNK(st.st_mode)) {
			char tgt[PATH_MAX];
			ssize_t n = readlink(host, tgt, sizeof(tgt) - 1);
			if (n < 0)
				return fail(s, "%s: %s", host, strerror(errno));
			tgt[n] = '\0';
			struct member *m = find(s, cur);
			if (!m) {
				if (add_parent_dirs(s, cur, FROM_HOST))
					return -1;
				m = push(s, cur, M_LINK, FROM_HOST, 0777);
				m->data = dup_or_die(tgt);
				m->size = (size_t)n;
			}
			if (++hops > 40)
				return fail(s, "%s: too many levels of symbolic links", abs);
			/* continue at the target, then what is left of the path */
			char next[PATH_MAX];
			char *sl = strrchr(cur, '/');
			if (sl)
				*sl = '\0';
			else
				cur[0] = '\0';
			int w = tgt[0] == '/' ? snprintf(next, sizeof(next), "%s%s", tgt, p)
					      : snprintf(next, sizeof(next), "/%s/%s%s", cur, tgt, p);
			if (w < 0 || (size_t)w >= sizeof(next))
				return fail(s, "%s: path too long", abs);
			memcpy(walk, next, (size_t)w + 1);
			goto again;
		}
		if (S_ISDIR(st.st_mode)) {
			if (add_dirs(s, cur, FROM_HOST, st.st_mode & 07777))
				return -1;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			return fail(s, "%s: not a regular file", host);
		if (*p && strspn(p, "/") != strlen(p))
			return fail(s, "%s: not a directory", host);
		struct member *m = find(s, cur);
		if (m)
			return m->kind == M_FILE ? 0 : fail(s, "%s: both a file and a directory", host);
		if (add_parent_dirs(s, cur, FROM_HOST))
			return -1;
		m = push(s, cur, M_FILE, FROM_HOST, st.st_mode & 07777);
		m->src = dup_or_die(host);
		m->size = (size_t)st.st_size;
		return 0;
	}
	return cur[0] ? 0 : fail(s, "%s: is the root", abs);
}

/* The tree (dir) at / (rel: path inside it, "" at the top). ROOTFS wins over
 * the defaults; it may not put a file where the closure has one, nor under a
 * link of the closure (say where the file should go instead). */
static int add_tree(struct set *s, const char *top, const char *rel)
{
	char here[2 * PATH_MAX];
	snprintf(here, sizeof(here), "%s%s%s", top, *rel ? "/" : "", rel);
	DIR *d = opendir(here);
	if (!d)
		return fail(s, "%s: %s", here, strerror(errno));
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[PATH_MAX], host[2 * PATH_MAX + 2];
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= sizeof(path)) {
			r = fail(s, "%s/%s: path too long", here, e->d_name);
			break;
		}
		snprintf(host, sizeof(host), "%s/%s", top, path);
		struct stat st;
		if (lstat(host, &st) != 0) {
			r = fail(s, "%s: %s", host, strerror(errno));
			break;
		}
		struct member *l = link_on_path(s, path), *m = find(s, path);
		if (l && !(m == l && S_ISLNK(st.st_mode))) {
			r = fail(s, "%s: /%s is a symbolic link to %s in the program's closure; put it there",
				 host, l->path, l->data);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (m && m->kind != M_DIR) {
				r = fail(s, "%s: /%s is not a directory in the program's closure", host, path);
				break;
			}
			if (!m) /* an existing directory keeps its mode (/tmp stays 1777) */
				push(s, path, M_DIR, FROM_ROOTFS, st.st_mode & 07777);
			r = add_tree(s, top, path);
			continue;
		}
		if (m && m->from == FROM_HOST) {
			r = fail(s, "%s: /%s is already a file of the program's closure", host, path);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char tgt[PATH_MAX];
			ssize_t n = readlink(host, tgt, sizeof(tgt) - 1);
			if (n < 0) {
				r = fail(s, "%s: %s", host, strerror(errno));
				break;
			}
			tgt[n] = '\0';
			if (!m) {
				m = push(s, path, M_LINK, FROM_ROOTFS, 0777);
				m->data = dup_or_die(tgt);
				m->size = (size_t)n;
			}
		} else if (S_ISREG(st.st_mode)) {
			m = push(s, path, M_FILE, FROM_ROOTFS, st.st_mode & 07777);
			m->src = dup_or_die(host);
			m->size = (size_t)st.st_size;
		} else {
			r = fail(s, "%s: not a file, directory or symbolic link", host);
		}
	}
	closedir(d);
	return r;
}

static const struct {
	const char *path, *data;
} defaults[] = {
	{ "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
	{ "etc/group", "root:x:0:\nnogroup:x:65534:\nnobody:x:65534:\n" },
	{ "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" },
	{ "etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
			       "networks: files\nprotocols: files\nservices: files\n" },
};

/* Mount points for /dev, /proc, /sys and a scratch /tmp, on every target. */
static const struct {
	const char *path;
	unsigned mode;
} mounts[] = { { "dev", 0755 }, { "proc", 0555 }, { "sys", 0555 }, { "tmp", 01777 } };

static int add_defaults(struct set *s)
{
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (find(s, defaults[i].path))
			continue;
		if (link_on_path(s, defaults[i].path))
			continue; /* ROOTFS made /etc a link: its business */
		if (add_parent_dirs(s, defaults[i].path, FROM_DEFAULT))
			return -1;
		struct member *m = push(s, defaults[i].path, M_FILE, FROM_DEFAULT, 0644);
		m->data = dup_or_die(defaults[i].data);
		m->size = strlen(defaults[i].data);
	}
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (!find(s, mounts[i].path))
			push(s, mounts[i].path, M_DIR, FROM_DEFAULT, mounts[i].mode);
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->path, ((const struct member *)b)->path);
}

/* ---- writing ---------------------------------------------------------- */

#define NEWC_HDR 110
static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

struct out {
	struct archive *a;
	size_t pos;       /* bytes of archive so far, as newc lays them out */
	unsigned ino;
};

static int put(struct set *s, struct out *o, const char *name, unsigned type, unsigned mode,
	       size_t size, const char *link)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_ino(e, ++o->ino);
	archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)size : 0);
	if (link)
		archive_entry_set_symlink(e, link);
	int r = archive_write_header(o->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return fail(s, "/%s: %s", name, archive_error_string(o->a));
	o->pos += pad4(NEWC_HDR + strlen(name) + 1) + pad4(link ? strlen(link) : size);
	return 0;
}

/* A padding member so that the data of a member named (name) starts on
 * RF_ALIGN: a directory "." + "/." * k of D = pad4(111 + len) bytes. */
static int align_for(struct set *s, struct out *o, const char *name)
{
	size_t data = o->pos + pad4(NEWC_HDR + strlen(name) + 1);
	size_t p = (RF_ALIGN - data % RF_ALIGN) % RF_ALIGN;
	if (p == 0)
		return 0;
	if (p < NEWC_HDR + 2)
		p += RF_ALIGN;
	size_t len = p - (NEWC_HDR + 1); /* odd, as p is a multiple of 4 */
	char *pad = malloc(len + 1);
	if (!pad)
		return fail(s, "out of memory");
	pad[0] = '.';
	for (size_t i = 1; i + 1 < len + 1; i += 2)
		pad[i] = '/', pad[i + 1] = '.';
	pad[len] = '\0';
	int r = put(s, o, pad, AE_IFDIR, 0755, 0, NULL);
	free(pad);
	return r;
}

static int write_file(struct set *s, struct out *o, const struct member *m)
{
	if (m->size && align_for(s, o, m->path))
		return -1;
	if (put(s, o, m->path, AE_IFREG, m->mode, m->size, NULL))
		return -1;
	if (!m->src) {
		if (m->size && archive_write_data(o->a, m->data, m->size) != (la_ssize_t)m->size)
			return fail(s, "/%s: %s", m->path, archive_error_string(o->a));
		return 0;
	}
	int fd = open(m->src, O_RDONLY);
	if (fd < 0)
		return fail(s, "%s: %s", m->src, strerror(errno));
	char buf[1 << 16];
	size_t left = m->size;
	while (left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0) {
			close(fd);
			return fail(s, "%s: changed while being read", m->src);
		}
		if (archive_write_data(o->a, buf, (size_t)n) != n) {
			close(fd);
			return fail(s, "/%s: %s", m->path, archive_error_string(o->a));
		}
		left -= (size_t)n;
	}
	close(fd);
	return 0;
}

static int write_all(struct set *s, const char *tmp)
{
	struct out o = { .a = archive_write_new() };
	int r = -1;
	if (!o.a)
		return fail(s, "out of memory");
	if (archive_write_set_format_cpio_newc(o.a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(o.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(o.a, 1) != ARCHIVE_OK ||
	    archive_write_open_filename(o.a, tmp) != ARCHIVE_OK) {
		fail(s, "%s: %s", tmp, archive_error_string(o.a));
		goto out;
	}
	for (int i = 0; i < s->n; i++) {
		const struct member *m = &s->m[i];
		int e = m->kind == M_DIR    ? put(s, &o, m->path, AE_IFDIR, m->mode, 0, NULL)
			: m->kind == M_LINK ? put(s, &o, m->path, AE_IFLNK, 0777, 0, m->data)
					    : write_file(s, &o, m);
		if (e)
			goto out;
	}
	if (archive_write_close(o.a) != ARCHIVE_OK) {
		fail(s, "%s: %s", tmp, archive_error_string(o.a));
		goto out;
	}
	/* The layout we aligned to must be the one written. */
	o.pos += pad4(NEWC_HDR + sizeof("TRAILER!!!"));
	struct stat st;
	if (stat(tmp, &st) != 0 || (size_t)st.st_size != o.pos) {
		fail(s, "%s: archive is %lld bytes, expected %zu (alignment would be wrong)", tmp,
		     (long long)st.st_size, o.pos);
		goto out;
	}
	r = 0;
out:
	archive_write_free(o.a);
	return r;
}

int rf_archive(const struct rf_closure *c, const char *rootfs, const char *out,
	       char *err, size_t errlen)
{
	struct set s = { .err = err, .errlen = errlen };
	int r = -1;
	for (int i = 0; i < c->n; i++)
		if (add_host(&s, c->objs[i].path))
			goto out;
	if (rootfs) {
		struct stat st;
		if (stat(rootfs, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fail(&s, "%s: not a directory (ROOTFS)", rootfs);
			goto out;
		}
		if (add_tree(&s, rootfs, ""))
			goto out;
	}
	if (add_defaults(&s))
		goto out;
	qsort(s.m, s.n, sizeof(*s.m), by_path);

	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid()) >= sizeof(tmp)) {
		fail(&s, "%s: path too long", out);
		goto out;
	}
	if (write_all(&s, tmp)) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, out) != 0) {
		fail(&s, "%s: %s", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	for (int i = 0; i < s.n; i++) {
		free(s.m[i].path);
		free(s.m[i].src);
		free(s.m[i].data);
	}
	free(s.m);
	return r;
}
