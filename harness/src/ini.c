/* ini.c: experiment files, parsed by libinih (ini_parse_stream). inih does
 * the "key = value" splitting, comments and trimming; the line reader here
 * adds what the experiment format needs on top: a line number for every
 * section and key, strict section headers (nothing after ']'), empty sections
 * kept, no continuation lines (leading blanks are dropped before inih sees a
 * line), and lines longer than inih's buffer refused instead of split.
 * ini_parse_text() -> ini_get() -> ini_free().
 *
 * Format notes that come from inih: ';' after a blank starts a comment
 * inside a value ("k = a ; note" is "a"), and "key: value" is read like
 * "key = value".
 */
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

struct ini_ctx {
	const char *p;		/* next unread byte of the text */
	int lineno;		/* of the line inih is handling */
	struct ini_file *f;
	char *why;
	size_t n;
	int failed;		/* the first error is kept in why */
	int fail_line;
};

static int fail(struct ini_ctx *c, int line, const char *fmt, const char *a, const char *b)
{
	if (!c->failed) {
		int k = snprintf(c->why, c->n, "%s:%d: ", c->f->path, line);

		if (k > 0 && (size_t)k < c->n)
			snprintf(c->why + k, c->n - (size_t)k, fmt, a, b);
		c->fail_line = line;
	}
	c->failed = 1;
	return 0;	/* inih: the handler failed on this line */
}

/* "[target  x]" -> "target x": runs of blanks collapse to one space. */
static void collapse(char *d, const char *s, size_t n)
{
	size_t k = 0;

	for (; *s && k + 1 < n; s++)
		if (!((*s == ' ' || *s == '\t') && (s[1] == ' ' || s[1] == '\t')))
			d[k++] = *s == '\t' ? ' ' : *s;
	d[k] = '\0';
}

static int add_section(struct ini_ctx *c, char *s)
{
	char *end = strchr(s, ']');
	struct ini_sec *sec;
	void *p;

	if (!end || ut_trim(end + 1)[0])
		return fail(c, c->lineno, "malformed section header (expected [name])", "", "");
	*end = '\0';
	s = ut_trim(s + 1);
	if (!*s || strlen(s) >= sizeof c->f->sec[0].name)
		return fail(c, c->lineno, "empty or too long section name", "", "");
	p = realloc(c->f->sec, sizeof *c->f->sec * (size_t)(c->f->nsec + 1));
	if (!p)
		return fail(c, c->lineno, "out of memory", "", "");
	c->f->sec = p;
	sec = &c->f->sec[c->f->nsec++];
	memset(sec, 0, sizeof *sec);
	collapse(sec->name, s, sizeof sec->name);
	sec->line = c->lineno;
	return 1;
}

/* inih's ini_reader: one line into buf (at most num - 1 bytes and '\n'). */
static char *reader(char *buf, int num, void *stream)
{
	struct ini_ctx *c = stream;
	const char *nl;
	size_t len;

	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
	if (!*c->p)
		return NULL;
	nl = strchr(c->p, '\n');
	len = nl ? (size_t)(nl - c->p) : strlen(c->p);
	c->lineno++;
	if (len + 2 > (size_t)num) {
		char lim[16];

		snprintf(lim, sizeof lim, "%d", num - 2);
		fail(c, c->lineno, "line longer than %s characters (libinih's limit)%s", lim, "");
		len = 0;
	}
	memcpy(buf, c->p, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	c->p = nl ? nl + 1 : c->p + strlen(c->p);
	if (buf[0] == '[' && !c->failed) {	/* ours: numbered, strict, empty ones kept */
		char copy[512];

		ut_strlcpy(copy, buf, sizeof copy);
		add_section(c, ut_trim(copy));
	}
	return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	struct ini_sec *sec;
	struct ini_kv *kv;
	char want[128];

	if (c->failed)
		return 0;
	if (!c->f->nsec)
		return fail(c, c->lineno, "key before the first [section]", "", "");
	sec = &c->f->sec[c->f->nsec - 1];
	collapse(want, section, sizeof want);
	if (strcmp(want, sec->name))	/* inih and the reader disagree: a bug, said so */
		return fail(c, c->lineno, "section '%s' not where inih put it ('%s')", sec->name, want);
	if (!*name || strlen(name) >= sizeof kv->key)
		return fail(c, c->lineno, "empty or too long key", "", "");
	if (strlen(value) >= sizeof kv->val)
		return fail(c, c->lineno, "value too long", "", "");
	if (ini_get(sec, name))
		return fail(c, c->lineno, "duplicate key '%s' in [%s]", name, sec->name);
	kv = realloc(sec->kv, sizeof *sec->kv * (size_t)(sec->nkv + 1));
	if (!kv)
		return fail(c, c->lineno, "out of memory", "", "");
	sec->kv = kv;
	kv = &sec->kv[sec->nkv++];
	ut_strlcpy(kv->key, name, sizeof kv->key);
	ut_strlcpy(kv->val, value, sizeof kv->val);
	kv->line = c->lineno;
	return 1;
}

int ini_parse_text(const char *text, const char *path, struct ini_file *f, char *why, size_t n)
{
	struct ini_ctx c = { .p = text, .f = f, .why = why, .n = n };
	int line;

	memset(f, 0, sizeof *f);
	ut_strlcpy(f->path, path, sizeof f->path);
	line = ini_parse_stream(reader, &c, handler, &c);
	if (line != 0 && (!c.failed || line < c.fail_line)) {	/* inih's own: no '=' */
		snprintf(why, n, "%s:%d: %s", path, line, line < 0 ? "out of memory" :
			 "expected 'key = value' or '[section]'");
		c.failed = 1;
	}
	if (c.failed)
		ini_free(f);
	return c.failed ? -1 : 0;
}

int ini_load(const char *path, struct ini_file *f, char *why, size_t n)
{
	struct ut_buf b = { 0 };
	int rc;

	memset(f, 0, sizeof *f);
	if (ut_read_file(path, &b) != 0) {
		snprintf(why, n, "%s: cannot read experiment file", path);
		ut_buf_free(&b);
		return -1;
	}
	rc = ini_parse_text(b.p ? b.p : "", path, f, why, n);
	ut_buf_free(&b);
	return rc;
}

const struct ini_kv *ini_get(const struct ini_sec *s, const char *key)
{
	for (int i = 0; i < s->nkv; i++)
		if (!strcmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

void ini_free(struct ini_file *f)
{
	for (int i = 0; i < f->nsec; i++)
		free(f->sec[i].kv);
	free(f->sec);
	f->sec = NULL;
	f->nsec = 0;
}
