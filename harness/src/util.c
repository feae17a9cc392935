/* util.c: helpers every layer uses: monotonic clock, growable buffers, atomic
 * file writes, sha256 (FIPS 180-4), string splitting, repository paths, and
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

void ut_json_str(struct ut_buf *b, const char *s)
{
	ut_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ut_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			ut_buf_add(b, "\\n", 2);
		else if (c == '\t')
			ut_buf_add(b, "\\t", 2);
		else if (c < 0x20)
			ut_buf_printf(b, "\\u%04x", c);
		else
			ut_buf_add(b, s, 1);
	}
	ut_buf_add(b, "\"", 1);
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

/* ---- sha256, FIPS 180-4 §6.2 ---- */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

struct sha256 {
	uint32_t h[8];
	uint8_t blk[64];
	size_t fill;
	uint64_t total;
};

#define ROR(x, k) (((x) >> (k)) | ((x) << (32 - (k))))

static void sha_block(struct sha256 *c, const uint8_t *p)
{
	uint32_t w[64], a, b, d, e, f, g, h, cc, t1, t2;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (int i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
		     K256[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void sha_init(struct sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, iv, sizeof iv);
	c->fill = 0;
	c->total = 0;
}

static void sha_update(struct sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->total += len;
	while (len) {
		size_t k = 64 - c->fill < len ? 64 - c->fill : len;

		memcpy(c->blk + c->fill, p, k);
		c->fill += k;
		p += k;
		len -= k;
		if (c->fill == 64) {
			sha_block(c, c->blk);
			c->fill = 0;
		}
	}
}

static void sha_final(struct sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->total * 8;
	uint8_t pad = 0x80, zero = 0, len[8];

	sha_update(c, &pad, 1);
	while (c->fill != 56)
		sha_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void ut_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sha256 c;

	sha_init(&c);
	sha_update(&c, data, len);
	sha_final(&c, out);
}

int ut_sha256_file(const char *path, char hex[65])
{
	uint8_t buf[65536], d[32];
	struct sha256 c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return -1;
	sha_init(&c);
	while ((k = read(fd, buf, sizeof buf)) > 0)
		sha_update(&c, buf, (size_t)k);
	close(fd);
	if (k < 0)
		return -1;
	sha_final(&c, d);
	for (int i = 0; i < 32; i++)
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
