/* ksyms.c — address to name for crash reports. Kernel functions come from the
 * table the build generates into .ksyms (refkernel/tools/ksyms.sh, second link
 * pass); application functions from the baked ELF's .symtab, when it has one. */
#include "kernel.h"
#include "elf.h"

/* addr: the low 32 bits of a kernel address (-mcmodel=kernel: the top half
 * is all ones, so it sign-extends back); name: offset into ksym_names */
struct ksym { int32_t addr; uint32_t name; };
extern const uint64_t ksym_count;
extern const struct ksym ksym_table[];
extern const char ksym_names[];

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	if (addr >= 0xffff800000000000ULL) {
		int lo = 0, hi = (int)ksym_count - 1, best = -1;
		while (lo <= hi) { /* last symbol at or below addr */
			int mid = (lo + hi) / 2;
			if ((uint64_t)(int64_t)ksym_table[mid].addr <= addr) {
				best = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
		if (best < 0)
			return NULL;
		*off = addr - (uint64_t)(int64_t)ksym_table[best].addr;
		return ksym_names + ksym_table[best].name;
	}
	return elf_symbol(_app_start, (size_t)(_app_end - _app_start), addr, off);
}
