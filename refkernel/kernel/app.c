/* app.c — load the application and start it like Linux starts a static
 * process: map its PT_LOAD segments, reserve a demand-zero stack, write
 * argc/argv/envp/auxv (lib/proc.c) and jump to its entry at ring 0 with
 * interrupts as they are. The program is the one baked into the image
 * (.app section, put there by `make bake`), or, in an image without one,
 * the file named by argv[1] (the first word after "--") in the root file
 * system, read in place when its data is archive pages. The baked program's
 * read-only segments are mapped where QEMU loaded them (its .app section is
 * page-aligned in memory): only writable segments are copied into frames. */
#include "kernel.h"
#include "ksched.h"
#include "elf.h"
#include "proc.h"
#include "x86.h"
#include "syscall.h"
#include "vdso.h"
#include "sys_fs.h"
#include "mem.h"
#include "mm_impl.h"

#define APP_STACK_SIZE (8ULL << 20) /* reserved, demand-zero, like Linux's 8 MiB rlimit */
#define APP_ARGS_ROOM  (64ULL << 10)

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

/* A segment of a program from the root: its whole file pages
 * (kfs_paged_span) are left untouched, to be copied from the file at their
 * first fault (kfs_name_segments marks them so): a program touches a part
 * of its text only. The partial pages at either end are copied now, with
 * W (protect_segments takes it away after). */
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

/* Can segment (s) of the image at (img) be mapped in place? Read-only, no
 * zero-filled tail, and its bytes in memory congruent to its address
 * (tools/apppack.c lays the baked program out so, without page padding). */
static bool in_place_ok(const uint8_t *img, const struct elf_seg *s)
{
	return !(s->prot & ELF_PROT_W) && s->filesz == s->memsz &&
	       ((((uint64_t)img + s->offset) ^ s->vaddr) & 0xfff) == 0;
}

/* A read-only segment without a zero-filled tail is mapped page by page
 * (below), onto the image's frames or onto copies; others go through
 * map_segment. */
static bool read_only(const struct elf_seg *s)
{
	return !(s->prot & ELF_PROT_W) && s->filesz == s->memsz;
}

/* Load the baked program (img, in the kernel image): writable segments
 * copied first (map_segment), then every read-only page mapped onto the
 * image's own frame where the segment is congruent (in_place_ok), else onto
 * a fresh frame holding a copy (the 400-byte header segment), read-only
 * from the start; a page that a writable segment already holds gets its
 * bytes copied instead. Image frames are never freed (mem_frame_free). */
static int load_in_place(const uint8_t *img, const struct elf_info *ei, uint64_t bias)
{
	uint64_t img_pa = (uint64_t)img - KERNEL_VBASE;
	for (int i = 0; i < ei->nsegs; i++) {
		const struct elf_seg *s = &ei->segs[i];
		if (read_only(s))
			continue;
		int r = map_segment(&bias, s->vaddr, s->memsz, img + s->offset, s->filesz, s->prot);
		if (r)
			return r;
		if (!(s->prot & ELF_PROT_W))
			mm_mprotect(PAGE_ROUND_DOWN(s->vaddr + bias),
				    PAGE_ROUND_UP(s->vaddr + bias + s->memsz) - PAGE_ROUND_DOWN(s->vaddr + bias),
				    elf_prot_mm(s->prot));
	}
	for (int i = 0; i < ei->nsegs; i++) {
		const struct elf_seg *s = &ei->segs[i];
		if (!read_only(s) || s->memsz == 0)
			continue;
		bool in_place = in_place_ok(img, s);
		uint64_t va = s->vaddr + bias, start = PAGE_ROUND_DOWN(va), end = PAGE_ROUND_UP(va + s->memsz);
		int r = mm_map_fixed(va, s->memsz, elf_prot_mm(s->prot), true);
		if (r)
			return r;
		uint64_t flags = mm_prot_flags(elf_prot_mm(s->prot));
		for (uint64_t pg = start; pg < end; pg += PAGE_SIZE) {
			uint64_t *pte = x86_pte(x86_pml4, pg);
			uint64_t lo = MAX(pg, va), hi = MIN(pg + PAGE_SIZE, va + s->filesz);
			if (pte && (*pte & PTE_ADDR)) { /* shared with a writable segment */
				memcpy((void *)lo, img + s->offset + (lo - va), hi - lo);
				continue;
			}
			uint64_t pa = PAGE_ROUND_DOWN(img_pa + s->offset) + (pg - start);
			if (!in_place) {
				if (!(pa = mem_frame_alloc()))
					return -ENOMEM;
				memcpy((uint8_t *)x86_phys(pa) + (lo - pg), img + s->offset + (lo - va), hi - lo);
			}
			if ((r = x86_map(x86_pml4, pg, pa, flags)))
				return r;
		}
	}
	return 0;
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

/* Map (len) bytes at (va) onto fresh frames holding a copy of (src), or
 * zero for src NULL, with their final protection from the start (no fault,
 * no mprotect). */
static int map_copy(uint64_t va, const void *src, uint64_t len, int prot)
{
	int r = mm_map_fixed(va, len, prot, true);
	for (uint64_t off = 0; !r && off < len; off += PAGE_SIZE) {
		uint64_t pa = mem_frame_alloc(); /* zeroed */
		if (!pa)
			return -ENOMEM;
		if (src)
			memcpy(x86_phys(pa), (const uint8_t *)src + off, MIN(PAGE_SIZE, len - off));
		r = x86_map(x86_pml4, va + off, pa, mm_prot_flags(prot));
	}
	return r;
}

extern const uint8_t vdso_image[], vdso_image_end[];

/* Map the vDSO (read+execute) and its data page (read-only to the
 * application; the kernel writes it through the direct map). Returns the
 * vDSO's address for AT_SYSINFO_EHDR, or 0 if there is no memory for it. */
static uint64_t map_vdso(void)
{
	uint64_t len = (uint64_t)(vdso_image_end - vdso_image);
	if (map_copy(VDSO_ADDR, vdso_image, len, MM_PROT_R | MM_PROT_X) ||
	    map_copy(VDSO_DATA_ADDR, NULL, PAGE_SIZE, MM_PROT_R))
		return 0;
	uint64_t *pte = x86_pte(x86_pml4, VDSO_DATA_ADDR);
	if (!pte)
		return 0;
	time_vdso_publish(x86_phys(*pte & PTE_ADDR));
	return VDSO_ADDR;
}

int app_argc;
char **app_argv;
uint64_t app_stack_base, app_stack_top, app_vdso, app_start_ns;

void app_start(int argc, char **argv)
{
	const uint8_t *img = _app_start;
	size_t len = (size_t)(_app_end - _app_start);
	struct elf_info ei;
	const char *why = "empty";

	if (len == 0) { /* no baked program: the image names one in its root
			 * (make bake of a dynamic program), else argv[1] does */
		if (argv[0][0] != '/') {
			if (argc < 2)
				kpanic(KEXIT_NOPROG, "no program: name one after \"--\" (-append \"-- /path/prog args\")");
			argc--;
			argv++;
		}
		img = kfs_program(argv[0], &len);
		if (len == 0 || elf_check_flags(img, len, ELF_DYN | ELF_INTERP, &ei, &why))
			kpanic(KEXIT_NOPROG, "%s: not an x86-64 executable the kernel can run: %s", argv[0], why);
	} else {
		elf_parse(img, &ei); /* bake.sh's elfcheck and apppack checked it */
	}
	uint64_t bias = ei.dyn ? PIE_BIAS : 0;
	if (bias + ei.hi > ELF_USER_MAX)
		kpanic(KEXIT_NOPROG, "%s: too large to load at its bias", argv[0]);
	bool baked = img == _app_start;
	paged_img = img;
	int r = baked ? load_in_place(img, &ei, bias) : elf_load(img, &ei, map_segment_paged, &bias);
	if (r)
		kpanic(r == -ENOMEM ? KEXIT_OOM : KEXIT_BADELF,
		       "cannot load the application (%d): %lu KiB of memory free",
		       r, (unsigned long)(mem_free_bytes() >> 10));
	if (!baked) {
		protect_segments(&ei, bias);
		if (!kfs_name_segments(argv[0], &ei, bias))
			kpanic(KEXIT_NOPROG, "%s: cannot map the program's pages", argv[0]);
	}
	uint64_t entry = ei.entry + bias, ibias = 0;
	if (ei.interp) { /* dynamic: the interpreter starts it (kernel -> ld.so -> libc -> main) */
		struct elf_info ii;
		size_t ilen;
		const uint8_t *iimg = kfs_program(ei.interp, &ilen);
		if (ilen == 0 || elf_check_flags(iimg, ilen, ELF_DYN, &ii, &why))
			kpanic(KEXIT_NOPROG, "%s: interpreter of %s: not an x86-64 ELF it can run: %s",
			       ei.interp, argv[0], why);
		ibias = ii.dyn ? INTERP_BIAS : 0;
		paged_img = iimg;
		if ((r = elf_load(iimg, &ii, map_segment_paged, &ibias)))
			kpanic(r == -ENOMEM ? KEXIT_OOM : KEXIT_NOPROG, "%s: cannot load the interpreter (%d)",
			       ei.interp, r);
		protect_segments(&ii, ibias);
		if (!kfs_name_segments(ei.interp, &ii, ibias))
			kpanic(KEXIT_NOPROG, "%s: cannot map the interpreter's pages", ei.interp);
		entry = ii.entry + ibias;
	}
	boot_stage("app_load");
	mm_set_brk_base(ei.hi + bias);
	fd_init();
	sys_signal_init();
	sys_fs_stdio();

	uint64_t stack_base;
	uint64_t top = mm_stack_reserve(APP_STACK_SIZE, &stack_base);
	uint64_t room = APP_ARGS_ROOM;
	static char *const envp[] = { "HOME=/", NULL };
	struct proc_image pi = { ei.entry + bias, map_vdso(), ei.phdr_vaddr + bias, ei.phnum, ei.phentsize, ibias };
	uint8_t rnd[16];
	uint64_t sp;
	rand_bytes(rnd, sizeof(rnd));
	if (proc_build_stack((void *)(top - room), top - room, room, argc, argv, envp, &pi, rnd, &sp))
		kpanic(KEXIT_CMDLINE, "application arguments do not fit in %lu KiB",
		       (unsigned long)(room >> 10));

	uint64_t boot_ns = time_ns();
	const char *base = argv[0];
	for (const char *p = argv[0]; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	for (size_t i = 0; i < 15 && base[i] && base[i] != '/'; i++)
		sched_current->comm[i] = base[i]; /* Linux: the program file's name, cut at 15 */
	app_argc = argc;
	app_argv = argv;
	app_stack_base = stack_base;
	app_stack_top = top;
	app_vdso = pi.vdso;
	app_start_ns = boot_ns;
	boot_trace_print();
	kprintf("refkernel: boot_us=%lu entry_to_main tsc_khz=%lu cal=%s\n", (unsigned long)(boot_ns / 1000),
		(unsigned long)time_tsc_khz, time_cal);
	if (sched_multi())
		irq_enable(); /* kernel threads exist (net=thread): the program is preemptible from its first instruction */
	x86_enter_app(entry, sp);
}
