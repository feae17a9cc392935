/* test_resp.c: Criterion tests for kvstore/resp.c: whole and byte-by-byte
 * RESP2 arrays, inline commands with quoting, pipelines, empty commands,
 * nested arrays, bad type bytes, negative/huge/garbage lengths. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resp.h"

static struct resp_parser P;
static char B[1 << 17];

static int parse(const char *s)
{
	size_t n = strlen(s);
	memcpy(B, s, n);
	resp_init(&P, 0, 0, 0);
	return resp_parse(&P, B, n);
}

static void assert_arg(int i, const char *want)
{
	cr_assert_lt(i, P.argc);
	cr_assert_eq(P.argv[i].len, strlen(want), "arg %d length %zu", i, P.argv[i].len);
	cr_assert(!memcmp(B + P.argv[i].off, want, strlen(want)), "arg %d", i);
}

Test(resp, simple_array)
{
	const char *s = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
	cr_assert_eq(parse(s), (int)strlen(s));
	cr_assert_eq(P.argc, 3);
	assert_arg(0, "SET");
	assert_arg(1, "key");
	assert_arg(2, "value");
}

Test(resp, binary_safe_and_empty_bulk)
{
	static const char s[] = "*2\r\n$4\r\na\r\n\0\r\n$0\r\n\r\n";
	memcpy(B, s, sizeof(s) - 1);
	resp_init(&P, 0, 0, 0);
	cr_assert_eq(resp_parse(&P, B, sizeof(s) - 1), (int)sizeof(s) - 1);
	cr_assert_eq(P.argv[0].len, 4);
	cr_assert(!memcmp(B + P.argv[0].off, "a\r\n\0", 4));
	cr_assert_eq(P.argv[1].len, 0);
}

Test(resp, byte_by_byte)
{
	const char *s = "*3\r\n$3\r\nSET\r\n$10\r\n0123456789\r\n$2\r\nvv\r\n";
	size_t n = strlen(s);
	memcpy(B, s, n);
	resp_init(&P, 0, 0, 0);
	for (size_t i = 1; i < n; i++)
		cr_assert_eq(resp_parse(&P, B, i), RESP_MORE, "prefix %zu", i);
	cr_assert_eq(resp_parse(&P, B, n), (int)n);
	assert_arg(1, "0123456789");
	assert_arg(2, "vv");
}

Test(resp, inline_byte_by_byte)
{
	const char *s = "set key \"a b\"\r\n";
	size_t n = strlen(s);
	memcpy(B, s, n);
	resp_init(&P, 0, 0, 0);
	for (size_t i = 1; i < n; i++)
		cr_assert_eq(resp_parse(&P, B, i), RESP_MORE);
	cr_assert_eq(resp_parse(&P, B, n), (int)n);
	cr_assert_eq(P.argc, 3);
	assert_arg(2, "a b");
}

Test(resp, pipeline)
{
	const char *s = "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI";
	size_t n = strlen(s), off = 0;
	const char *first[] = { "PING", "PING", "GET" };
	memcpy(B, s, n);
	resp_init(&P, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		int r = resp_parse(&P, B + off, n - off);
		cr_assert_gt(r, 0, "command %d", i);
		cr_assert_eq(P.argv[0].len, strlen(first[i]));
		cr_assert(!memcmp(B + off + P.argv[0].off, first[i], strlen(first[i])));
		off += r;
		resp_reset(&P);
	}
	cr_assert_eq(resp_parse(&P, B + off, n - off), RESP_MORE);
}

Test(resp, inline_forms)
{
	cr_assert_gt(parse("PING\n"), 0);
	cr_assert_eq(P.argc, 1);
	cr_assert_gt(parse("  set   a\t b  \r\n"), 0);
	cr_assert_eq(P.argc, 3);
	assert_arg(2, "b");
	cr_assert_gt(parse("echo \"x\\ty\\x41\\\"\" 'it\\'s'\r\n"), 0);
	assert_arg(1, "x\tyA\"");
	assert_arg(2, "it's");
	cr_assert_eq(parse("\r\n"), 2);
	cr_assert_eq(P.argc, 0, "an empty line is an empty command");
	cr_assert_eq(parse("echo \"abc\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: unbalanced quotes in request");
	cr_assert_eq(parse("echo \"abc\"x\r\n"), RESP_ERR);
}

Test(resp, empty_and_null_arrays)
{
	cr_assert_eq(parse("*0\r\n"), 4);
	cr_assert_eq(P.argc, 0);
	cr_assert_eq(parse("*-1\r\n"), 5);
	cr_assert_eq(P.argc, 0);
}

Test(resp, bad_lengths)
{
	cr_assert_eq(parse("*abc\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: invalid multibulk length");
	cr_assert_eq(parse("*99999999\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: invalid multibulk length");
	cr_assert_eq(parse("*1\r\n$-1\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: invalid bulk length");
	cr_assert_eq(parse("*1\r\n$9999999999\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: invalid bulk length");
	cr_assert_eq(parse("*1\r\n$99999999999999999999999\r\n"), RESP_ERR);
	cr_assert_eq(parse("*1\r\n$3x\r\nabc\r\n"), RESP_ERR);
	cr_assert_eq(parse("*1\r\n$\r\n\r\n"), RESP_ERR);
	cr_assert_eq(parse("*1\n$3\r\nabc\r\n"), RESP_ERR, "header needs CRLF");
	cr_assert_eq(parse("*1\r\n$3\r\nabcd\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: expected CRLF after bulk string");
}

Test(resp, huge_length_waits_without_allocating)
{
	/* announced but not sent: no error, no allocation of the announced size */
	cr_assert_eq(parse("*1048576\r\n$536870912\r\n"), RESP_MORE);
	cr_assert_leq(P.cap, 8);
}

Test(resp, limits_are_configurable)
{
	strcpy(B, "*3\r\n$1\r\na\r\n");
	resp_init(&P, 100, 2, 0);
	cr_assert_eq(resp_parse(&P, B, strlen(B)), RESP_ERR);
	strcpy(B, "*1\r\n$101\r\n");
	resp_init(&P, 100, 2, 0);
	cr_assert_eq(resp_parse(&P, B, strlen(B)), RESP_ERR);
}

Test(resp, long_count_line_is_refused_early)
{
	memset(B, '1', 100);
	B[0] = '*';
	resp_init(&P, 0, 0, 0);
	cr_assert_eq(resp_parse(&P, B, 100), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: too big mbulk count string");
}

Test(resp, too_big_inline)
{
	memset(B, 'a', 70000);
	resp_init(&P, 0, 0, 0);
	cr_assert_eq(resp_parse(&P, B, 70000), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: too big inline request");
}

Test(resp, nested_arrays_and_bad_type_bytes)
{
	cr_assert_eq(parse("*1\r\n*1\r\n$1\r\na\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: expected '$', got '*'");
	cr_assert_eq(parse("*2\r\n$1\r\na\r\n:1\r\n"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: expected '$', got ':'");
	cr_assert_eq(parse("*1\r\n\x01"), RESP_ERR);
	cr_assert_str_eq(P.err, "Protocol error: expected '$', got '\\x01'");
}

Test(resp, many_args_grow_argv)
{
	size_t n = (size_t)sprintf(B, "*1000\r\n");
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(B + n, "$1\r\n%c\r\n", 'a' + i % 26);
	resp_init(&P, 0, 0, 0);
	cr_assert_eq(resp_parse(&P, B, n), (int)n);
	cr_assert_eq(P.argc, 1000);
	assert_arg(999, "l");
	resp_free(&P);
}

Test(resp, random_bytes_never_overrun)
{
	unsigned s = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + (s >> 16) % 40;
		for (size_t i = 0; i < n; i++) {
			s = s * 1103515245 + 12345;
			const char alpha[] = "*$\r\n0123-9ab \"'\\x";
			B[i] = alpha[(s >> 16) % (sizeof(alpha) - 1)];
		}
		resp_init(&P, 0, 0, 0);
		int r = resp_parse(&P, B, n);
		cr_assert(r >= RESP_ERR && r <= (int)n);
		for (int i = 0; r > 0 && i < P.argc; i++)
			cr_assert_leq(P.argv[i].off + P.argv[i].len, n);
		resp_free(&P);
	}
}
