/* resp.c: RESP2/inline command parser (contract in resp.h). resp_parse()
 * dispatches on the first byte: '*' -> parse_multibulk() (header, then each
 * "$len" line and its bytes, resuming where it stopped), else
 * parse_inline() once the whole line is there. */
#include "resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void resp_init(struct resp_parser *p, long long max_bulk, long max_multibulk, size_t max_inline)
{
	memset(p, 0, sizeof(*p));
	p->max_bulk = max_bulk > 0 ? max_bulk : 512LL << 20;
	p->max_multibulk = max_multibulk > 0 ? max_multibulk : 1024 * 1024;
	p->max_inline = max_inline ? max_inline : 64 * 1024;
	resp_reset(p);
}

void resp_reset(struct resp_parser *p)
{
	p->pos = 0;
	p->want = -1;
	p->bulk = -1;
	p->argc = 0;
	p->err = NULL;
}

void resp_free(struct resp_parser *p)
{
	free(p->argv);
	p->argv = NULL;
	p->cap = 0;
}

static int add_arg(struct resp_parser *p, size_t off, size_t len)
{
	if (p->argc == p->cap) {
		int cap = p->cap ? p->cap * 2 : 8;
		struct resp_arg *a = realloc(p->argv, cap * sizeof(*a));
		if (!a) {
			p->err = "Protocol error: out of memory";
			return -1;
		}
		p->argv = a;
		p->cap = cap;
	}
	p->argv[p->argc++] = (struct resp_arg){ off, len };
	return 0;
}

static int fail(struct resp_parser *p, const char *msg)
{
	p->err = msg;
	return RESP_ERR;
}

/* Reads the "[-]digits\r\n" line after the type byte at p->pos, digits as
 * they come (each call looks at no more than ~20 bytes, so byte-by-byte
 * feeding stays linear). Returns 1 with *v and *next, 0 for more, -1 when
 * malformed, -2 when longer than 18 digits. */
static int number_line(struct resp_parser *p, const char *buf, size_t len, long long *v,
		       size_t *next)
{
	size_t i = p->pos + 1, nd = 0;
	long long x = 0;
	int neg = 0;

	if (i < len && buf[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (++nd > 18)
			return -2;
		x = x * 10 + (buf[i] - '0');
	}
	if (i >= len)
		return 0;
	if (buf[i] != '\r' || nd == 0)
		return -1;
	if (i + 1 >= len)
		return 0;
	if (buf[i + 1] != '\n')
		return -1;
	*v = neg ? -x : x;
	*next = i + 2;
	return 1;
}

static int parse_multibulk(struct resp_parser *p, char *buf, size_t len)
{
	long long v;
	size_t next;
	int r;

	if (p->want < 0) {
		r = number_line(p, buf, len, &v, &next);
		if (r == 0)
			return RESP_MORE;
		if (r == -2)
			return fail(p, "Protocol error: too big mbulk count string");
		if (r < 0 || v > p->max_multibulk)
			return fail(p, "Protocol error: invalid multibulk length");
		p->pos = next;
		if (v <= 0)     /* "*0" and "*-1": an empty command */
			return (int)next;
		p->want = (long)v;
	}
	while (p->argc < p->want) {
		if (p->bulk < 0) {
			if (p->pos >= len)
				return RESP_MORE;
			if (buf[p->pos] != '$') {
				unsigned char c = buf[p->pos];
				snprintf(p->errbuf, sizeof(p->errbuf),
					 c >= ' ' && c < 0x7f ? "Protocol error: expected '$', got '%c'"
							      : "Protocol error: expected '$', got '\\x%02x'", c);
				return fail(p, p->errbuf);
			}
			r = number_line(p, buf, len, &v, &next);
			if (r == 0)
				return RESP_MORE;
			if (r == -2)
				return fail(p, "Protocol error: too big bulk count string");
			if (r < 0 || v < 0 || v > p->max_bulk)
				return fail(p, "Protocol error: invalid bulk length");
			p->bulk = v;
			p->pos = next;
		}
		if (len - p->pos < (size_t)p->bulk + 2)
			return RESP_MORE;
		if (buf[p->pos + p->bulk] != '\r' || buf[p->pos + p->bulk + 1] != '\n')
			return fail(p, "Protocol error: expected CRLF after bulk string");
		if (add_arg(p, p->pos, (size_t)p->bulk) < 0)
			return RESP_ERR;
		p->pos += p->bulk + 2;
		p->bulk = -1;
	}
	if (p->pos > (size_t)0x7fffffff)
		return fail(p, "Protocol error: command too long");
	return (int)p->pos;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Splits buf[s..e) into words like Redis's sdssplitargs: "..." with
 * \n \r \t \b \a \\ \" \xHH escapes, '...' with \' only; a closing quote
 * must be followed by a space or the end. Words are rewritten in place. */
static int split_inline(struct resp_parser *p, char *buf, size_t s, size_t e)
{
	size_t i = s;

	for (;;) {
		while (i < e && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (i >= e)
			return 0;
		size_t w = i, o = i;    /* word start, write cursor */
		char q = 0;
		if (buf[i] == '"' || buf[i] == '\'')
			q = buf[i++];
		for (;;) {
			if (i >= e) {
				if (q)
					return fail(p, "Protocol error: unbalanced quotes in request"), -1;
				break;
			}
			char c = buf[i];
			if (!q && (c == ' ' || c == '\t'))
				break;
			if (q && c == q) {
				i++;
				if (i < e && buf[i] != ' ' && buf[i] != '\t')
					return fail(p, "Protocol error: unbalanced quotes in request"), -1;
				break;
			}
			if (q == '"' && c == '\\' && i + 1 < e) {
				char n = buf[i + 1];
				if (n == 'x' && i + 3 < e && hexval(buf[i + 2]) >= 0 && hexval(buf[i + 3]) >= 0) {
					c = (char)(hexval(buf[i + 2]) * 16 + hexval(buf[i + 3]));
					i += 4;
				} else {
					c = n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' :
					    n == 'b' ? '\b' : n == 'a' ? '\a' : n;
					i += 2;
				}
			} else if (q == '\'' && c == '\\' && i + 1 < e && buf[i + 1] == '\'') {
				c = '\'';
				i += 2;
			} else {
				i++;
			}
			buf[o++] = c;
		}
		if (add_arg(p, w, o - w) < 0)
			return -1;
	}
}

static int parse_inline(struct resp_parser *p, char *buf, size_t len)
{
	const char *nl = memchr(buf + p->pos, '\n', len - p->pos);
	size_t e;

	if (!nl) {
		p->pos = len;
		if (len > p->max_inline)
			return fail(p, "Protocol error: too big inline request");
		return RESP_MORE;
	}
	e = nl - buf;
	if (e > p->max_inline)
		return fail(p, "Protocol error: too big inline request");
	if (e > 0 && buf[e - 1] == '\r')
		e--;
	if (split_inline(p, buf, 0, e) < 0)
		return RESP_ERR;
	return (int)(nl - buf + 1);
}

int resp_parse(struct resp_parser *p, char *buf, size_t len)
{
	if (len == 0)
		return RESP_MORE;
	if (buf[0] == '*')
		return parse_multibulk(p, buf, len);
	return parse_inline(p, buf, len);
}
