/* symtok_enc.c — choosing and applying a token table (see symtok_enc.h).
 * symtok_train() gives every character the names use a code, concatenates
 * the names (0 between them), then merges the most frequent pair of adjacent
 * codes into a new token while codes remain and a merge saves bytes;
 * symtok_encode() applies the same merges, in the same order, to one name. */
#include <stdlib.h>
#include <string.h>
#include "symtok_enc.h"

/* Replace every (a, b) in s[0..n), left to right, by c; returns the new n. */
static size_t merge(uint8_t *s, size_t n, uint8_t a, uint8_t b, uint8_t c)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && s[i] == a && s[i + 1] == b) {
			s[o++] = c;
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

int symtok_train(struct symtok_enc *e, const char *const *names, size_t n)
{
	memset(e, 0, sizeof(*e));
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)names[i]; *p; p++)
			e->code[*p] = 1;
		total += strlen(names[i]) + 1;
	}
	uint8_t chars[255];
	for (unsigned c = 1; c < 256; c++)
		if (e->code[c]) {
			chars[e->nchars] = (uint8_t)c;
			e->code[c] = (uint8_t)++e->nchars;
			e->len[e->nchars] = 1;
		}
	uint8_t *s = malloc(total + 1);
	uint32_t *count = calloc(65536, sizeof(*count));
	if (!s || !count) {
		free(s);
		free(count);
		return -1;
	}
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)names[i]; *p; p++)
			s[len++] = e->code[*p];
		s[len++] = 0;
	}
	while (e->nchars + e->ntok < 255) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i + 1 < len; i++) {
			if (!s[i] || !s[i + 1])
				continue;
			count[s[i] << 8 | s[i + 1]]++;
			if (s[i] == s[i + 1] && i + 2 < len && s[i + 2] == s[i])
				i++; /* "aaa" holds one "aa" to merge, not two */
		}
		unsigned best = 0;
		uint32_t most = 0;
		for (unsigned p = 0; p < 65536; p++)
			if (count[p] > most && e->len[p >> 8] + e->len[p & 255] <= SYMTOK_TOKEN_MAX) {
				most = count[p];
				best = p;
			}
		if (most < 3) /* a token costs 2 bytes: it must save more */
			break;
		uint8_t c = (uint8_t)(e->nchars + 1 + e->ntok);
		e->pair[2 * e->ntok] = (uint8_t)(best >> 8);
		e->pair[2 * e->ntok + 1] = (uint8_t)best;
		e->len[c] = e->len[best >> 8] + e->len[best & 255];
		e->ntok++;
		len = merge(s, len, (uint8_t)(best >> 8), (uint8_t)best, c);
	}
	free(s);
	free(count);
	e->tt[0] = (uint8_t)e->nchars;
	e->tt[1] = (uint8_t)e->ntok;
	memcpy(e->tt + 2, chars, e->nchars);
	memcpy(e->tt + 2 + e->nchars, e->pair, 2 * e->ntok);
	e->size = 2 + e->nchars + 2 * e->ntok;
	return 0;
}

size_t symtok_encode(const struct symtok_enc *e, const char *name, uint8_t *out)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (!(out[n++] = e->code[*p]))
			return 0;
	for (unsigned k = 0; k < e->ntok; k++)
		n = merge(out, n, e->pair[2 * k], e->pair[2 * k + 1], (uint8_t)(e->nchars + 1 + k));
	out[n] = 0;
	return n + 1;
}
