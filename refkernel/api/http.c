/* http.c — the API's request head parser (RFC 9112): request line (§3),
 * header fields (§5), the framing the API refuses (§6: it takes no body).
 * One pass over at most API_HEAD_MAX bytes, no allocation, no state kept
 * between calls: the caller passes the whole head received so far. */
#include "klib.h"
#include "api.h"

/* RFC 9110 §5.6.2 tchar */
static bool tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool ieq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != b[i])
			return false;
	return true;
}

/* Does the comma list (v)[0..n) hold the token (tok) (RFC 9110 §5.6.1)? */
static bool list_has(const char *v, size_t n, const char *tok)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i > s && ieq(v + s, i - s, tok))
			return true;
		while (i < n && v[i] != ',')
			i++;
	}
	return false;
}

/* The end of the line starting at (p): index of its LF, or -1 if not yet
 * there. A CR anywhere but right before the LF is malformed (-2). */
static long line_end(const char *buf, size_t p, size_t len)
{
	for (size_t i = p; i < len; i++) {
		if (buf[i] == '\n')
			return (long)i;
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return -2;
		if (buf[i] == '\0')
			return -2;
	}
	return -1;
}

static long request_line(const char *l, size_t n, struct api_request *req)
{
	size_t i = 0;
	while (i < n && tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ' ')
		return -400;
	if (i == 3 && !memcmp(l, "GET", 3))
		req->method = API_GET;
	else if (i == 4 && !memcmp(l, "HEAD", 4))
		req->method = API_HEAD;
	else
		req->method = API_OTHER;
	size_t t = ++i;
	while (i < n && l[i] != ' ') {
		unsigned char c = (unsigned char)l[i];
		if (c <= 0x20 || c == 0x7f)
			return -400;
		i++;
	}
	size_t tlen = i - t;
	if (tlen == 0 || l[t] != '/' || i >= n)
		return -400;   /* origin-form only (§3.2.1): the API has no proxy role */
	size_t plen = 0;
	while (plen < tlen && l[t + plen] != '?' && l[t + plen] != '#')
		plen++;
	if (plen >= API_PATH_MAX)
		return -414;
	memcpy(req->path, l + t, plen);
	req->path[plen] = '\0';
	i++;
	if (n - i != 8 || memcmp(l + i, "HTTP/1.", 7) || (l[i + 7] != '0' && l[i + 7] != '1'))
		return -400;   /* HTTP/2 and others are not ours */
	req->minor = l[i + 7] - '0';
	req->keep_alive = req->minor == 1;
	return 0;
}

long api_parse(const char *buf, size_t len, struct api_request *req)
{
	size_t p = 0;
	int fields = 0, hosts = 0;
	bool body = false;
	memset(req, 0, sizeof(*req));
	if (len > API_HEAD_MAX)
		len = API_HEAD_MAX;
	/* §2.2: empty lines before the request line are ignored */
	while (p < len && (buf[p] == '\n' || (buf[p] == '\r' && p + 1 < len && buf[p + 1] == '\n')))
		p += buf[p] == '\r' ? 2 : 1;
	for (bool first = true;; first = false) {
		long e = line_end(buf, p, len);
		if (e == -2)
			return -400;
		if (e == -1)
			return len >= API_HEAD_MAX ? -431 : 0;
		size_t n = (size_t)e - p;
		if (n && buf[p + n - 1] == '\r')
			n--;
		const char *l = buf + p;
		p = (size_t)e + 1;
		if (first) {
			long r = request_line(l, n, req);
			if (r)
				return r;
			continue;
		}
		if (n == 0)
			break;   /* the blank line: the head is complete */
		if (++fields > API_HEADERS_MAX)
			return -431;
		size_t i = 0;
		while (i < n && tchar((unsigned char)l[i]))
			i++;
		if (i == 0 || i >= n || l[i] != ':')
			return -400;   /* also obs-fold and whitespace before the colon (§5.1, §5.2) */
		size_t nlen = i++;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		size_t vs = i, ve = n;
		while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		for (size_t k = vs; k < ve; k++) {
			unsigned char c = (unsigned char)l[k];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return -400;
		}
		const char *v = l + vs;
		size_t vlen = ve - vs;
		if (ieq(l, nlen, "host")) {
			hosts++;
		} else if (ieq(l, nlen, "connection")) {
			if (list_has(v, vlen, "close"))
				req->keep_alive = false;
			else if (list_has(v, vlen, "keep-alive"))
				req->keep_alive = true;
		} else if (ieq(l, nlen, "transfer-encoding")) {
			body = true;
		} else if (ieq(l, nlen, "content-length")) {
			if (vlen == 0)
				return -400;
			for (size_t k = 0; k < vlen; k++) {
				if (v[k] < '0' || v[k] > '9')
					return -400;
				if (v[k] != '0')
					body = true;
			}
		}
	}
	/* §3.2: exactly one Host in HTTP/1.1 */
	if ((req->minor == 1 && hosts != 1) || hosts > 1 || body)
		return -400;
	return (long)p;
}
