/* test_string.c — the kernel's own string functions (lib/string.c), built
 * here under other names and compared with the host libc. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define memcpy  ks_memcpy
#define memmove ks_memmove
#define memset  ks_memset
#define memcmp  ks_memcmp
#define strlen  ks_strlen
#define strcmp  ks_strcmp
#define strncmp ks_strncmp
#define strchr  ks_strchr
#include "../../lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strcmp
#undef strncmp
#undef strchr

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

Test(string, memcpy_memset_all_offsets)
{
	unsigned char src[96], a[96], b[96];
	for (int i = 0; i < 96; i++)
		src[i] = (unsigned char)(i * 13 + 1);
	for (size_t off = 0; off < 16; off++) {
		for (size_t n = 0; n < 64; n++) {
			memset(a, 0xee, sizeof(a));
			memset(b, 0xee, sizeof(b));
			cr_assert_eq(ks_memcpy(a + off, src + (n % 7), n), a + off);
			memcpy(b + off, src + (n % 7), n);
			cr_assert(memcmp(a, b, sizeof(a)) == 0, "memcpy off %zu n %zu", off, n);
			cr_assert_eq(ks_memset(a + off, (int)(0x100 + n), n), a + off);
			memset(b + off, (int)(0x100 + n), n);
			cr_assert(memcmp(a, b, sizeof(a)) == 0, "memset off %zu n %zu", off, n);
		}
	}
}

Test(string, memmove_overlaps_both_ways)
{
	unsigned char a[128], b[128];
	for (size_t d = 0; d < 40; d++) {
		for (size_t s = 0; s < 40; s++) {
			for (size_t n = 0; n < 60; n += 7) {
				for (int i = 0; i < 128; i++)
					a[i] = b[i] = (unsigned char)i;
				cr_assert_eq(ks_memmove(a + d, a + s, n), a + d);
				memmove(b + d, b + s, n);
				cr_assert(memcmp(a, b, sizeof(a)) == 0, "memmove d %zu s %zu n %zu", d, s, n);
			}
		}
	}
	/* The direction flag is clear again afterwards (a forward copy works). */
	char x[8] = "abcdefg", y[8];
	ks_memmove(x + 1, x, 5);
	ks_memcpy(y, x, 8);
	cr_assert_str_eq(y, "aabcdeg");
}

Test(string, compare_and_search)
{
	const char *w[] = { "", "a", "ab", "abc", "abd", "b", "\xff", "a\xff", "abc\0x" };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		cr_assert_eq(ks_strlen(w[i]), strlen(w[i]));
		for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++) {
			cr_assert_eq(sign(ks_strcmp(w[i], w[j])), sign(strcmp(w[i], w[j])), "%zu %zu", i, j);
			for (size_t n = 0; n < 5; n++)
				cr_assert_eq(sign(ks_strncmp(w[i], w[j], n)), sign(strncmp(w[i], w[j], n)));
			size_t n = MIN(strlen(w[i]), strlen(w[j])) + 1;
			cr_assert_eq(sign(ks_memcmp(w[i], w[j], n)), sign(memcmp(w[i], w[j], n)));
		}
	}
	cr_assert_eq(ks_memcmp("x", "y", 0), 0);
	const char *s = "hello=world";
	cr_assert_eq(ks_strchr(s, '='), s + 5);
	cr_assert_eq(ks_strchr(s, 'h'), s);
	cr_assert_eq(ks_strchr(s, '\0'), s + 11);
	cr_assert_null(ks_strchr(s, 'z'));
	cr_assert_eq(ks_strchr("a\xff", 0xff), strchr("a\xff", 0xff));
}
