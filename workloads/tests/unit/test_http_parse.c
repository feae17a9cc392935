/* test_http_parse.c: Criterion tests for httpd/http_parse.c: whole and
 * byte-by-byte feeding, pipelined requests, keep-alive rules, malformed
 * lines, oversize heads and field counts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "http_parse.h"

static struct http_parser P;

static int parse_all(const char *s)
{
	http_parser_init(&P, 8192, 64);
	return http_parse(&P, s, strlen(s));
}

/* Feeds s one byte more at a time; every prefix but the last must give
 * HTTP_MORE (or the error, once it is detectable). */
static int parse_bytewise(const char *s, size_t *calls_more)
{
	size_t n = strlen(s);
	int r = HTTP_MORE;

	http_parser_init(&P, 8192, 64);
	*calls_more = 0;
	for (size_t i = 1; i <= n; i++) {
		r = http_parse(&P, s, i);
		if (r != HTTP_MORE)
			return i == n || r < 0 ? r : -9999;   /* done too early */
		(*calls_more)++;
	}
	return r;
}


Test(http_parse, simple_get)
{
	const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
	cr_assert_eq(parse_all(s), (int)strlen(s));
	cr_assert_eq(P.req.method, HTTP_GET);
	cr_assert_eq(P.req.path_len, 11);
	cr_assert(!memcmp(s + P.req.path_off, "/index.html", 11));
	cr_assert_eq(P.req.target_len, 15);
	cr_assert_eq(P.req.minor, 1);
	cr_assert(P.req.keep_alive);
	cr_assert_eq(P.req.content_length, -1);
}

Test(http_parse, head_and_other_methods)
{
	cr_assert_gt(parse_all("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(P.req.method, HTTP_HEAD);
	cr_assert_gt(parse_all("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(P.req.method, HTTP_OTHER);
	cr_assert_eq(P.req.method_len, 6);
	cr_assert_gt(parse_all("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(P.req.method, HTTP_OTHER, "methods are case-sensitive");
}

Test(http_parse, byte_by_byte_equals_whole)
{
	const char *s = "GET /a/b HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n"
			"Connection: keep-alive, Upgrade\r\nContent-Length: 0\r\n\r\n";
	size_t more;
	cr_assert_eq(parse_bytewise(s, &more), (int)strlen(s));
	cr_assert_eq(more, strlen(s) - 1);
	cr_assert_eq(P.req.nfields, 4);
	cr_assert_eq(P.req.content_length, 0);
	cr_assert(P.req.keep_alive);
	cr_assert_eq(P.req.path_len, 4);
}

Test(http_parse, byte_by_byte_errors_are_found)
{
	size_t more;
	cr_assert_eq(parse_bytewise("GET / HTTP/1.1\r\nBad Field: x\r\n\r\n", &more), -400);
	cr_assert_eq(parse_bytewise("GET / HTTP/3.0\r\nHost: a\r\n\r\n", &more), -505);
	/* the bad request line is reported as soon as its line ends */
	cr_assert_eq(parse_bytewise("GE T / HTTP/1.1\r\n", &more), -400);
}

Test(http_parse, pipelined_requests)
{
	const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
			"HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
			"GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /4";
	size_t off = 0, n = strlen(s);
	const char *want[] = { "/1", "/2", "/3" };

	http_parser_init(&P, 8192, 64);
	for (int i = 0; i < 3; i++) {
		int r = http_parse(&P, s + off, n - off);
		cr_assert_gt(r, 0, "request %d", i);
		cr_assert_eq(P.req.path_len, 2);
		cr_assert(!memcmp(s + off + P.req.path_off, want[i], 2));
		cr_assert_eq(P.req.keep_alive, i < 2);
		off += r;
		http_parser_reset(&P);
	}
	cr_assert_eq(http_parse(&P, s + off, n - off), HTTP_MORE);
}

Test(http_parse, keep_alive_rules)
{
	cr_assert_gt(parse_all("GET / HTTP/1.0\r\n\r\n"), 0);
	cr_assert(!P.req.keep_alive);
	cr_assert_gt(parse_all("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
	cr_assert(P.req.keep_alive);
	cr_assert_gt(parse_all("GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n"), 0);
	cr_assert(!P.req.keep_alive);
}

Test(http_parse, lf_only_and_leading_empty_lines)
{
	cr_assert_gt(parse_all("GET / HTTP/1.1\nHost: a\n\n"), 0);
	cr_assert_gt(parse_all("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(P.req.path_len, 1);
}

Test(http_parse, absolute_form_and_asterisk)
{
	const char *s = "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n";
	cr_assert_gt(parse_all(s), 0);
	cr_assert_eq(P.req.path_len, 2);
	cr_assert(!memcmp(s + P.req.path_off, "/x", 2));
	cr_assert_gt(parse_all("GET http://example.com HTTP/1.1\r\nHost: e\r\n\r\n"), 0);
	cr_assert_eq(P.req.path_len, 0);
	cr_assert_gt(parse_all("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(parse_all("GET foo HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	cr_assert_eq(parse_all("GET ftp://x/ HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

Test(http_parse, malformed_request_lines)
{
	const char *bad[] = {
		"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\r\nHost: a\r\n\r\n",
		"GET / HTTP/1\r\nHost: a\r\n\r\n",
		"GET / HTTX/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.a\r\nHost: a\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n",
		"\x16\x03\x01\x02\x01\x01\xfc\x03\x03\n\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse_all(bad[i]), -400, "case %zu", i);
	cr_assert_eq(parse_all("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), -505);
	cr_assert_eq(parse_all("GET / HTTP/0.9\r\n\r\n"), -505);
}

Test(http_parse, malformed_fields)
{
	const char *bad[] = {
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",            /* space before colon */
		"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",  /* obs-fold */
		"GET / HTTP/1.1\r\nHost a\r\n\r\n",              /* no colon */
		"GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",      /* empty name */
		"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n",         /* control char */
		"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",          /* bare CR */
		"GET / HTTP/1.1\r\n\r\n",                        /* no Host in 1.1 */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  /* two Hosts */
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse_all(bad[i]), -400, "case %zu", i);
	cr_assert_eq(parse_all("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), -501);
	cr_assert_gt(parse_all("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 0);
	cr_assert_eq(P.req.content_length, 5);
}

Test(http_parse, oversize_head_and_line)
{
	static char big[20000];
	size_t n;

	/* a field that pushes the head past 8192 bytes */
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
	memset(big + n, 'a', 9000);
	strcpy(big + n + 9000, "\r\n\r\n");
	cr_assert_eq(parse_all(big), -431);
	/* incomplete, but already too long: no waiting for the end */
	big[n + 8500] = 0;
	cr_assert_eq(parse_all(big), -431);
	/* request line too long */
	n = (size_t)sprintf(big, "GET /");
	memset(big + n, 'a', 9000);
	big[n + 9000] = 0;
	cr_assert_eq(parse_all(big), -414);
}

Test(http_parse, too_many_fields)
{
	static char buf[8192];
	size_t n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(buf + n, "X%d: y\r\n", i);
	strcpy(buf + n, "\r\n");
	cr_assert_eq(parse_all(buf), -431);
}

Test(http_parse, every_byte_value_in_request_line_is_handled)
{
	char s[64];
	for (int c = 0; c < 256; c++) {
		int n = sprintf(s, "GET /%c HTTP/1.1\r\nHost: a\r\n\r\n", c ? c : 'z');
		if (!c)
			s[5] = 0;
		http_parser_init(&P, 8192, 64);
		int r = http_parse(&P, s, n);
		cr_assert(r == n || r == -400, "byte %d gave %d", c, r);
	}
}
