/* apppack — host tool used by `make bake`: rewrites a static x86-64 program
 * without the page padding a linker leaves between its segments, for
 * baking into an image. Usage: apppack IN OUT; prints the shift (0-4095) at
 * which OUT must sit past a page boundary in memory (kernel.ld's APP_SHIFT).
 *
 * The kernel maps a read-only segment in place when its bytes in memory are
 * congruent to its address modulo the page size (kernel/app.c) and copies
 * every other segment. So: the ELF and program headers stay at offset 0
 * (with the bytes of the segment that holds them); each read-only segment
 * large enough to map is placed at the first offset congruent to its
 * address under the shift, which the first such segment chooses so that it
 * needs no padding; writable and small segments are packed at 16 bytes
 * (they are copied). Sections move with their segment; the section headers
 * and the symbol table are kept when the program has one (crash reports
 * name its functions, kernel/ksyms.c), and dropped with the rest of the
 * unloaded sections otherwise. OUT must pass lib/elf.c's elf_check, as IN
 * did (bake.sh's elfcheck): the kernel reads the baked program without
 * checking it again (elf_parse). */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h" /* the refkernel's (-iquote include), beside the system's <elf.h> */

#define PAGE 4096u
#define IN_PLACE_MIN 1024u /* below this, copying costs less than padding */

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n;
	unsigned char *buf = malloc(cap);
	*len = 0;
	while (buf && (n = fread(buf + *len, 1, cap - *len, f)) > 0)
		if ((*len += n) == cap)
			buf = realloc(buf, cap *= 2);
	fclose(f);
	return buf;
}

static int fail(const char *in, const char *why)
{
	fprintf(stderr, "apppack: %s: %s\n", in, why);
	return 1;
}

/* The new offset of old file offset (off): inside a loaded segment it moves
 * with that segment; anywhere else it has none (UINT64_MAX). */
static uint64_t moved(const Elf64_Phdr *ph, const uint64_t *noff, int n, uint64_t off, uint64_t size)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && off >= ph[i].p_offset &&
		    off + size <= ph[i].p_offset + ph[i].p_filesz)
			return noff[i] + (off - ph[i].p_offset);
	return UINT64_MAX;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: apppack IN OUT\n");
		return 2;
	}
	size_t len;
	unsigned char *in = slurp(argv[1], &len);
	if (!in)
		return fail(argv[1], "cannot read");
	Elf64_Ehdr eh;
	if (len < sizeof(eh))
		return fail(argv[1], "not an ELF file");
	memcpy(&eh, in, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len ||
	    (eh.e_shnum && (eh.e_shentsize != sizeof(Elf64_Shdr) ||
			    eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len)))
		return fail(argv[1], "not a 64-bit ELF file with program headers");
	int n = eh.e_phnum;
	Elf64_Phdr ph[64], out_ph[64];
	uint64_t noff[64];
	memcpy(ph, in + eh.e_phoff, n * sizeof(*ph));
	for (int i = 0; i < n; i++)
		if (ph[i].p_offset + ph[i].p_filesz > len || ph[i].p_offset + ph[i].p_filesz < ph[i].p_offset)
			return fail(argv[1], "segment outside the file");

	/* Offset 0: the headers, and the whole of the segment that holds them. */
	uint64_t head = eh.e_phoff + (uint64_t)n * sizeof(Elf64_Phdr);
	int seg0 = -1;
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0 && ph[i].p_filesz) {
			seg0 = i;
			head = ph[i].p_filesz > head ? ph[i].p_filesz : head;
		}
	uint64_t cur = head, shift = UINT64_MAX;
	if (seg0 >= 0) {
		noff[seg0] = 0;
		if (!(ph[seg0].p_flags & PF_W) && ph[seg0].p_filesz >= PAGE) /* big: keep it in place */
			shift = ph[seg0].p_vaddr % PAGE;
	}
	/* The other loaded segments, in file order. */
	for (;;) {
		int next = -1;
		for (int i = 0; i < n; i++)
			if (ph[i].p_type == PT_LOAD && i != seg0 && ph[i].p_filesz && ph[i].p_offset != UINT64_MAX &&
			    (next < 0 || ph[i].p_offset < ph[next].p_offset))
				next = i;
		if (next < 0)
			break;
		const Elf64_Phdr *p = &ph[next];
		bool in_place = !(p->p_flags & PF_W) && p->p_filesz == p->p_memsz && p->p_filesz >= IN_PLACE_MIN;
		if (in_place && shift == UINT64_MAX)
			shift = (p->p_vaddr - cur) % PAGE;
		uint64_t want = in_place ? (p->p_vaddr - shift) % PAGE : p->p_vaddr % 16, mod = in_place ? PAGE : 16;
		cur += (want - cur % mod + mod) % mod;
		noff[next] = cur;
		cur += p->p_filesz;
		out_ph[next] = *p;
		ph[next].p_offset = UINT64_MAX; /* done (the original is in out_ph) */
	}
	for (int i = 0; i < n; i++)
		if (ph[i].p_offset == UINT64_MAX)
			ph[i] = out_ph[i];
	Elf64_Phdr orig[64]; /* moved() reads the old offsets */
	memcpy(orig, ph, sizeof(orig));
	if (shift == UINT64_MAX)
		shift = 0;

	/* The symbol table's sections, if any, follow the segments. */
	Elf64_Shdr *sh = NULL;
	bool keep_sh = false;
	if (eh.e_shnum) {
		sh = malloc(eh.e_shnum * sizeof(*sh));
		memcpy(sh, in + eh.e_shoff, eh.e_shnum * sizeof(*sh));
		for (int i = 0; i < eh.e_shnum; i++)
			keep_sh |= sh[i].sh_type == SHT_SYMTAB;
	}
	uint64_t total = cur;
	unsigned char *out = calloc(1, cur + len + 8 * (size_t)eh.e_shnum + 64); /* + each section's alignment */
	if (!out)
		return fail(argv[1], "out of memory");
	memcpy(out, in, head);
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_filesz && i != seg0)
			memcpy(out + noff[i], in + ph[i].p_offset, ph[i].p_filesz);
	if (keep_sh) {
		for (int i = 0; i < eh.e_shnum; i++) {
			if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_type == SHT_NULL)
				continue;
			uint64_t o = (sh[i].sh_flags & SHF_ALLOC) ? moved(orig, noff, n, sh[i].sh_offset, sh[i].sh_size)
								 : UINT64_MAX;
			if (o == UINT64_MAX) { /* not loaded: its bytes follow the segments */
				if (sh[i].sh_offset + sh[i].sh_size > len)
					return fail(argv[1], "section outside the file");
				total = (total + 7) & ~7ULL;
				memcpy(out + total, in + sh[i].sh_offset, sh[i].sh_size);
				o = total;
				total += sh[i].sh_size;
			}
			sh[i].sh_offset = o;
		}
		total = (total + 7) & ~7ULL;
		out = realloc(out, total + eh.e_shnum * sizeof(*sh));
		memcpy(out + total, sh, eh.e_shnum * sizeof(*sh));
		eh.e_shoff = total;
		total += eh.e_shnum * sizeof(*sh);
	} else {
		eh.e_shoff = 0;
		eh.e_shnum = 0;
		eh.e_shstrndx = SHN_UNDEF;
	}
	/* Other segments (TLS, notes, RELRO) move with the loaded bytes they
	 * describe; loaded ones say they are placed at 16 bytes. */
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_filesz)
				ph[i].p_offset = noff[i];
			ph[i].p_align = 16;
		} else if (ph[i].p_filesz) {
			uint64_t o = moved(orig, noff, n, ph[i].p_offset, ph[i].p_filesz);
			if (o == UINT64_MAX && ph[i].p_type != PT_PHDR)
				return fail(argv[1], "a segment's bytes lie outside every loaded segment");
			if (o != UINT64_MAX)
				ph[i].p_offset = o;
		}
	}
	memcpy(out, &eh, sizeof(eh));
	memcpy(out + eh.e_phoff, ph, n * sizeof(*ph));
	struct elf_info info;
	const char *why = "?";
	if (elf_check(out, total, &info, &why)) {
		fprintf(stderr, "apppack: %s: the packed program is not one the kernel runs: %s\n", argv[1], why);
		return 1;
	}
	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, total, f) != total || fclose(f))
		return fail(argv[2], "cannot write");
	printf("%llu\n", (unsigned long long)shift);
	return 0;
}
