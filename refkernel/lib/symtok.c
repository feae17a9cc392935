/* symtok.c — decoding of token-compressed names (see symtok.h). Cold code:
 * a name is expanded with a stack of codes no deeper than a token is long. */
#include "symtok.h"

const uint8_t *symtok_expand(const uint8_t *tt, const uint8_t *in, char *out, size_t cap)
{
	unsigned nchars = tt[0], ntok = tt[1];
	const uint8_t *chars = tt + 2, *tok = chars + nchars;
	size_t n = 0;
	for (; *in; in++) {
		uint8_t st[SYMTOK_TOKEN_MAX + 1];
		unsigned sp = 0, steps = 0; /* a token of n characters takes 2n - 1 */
		st[sp++] = *in;
		while (sp && steps++ < 2 * SYMTOK_TOKEN_MAX) { /* a bad table's cycle ends */
			unsigned c = st[--sp];
			if (c > nchars && c - nchars - 1 < ntok && sp + 2 <= sizeof(st)) {
				st[sp++] = tok[2 * (c - nchars - 1) + 1]; /* the right half comes out last */
				st[sp++] = tok[2 * (c - nchars - 1)];
				continue;
			}
			if (n + 1 < cap)
				out[n++] = c >= 1 && c <= nchars ? (char)chars[c - 1] : '?';
		}
	}
	if (cap)
		out[n] = 0;
	return in + 1;
}

const char *symtok_nth(const uint8_t *tt, const uint8_t *names, size_t size, unsigned nr,
		       char *out, size_t cap)
{
	const uint8_t *p = names, *end = names + size;
	for (unsigned i = 0; i < nr && p < end; i++)
		while (p < end && *p++)
			;
	if (p >= end || !*p)
		return NULL;
	symtok_expand(tt, p, out, cap);
	return out;
}

const char *symtok_addr(const uint8_t *tt, const uint8_t *table, uint32_t count, uint64_t base,
			uint64_t addr, uint64_t *off, char *out, size_t cap)
{
	const uint8_t *p = table, *best = NULL;
	uint64_t a = base;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t d = 0;
		for (int sh = 0; sh < 64; sh += 7) {
			d |= (uint64_t)(*p & 0x7f) << sh;
			if (!(*p++ & 0x80))
				break;
		}
		a += d;
		if (a > addr)
			break;
		best = p;
		*off = addr - a;
		while (*p++)
			;
	}
	if (!best)
		return NULL;
	symtok_expand(tt, best, out, cap);
	return out;
}
