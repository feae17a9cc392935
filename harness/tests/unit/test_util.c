/* test_util.c: sha256 (FIPS 180-2 examples), JSON escaping, splitting. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

static void hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

Test(util, sha256_vectors)
{
	uint8_t d[32];
	char h[65];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	ut_sha256("abc", 3, d);
	hex(d, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ut_sha256("", 0, d);
	hex(d, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ut_sha256(two, strlen(two), d);
	hex(d, h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(util, sha256_file_matches_memory)
{
	char path[] = "/tmp/ukb-sha-XXXXXX", h[65], m[65];
	static char big[200000];
	uint8_t d[32];
	int fd = mkstemp(path);

	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, big, sizeof big), (ssize_t)sizeof big);
	close(fd);
	cr_assert_eq(ut_sha256_file(path, h), 0);
	ut_sha256(big, sizeof big, d);
	hex(d, m);
	cr_assert_str_eq(h, m);
	unlink(path);
	cr_assert_eq(ut_sha256_file("/nonexistent/x", h), -1);
}

Test(util, json_escaping)
{
	struct ut_buf b = { 0 };

	ut_json_str(&b, "a\"b\\c\nd\x01");
	cr_assert_str_eq(b.p, "\"a\\\"b\\\\c\\nd\\u0001\"");
	ut_buf_free(&b);
}

Test(util, split_trims_and_drops_empty)
{
	char s[] = " refkernel , native,, linux-vm ";
	char *v[8];

	cr_assert_eq(ut_split(s, ',', v, 8), 3);
	cr_assert_str_eq(v[0], "refkernel");
	cr_assert_str_eq(v[1], "native");
	cr_assert_str_eq(v[2], "linux-vm");
}

Test(util, atomic_write_replaces)
{
	char dir[] = "/tmp/ukb-aw-XXXXXX", path[64];
	struct ut_buf b = { 0 };

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f.csv", dir);
	cr_assert_eq(ut_write_atomic(path, "one\n", 4), 0);
	cr_assert_eq(ut_write_atomic(path, "two\n", 4), 0);
	cr_assert_eq(ut_read_file(path, &b), 0);
	cr_assert_str_eq(b.p, "two\n");
	ut_buf_free(&b);
	unlink(path);
	rmdir(dir);
}
