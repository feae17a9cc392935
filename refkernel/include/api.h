/* api.h — the kernel's REST API (api=PORT on the command line), in the
 * manner of OSv's httpserver: HTTP/1.1 GET requests answered with JSON,
 *   /os/version  /os/uptime  /os/memory  /os/threads  /os/counters
 * and one HTML page at / that reloads itself.
 *
 * refkernel/api/ is host-buildable (klib.h only, no kernel state): the
 * request parser (http.c), the JSON and HTML writers (json.c) and the routes
 * and per-connection engine (api.c). The kernel side (kernel/api.c) owns the
 * listening socket and its kernel thread, and hands in kernel state through
 * struct api_ops.
 *
 * Call order, per connection: api_conn_init(); the caller receives into
 * (in + in_len), at most API_HEAD_MAX - in_len bytes, and adds to in_len;
 * api_conn_step() then makes at most one response in out[0..out_len); the
 * caller sends it from out_off and, when all of it is sent, calls
 * api_conn_step() again (pipelined requests) or closes when (closing) is set.
 *
 * Error policy: nothing here allocates, blocks or fails. A bad request is
 * answered: 400 (malformed, or a body, which the API never takes), 405 (a
 * method other than GET/HEAD), 414 (target longer than API_PATH_MAX - 1),
 * 431 (head over API_HEAD_MAX bytes or API_HEADERS_MAX fields), 404 (unknown
 * path), 500 (a response that would not fit in API_OUT_MAX); every error
 * response sets (closing). Work per call is bounded by API_HEAD_MAX and
 * API_OUT_MAX.
 */
#ifndef API_H
#define API_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_HEAD_MAX    2048   /* request line and header fields, with the blank line */
#define API_HEADERS_MAX 32
#define API_PATH_MAX    128
#define API_OUT_MAX     16384  /* one whole response */
#define API_JSON_DEPTH  8

/* ---- request parser (http.c): RFC 9112 §2-3, §5, §6 ---- */

enum api_method { API_GET = 1, API_HEAD, API_OTHER };

struct api_request {
	enum api_method method;
	char path[API_PATH_MAX];   /* the target's path, query removed, NUL-terminated */
	int minor;                 /* HTTP/1.(minor): 0 or 1 */
	bool keep_alive;           /* 1.1 unless "close"; 1.0 only with "keep-alive" */
};

/* Parse the request head at the start of (buf)[0..(len)). Returns the head's
 * length (blank line included) when complete, 0 when more bytes are needed
 * (only while (len) < API_HEAD_MAX), or -(status) for a bad request. A line
 * ends with CRLF or, as RFC 9112 §2.2 lets a recipient accept, a lone LF. */
long api_parse(const char *buf, size_t len, struct api_request *req);

/* ---- output (json.c): JSON (RFC 8259) and HTML text into a fixed buffer ---- */

struct api_out {
	char *buf;
	size_t cap, len;
	bool overflow;             /* something did not fit: the output is cut */
	int depth;                 /* open objects/arrays */
	uint32_t more;             /* bit d: level d already has a member */
	uint32_t arr;              /* bit d: level d is an array */
	bool after_key;
};

void api_out_init(struct api_out *o, char *buf, size_t cap);
void api_out_raw(struct api_out *o, const char *s, size_t n);
void api_out_str(struct api_out *o, const char *s);
void api_out_u64(struct api_out *o, uint64_t v);
/* (v) / 10^(decimals) with that many decimals: 12345, 3 -> "12.345" */
void api_out_fixed(struct api_out *o, uint64_t v, int decimals);
void api_out_html(struct api_out *o, const char *s);   /* &<>"' escaped */

/* JSON: values go where the structure says (after a key in an object, or
 * as array members); commas are the writer's. Deeper than API_JSON_DEPTH
 * is an overflow. Strings are escaped (control characters as \u00XX; bytes
 * >= 0x80 pass through: the kernel's names are ASCII or UTF-8). */
void api_json_obj(struct api_out *o);
void api_json_arr(struct api_out *o);
void api_json_end(struct api_out *o);                  /* closes the innermost */
void api_json_key(struct api_out *o, const char *k);
void api_json_str(struct api_out *o, const char *s);
void api_json_u64(struct api_out *o, uint64_t v);
void api_json_fixed(struct api_out *o, uint64_t v, int decimals);
void api_json_bool(struct api_out *o, bool v);

/* ---- what the kernel tells (kernel/api.c fills it) ---- */

struct api_mem {               /* bytes */
	uint64_t total, free;
	uint64_t kernel;           /* image, page tables, stacks, bitmap: used less the rest */
	uint64_t heap, heap_in_use;/* the kernel heap's arenas, and what is handed out */
	uint64_t ramfs;            /* file data pages of the root file system */
	uint64_t app;              /* frames mapped into the application */
};

struct api_thread {
	int id;
	const char *name;
	const char *state;         /* "running", "runnable", "blocked", "zombie" */
	const char *wait;          /* what a blocked thread waits for, or "" */
	bool kernel;               /* a kernel thread */
	uint64_t cpu_ns;
};

typedef void (*api_thread_fn)(void *arg, const struct api_thread *t);
/* (str) non-NULL: a text counter (clock=tsc); else (val). */
typedef void (*api_counter_fn)(void *arg, const char *name, const char *str, uint64_t val);

struct api_ops {
	const char *name, *version;
	uint64_t (*uptime_ns)(void *ctx);
	void (*memory)(void *ctx, struct api_mem *m);
	void (*threads)(void *ctx, api_thread_fn emit, void *arg);   /* each thread once */
	void (*counters)(void *ctx, api_counter_fn emit, void *arg); /* the exit line's, now */
	void *ctx;
};

/* ---- routes and connections (api.c) ---- */

/* The whole response to (req) (status line, headers, body) into (o). */
void api_respond(const struct api_request *req, const struct api_ops *ops, struct api_out *o);
/* An error response (JSON body naming the status), Connection: close. */
void api_error(struct api_out *o, int status);
const char *api_reason(int status);

struct api_conn {
	char in[API_HEAD_MAX];
	size_t in_len;
	char out[API_OUT_MAX];
	size_t out_len, out_off;
	bool closing;              /* close once out is sent: read nothing more */
	unsigned long served;      /* responses made */
};

void api_conn_init(struct api_conn *c);
/* When out is all sent (or empty) and not closing: parse what has arrived
 * and make one response (consuming its request from in). Returns true when
 * out holds a new response. */
bool api_conn_step(struct api_conn *c, const struct api_ops *ops);

#endif
