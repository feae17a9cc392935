/* ksyms.c — address to name for crash reports. Kernel functions come from the
 * table the build generates into .ksyms (refkernel/tools/ksyms.sh, second link
 * pass); application functions from the baked ELF's .symtab, when it has one. */
#include "kernel.h"
#include "elf.h"

/* The table tools/bake.sh generates, in address order: the first function's
 * address (its low 32 bits: -mcmodel=kernel's top half is all ones, so it
 * sign-extends back), then per function its distance from the previous one
 * (ULEB128) and its NUL-terminated name. Only crash reports read it. */
extern const uint32_t ksym_count;
extern const int32_t ksym_base;
extern const uint8_t ksym_table[];

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	if (addr >= 0xffff800000000000ULL) {
		const uint8_t *p = ksym_table;
		const char *best = NULL;
		uint64_t a = (uint64_t)(int64_t)ksym_base;
		for (uint32_t i = 0; i < ksym_count; i++) {
			uint64_t d = 0;
			for (int sh = 0; sh < 64; sh += 7) {
				d |= (uint64_t)(*p & 0x7f) << sh;
				if (!(*p++ & 0x80))
					break;
			}
			a += d;
			if (a > addr)
				break;
			best = (const char *)p;
			*off = addr - a;
			while (*p++)
				;
		}
		return best;
	}
	return elf_symbol(_app_start, (size_t)(_app_end - _app_start), addr, off);
}
