/* ksyms.c — address to name for crash reports, number to name for syscalls.
 * Kernel functions and syscall names come from .ksyms, which tools/bake.sh
 * generates (tools/symtok.c; the kernel's functions in the second link
 * pass), compressed with one token table (symtok.h); application functions
 * from the baked ELF's .symtab, when it has one. */
#include "kernel.h"
#include "elf.h"
#include "symtok.h"

/* The first function's address is its low 32 bits: -mcmodel=kernel's top
 * half is all ones, so it sign-extends back. */
extern const uint32_t ksym_count, ksym_sysnames_size;
extern const int32_t ksym_base;
extern const uint8_t ksym_tokens[], ksym_sysnames[], ksym_table[];

const char *ksym_lookup(uint64_t addr, uint64_t *off, char *buf, size_t cap)
{
	if (addr >= 0xffff800000000000ULL)
		return symtok_addr(ksym_tokens, ksym_table, ksym_count, (uint64_t)(int64_t)ksym_base, addr,
				   off, buf, cap);
	return elf_symbol(_app_start, (size_t)(_app_end - _app_start), addr, off);
}

const char *ksym_sysname(unsigned nr, char *buf, size_t cap)
{
	const char *s = symtok_nth(ksym_tokens, ksym_sysnames, ksym_sysnames_size, nr, buf, cap);
	return s ? s : "?";
}
