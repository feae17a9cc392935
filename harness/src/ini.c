/* ini.c: a small INI reader for experiment files: "[section]" headers,
 * "key = value" lines, full-line comments starting with '#' or ';'. Every
 * error names the file and line. ini_parse() -> ini_get() -> ini_free().
 */
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

static int fail(char *why, size_t n, const char *path, int line, const char *msg)
{
	snprintf(why, n, "%s:%d: %s", path, line, msg);
	return -1;
}

int ini_parse(const char *text, const char *path, struct ini_file *f, char *why, size_t n)
{
	char *copy = strdup(text), *line, *next;
	int lineno = 0, rc = 0;

	memset(f, 0, sizeof *f);
	ut_strlcpy(f->path, path, sizeof f->path);
	if (!copy)
		return fail(why, n, path, 0, "out of memory");
	for (line = copy; line && rc == 0; line = next) {
		char *s, *eq;
		struct ini_sec *sec;
		struct ini_kv *kv;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		s = ut_trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			void *p;

			if (!end || ut_trim(end + 1)[0]) {
				rc = fail(why, n, path, lineno, "malformed section header (expected [name])");
				break;
			}
			*end = '\0';
			s = ut_trim(s + 1);
			if (!*s || strlen(s) >= sizeof f->sec[0].name) {
				rc = fail(why, n, path, lineno, "empty or too long section name");
				break;
			}
			p = realloc(f->sec, sizeof *f->sec * (size_t)(f->nsec + 1));
			if (!p) {
				rc = fail(why, n, path, lineno, "out of memory");
				break;
			}
			f->sec = p;
			sec = &f->sec[f->nsec++];
			memset(sec, 0, sizeof *sec);
			/* collapse runs of blanks so "target  x" == "target x" */
			char *d = sec->name;
			for (char *c = s; *c; c++)
				if (!((*c == ' ' || *c == '\t') && (c[1] == ' ' || c[1] == '\t')))
					*d++ = *c == '\t' ? ' ' : *c;
			*d = '\0';
			sec->line = lineno;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rc = fail(why, n, path, lineno, "expected 'key = value' or '[section]'");
			break;
		}
		if (!f->nsec) {
			rc = fail(why, n, path, lineno, "key before the first [section]");
			break;
		}
		*eq = '\0';
		char *key = ut_trim(s), *val = ut_trim(eq + 1);

		if (!*key || strlen(key) >= sizeof kv->key) {
			rc = fail(why, n, path, lineno, "empty or too long key");
			break;
		}
		if (strlen(val) >= sizeof kv->val) {
			rc = fail(why, n, path, lineno, "value too long");
			break;
		}
		sec = &f->sec[f->nsec - 1];
		if (ini_get(sec, key)) {
			snprintf(why, n, "%s:%d: duplicate key '%s' in [%s]", path, lineno, key,
				 sec->name);
			rc = -1;
			break;
		}
		kv = realloc(sec->kv, sizeof *sec->kv * (size_t)(sec->nkv + 1));
		if (!kv) {
			rc = fail(why, n, path, lineno, "out of memory");
			break;
		}
		sec->kv = kv;
		kv = &sec->kv[sec->nkv++];
		ut_strlcpy(kv->key, key, sizeof kv->key);
		ut_strlcpy(kv->val, val, sizeof kv->val);
		kv->line = lineno;
	}
	free(copy);
	if (rc)
		ini_free(f);
	return rc;
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
	rc = ini_parse(b.p, path, f, why, n);
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
