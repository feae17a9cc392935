/* test_kfmt.c — kfmt against explicit expectations and against the host's
 * snprintf for the conversions both support. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kfmt.h"

/* Some cases are deliberately odd formats (ignored flags); compare anyway. */
#pragma GCC diagnostic ignored "-Wformat"

/* No format attribute, so tests may pass formats GCC would warn about. */
static int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = kfmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

/* Format with kfmt and with the host snprintf; both must agree. */
#define SAME(...)                                                                  \
	do {                                                                       \
		char k_[256], h_[256];                                             \
		int kn_ = kfmt_snprintf(k_, sizeof(k_), __VA_ARGS__);             \
		int hn_ = snprintf(h_, sizeof(h_), __VA_ARGS__);                   \
		cr_assert_str_eq(k_, h_, "format %s", #__VA_ARGS__);               \
		cr_assert_eq(kn_, hn_, "length for %s: %d vs %d", #__VA_ARGS__, kn_, hn_); \
	} while (0)

Test(kfmt, plain_text)
{
	char b[32];
	cr_assert_eq(kfmt_snprintf(b, sizeof(b), "hello"), 5);
	cr_assert_str_eq(b, "hello");
	cr_assert_eq(kfmt_snprintf(b, sizeof(b), "%%"), 1);
	cr_assert_str_eq(b, "%");
	cr_assert_eq(kfmt_snprintf(b, sizeof(b), "%s", ""), 0);
	cr_assert_str_eq(b, "");
}

Test(kfmt, signed_decimal)
{
	SAME("%d", 0);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%i", INT_MAX);
	SAME("%i", INT_MIN);
	SAME("%ld", LONG_MIN);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%hhd", 300);
	SAME("%hhd", -129);
	SAME("%hd", 70000);
	SAME("%hd", -32769);
	SAME("%zd", (ssize_t)-5);
	SAME("%td", (ptrdiff_t)-7);
	SAME("%jd", (intmax_t)INT64_MIN);
}

Test(kfmt, int64_min)
{
	char b[64];
	int n = kfmt_snprintf(b, sizeof(b), "%lld", (long long)INT64_MIN);
	cr_assert_str_eq(b, "-9223372036854775808");
	cr_assert_eq(n, 20);
	kfmt_snprintf(b, sizeof(b), "%+25ld|%-25ld|", (long)INT64_MIN, (long)INT64_MIN);
	cr_assert_str_eq(b, "     -9223372036854775808|-9223372036854775808     |");
}

Test(kfmt, unsigned_conversions)
{
	SAME("%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%llu", ULLONG_MAX);
	SAME("%hhu", 257);
	SAME("%hu", 65537);
	SAME("%zu", SIZE_MAX);
	SAME("%ju", UINTMAX_MAX);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%llx", 0xffffffffffffffffULL);
	SAME("%lX", 0x123456789abcdefUL);
	SAME("%hhx", 0x1ff);
	SAME("%o", 8u);
	SAME("%o", 0u);
	SAME("%llo", ULLONG_MAX);
	SAME("%x", 0u);
}

Test(kfmt, flags)
{
	SAME("%+d", 5);
	SAME("%+d", -5);
	SAME("% d", 5);
	SAME("% d", -5);
	SAME("%+ d", 5);
	SAME("%#x", 255u);
	SAME("%#X", 255u);
	SAME("%#x", 0u);
	SAME("%#o", 8u);
	SAME("%#o", 0u);
	SAME("%#.0o", 0u);
	SAME("%#5o", 8u);
	SAME("%-5d|", 42);
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%-05d|", -42);
	SAME("%+05d", 42);
	SAME("%#010x", 0xabcu);
	SAME("%#10x", 0xabcu);
	SAME("%-#10x|", 0xabcu);
	SAME("% 05d", 7);
	SAME("%+u", 7u); /* '+' ignored for unsigned */
}

Test(kfmt, width_and_precision)
{
	SAME("%10d|", 123);
	SAME("%-10d|", 123);
	SAME("%.5d", 123);
	SAME("%.5d", -123);
	SAME("%8.5d", -123);
	SAME("%-8.5d|", -123);
	SAME("%08.5d", 123); /* '0' ignored with a precision */
	SAME("%.0d", 0);
	SAME("%5.0d|", 0);
	SAME("%.0x", 0u);
	SAME("%.3x", 0xau);
	SAME("%#.3x", 0xau);
	SAME("%*d", 6, 42);
	SAME("%-*d|", 6, 42);
	SAME("%*d|", -6, 42); /* negative width: left-justify */
	SAME("%.*d", 4, 7);
	SAME("%.*d", -1, 7); /* negative precision: as if omitted */
	SAME("%*.*d", 8, 4, -7);
	SAME("%1d", 12345);
	SAME("%.1d", 12345);
}

Test(kfmt, strings_and_chars)
{
	SAME("%s", "abc");
	SAME("%5s|", "abc");
	SAME("%-5s|", "abc");
	SAME("%.2s", "abc");
	SAME("%.0s|", "abc");
	SAME("%.10s", "abc");
	SAME("%5.1s|", "abc");
	SAME("%*.*s|", -6, 2, "abcdef");
	SAME("%c", 'x');
	SAME("%3c|", 'x');
	SAME("%-3c|", 'x');
	SAME("%c%c%c", 'a', 'b', 'c');
	char b[16];
	cr_assert_eq(kfmt_snprintf(b, sizeof(b), "%c", 0), 1);
	cr_assert_eq(b[0], '\0');
}

Test(kfmt, null_string)
{
	char b[32];
	int n = fmt(b, sizeof(b), "[%s]", (char *)NULL);
	cr_assert_str_eq(b, "[(null)]");
	cr_assert_eq(n, 8);
	fmt(b, sizeof(b), "[%8s]", (char *)NULL);
	cr_assert_str_eq(b, "[  (null)]");
}

Test(kfmt, pointer)
{
	char b[64];
	fmt(b, sizeof(b), "%p", (void *)0x1234abcdULL);
	cr_assert_str_eq(b, "0x1234abcd");
	fmt(b, sizeof(b), "%p", (void *)0xffff800000001000ULL);
	cr_assert_str_eq(b, "0xffff800000001000");
	fmt(b, sizeof(b), "%p", (void *)0);
	cr_assert_str_eq(b, "0x0");
	fmt(b, sizeof(b), "%18p|", (void *)0x10);
	cr_assert_str_eq(b, "              0x10|");
	fmt(b, sizeof(b), "%-8p|", (void *)0x10);
	cr_assert_str_eq(b, "0x10    |");
}

Test(kfmt, unknown_and_float_printed_literally)
{
	char b[64];
	int n = fmt(b, sizeof(b), "a%yb");
	cr_assert_str_eq(b, "a%yb");
	cr_assert_eq(n, 4);
	/* No argument is consumed: the %d that follows gets the 5. */
	fmt(b, sizeof(b), "%f %d", 5);
	cr_assert_str_eq(b, "%f 5");
	fmt(b, sizeof(b), "%5.2e|%g|%lq", 1);
	cr_assert_str_eq(b, "%5.2e|%g|%lq");
	fmt(b, sizeof(b), "%n|%d", 3);
	cr_assert_str_eq(b, "%n|3");
	/* A format ending inside a conversion. */
	n = fmt(b, sizeof(b), "x%");
	cr_assert_str_eq(b, "x%");
	cr_assert_eq(n, 2);
	fmt(b, sizeof(b), "x%-08l");
	cr_assert_str_eq(b, "x%-08l");
}

Test(kfmt, truncation_and_return_value)
{
	char b[8];
	memset(b, 'Z', sizeof(b));
	int n = kfmt_snprintf(b, sizeof(b), "%s", "0123456789");
	cr_assert_eq(n, 10);
	cr_assert_str_eq(b, "0123456");

	memset(b, 'Z', sizeof(b));
	n = kfmt_snprintf(b, 1, "%d", 12345);
	cr_assert_eq(n, 5);
	cr_assert_eq(b[0], '\0');
	cr_assert_eq(b[1], 'Z');

	memset(b, 'Z', sizeof(b));
	n = kfmt_snprintf(b, 0, "%d", 12345);
	cr_assert_eq(n, 5);
	cr_assert_eq(b[0], 'Z');
	cr_assert_eq(kfmt_snprintf(NULL, 0, "%s%s", "ab", "cd"), 4);

	/* Exactly fitting: 7 characters plus the NUL. */
	n = kfmt_snprintf(b, sizeof(b), "%07d", 1);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(b, "0000001");
	n = kfmt_snprintf(b, sizeof(b), "%08d", 1);
	cr_assert_eq(n, 8);
	cr_assert_str_eq(b, "0000000");
}

struct collect {
	char buf[64];
	size_t n;
};

static void put_collect(void *ctx, char c)
{
	struct collect *c2 = ctx;
	if (c2->n < sizeof(c2->buf))
		c2->buf[c2->n] = c;
	c2->n++;
}

static int via_callback(struct collect *c, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = kfmt(put_collect, c, f, ap);
	va_end(ap);
	return n;
}

Test(kfmt, callback_sees_every_char)
{
	struct collect c = { .n = 0 };
	int n = via_callback(&c, "%s=%d%c", "ab", -3, '!');
	cr_assert_eq(n, 6);
	cr_assert_eq(c.n, 6);
	cr_assert(memcmp(c.buf, "ab=-3!", 6) == 0);
}

Test(kfmt, mixed_against_host)
{
	SAME("%s:%d:%5u:%-4x|%c|%%|%08llX", "file.c", 17, 3u, 0xbeu, 'q', 0xcafef00dULL);
	SAME("[%3d][%-3d][%03d]", -1, -1, -1);
	SAME("%lu %ld %lx", 1UL << 63, -(1L << 62), 1UL << 40);
}

/* Random integer and string conversions, compared with the host snprintf.
 * Only combinations C defines are generated ('#' with x/X/o, '0' not with s). */
Test(kfmt, random_against_host)
{
	static const char convs[] = "diuxXos";
	static const char *lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	srand(2026);
	for (int round = 0; round < 20000; round++) {
		char f[64], k[256], hbuf[256];
		size_t p = 0;
		char c = convs[rand() % (sizeof(convs) - 1)];
		f[p++] = '<';
		f[p++] = '%';
		if (rand() % 3 == 0) f[p++] = '-';
		if (rand() % 3 == 0 && c != 's') f[p++] = '0';
		if (rand() % 4 == 0) f[p++] = '+';
		if (rand() % 4 == 0) f[p++] = ' ';
		if (rand() % 3 == 0 && (c == 'x' || c == 'X' || c == 'o')) f[p++] = '#';
		if (rand() % 2) p += (size_t)sprintf(f + p, "%d", rand() % 30);
		if (rand() % 2) p += (size_t)sprintf(f + p, ".%d", rand() % 25);
		const char *l = c == 's' ? "" : lens[rand() % 8];
		p += (size_t)sprintf(f + p, "%s%c>", l, c);
		f[p] = '\0';
		uint64_t v = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand();
		if (rand() % 4 == 0) v >>= rand() % 64;
		if (rand() % 8 == 0) v = rand() % 2 ? 0 : (uint64_t)INT64_MIN;
		size_t size = rand() % 5 == 0 ? (size_t)(rand() % 12) : sizeof(k);
		int kn, hn;
		if (c == 's') {
			static const char *strs[] = { "", "a", "hello", "a longer string here" };
			const char *s = strs[rand() % 4];
			kn = fmt(k, size, f, s);
			hn = snprintf(hbuf, size, f, s);
		} else if (l[0] == 'l' || l[0] == 'z' || l[0] == 'j' || l[0] == 't') {
			kn = fmt(k, size, f, v);
			hn = snprintf(hbuf, size, f, v);
		} else {
			kn = fmt(k, size, f, (unsigned)v);
			hn = snprintf(hbuf, size, f, (unsigned)v);
		}
		cr_assert_eq(kn, hn, "format %s value %#llx: length %d vs %d", f, (unsigned long long)v, kn, hn);
		if (size)
			cr_assert_str_eq(k, hbuf, "format %s value %#llx size %zu", f, (unsigned long long)v, size);
	}
}

Test(kfmt, huge_width_is_clamped)
{
	char b[16];
	cr_assert_eq(fmt(b, sizeof(b), "%999999999d", 1), 4096);
	cr_assert_eq(fmt(b, sizeof(b), "%*d", INT_MAX, 1), 4096);
	cr_assert_eq(fmt(b, sizeof(b), "%*d", INT_MIN, 1), 4096);
	cr_assert_eq(fmt(b, sizeof(b), "%.999999999d", 1), 4096);
	cr_assert_eq(fmt(b, sizeof(b), "%.*d", INT_MAX, 1), 4096);
	cr_assert_str_eq(b, "000000000000000");
	cr_assert_eq(fmt(b, sizeof(b), "%4096d", 1), 4096);
	cr_assert_eq(fmt(b, sizeof(b), "%4095d", 1), 4095);
}
