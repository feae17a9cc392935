/* http_parse.h: incremental HTTP/1.1 request-head parser (RFC 9112).
 * Call order: http_parser_init() once, then http_parse() each time more
 * bytes arrive (the same buffer, grown; it may move, offsets stay valid);
 * after a complete head, consume head_len bytes and http_parser_reset().
 *
 * Error policy: http_parse() never reads past len and never allocates. It
 * returns HTTP_MORE (0), the head length (> 0) when the head is complete,
 * or a negative HTTP status the server should answer and then close:
 * -400 malformed, -414 request line too long, -431 head too large or too
 * many fields, -501 Transfer-Encoding (not supported), -505 bad HTTP major
 * version. Each byte is examined once, so byte-by-byte feeding is linear.
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H
#include <stddef.h>

#define HTTP_MORE 0

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	enum http_method method;
	size_t method_off, method_len;  /* offsets into the request buffer */
	size_t path_off, path_len;      /* origin-form path, without query */
	size_t target_off, target_len;  /* the request-target as sent */
	int minor;                      /* HTTP/1.<minor> */
	int keep_alive;                 /* valid once complete */
	int nfields;
	int host_count;
	int conn_close, conn_keep_alive;
	int has_te;
	long long content_length;       /* -1: none */
	size_t head_len;
};

struct http_parser {
	size_t pos;             /* next byte to examine */
	size_t line_start;      /* start of the line being scanned */
	int state;              /* 0: request line, 1: fields */
	size_t max_head;        /* default 8192 */
	int max_fields;         /* default 64 */
	size_t max_line;        /* request-line limit, default max_head */
	struct http_req req;
};

void http_parser_init(struct http_parser *p, size_t max_head, int max_fields);
void http_parser_reset(struct http_parser *p);
int http_parse(struct http_parser *p, const char *buf, size_t len);

#endif
