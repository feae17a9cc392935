/* elf.c — check and load a static x86-64 ELF executable (contract in elf.h).
 * elf_check() validates the header and program headers and fills elf_info;
 * elf_parse() reads the same from a file checked before (the baked program);
 * elf_load() then hands each PT_LOAD to the caller's map(); elf_symbol()
 * resolves addresses through .symtab for crash reports. Every field read from
 * the file is bounds-checked; headers are copied out, so (img) may be unaligned. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"
#include "elf64.h"
#include "kerrno.h"
#include "kfmt.h"
#include "klib.h"

/* [off, off+n) lies inside a file of (len) bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -ENOEXEC;
}

static int fail_seg(struct elf_info *info, const char **why, const char *fmt, int a, int b)
{
	kfmt_snprintf(info->why_buf, sizeof(info->why_buf), fmt, a, b);
	return fail(why, info->why_buf);
}

static int prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? ELF_PROT_R : 0) | ((flags & PF_W) ? ELF_PROT_W : 0) |
	       ((flags & PF_X) ? ELF_PROT_X : 0);
}

static int check_ident(const void *img, size_t len, Elf64_Ehdr *eh, const char **why)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	if (!img || len < 4 || memcmp(img, magic, 4) != 0)
		return fail(why, "not an ELF file");
	if (len < sizeof(*eh))
		return fail(why, "truncated ELF header");
	memcpy(eh, img, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(why, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(why, "not little-endian");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return fail(why, "unknown ELF version");
	return 0;
}

int elf_check(const void *img, size_t len, struct elf_info *info, const char **why)
{
	return elf_check_flags(img, len, 0, info, why);
}

int elf_check_flags(const void *img, size_t len, int flags, struct elf_info *info, const char **why)
{
	Elf64_Ehdr eh;
	const unsigned char *base = img;
	int r = check_ident(img, len, &eh, why);
	if (r)
		return r;
	if (eh.e_machine != EM_X86_64)
		return fail(why, "not x86-64");
	if (eh.e_type == ET_DYN && !(flags & ELF_DYN))
		return fail(why, "position-independent executable (ET_DYN) not supported");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(why, "not an executable (ET_EXEC)");
	if (eh.e_phnum == 0)
		return fail(why, "no program headers");
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(why, "bad program header size");
	if (!in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len))
		return fail(why, "program headers outside the file");

	memset(info, 0, sizeof(*info));
	info->dyn = eh.e_type == ET_DYN;
	info->entry = eh.e_entry;
	info->phnum = eh.e_phnum;
	info->phentsize = eh.e_phentsize;
	info->lo = UINT64_MAX;
	uint64_t phdr_vaddr = 0;
	bool has_phdr = false;

	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, base + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP && !(flags & ELF_INTERP))
			return fail(why, "dynamically linked (has PT_INTERP)");
		if (!in_file(ph.p_offset, ph.p_filesz, len))
			return fail_seg(info, why, "segment %d outside the file", i, 0);
		if (ph.p_type == PT_INTERP) {
			const char *p = (const char *)base + ph.p_offset;
			if (ph.p_filesz < 2 || ph.p_filesz > 256 || p[ph.p_filesz - 1] != 0 ||
			    strlen(p) != ph.p_filesz - 1 || info->interp)
				return fail(why, "bad PT_INTERP (not a NUL-terminated path of at most 255 bytes)");
			info->interp = p;
		}
		if (ph.p_type == PT_PHDR) {
			has_phdr = true;
			phdr_vaddr = ph.p_vaddr;
		}
		if (ph.p_type == PT_TLS) {
			if (ph.p_filesz > ph.p_memsz)
				return fail_seg(info, why, "segment %d (TLS): filesz > memsz", i, 0);
			info->tls_memsz = ph.p_memsz;
			info->tls_align = ph.p_align;
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return fail_seg(info, why, "segment %d: filesz > memsz", i, 0);
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return fail_seg(info, why, "segment %d wraps around", i, 0);
		if ((!info->dyn && ph.p_vaddr < ELF_USER_MIN) || ph.p_vaddr + ph.p_memsz > ELF_USER_MAX)
			return fail_seg(info, why, "segment %d outside the user address range", i, 0);
		if (info->nsegs >= ELF_MAX_SEGS)
			return fail(why, "too many PT_LOAD segments (max 16)");
		for (int j = 0; j < info->nsegs; j++) {
			const struct elf_seg *o = &info->segs[j];
			if (ph.p_vaddr < o->vaddr + o->memsz && o->vaddr < ph.p_vaddr + ph.p_memsz)
				return fail_seg(info, why, "segments %d and %d overlap", j, i);
		}
		struct elf_seg *s = &info->segs[info->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->prot = prot_of(ph.p_flags);
		info->lo = MIN(info->lo, ph.p_vaddr);
		info->hi = MAX(info->hi, ph.p_vaddr + ph.p_memsz);
		/* Without PT_PHDR (static binaries), AT_PHDR is where the program
		 * headers land when their file bytes are loaded. */
		if (!has_phdr && eh.e_phoff >= ph.p_offset &&
		    eh.e_phoff - ph.p_offset < ph.p_filesz)
			phdr_vaddr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
	}
	if (info->nsegs == 0)
		return fail(why, "no PT_LOAD segment");
	bool entry_ok = false;
	for (int j = 0; j < info->nsegs; j++) {
		const struct elf_seg *s = &info->segs[j];
		if (eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz &&
		    (s->prot & ELF_PROT_X))
			entry_ok = true;
	}
	if (!entry_ok)
		return fail(why, "entry point not in an executable segment");
	info->phdr_vaddr = phdr_vaddr;
	return 0;
}

/* Field (f) of the structure of type (T) at (p), which may be unaligned:
 * a load, not a copy of the structure (a string copy, under TCG a block of
 * its own). */
#define FIELD(p, T, f) ({ __typeof__(((T *)0)->f) f_; __builtin_memcpy(&f_, (p) + offsetof(T, f), sizeof(f_)); f_; })

/* elf_check()'s elf_info without its checks, for a file it accepted when
 * the image was built: the fields it reads are the ones elf_check fills,
 * read the same way (PT_PHDR's address wins over the one found in a
 * segment, as there). */
void elf_parse(const void *img, struct elf_info *info)
{
	const unsigned char *base = img;
	uint64_t phoff = FIELD(base, Elf64_Ehdr, e_phoff), phdr_vaddr = 0;
	int phnum = FIELD(base, Elf64_Ehdr, e_phnum);
	bool has_phdr = false;
	info->dyn = FIELD(base, Elf64_Ehdr, e_type) == ET_DYN;
	info->entry = FIELD(base, Elf64_Ehdr, e_entry);
	info->phnum = phnum;
	info->phentsize = FIELD(base, Elf64_Ehdr, e_phentsize);
	info->lo = UINT64_MAX;
	info->hi = info->tls_memsz = info->tls_align = info->phdr_vaddr = 0;
	info->nsegs = 0;
	info->interp = NULL;
	for (const unsigned char *ph = base + phoff; phnum--; ph += sizeof(Elf64_Phdr)) {
		uint32_t type = FIELD(ph, Elf64_Phdr, p_type);
		uint64_t vaddr = FIELD(ph, Elf64_Phdr, p_vaddr), memsz = FIELD(ph, Elf64_Phdr, p_memsz);
		if (type != PT_LOAD) {
			if (type == PT_PHDR) {
				has_phdr = true;
				info->phdr_vaddr = vaddr;
			} else if (type == PT_TLS) {
				info->tls_memsz = memsz;
				info->tls_align = FIELD(ph, Elf64_Phdr, p_align);
			}
			continue;
		}
		if (memsz == 0)
			continue;
		uint64_t off = FIELD(ph, Elf64_Phdr, p_offset), filesz = FIELD(ph, Elf64_Phdr, p_filesz);
		info->segs[info->nsegs++] = (struct elf_seg){ vaddr, memsz, off, filesz,
							      prot_of(FIELD(ph, Elf64_Phdr, p_flags)) };
		info->lo = MIN(info->lo, vaddr);
		info->hi = MAX(info->hi, vaddr + memsz);
		if (phoff - off < filesz && phoff >= off)
			phdr_vaddr = vaddr + (phoff - off);
	}
	if (!has_phdr)
		info->phdr_vaddr = phdr_vaddr;
}

int elf_load(const void *img, const struct elf_info *info, elf_map_fn map, void *ctx)
{
	const unsigned char *base = img;
	for (int i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		int r = map(ctx, s->vaddr, s->memsz, base + s->offset, s->filesz, s->prot);
		if (r)
			return r;
	}
	return 0;
}

/* Is (sym) a code symbol we may name? STT_FUNC, or a global STT_NOTYPE label
 * (assembly entry points such as musl's _start). */
static bool sym_is_code(const Elf64_Sym *sym)
{
	unsigned type = sym->st_info & 0xf, bind = sym->st_info >> 4;
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return false;
	return type == STT_FUNC || (type == STT_NOTYPE && (bind == STB_GLOBAL || bind == STB_WEAK));
}

/* Section (idx)'s address range holds (addr). */
static bool section_holds(const unsigned char *base, const Elf64_Ehdr *eh, unsigned idx, uint64_t addr)
{
	Elf64_Shdr sh;
	if (idx >= eh->e_shnum)
		return false;
	memcpy(&sh, base + eh->e_shoff + (uint64_t)idx * sizeof(sh), sizeof(sh));
	return addr >= sh.sh_addr && addr - sh.sh_addr < sh.sh_size;
}

/* Name of symbol (sym) if it is NUL-terminated inside the string table. */
static const char *sym_name(const char *strtab, uint64_t strsize, const Elf64_Sym *sym)
{
	if (sym->st_name >= strsize)
		return NULL;
	const char *name = strtab + sym->st_name;
	for (uint64_t n = 0; n < strsize - sym->st_name; n++)
		if (!name[n])
			return n ? name : NULL;
	return NULL;
}

/* A sized symbol covering (addr) wins, the innermost one if they nest.
 * Otherwise the nearest symbol below (addr) is used if it has no size (as
 * assembly functions such as musl's memcpy) and its section holds (addr). */
const char *elf_symbol(const void *img, size_t len, uint64_t addr, uint64_t *off)
{
	const unsigned char *base = img;
	Elf64_Ehdr eh;
	if (check_ident(img, len, &eh, NULL))
		return NULL;
	if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), len))
		return NULL;

	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, strh;
		memcpy(&sh, base + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum ||
		    !in_file(sh.sh_offset, sh.sh_size, len))
			continue;
		memcpy(&strh, base + eh.e_shoff + (uint64_t)sh.sh_link * sizeof(strh), sizeof(strh));
		if (!in_file(strh.sh_offset, strh.sh_size, len))
			continue;
		const char *strtab = (const char *)base + strh.sh_offset;
		Elf64_Sym cover = { 0 }, below = { 0 };
		const char *cover_name = NULL, *below_name = NULL;
		uint64_t nsyms = sh.sh_size / sizeof(Elf64_Sym);
		for (uint64_t k = 0; k < nsyms; k++) {
			Elf64_Sym sym;
			memcpy(&sym, base + sh.sh_offset + k * sizeof(sym), sizeof(sym));
			if (!sym_is_code(&sym) || addr < sym.st_value)
				continue;
			const char *name = sym_name(strtab, strh.sh_size, &sym);
			if (!name)
				continue;
			uint64_t d = addr - sym.st_value;
			if (sym.st_size && d < sym.st_size &&
			    (!cover_name || sym.st_value > cover.st_value)) {
				cover = sym;
				cover_name = name;
			}
			/* Nearest below; among equals prefer a sized one, then FUNC. */
			if (!below_name || sym.st_value > below.st_value ||
			    (sym.st_value == below.st_value && sym.st_size > below.st_size) ||
			    (sym.st_value == below.st_value && sym.st_size == below.st_size &&
			     (sym.st_info & 0xf) == STT_FUNC)) {
				below = sym;
				below_name = name;
			}
		}
		if (cover_name) {
			if (off)
				*off = addr - cover.st_value;
			return cover_name;
		}
		if (below_name && below.st_size == 0 && section_holds(base, &eh, below.st_shndx, addr)) {
			if (off)
				*off = addr - below.st_value;
			return below_name;
		}
		return NULL;
	}
	return NULL;
}
