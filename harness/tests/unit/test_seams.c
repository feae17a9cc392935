/* test_seams.c: one test per library seam of the harness: libinih under
 * ini.c, jansson under ut_json_str (and the readers of meta.json), nettle
 * under ut_sha256*. Each checks what our wrapper adds or relies on. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

/* inih splits and trims; ini.c adds line numbers, keeps empty sections,
 * refuses continuation lines and lines longer than inih's buffer. */
Test(seam, libinih_under_ini)
{
	struct ini_file f;
	char why[256] = "", text[600];

	cr_assert_eq(ini_parse_text("[empty]\n[a]\n  k = v ; note\nm: 2\n", "s.ini", &f, why,
				    sizeof why), 0, "%s", why);
	cr_assert_eq(f.nsec, 2);
	cr_assert_str_eq(f.sec[0].name, "empty");
	cr_assert_eq(f.sec[1].line, 2);
	cr_assert_str_eq(ini_get(&f.sec[1], "k")->val, "v");	/* inih's inline comment */
	cr_assert_eq(ini_get(&f.sec[1], "k")->line, 3);		/* indented: a key, not a continuation */
	cr_assert_str_eq(ini_get(&f.sec[1], "m")->val, "2");
	ini_free(&f);
	memset(text, 0, sizeof text);
	strcpy(text, "[a]\nk = ");
	memset(text + strlen(text), 'x', 300);
	strcat(text, "\n");
	cr_assert_eq(ini_parse_text(text, "s.ini", &f, why, sizeof why), -1);
	cr_assert(strstr(why, "s.ini:2: line longer than"), "%s", why);
	cr_assert_eq(ini_parse_text("[a]\n[b] junk\n", "s.ini", &f, why, sizeof why), -1);
	cr_assert(strstr(why, "s.ini:2: malformed section header"), "%s", why);
}

/* What ut_json_str writes, jansson reads back as the same string. */
Test(seam, jansson_under_json)
{
	const char *s[] = { "plain", "q\"b\\s/\n\t\x01", "caf\xc3\xa9 \xe2\x86\x92", "" };

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		struct ut_buf b = { 0 };
		json_error_t e;
		json_t *j;

		ut_buf_printf(&b, "{\"k\": ");
		ut_json_str(&b, s[i]);
		ut_buf_printf(&b, "}");
		j = json_loads(b.p, 0, &e);
		cr_assert_not_null(j, "%s: %s", b.p, e.text);
		cr_assert_str_eq(json_string_value(json_object_get(j, "k")), s[i]);
		json_decref(j);
		ut_buf_free(&b);
	}
	struct ut_buf b = { 0 };

	ut_json_str(&b, "bad \xff utf-8");	/* never invalid JSON */
	cr_assert_str_eq(b.p, "\"\"");
	ut_buf_free(&b);
}

/* nettle: FIPS 180-2's long message (a million 'a'), through the file path. */
Test(seam, nettle_under_sha256)
{
	char path[] = "/tmp/ukb-seam-XXXXXX", h[65];
	char *a = malloc(1000000);
	int fd = mkstemp(path);

	cr_assert(a && fd >= 0);
	memset(a, 'a', 1000000);
	cr_assert_eq(write(fd, a, 1000000), 1000000);
	close(fd);
	cr_assert_eq(ut_sha256_file(path, h), 0);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	unlink(path);
	free(a);
}
