/* app.c — load the application and start it like Linux starts a static
 * process: map its PT_LOAD segments, reserve a demand-zero stack, write
 * argc/argv/envp/auxv (lib/proc.c) and jump to its entry at ring 0 with
 * interrupts as they are. The program is the one baked into the image
 * (.app section, put there by `make bake`, checked there: its headers are
 * read, not checked again), or, in an image without one, the file named by
 * argv[1] (the first word after "--") in the root file system
 * (kernel/app_root.c, part of the file system's fs.o). The baked program's
 * read-only segments are mapped where QEMU loaded them (its .app section is
 * page-aligned in memory): only the other segments are copied into frames. */
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

static int elf_prot_mm(int prot)
{
	return ((prot & ELF_PROT_R) ? MM_PROT_R : 0) | ((prot & ELF_PROT_W) ? MM_PROT_W : 0) |
	       ((prot & ELF_PROT_X) ? MM_PROT_X : 0);
}

extern char _kernel_start[], _kernel_end[];

static bool image_frame(uint64_t pa)
{
	return pa >= (uint64_t)_kernel_start - KERNEL_VBASE && pa < (uint64_t)_kernel_end - KERNEL_VBASE;
}

/* Out of memory while mapping the program: the boot cannot go on. */
static __attribute__((noreturn)) void no_memory(void)
{
	kpanic(KEXIT_OOM, "cannot load the application: out of memory (%lu KiB free)",
	       (unsigned long)(mem_free_bytes() >> 10));
}

static inline uint64_t frame(void)
{
	uint64_t pa = mem_frame_alloc(); /* zeroed */
	if (!pa)
		no_memory();
	return pa;
}

/* Map the pages of [va, va + len) with (prot), each onto a frame: the
 * frames from (pa) on when pa is set (the image's own, mapped in place, or
 * one the caller took), else a fresh zeroed one holding the bytes of
 * [src, src + n) that fall in it. A page that a segment mapped before keeps
 * its frame (and its protection, which mm_map_fixed widened), and the bytes
 * are copied into it; an image frame there is first replaced by a copy, so
 * that the image is never written. */
static void map_pages(uint64_t va, uint64_t len, const uint8_t *src, uint64_t n, uint64_t pa, int prot)
{
	uint64_t flags = mm_prot_flags(prot), end = va + len, first = PAGE_ROUND_DOWN(va);
	for (uint64_t pg = first; pg < end; pg += PAGE_SIZE) {
		uint64_t lo = MAX(pg, va), hi = MIN(pg + PAGE_SIZE, va + n), *pte = x86_pte(x86_pml4, pg), fa;
		bool copy = true;
		if (pte && (*pte & PTE_ADDR)) { /* shared with a segment mapped before */
			fa = *pte & PTE_ADDR;
			if (image_frame(fa)) {
				uint64_t c = frame();
				memcpy(x86_phys(c), x86_phys(fa), PAGE_SIZE);
				if (x86_map(x86_pml4, pg, c, *pte & ~PTE_ADDR))
					no_memory();
				fa = c;
			}
		} else {
			fa = pa ? pa + (pg - first) : frame();
			if (x86_map(x86_pml4, pg, fa, flags))
				no_memory();
			copy = !pa;
		}
		if (copy & (hi > lo))
			memcpy((uint8_t *)x86_phys(fa) + (lo - pg), src + (lo - va), hi - lo);
	}
}

/* A new region [va, va + len) mapped now (map_pages). */
static void map_region(uint64_t va, uint64_t len, const uint8_t *src, uint64_t n, uint64_t pa, int prot)
{
	if (mm_map_fixed(va, len, prot, true))
		no_memory();
	map_pages(va, len, src, n, pa, prot);
}

/* Load the baked program (img, in the kernel image): every page mapped
 * with its segment's protection from the start, onto the image's own frame
 * where a read-only segment without a zero-filled tail is congruent to its
 * address (tools/apppack.c lays the baked program out so, without page
 * padding), else onto a fresh frame holding a copy (writable segments, the
 * 400-byte header segment). Two rounds, the writable segments first, so
 * that a read-only page they share holds their frame. Image frames are
 * never freed (mem_frame_free). */
static void load_in_place(const uint8_t *img, const struct elf_info *ei)
{
	uint64_t img_pa = (uint64_t)img - KERNEL_VBASE;
	for (int k = 0, n = ei->nsegs; k < 2 * n; k++) {
		const struct elf_seg *s = &ei->segs[k < n ? k : k - n];
		bool w = s->prot & ELF_PROT_W;
		if (w != (k < n))
			continue;
		bool in_place = !w & (s->filesz == s->memsz) & !((((uint64_t)img + s->offset) ^ s->vaddr) & 0xfff);
		map_region(s->vaddr, s->memsz, img + s->offset, s->filesz,
			   in_place ? PAGE_ROUND_DOWN(img_pa + s->offset) : 0, elf_prot_mm(s->prot));
	}
}

extern const uint8_t vdso_image[], vdso_image_end[];

/* Map the vDSO (read+execute) and its data page (read-only to the
 * application; the kernel writes it through the direct map). Returns the
 * vDSO's address for AT_SYSINFO_EHDR. */
static uint64_t map_vdso(void)
{
	uint64_t len = (uint64_t)(vdso_image_end - vdso_image), data = frame();
	map_region(VDSO_ADDR, len, vdso_image, len, 0, MM_PROT_R | MM_PROT_X);
	map_region(VDSO_DATA_ADDR, PAGE_SIZE, NULL, 0, data, MM_PROT_R);
	time_vdso_publish(x86_phys(data));
	return VDSO_ADDR;
}

/* kernel/app_root.c's, in an image with the file system */
__attribute__((weak)) uint64_t app_load_root(int *argc, char ***argv, struct elf_info *ei, uint64_t *bias,
					     uint64_t *ibias)
{
	(void)argc; (void)argv; (void)ei; (void)bias; (void)ibias;
	kpanic(KEXIT_NOPROG, "this image has no file system (FS=0) and no baked program");
}

int app_argc;
char **app_argv;
uint64_t app_stack_base, app_stack_top, app_vdso, app_start_ns;

void app_start(int argc, char **argv)
{
	struct elf_info ei;
	uint64_t bias = 0, ibias = 0, entry; /* a baked program is never position-independent (elfcheck) */
	if (&_app_end[0] == &_app_start[0]) { /* no baked program: one from the root (kernel/app_root.c) */
		entry = app_load_root(&argc, &argv, &ei, &bias, &ibias);
	} else {
		elf_parse(_app_start, &ei); /* bake.sh's elfcheck and apppack checked it */
		load_in_place(_app_start, &ei);
		entry = ei.entry;
	}
	boot_stage("app_load");
	mm_set_brk_base(ei.hi + bias);
	fd_init();
	sys_signal_init();
	sys_fs_stdio();

	uint64_t stack_base;
	uint64_t top = mm_stack_reserve(APP_STACK_SIZE, &stack_base);
	/* its top page now, which proc_build_stack writes: no fault for it */
	map_pages(top - PAGE_SIZE, PAGE_SIZE, NULL, 0, 0, MM_PROT_R | MM_PROT_W);
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
	struct kline l = { .n = 0 };
	kline_u(&l, "refkernel: boot_us=", boot_ns / 1000);
	kline_u(&l, " entry_to_main tsc_khz=", time_tsc_khz);
	kline_s(&l, " cal=", time_cal);
	kline_end(&l);
	if (sched_multi())
		irq_enable(); /* kernel threads exist (net=thread): the program is preemptible from its first instruction */
	x86_enter_app(entry, sp);
}
