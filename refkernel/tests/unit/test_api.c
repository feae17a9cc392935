/* test_api.c — the REST API's parser, writers and connection engine
 * (refkernel/api) on the host. The kernel state comes from a table of the
 * test's own (struct api_ops); every JSON body is read back with jansson. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* ---- a kernel of the test's own ---- */

static const struct api_thread test_threads[] = {
	{ 1, "httpd", "running", "", false, 1234567 },
	{ 2, "api", "blocked", "event", true, 89 },
	{ 3, "we\"ird<&>\n\x01", "runnable", "", false, 0 },
};
static int nthreads_shown = 3;

static uint64_t t_uptime(void *ctx) { (void)ctx; return 12345678901ull; }
static void t_memory(void *ctx, struct api_mem *m)
{
	(void)ctx;
	*m = (struct api_mem){ .total = 128 << 20, .free = 100 << 20, .kernel = 4 << 20,
		.heap = 2 << 20, .heap_in_use = 1 << 20, .ramfs = 3 << 20, .app = 19 << 20 };
}
static void t_threads(void *ctx, api_thread_fn emit, void *arg)
{
	(void)ctx;
	for (int i = 0; i < nthreads_shown; i++)
		emit(arg, &test_threads[i % 3]);
}
static void t_counters(void *ctx, api_counter_fn emit, void *arg)
{
	(void)ctx;
	emit(arg, "syscalls", NULL, 42);
	emit(arg, "clock", "tsc", 0);
	emit(arg, "eth_rx", NULL, 1ull << 62);
}
static const struct api_ops ops = { "refkernel", "0.1", t_uptime, t_memory, t_threads, t_counters, NULL };

/* ---- helpers ---- */

struct resp { int status; char head[1024]; const char *body; size_t body_len; json_t *json; };

/* One response from (c): status, head, body; the JSON parsed when it is JSON. */
static void split(const struct api_conn *c, struct resp *r)
{
	static char copy[API_OUT_MAX + 1];
	memcpy(copy, c->out, c->out_len);
	copy[c->out_len] = '\0';
	cr_assert_eq(strncmp(copy, "HTTP/1.1 ", 9), 0, "status line: %.40s", copy);
	r->status = atoi(copy + 9);
	char *end = strstr(copy, "\r\n\r\n");
	cr_assert_not_null(end, "no end of head");
	size_t hl = (size_t)(end - copy) + 4;
	cr_assert_lt(hl, sizeof(r->head));
	memcpy(r->head, copy, hl);
	r->head[hl] = '\0';
	r->body = copy + hl;
	r->body_len = c->out_len - hl;
	const char *cl = strstr(r->head, "Content-Length: ");
	cr_assert_not_null(cl);
	r->json = NULL;
	if (strstr(r->head, "application/json") && r->body_len) {
		cr_assert_eq((size_t)atol(cl + 16), r->body_len, "Content-Length says %ld, body is %zu",
			     atol(cl + 16), r->body_len);
		json_error_t e;
		r->json = json_loadb(r->body, r->body_len, 0, &e);
		cr_assert_not_null(r->json, "body is not JSON (%s): %.*s", e.text, (int)r->body_len, r->body);
	}
}

static struct api_conn *conn_with(const char *req)
{
	static struct api_conn c;
	api_conn_init(&c);
	size_t n = strlen(req);
	cr_assert_leq(n, sizeof(c.in));
	memcpy(c.in, req, n);
	c.in_len = n;
	return &c;
}

static void get(const char *req, struct resp *r)
{
	struct api_conn *c = conn_with(req);
	cr_assert(api_conn_step(c, &ops), "no response to %s", req);
	split(c, r);
}

static int status_of(const char *req)
{
	struct resp r;
	get(req, &r);
	json_decref(r.json);
	return r.status;
}

/* ---- parser ---- */

Test(api_parse, a_plain_get)
{
	struct api_request q;
	const char *s = "GET /os/memory?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl\r\n\r\nGET";
	long n = api_parse(s, strlen(s), &q);
	cr_assert_eq(n, (long)strlen(s) - 3);
	cr_assert_eq(q.method, API_GET);
	cr_assert_str_eq(q.path, "/os/memory");
	cr_assert_eq(q.minor, 1);
	cr_assert(q.keep_alive);
}

Test(api_parse, incomplete_heads_want_more)
{
	struct api_request q;
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	for (size_t i = 0; i < strlen(s); i++)
		cr_assert_eq(api_parse(s, i, &q), 0, "prefix of %zu bytes", i);
}

Test(api_parse, connection_and_version)
{
	struct api_request q;
	const char *a = "GET / HTTP/1.0\r\n\r\n";
	cr_assert_gt(api_parse(a, strlen(a), &q), 0);
	cr_assert_not(q.keep_alive);
	const char *b = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
	cr_assert_gt(api_parse(b, strlen(b), &q), 0);
	cr_assert(q.keep_alive);
	const char *c = "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n";
	cr_assert_gt(api_parse(c, strlen(c), &q), 0);
	cr_assert_not(q.keep_alive);
	const char *d = "\r\nHEAD / HTTP/1.1\nHost: x\n\n";   /* lone LFs, a leading empty line */
	cr_assert_eq(api_parse(d, strlen(d), &q), (long)strlen(d));
	cr_assert_eq(q.method, API_HEAD);
}

Test(api_parse, malformed_is_400)
{
	static const char *bad[] = {
		"GET\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",                          /* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
	};
	struct api_request q;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(api_parse(bad[i], strlen(bad[i]), &q), -400, "case %zu: %s", i, bad[i]);
	char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	cr_assert_eq(api_parse(nul, sizeof(nul) - 1, &q), -400);
	const char *zero = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 000\r\n\r\n";
	cr_assert_gt(api_parse(zero, strlen(zero), &q), 0);
}

Test(api_parse, oversized_is_431_or_414)
{
	static char big[API_HEAD_MAX + 100];
	struct api_request q;
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	size_t n = strlen(big);
	memset(big + n, 'a', sizeof(big) - n);
	cr_assert_eq(api_parse(big, API_HEAD_MAX - 1, &q), 0);
	cr_assert_eq(api_parse(big, API_HEAD_MAX, &q), -431);
	cr_assert_eq(api_parse(big, sizeof(big), &q), -431);
	char many[API_HEAD_MAX];
	n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < API_HEADERS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "X%d: y\r\n", i);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
	cr_assert_eq(api_parse(many, n, &q), -431);
	char longpath[API_PATH_MAX + 64];
	memset(longpath, 'p', sizeof(longpath));
	memcpy(longpath, "GET /", 5);
	strcpy(longpath + API_PATH_MAX + 5, " HTTP/1.0\r\n\r\n");
	cr_assert_eq(api_parse(longpath, strlen(longpath), &q), -414);
}

/* ---- writers ---- */

Test(api_json, structure_and_escapes)
{
	char b[256];
	struct api_out o;
	api_out_init(&o, b, sizeof(b));
	api_json_obj(&o);
	api_json_key(&o, "a");
	api_json_arr(&o);
	api_json_u64(&o, 0);
	api_json_u64(&o, UINT64_MAX);
	api_json_str(&o, "q\"\\\n\x1f");
	api_json_bool(&o, true);
	api_json_obj(&o);
	api_json_end(&o);
	api_json_end(&o);
	api_json_key(&o, "f");
	api_json_fixed(&o, 12005, 3);
	api_json_end(&o);
	cr_assert_not(o.overflow);
	cr_assert_eq(o.depth, 0);
	b[o.len] = '\0';
	cr_assert_str_eq(b, "{\"a\":[0,18446744073709551615,\"q\\\"\\\\\\n\\u001f\",true,{}],\"f\":12.005}");
}

Test(api_json, overflow_is_flagged_never_written_past)
{
	char b[16 + 8];
	memset(b, 'Z', sizeof(b));
	struct api_out o;
	api_out_init(&o, b, 16);
	api_json_arr(&o);
	for (int i = 0; i < 20; i++)
		api_json_u64(&o, 123456);
	cr_assert(o.overflow);
	cr_assert_leq(o.len, 16);
	for (size_t i = 16; i < sizeof(b); i++)
		cr_assert_eq(b[i], 'Z');
	api_out_init(&o, b, 16);
	for (int i = 0; i < API_JSON_DEPTH + 2; i++)
		api_json_arr(&o);
	cr_assert(o.overflow);
}

Test(api_json, html_escapes)
{
	char b[64];
	struct api_out o;
	api_out_init(&o, b, sizeof(b));
	api_out_html(&o, "<a href='x'>&\"</a>");
	b[o.len] = '\0';
	cr_assert_str_eq(b, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

/* ---- routes ---- */

Test(api_routes, version_uptime_memory)
{
	struct resp r;
	get("GET /os/version HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), "refkernel");
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "version")), "0.1");
	json_decref(r.json);

	get("GET /os/uptime HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "uptime_ns")), 12345678901ll);
	cr_assert_float_eq(json_real_value(json_object_get(r.json, "uptime_s")), 12.345, 1e-9);
	json_decref(r.json);

	get("GET /os/memory HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), 128 << 20);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "free")), 100 << 20);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "used")), 28 << 20);
	json_t *b = json_object_get(r.json, "breakdown");
	cr_assert_eq(json_integer_value(json_object_get(b, "kernel")), 4 << 20);
	cr_assert_eq(json_integer_value(json_object_get(b, "heap")), 2 << 20);
	cr_assert_eq(json_integer_value(json_object_get(b, "ramfs")), 3 << 20);
	cr_assert_eq(json_integer_value(json_object_get(b, "application")), 19 << 20);
	cr_assert(strstr(r.head, "Connection: keep-alive"));
	json_decref(r.json);
}

Test(api_routes, threads_and_counters)
{
	struct resp r;
	get("GET /os/threads HTTP/1.0\r\n\r\n", &r);
	cr_assert(strstr(r.head, "Connection: close"));
	json_t *l = json_object_get(r.json, "list");
	cr_assert_eq(json_array_size(l), 3);
	json_t *t = json_array_get(l, 1);
	cr_assert_eq(json_integer_value(json_object_get(t, "id")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(t, "name")), "api");
	cr_assert_str_eq(json_string_value(json_object_get(t, "state")), "blocked");
	cr_assert(json_is_true(json_object_get(t, "kernel")));
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(l, 0), "cpu_ns")), 1234567);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 2), "name")), "we\"ird<&>\n\x01");
	json_decref(r.json);

	get("GET /os/counters HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "syscalls")), 42);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "clock")), "tsc");
	cr_assert_eq(json_integer_value(json_object_get(r.json, "eth_rx")), 1ll << 62);
	json_decref(r.json);
}

Test(api_routes, page_head_and_errors)
{
	struct resp r;
	get("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.head, "text/html"));
	cr_assert(strstr(r.body, "http-equiv=refresh"));
	cr_assert(strstr(r.body, "we&quot;ird&lt;&amp;&gt;"), "names are escaped");
	cr_assert_not(strstr(r.body, "we\"ird<"));
	cr_assert(strstr(r.body, "</html>"));

	get("HEAD /os/memory HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, 0);
	cr_assert_gt(atol(strstr(r.head, "Content-Length: ") + 16), 50);

	cr_assert_eq(status_of("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
	cr_assert_eq(status_of("POST /os/memory HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
	cr_assert_eq(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
	get("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	cr_assert(strstr(r.head, "Allow: GET, HEAD"));
	cr_assert_eq(json_integer_value(json_object_get(r.json, "status")), 405);
	json_decref(r.json);
}

Test(api_routes, a_response_too_large_is_500)
{
	nthreads_shown = 1000;
	struct resp r;
	get("GET /os/threads HTTP/1.1\r\nHost: x\r\n\r\n", &r);
	nthreads_shown = 3;
	cr_assert_eq(r.status, 500);
	cr_assert(strstr(r.head, "Connection: close"));
	json_decref(r.json);
}

/* ---- connections ---- */

Test(api_conn, pipelined_requests_one_at_a_time)
{
	struct api_conn *c = conn_with("GET /os/uptime HTTP/1.1\r\nHost: x\r\n\r\n"
				       "GET /os/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	struct resp r;
	cr_assert(api_conn_step(c, &ops));
	split(c, &r);
	cr_assert(json_object_get(r.json, "uptime_ns"));
	json_decref(r.json);
	cr_assert_not(c->closing);
	cr_assert_not(api_conn_step(c, &ops), "the first response is not sent yet");
	c->out_off = c->out_len;   /* the caller sent it */
	cr_assert(api_conn_step(c, &ops));
	split(c, &r);
	cr_assert(json_object_get(r.json, "version"));
	json_decref(r.json);
	cr_assert(c->closing);
	cr_assert_eq(c->in_len, 0);
	c->out_off = c->out_len;
	cr_assert_not(api_conn_step(c, &ops), "closing: nothing more");
	cr_assert_eq(c->served, 2);
}

Test(api_conn, partial_then_full_and_overflow)
{
	struct api_conn *c = conn_with("GET /os/memory HTTP/1.1\r\nHo");
	cr_assert_not(api_conn_step(c, &ops));
	const char *rest = "st: x\r\n\r\n";
	memcpy(c->in + c->in_len, rest, strlen(rest));
	c->in_len += strlen(rest);
	cr_assert(api_conn_step(c, &ops));
	struct resp r;
	split(c, &r);
	cr_assert_eq(r.status, 200);
	json_decref(r.json);

	c = conn_with("GET / HTTP/1.1\r\nHost: x\r\nX: ");
	memset(c->in + c->in_len, 'x', API_HEAD_MAX - c->in_len);
	c->in_len = API_HEAD_MAX;
	cr_assert(api_conn_step(c, &ops));
	split(c, &r);
	cr_assert_eq(r.status, 431);
	cr_assert(c->closing);
	cr_assert(strstr(r.head, "Connection: close"));
	json_decref(r.json);
}
