/* app_root.c — a program from the root file system (part of fs.o, so that
 * an image baked without it carries none of this): the file named by the
 * command line, fully checked (elf_check_flags: static, PIE, or dynamic
 * with its interpreter, which is loaded too), its segments mapped with
 * their whole file pages left to be paged in from the file at their first
 * fault (kfs_name_segments). kernel/app.c starts it. */
#include "kernel.h"
#include "elf.h"
#include "x86.h"
#include "mem.h"
#include "mm_impl.h"

/* Load biases of position-independent programs and of the interpreter:
 * below ELF_USER_MAX, apart from each other and from the mmap area's start. */
#define PIE_BIAS    0x0000000000400000ULL
#define INTERP_BIAS 0x00003f0000000000ULL

static int elf_prot_mm(int prot)
{
	return ((prot & ELF_PROT_R) ? MM_PROT_R : 0) | ((prot & ELF_PROT_W) ? MM_PROT_W : 0) |
	       ((prot & ELF_PROT_X) ? MM_PROT_X : 0);
}

static int map_segment(void *ctx, uint64_t vaddr, uint64_t memsz, const void *src,
		       uint64_t filesz, int prot)
{
	vaddr += *(const uint64_t *)ctx;
	int r = mm_map_fixed(vaddr, memsz, elf_prot_mm(prot), false);
	if (r)
		return r;
	memcpy((void *)vaddr, src, filesz);
	memset((char *)vaddr + filesz, 0, memsz - filesz);
	return 0;
}

/* A segment: its whole file pages (kfs_paged_span) are left untouched, to
 * be copied from the file at their first fault (kfs_name_segments marks
 * them so): a program touches a part of its text only. The partial pages
 * at either end are copied now, with W (protect_segments takes it away
 * after). */
static const uint8_t *paged_img; /* the file's bytes, for the offset of (src) */
static int map_segment_paged(void *ctx, uint64_t vaddr, uint64_t memsz, const void *src,
			     uint64_t filesz, int prot)
{
	uint64_t lo, hi, off = (uint64_t)((const uint8_t *)src - paged_img);
	vaddr += *(const uint64_t *)ctx;
	kfs_paged_span(vaddr, off, filesz, &lo, &hi);
	if (!hi)
		return map_segment(ctx, vaddr - *(const uint64_t *)ctx, memsz, src, filesz, prot);
	int r = mm_map_fixed(vaddr, memsz, elf_prot_mm(prot) | MM_PROT_W, true);
	if (r)
		return r;
	memcpy((void *)vaddr, src, lo - vaddr);
	memcpy((void *)hi, (const uint8_t *)src + (hi - vaddr), vaddr + filesz - hi);
	return 0; /* the rest is demand-zero: the bss is zero */
}

static void protect_segments(const struct elf_info *ei, uint64_t bias)
{
	for (int i = 0; i < ei->nsegs; i++) {
		const struct elf_seg *s = &ei->segs[i];
		int prot = elf_prot_mm(s->prot);
		uint64_t start = (s->vaddr + bias) & ~0xfffULL;
		/* a page shared with a writable neighbour keeps W (mm_map_fixed widened it) */
		if (!(prot & MM_PROT_W))
			mm_mprotect(start, ALIGN_UP(s->vaddr + bias + s->memsz, 4096) - start, prot);
	}
}

/* Check, map and name the file at (path) (what it needs: ELF_DYN,
 * ELF_INTERP) at its bias. */
static void load_file(const char *path, int flags, struct elf_info *ei, uint64_t *bias, const char *of)
{
	size_t len;
	const char *why = "empty";
	const uint8_t *img = kfs_program(path, &len);
	if (len == 0 || elf_check_flags(img, len, flags, ei, &why)) {
		if (of)
			kpanic(KEXIT_NOPROG, "%s: interpreter of %s: not an x86-64 ELF it can run: %s", path, of, why);
		kpanic(KEXIT_NOPROG, "%s: not an x86-64 executable the kernel can run: %s", path, why);
	}
	*bias = ei->dyn ? (of ? INTERP_BIAS : PIE_BIAS) : 0;
	if (!of && *bias + ei->hi > ELF_USER_MAX)
		kpanic(KEXIT_NOPROG, "%s: too large to load at its bias", path);
	paged_img = img;
	int r = elf_load(img, ei, map_segment_paged, bias);
	if (r && of)
		kpanic(r == -ENOMEM ? KEXIT_OOM : KEXIT_NOPROG, "%s: cannot load the interpreter (%d)", path, r);
	if (r)
		kpanic(r == -ENOMEM ? KEXIT_OOM : KEXIT_BADELF,
		       "cannot load the application (%d): %lu KiB of memory free",
		       r, (unsigned long)(mem_free_bytes() >> 10));
	protect_segments(ei, *bias);
	if (!kfs_name_segments(path, ei, *bias))
		kpanic(KEXIT_NOPROG, of ? "%s: cannot map the interpreter's pages" : "%s: cannot map the program's pages",
		       path);
}

uint64_t app_load_root(int *argc, char ***argv, struct elf_info *ei, uint64_t *bias, uint64_t *ibias)
{
	if ((*argv)[0][0] != '/') { /* the image names one in its root (make bake of a dynamic program), else argv[1] does */
		if (*argc < 2)
			kpanic(KEXIT_NOPROG, "no program: name one after \"--\" (-append \"-- /path/prog args\")");
		(*argc)--;
		(*argv)++;
	}
	load_file((*argv)[0], ELF_DYN | ELF_INTERP, ei, bias, NULL);
	*ibias = 0;
	if (!ei->interp) /* static */
		return ei->entry + *bias;
	/* dynamic: the interpreter starts it (kernel -> ld.so -> libc -> main) */
	struct elf_info ii;
	load_file(ei->interp, ELF_DYN, &ii, ibias, (*argv)[0]);
	return ii.entry + *ibias;
}
