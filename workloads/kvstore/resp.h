/* resp.h: incremental parser for client commands in RESP2 ("*<n>\r\n" then
 * n "$<len>\r\n<bytes>\r\n") and inline form (a text line of space-separated,
 * optionally quoted words), as Redis reads them.
 * Call order: resp_init() once; resp_parse() each time more bytes arrive
 * (the same buffer, grown or moved: offsets stay valid); when it returns a
 * command, use argv/argc, consume the returned bytes and resp_reset().
 *
 * Error policy: resp_parse() returns RESP_MORE (0), the command's length
 * (> 0; argc may be 0 for an empty command, which callers skip), or
 * RESP_ERR (-1) with p->err set to a Redis-style message (without "ERR ");
 * the caller replies and closes the connection. It never reads past len;
 * it allocates only argv, grown as arguments arrive (not from the announced
 * count), and -ENOMEM-style failure is reported as RESP_ERR. Inline
 * arguments with escapes are unescaped in place, hence the char *buf.
 */
#ifndef RESP_H
#define RESP_H
#include <stddef.h>

#define RESP_MORE 0
#define RESP_ERR  (-1)

struct resp_arg {
	size_t off, len;        /* into the buffer given to resp_parse() */
};

struct resp_parser {
	/* limits (resp_init sets Redis's defaults unless given) */
	long long max_bulk;     /* largest argument, bytes */
	long max_multibulk;     /* most arguments */
	size_t max_inline;      /* longest inline line / header line */
	/* state */
	size_t pos;             /* next byte to examine */
	long want;              /* arguments announced, -1 before the header */
	long long bulk;         /* length of the argument being read, -1: header */
	int argc;
	int cap;
	struct resp_arg *argv;
	const char *err;
	char errbuf[64];
};

void resp_init(struct resp_parser *p, long long max_bulk, long max_multibulk, size_t max_inline);
void resp_reset(struct resp_parser *p);
void resp_free(struct resp_parser *p);
int resp_parse(struct resp_parser *p, char *buf, size_t len);

#endif
