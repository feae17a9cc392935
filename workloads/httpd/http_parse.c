/* http_parse.c: request-head parser (contract in http_parse.h). http_parse()
 * scans for line ends from where it stopped; each complete line goes to
 * parse_request_line() or parse_field(); an empty line ends the head. */
#include "http_parse.h"

#include <string.h>

/* RFC 9110 §5.6.2 tchar */
static int is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9') return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, size_t alen, const char *lit)
{
	size_t n = strlen(lit);

	if (alen != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lit[i])
			return 0;
	return 1;
}

void http_parser_init(struct http_parser *p, size_t max_head, int max_fields)
{
	memset(p, 0, sizeof(*p));
	p->max_head = max_head ? max_head : 8192;
	p->max_fields = max_fields ? max_fields : 64;
	p->max_line = p->max_head;
	http_parser_reset(p);
}

void http_parser_reset(struct http_parser *p)
{
	p->pos = p->line_start = 0;
	p->state = 0;
	memset(&p->req, 0, sizeof(p->req));
	p->req.content_length = -1;
}

/* method SP request-target SP HTTP-version (RFC 9112 §3) */
static int parse_request_line(struct http_req *r, const char *b, size_t s, size_t e)
{
	size_t i = s, m0, t0, t1;

	while (i < e && is_tchar(b[i]))
		i++;
	if (i == s || i >= e || b[i] != ' ')
		return -400;
	r->method_off = s;
	r->method_len = i - s;
	if (r->method_len == 3 && !memcmp(b + s, "GET", 3))
		r->method = HTTP_GET;
	else if (r->method_len == 4 && !memcmp(b + s, "HEAD", 4))
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	t0 = ++i;
	while (i < e && (unsigned char)b[i] > ' ' && b[i] != 0x7f)
		i++;
	t1 = i;
	if (t1 == t0 || i >= e || b[i] != ' ')
		return -400;
	r->target_off = t0;
	r->target_len = t1 - t0;
	/* version: exactly "HTTP/" DIGIT "." DIGIT */
	i++;
	if (e - i != 8 || memcmp(b + i, "HTTP/", 5) || b[i + 6] != '.' ||
	    b[i + 5] < '0' || b[i + 5] > '9' || b[i + 7] < '0' || b[i + 7] > '9')
		return -400;
	if (b[i + 5] != '1')
		return -505;
	r->minor = b[i + 7] - '0';
	/* target: origin-form, absolute-form (http[s]://authority/path) or '*' */
	m0 = t0;
	if (b[t0] == '/') {
		m0 = t0;
	} else if (t1 - t0 == 1 && b[t0] == '*') {
		r->path_off = t0;
		r->path_len = 1;
		return 0;
	} else {
		size_t k = t0;
		while (k < t1 && b[k] != ':')
			k++;
		if (!(ieq(b + t0, k - t0, "http") || ieq(b + t0, k - t0, "https")) ||
		    t1 - k < 3 || b[k + 1] != '/' || b[k + 2] != '/')
			return -400;
		k += 3;
		while (k < t1 && b[k] != '/' && b[k] != '?')
			k++;
		m0 = k;
	}
	r->path_off = m0;
	for (i = m0; i < t1 && b[i] != '?' && b[i] != '#'; i++)
		;
	r->path_len = i - m0;
	return 0;
}

/* Connection: comma-separated tokens, case-insensitive (RFC 9110 §7.6.1) */
static void parse_connection(struct http_req *r, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s;
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (ieq(v + s, i - s, "close"))
			r->conn_close = 1;
		else if (ieq(v + s, i - s, "keep-alive"))
			r->conn_keep_alive = 1;
	}
}

/* Content-Length: 1*DIGIT; a repeated field must carry the same value
 * (RFC 9110 §8.6); anything else is a 400. */
static int parse_length(struct http_req *r, const char *v, size_t n)
{
	long long x = 0;

	if (n == 0 || n > 15)
		return -400;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -400;
		x = x * 10 + (v[i] - '0');
	}
	if (r->content_length >= 0 && r->content_length != x)
		return -400;
	r->content_length = x;
	return 0;
}

/* field-name ":" OWS field-value OWS (RFC 9112 §5) */
static int parse_field(struct http_req *r, const char *b, size_t s, size_t e)
{
	size_t i = s, n0, n1, v0, v1;

	if (b[s] == ' ' || b[s] == '\t')        /* obs-fold: rejected (§5.2) */
		return -400;
	while (i < e && is_tchar(b[i]))
		i++;
	if (i == s || i >= e || b[i] != ':')    /* also: space before colon */
		return -400;
	n0 = s;
	n1 = i++;
	while (i < e && (b[i] == ' ' || b[i] == '\t'))
		i++;
	v0 = i;
	for (; i < e; i++) {
		unsigned char c = b[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return -400;
	}
	v1 = e;
	while (v1 > v0 && (b[v1 - 1] == ' ' || b[v1 - 1] == '\t'))
		v1--;
	if (ieq(b + n0, n1 - n0, "host"))
		r->host_count++;
	else if (ieq(b + n0, n1 - n0, "connection"))
		parse_connection(r, b + v0, v1 - v0);
	else if (ieq(b + n0, n1 - n0, "content-length"))
		return parse_length(r, b + v0, v1 - v0);
	else if (ieq(b + n0, n1 - n0, "transfer-encoding"))
		r->has_te = 1;
	return 0;
}

static int finish(struct http_parser *p, size_t head_len)
{
	struct http_req *r = &p->req;

	if (r->minor >= 1 && r->host_count != 1)    /* RFC 9112 §3.2 */
		return -400;
	if (r->host_count > 1)
		return -400;
	if (r->has_te)
		return r->content_length >= 0 ? -400 : -501;
	r->keep_alive = !r->conn_close && (r->minor >= 1 || r->conn_keep_alive);
	r->head_len = head_len;
	return (int)head_len;
}

int http_parse(struct http_parser *p, const char *buf, size_t len)
{
	while (p->pos < len) {
		const char *nl = memchr(buf + p->pos, '\n', len - p->pos);
		size_t e, lf;
		int err;

		if (!nl) {
			p->pos = len;
			break;
		}
		lf = nl - buf;
		p->pos = lf + 1;
		if (lf + 1 > p->max_head)
			return p->state ? -431 : -414;
		e = lf;
		if (e > p->line_start && buf[e - 1] == '\r')
			e--;
		if (memchr(buf + p->line_start, '\r', e - p->line_start))
			return -400;    /* bare CR */
		if (p->state == 0) {
			if (e == p->line_start) {       /* empty lines before (§2.2) */
				p->line_start = p->pos;
				continue;
			}
			if ((err = parse_request_line(&p->req, buf, p->line_start, e)) < 0)
				return err;
			p->state = 1;
		} else if (e == p->line_start) {
			return finish(p, p->pos);
		} else {
			if (++p->req.nfields > p->max_fields)
				return -431;
			if ((err = parse_field(&p->req, buf, p->line_start, e)) < 0)
				return err;
		}
		p->line_start = p->pos;
	}
	if (len > p->max_head)
		return p->state ? -431 : -414;
	if (p->state == 0 && len - p->line_start > p->max_line)
		return -414;
	return HTTP_MORE;
}
