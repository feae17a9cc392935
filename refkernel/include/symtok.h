/* symtok.h — names compressed with a token table, kallsyms-style: the
 * kernel's function names and the syscall names, which only crash reports
 * and the unimplemented-syscall line read. tools/symtok.c chooses the table
 * at bake time and encodes; lib/symtok.c decodes, on the host as in the
 * kernel.
 *
 * The table (tt) is: nchars, ntok (a byte each; nchars + ntok <= 255), the
 * nchars characters names use, then per token its two codes. A name is a
 * run of codes ending in 0 and decodes on its own: code 1..nchars is
 * character chars[code - 1], code nchars + 1 + i is token i, whose two codes
 * are each a character or an earlier token. A token expands to at most
 * SYMTOK_TOKEN_MAX characters. A code that names neither decodes as '?'.
 * The decoders write at most (cap) bytes to (out), NUL included (the name
 * is cut there), and never fail: a bad table gives a wrong name, not a
 * fault, as long as (size) and (count) bound the names.
 */
#ifndef SYMTOK_H
#define SYMTOK_H
#include <stddef.h>
#include <stdint.h>

#define SYMTOK_TOKEN_MAX 32

/* Decode the name at (in) into (out); returns the code after its 0. */
const uint8_t *symtok_expand(const uint8_t *tt, const uint8_t *in, char *out, size_t cap);

/* Names in number order in (names, size bytes, the last a 0), gaps empty:
 * the name of number (nr), or NULL when it is past the end or empty. */
const char *symtok_nth(const uint8_t *tt, const uint8_t *names, size_t size, unsigned nr,
		       char *out, size_t cap);

/* (count) functions in address order from (base): per function its distance
 * from the one before (ULEB128; the first's is 0) and its name. The last
 * function at or below (addr), with *(off) its distance; NULL below the
 * first. */
const char *symtok_addr(const uint8_t *tt, const uint8_t *table, uint32_t count, uint64_t base,
			uint64_t addr, uint64_t *off, char *out, size_t cap);
#endif
