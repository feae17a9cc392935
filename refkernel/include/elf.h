/* elf.h — validate and load a static x86-64 ELF executable (host-buildable).
 *
 * elf_check() accepts exactly what the refkernel can run: ELFCLASS64,
 * little-endian, EM_X86_64, ET_EXEC, no PT_INTERP (not dynamic), at least one
 * PT_LOAD, every header and segment inside the file, p_filesz <= p_memsz,
 * segments not overlapping, not wrapping, and within the user half
 * [ELF_USER_MIN, ELF_USER_MAX). On failure it returns a negative errno
 * (-ENOEXEC) and sets (*why) to a one-line reason such as
 * "not an ELF file", "not x86-64", "dynamically linked (has PT_INTERP)",
 * "position-independent executable (ET_DYN) not supported",
 * "segment 2 outside the file".
 *
 * elf_load() calls (map) once per PT_LOAD segment, in order; (map) must make
 * [vaddr, vaddr+memsz) accessible with (prot) (ELF_PROT_* bits), copy filesz
 * bytes from (src) to vaddr and zero the rest. It stops at the first error
 * that (map) returns and passes it on.
 *
 * elf_symbol() looks (addr) up in the file's .symtab (function symbols,
 * STT_FUNC, and global untyped labels such as _start) and returns the name with
 * (*off) the offset into it, or NULL when the file has no symbol table or no
 * symbol covers addr. A symbol without a size (assembly functions such as
 * musl's memcpy) covers up to the next symbol within its section.
 */
#ifndef ELF_H
#define ELF_H
#include <stddef.h>
#include <stdint.h>

#define ELF_USER_MIN 0x10000ULL
#define ELF_USER_MAX 0x0000400000000000ULL /* below the kernel's mappings */

#define ELF_PROT_R 1
#define ELF_PROT_W 2
#define ELF_PROT_X 4

#define ELF_MAX_SEGS 16

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	int prot;
};

struct elf_info {
	uint64_t entry;
	uint64_t phdr_vaddr; /* user address of the program headers (AT_PHDR), 0 if not in a segment */
	uint16_t phnum, phentsize;
	uint64_t lo, hi;     /* lowest and highest (exclusive) address of all PT_LOAD */
	uint64_t tls_memsz, tls_align; /* PT_TLS, 0 if absent */
	int nsegs;
	struct elf_seg segs[ELF_MAX_SEGS];
	char why_buf[64];    /* holds the elf_check() reason when it names a segment */
	int dyn;             /* ET_DYN (position-independent: load at a bias) */
	const char *interp;  /* PT_INTERP path inside the image, or NULL */
};

typedef int (*elf_map_fn)(void *ctx, uint64_t vaddr, uint64_t memsz,
			  const void *src, uint64_t filesz, int prot);

int elf_check(const void *img, size_t len, struct elf_info *info, const char **why);
/* elf_check_flags(): elf_check() that may also accept ET_DYN (ELF_DYN: its
 * addresses are relative, (info->dyn) set, the caller adds a load bias
 * below ELF_USER_MAX - hi) and PT_INTERP (ELF_INTERP: (info->interp) is the
 * interpreter's path inside the image, NUL-terminated, at most 255 bytes,
 * else "bad PT_INTERP"). */
#define ELF_DYN    1
#define ELF_INTERP 2
int elf_check_flags(const void *img, size_t len, int flags, struct elf_info *info, const char **why);
/* elf_parse(): the elf_info elf_check() gives, for a file it has accepted
 * (the baked program, checked at `make bake`), without checking it again. */
void elf_parse(const void *img, struct elf_info *info);
int elf_load(const void *img, const struct elf_info *info, elf_map_fn map, void *ctx);
const char *elf_symbol(const void *img, size_t len, uint64_t addr, uint64_t *off);

#endif
