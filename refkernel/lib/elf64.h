/* elf64.h — the ELF-64 structures and constants the loader needs (System V
 * gABI, ch. 4 and 5). Private to lib/: kernel code uses elf.h. */
#ifndef ELF64_H
#define ELF64_H
#include <stdint.h>

#define EI_NIDENT   16
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define ET_DYN      3
#define EM_X86_64   62

#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define PT_PHDR    6
#define PT_TLS     7

#define PF_X 1
#define PF_W 2
#define PF_R 4

#define SHT_SYMTAB 2
#define SHN_UNDEF     0
#define SHN_LORESERVE 0xff00
#define STT_NOTYPE    0
#define STT_FUNC      2
#define STB_GLOBAL    1
#define STB_WEAK      2

typedef struct {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

typedef struct {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
} Elf64_Shdr;

typedef struct {
	uint32_t st_name;
	unsigned char st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
} Elf64_Sym;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr");
_Static_assert(sizeof(Elf64_Shdr) == 64, "Elf64_Shdr");
_Static_assert(sizeof(Elf64_Sym) == 24, "Elf64_Sym");

/* The dynamic section (gABI ch. 5, "Dynamic Section"), read by tools/rootfs
 * to find a program's libraries. */
#define DT_NULL    0
#define DT_NEEDED  1
#define DT_STRTAB  5
#define DT_STRSZ   10
#define DT_SONAME  14
#define DT_RPATH   15
#define DT_RUNPATH 29

typedef struct {
	int64_t d_tag;
	uint64_t d_val;
} Elf64_Dyn;

_Static_assert(sizeof(Elf64_Dyn) == 16, "Elf64_Dyn");

#endif
