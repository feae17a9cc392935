/* util.c: helpers every layer uses: monotonic clock, growable buffers, atomic
 * file writes, sha256 (nettle), JSON strings (jansson), string splitting, repository paths, and
 * the host TSC frequency. No state besides a few caches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <jansson.h>
#include <nettle/sha2.h>

#include "ukb.h"

#ifndef UKB_SRC_ROOT
#define UKB_SRC_ROOT "."
#endif

uint64_t ut_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ut_err(const char *fmt, ...)
{
	va_list ap;

	fputs("ukbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ut_buf_add(struct ut_buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			ut_err("out of memory");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ut_buf_printf(struct ut_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k < sizeof small) {
		ut_buf_add(b, small, (size_t)k);
		return;
	}
	char *big = malloc((size_t)k + 1);

	if (!big)
		return;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)k + 1, fmt, ap);
	va_end(ap);
	ut_buf_add(b, big, (size_t)k);
	free(big);
}

void ut_buf_free(struct ut_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* jansson escapes (RFC 8259 §7); a string that is not UTF-8 is written as
 * "" rather than as invalid JSON. */
void ut_json_str(struct ut_buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	if (t)
		ut_buf_add(b, t, strlen(t));
	else
		ut_buf_add(b, "\"\"", 2);
	free(t);
	json_decref(j);
}

/* Write to "<dir>/.<name>.tmp.<pid>", fsync, rename over the target. */
int ut_write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[UKB_PATH + 64];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%d", (int)(slash - path), path,
			 slash + 1, (int)getpid());
	else
		snprintf(tmp, sizeof tmp, ".%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, (const char *)data + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto err;
		off += (size_t)k;
	}
	if (fsync(fd) != 0)
		goto err;
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
err:
	close(fd);
	unlink(tmp);
	return -1;
}

int ut_read_file(const char *path, struct ut_buf *b)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return -1;
	ut_buf_add(b, "", 0);
	while ((k = read(fd, chunk, sizeof chunk)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		ut_buf_add(b, chunk, (size_t)k);
	}
	close(fd);
	return 0;
}

long long ut_file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long long)st.st_size;
}

/* ---- sha256: nettle's (FIPS 180-4), the harness keeps no copy of its own ---- */
void ut_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

int ut_sha256_file(const char *path, char hex[65])
{
	uint8_t buf[65536], d[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return -1;
	sha256_init(&c);
	while ((k = read(fd, buf, sizeof buf)) > 0)
		sha256_update(&c, (size_t)k, buf);
	close(fd);
	if (k < 0)
		return -1;
	sha256_digest(&c, SHA256_DIGEST_SIZE, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

char *ut_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int ut_split(char *s, char sep, char **out, int max)
{
	int k = 0;

	while (s && k < max) {
		char *next = strchr(s, sep);

		if (next)
			*next++ = '\0';
		s = ut_trim(s);
		if (*s)
			out[k++] = s;
		s = next;
	}
	return k;
}

void ut_strlcpy(char *dst, const char *src, size_t n)
{
	if (!n)
		return;
	snprintf(dst, n, "%s", src);
}

const char *ut_root(void)
{
	const char *e = getenv("UKBENCH_ROOT");

	return e && *e ? e : UKB_SRC_ROOT;
}

const char *ut_build(void)
{
	static char dir[UKB_PATH];
	const char *e = getenv("UKBENCH_BUILD");
	ssize_t k;

	if (e && *e)
		return e;
	if (!dir[0]) {
		k = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (k <= 0) {
			snprintf(dir, sizeof dir, "%s/build", ut_root());
		} else {
			dir[k] = '\0';
			char *slash = strrchr(dir, '/');

			if (slash)
				*slash = '\0';
		}
	}
	return dir;
}

void ut_path(char *out, size_t n, const char *rel)
{
	if (rel[0] == '/')
		snprintf(out, n, "%s", rel);
	else if (!strncmp(rel, "build/", 6))
		snprintf(out, n, "%s/%s", ut_build(), rel + 6);
	else
		snprintf(out, n, "%s/%s", ut_root(), rel);
}

/* Run argv, return its exit status and the first line of its output. */
int ut_capture(char *const argv[], char *out, size_t n, int timeout_ms)
{
	struct pr_child c;
	char why[UKB_WHY];
	int rc;

	if (n)
		out[0] = '\0';
	if (pr_spawn(&c, argv, 0, why, sizeof why) != 0)
		return -1;
	rc = pr_read(&c, ut_now_ns() + (uint64_t)timeout_ms * 1000000ull, NULL, NULL);
	if (rc == PR_EOF)
		rc = pr_wait(&c, ut_now_ns() + 1000000000ull);
	if (n && c.out.p) {
		size_t k = strcspn(c.out.p, "\n");

		snprintf(out, n, "%.*s", (int)k, c.out.p);
	}
	rc = rc == PR_EOF ? c.status : -1;
	pr_kill(&c);
	return rc;
}

int ut_have_tool(const char *name)
{
	const char *path = getenv("PATH");
	char dir[UKB_PATH], *save = NULL, *d;
	char p[UKB_PATH * 2];

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	snprintf(dir, sizeof dir, "%s", path ? path : "/usr/bin:/bin");
	for (d = strtok_r(dir, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(p, sizeof p, "%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Three 20 ms windows of rdtsc against CLOCK_MONOTONIC; the median. */
double ut_tsc_khz(void)
{
	static double cached;
	double est[3];

	if (cached > 0)
		return cached;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = ut_now_ns(), c0 = __rdtsc(), t1;

		do
			t1 = ut_now_ns();
		while (t1 - t0 < 20000000ull);
		est[i] = (double)(__rdtsc() - c0) / ((double)(t1 - t0) / 1e6);
	}
	if (est[0] > est[1]) { double t = est[0]; est[0] = est[1]; est[1] = t; }
	if (est[1] > est[2]) { double t = est[1]; est[1] = est[2]; est[2] = t; }
	if (est[0] > est[1]) { double t = est[0]; est[0] = est[1]; est[1] = t; }
	cached = est[1];
	return cached;
}

int ut_mkdirs(const char *path)
{
	char p[UKB_PATH];

	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}
