/* symtok_enc.h — the host side of include/symtok.h: choose a token table for
 * a set of names (byte-pair merges, most frequent first) and encode names
 * with it. Used by tools/symtok.c at bake time and by the unit tests. */
#ifndef SYMTOK_ENC_H
#define SYMTOK_ENC_H
#include <stddef.h>
#include <stdint.h>
#include "symtok.h"

struct symtok_enc {
	uint8_t tt[2 + 255 + 2 * 255]; /* the table, as symtok.h lays it out */
	size_t size;                   /* its bytes */
	unsigned nchars, ntok;
	uint8_t code[256];             /* a character's code, 0 if no name has it */
	unsigned len[256];             /* characters a code expands to */
	uint8_t pair[2 * 255];         /* token i's codes */
};

/* Choose the table for (names), n of them, of characters 1..255. */
int symtok_train(struct symtok_enc *e, const char *const *names, size_t n);
/* Encode (name) into (out), at least strlen(name) + 1 bytes: codes and the
 * 0 after them; returns the bytes written, 0 when (name) has a character
 * the names trained on have not. */
size_t symtok_encode(const struct symtok_enc *e, const char *name, uint8_t *out);
#endif
