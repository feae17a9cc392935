/* api.c — the API's routes and connections: api_conn_step() -> api_parse()
 * -> api_respond() (a route writes its body) or api_error(). A body is
 * written first, after room kept for the head; the head (which needs the
 * body's length) is then put right before it. */
#include "klib.h"
#include "api.h"

#define HEAD_ROOM 256   /* status line and header fields of every response */

const char *api_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	default: return "Error";
	}
}

/* (o) holds HEAD_ROOM reserved bytes, then the body: write the head before
 * the body and move both to the start of the buffer. */
static void finish(struct api_out *o, int status, const char *type, bool keep, bool head_only)
{
	char hb[HEAD_ROOM];
	struct api_out h;
	size_t blen = o->len - HEAD_ROOM;
	api_out_init(&h, hb, sizeof(hb));
	api_out_str(&h, "HTTP/1.1 ");
	api_out_u64(&h, (uint64_t)status);
	api_out_str(&h, " ");
	api_out_str(&h, api_reason(status));
	api_out_str(&h, "\r\nServer: refkernel-api\r\nContent-Type: ");
	api_out_str(&h, type);
	api_out_str(&h, "\r\nContent-Length: ");
	api_out_u64(&h, blen);
	api_out_str(&h, "\r\nCache-Control: no-store\r\nConnection: ");
	api_out_str(&h, keep ? "keep-alive" : "close");
	if (status == 405)
		api_out_str(&h, "\r\nAllow: GET, HEAD");
	api_out_str(&h, "\r\n\r\n");
	memmove(o->buf, hb, h.len);
	if (!head_only)
		memmove(o->buf + h.len, o->buf + HEAD_ROOM, blen);
	o->len = h.len + (head_only ? 0 : blen);
}

static void body_start(struct api_out *o)
{
	api_out_init(o, o->buf, o->cap);
	o->len = HEAD_ROOM;
}

void api_error(struct api_out *o, int status)
{
	body_start(o);
	api_json_obj(o);
	api_json_key(o, "status");
	api_json_u64(o, (uint64_t)status);
	api_json_key(o, "error");
	api_json_str(o, api_reason(status));
	api_json_end(o);
	api_out_raw(o, "\n", 1);
	finish(o, status, "application/json", false, false);
}

/* ---- the routes: each writes its body ---- */

static void r_version(const struct api_ops *ops, struct api_out *o)
{
	api_json_obj(o);
	api_json_key(o, "name");
	api_json_str(o, ops->name);
	api_json_key(o, "version");
	api_json_str(o, ops->version);
	api_json_end(o);
}

static void r_uptime(const struct api_ops *ops, struct api_out *o)
{
	uint64_t ns = ops->uptime_ns(ops->ctx);
	api_json_obj(o);
	api_json_key(o, "uptime_s");
	api_json_fixed(o, ns / 1000000, 3);
	api_json_key(o, "uptime_ns");
	api_json_u64(o, ns);
	api_json_end(o);
}

#define MEM_FIELDS(X) X(total) X(free) X(used) X(kernel) X(heap) X(heap_in_use) X(ramfs) X(app)

static void mem_read(const struct api_ops *ops, struct api_mem *m, uint64_t *used)
{
	memset(m, 0, sizeof(*m));
	ops->memory(ops->ctx, m);
	*used = m->total > m->free ? m->total - m->free : 0;
}

static void r_memory(const struct api_ops *ops, struct api_out *o)
{
	struct api_mem m;
	uint64_t used;
	mem_read(ops, &m, &used);
	api_json_obj(o);
	api_json_key(o, "unit");
	api_json_str(o, "bytes");
	api_json_key(o, "total");
	api_json_u64(o, m.total);
	api_json_key(o, "free");
	api_json_u64(o, m.free);
	api_json_key(o, "used");
	api_json_u64(o, used);
	api_json_key(o, "breakdown");
	api_json_obj(o);
	api_json_key(o, "kernel");
	api_json_u64(o, m.kernel);
	api_json_key(o, "heap");
	api_json_u64(o, m.heap);
	api_json_key(o, "ramfs");
	api_json_u64(o, m.ramfs);
	api_json_key(o, "application");
	api_json_u64(o, m.app);
	api_json_end(o);
	api_json_key(o, "heap_in_use");
	api_json_u64(o, m.heap_in_use);
	api_json_end(o);
}

static void thread_json(void *arg, const struct api_thread *t)
{
	struct api_out *o = arg;
	api_json_obj(o);
	api_json_key(o, "id");
	api_json_u64(o, (uint64_t)t->id);
	api_json_key(o, "name");
	api_json_str(o, t->name);
	api_json_key(o, "state");
	api_json_str(o, t->state);
	api_json_key(o, "wait");
	api_json_str(o, t->wait);
	api_json_key(o, "kernel");
	api_json_bool(o, t->kernel);
	api_json_key(o, "cpu_ms");
	api_json_fixed(o, t->cpu_ns / 1000, 3);
	api_json_key(o, "cpu_ns");
	api_json_u64(o, t->cpu_ns);
	api_json_end(o);
}

static void r_threads(const struct api_ops *ops, struct api_out *o)
{
	api_json_obj(o);
	api_json_key(o, "time_ms");
	api_json_u64(o, ops->uptime_ns(ops->ctx) / 1000000);
	api_json_key(o, "list");
	api_json_arr(o);
	ops->threads(ops->ctx, thread_json, o);
	api_json_end(o);
	api_json_end(o);
}

static void counter_json(void *arg, const char *name, const char *str, uint64_t val)
{
	struct api_out *o = arg;
	api_json_key(o, name);
	if (str)
		api_json_str(o, str);
	else
		api_json_u64(o, val);
}

static void r_counters(const struct api_ops *ops, struct api_out *o)
{
	api_json_obj(o);
	ops->counters(ops->ctx, counter_json, o);
	api_json_end(o);
}

/* ---- the page at / : the same figures, reloading every 2 s ---- */

static void td(struct api_out *o, const char *s)
{
	api_out_str(o, "<td>");
	api_out_html(o, s);
	api_out_str(o, "</td>");
}

static void td_kib(struct api_out *o, uint64_t bytes)
{
	api_out_str(o, "<td class=n>");
	api_out_u64(o, bytes >> 10);
	api_out_str(o, " KiB</td>");
}

static void thread_row(void *arg, const struct api_thread *t)
{
	struct api_out *o = arg;
	api_out_str(o, "<tr><td class=n>");
	api_out_u64(o, (uint64_t)t->id);
	api_out_str(o, "</td>");
	td(o, t->name);
	td(o, t->kernel ? "kernel" : "application");
	td(o, t->state);
	td(o, t->wait);
	api_out_str(o, "<td class=n>");
	api_out_fixed(o, t->cpu_ns / 1000, 3);
	api_out_str(o, "</td></tr>\n");
}

static void counter_row(void *arg, const char *name, const char *str, uint64_t val)
{
	struct api_out *o = arg;
	api_out_str(o, "<tr>");
	td(o, name);
	api_out_str(o, "<td class=n>");
	if (str)
		api_out_html(o, str);
	else
		api_out_u64(o, val);
	api_out_str(o, "</td></tr>\n");
}

static void r_page(const struct api_ops *ops, struct api_out *o)
{
	struct api_mem m;
	uint64_t used, up = ops->uptime_ns(ops->ctx);
	mem_read(ops, &m, &used);
	api_out_str(o, "<!DOCTYPE html>\n<html><head><meta charset=utf-8>"
		    "<meta http-equiv=refresh content=2><title>");
	api_out_html(o, ops->name);
	api_out_str(o, "</title><style>body{font:14px sans-serif;margin:1em}"
		    "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;"
		    "padding:2px 8px;text-align:left}.n{text-align:right}</style></head><body>\n<h1>");
	api_out_html(o, ops->name);
	api_out_str(o, " ");
	api_out_html(o, ops->version);
	api_out_str(o, "</h1>\n<p>up ");
	api_out_fixed(o, up / 1000000, 3);
	api_out_str(o, " s &middot; JSON: <a href=/os/version>version</a> <a href=/os/uptime>uptime</a> "
		    "<a href=/os/memory>memory</a> <a href=/os/threads>threads</a> "
		    "<a href=/os/counters>counters</a></p>\n<h2>Memory</h2><table>\n<tr>");
	static const char *const mh[] = { "total", "free", "used", "kernel", "heap", "ramfs", "application" };
	for (size_t i = 0; i < ARRAY_SIZE(mh); i++) {
		api_out_str(o, "<th>");
		api_out_str(o, mh[i]);
		api_out_str(o, "</th>");
	}
	api_out_str(o, "</tr>\n<tr>");
	td_kib(o, m.total);
	td_kib(o, m.free);
	td_kib(o, used);
	td_kib(o, m.kernel);
	td_kib(o, m.heap);
	td_kib(o, m.ramfs);
	td_kib(o, m.app);
	api_out_str(o, "</tr></table>\n<h2>Threads</h2><table>\n"
		    "<tr><th>id</th><th>name</th><th>kind</th><th>state</th><th>waits for</th><th>CPU ms</th></tr>\n");
	ops->threads(ops->ctx, thread_row, o);
	api_out_str(o, "</table>\n<h2>Counters</h2><table>\n");
	ops->counters(ops->ctx, counter_row, o);
	api_out_str(o, "</table>\n</body></html>\n");
}

static const struct route {
	const char *path;
	void (*fn)(const struct api_ops *ops, struct api_out *o);
	bool html;
} routes[] = {
	{ "/", r_page, true },
	{ "/os/version", r_version, false },
	{ "/os/uptime", r_uptime, false },
	{ "/os/memory", r_memory, false },
	{ "/os/threads", r_threads, false },
	{ "/os/counters", r_counters, false },
};

void api_respond(const struct api_request *req, const struct api_ops *ops, struct api_out *o)
{
	const struct route *r = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(routes) && !r; i++)
		if (!strcmp(req->path, routes[i].path))
			r = &routes[i];
	if (req->method == API_OTHER)
		return api_error(o, 405);
	if (!r)
		return api_error(o, 404);
	body_start(o);
	r->fn(ops, o);
	if (!r->html)
		api_out_raw(o, "\n", 1);
	if (o->overflow)
		return api_error(o, 500);
	finish(o, 200, r->html ? "text/html; charset=utf-8" : "application/json", req->keep_alive,
	       req->method == API_HEAD);
}

void api_conn_init(struct api_conn *c)
{
	c->in_len = c->out_len = c->out_off = 0;
	c->closing = false;
	c->served = 0;
}

bool api_conn_step(struct api_conn *c, const struct api_ops *ops)
{
	if (c->closing || c->out_off < c->out_len)
		return false;
	c->out_len = c->out_off = 0;
	struct api_request req;
	long n = api_parse(c->in, c->in_len, &req);
	if (n == 0)
		return false;
	struct api_out o;
	api_out_init(&o, c->out, sizeof(c->out));
	if (n < 0) {
		api_error(&o, (int)-n);
		c->closing = true;
		c->in_len = 0;
	} else {
		api_respond(&req, ops, &o);
		c->closing = !req.keep_alive || o.buf[9] != '2'; /* "HTTP/1.1 2xx" */
		memmove(c->in, c->in + n, c->in_len - (size_t)n);
		c->in_len -= (size_t)n;
	}
	c->out_len = o.len;
	c->served++;
	return true;
}
