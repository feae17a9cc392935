/* kernel.h — index of the kernel core's internal APIs, grouped by file (in the
 * manner of xv6's defs.h). Layer prefixes: x86_ (arch), boot_, mem_/mm_,
 * time_, console_/k*, app_, ksym_, sys_. Errors are negative errno values;
 * kpanic() only where boot cannot go on. */
#ifndef KERNEL_H
#define KERNEL_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "klib.h"
#include "kerrno.h"
#include "refkernel.h"

/* kernel/boot.c: the boot protocols' information, normalised */
#define BOOT_MAX_RAM 32
#define BOOT_MAX_MODS 4
struct boot_range { uint64_t start, end; };
/* Modules (the -initrd archive) are carved out of ram[], which then ends
 * with an empty range at the top module's end, so that the direct map
 * (mapped up to the highest range end) still covers them. */
struct boot_info {
	const char *proto;       /* "pvh" or "multiboot" */
	char *cmdline;           /* kernel copy, writable */
	int nram, nmods;
	struct boot_range ram[BOOT_MAX_RAM];
	struct boot_range mods[BOOT_MAX_MODS]; /* physical, in boot order */
	uint64_t reserved_start, reserved_end; /* boot structures to keep */
};
int boot_parse(uint32_t magic, uint32_t info, struct boot_info *bi);

/* kernel/main.c */
void boot_stage(const char *name);        /* timestamp a boot stage */
void boot_trace_print(void);              /* print them (cmdline flag boot_trace) */

/* kernel/console.c: COM1 console, kprintf, exit */
void console_init(void);
void console_write(const char *s, size_t n);
int  console_read(char *buf, size_t n);   /* blocks for at least one byte */
bool console_readable(void);
int  kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The status lines every run prints (the boot line, the exit line), built
 * from words and decimals without kfmt: under TCG each distinct block a run
 * executes is translated once, and kfmt's are ~75 (tools/tbcount.sh), so
 * a boot that panics nowhere never translates it. Appends (key) then the
 * value; kline_end writes the line with its newline. */
struct kline { char b[256]; size_t n; };
void kline_u(struct kline *l, const char *key, uint64_t v);
void kline_s(struct kline *l, const char *key, const char *s);
void kline_end(struct kline *l);
__attribute__((noreturn)) void kexit(int code);
__attribute__((noreturn, format(printf, 2, 3))) void kpanic(int code, const char *fmt, ...);

/* kernel/mm.c: frames, direct map, kernel heap, kernel stacks, the app's address space */
int      mem_init(const struct boot_info *bi);
uint64_t mem_frame_alloc(void);           /* zeroed frame, 0 when out of memory */
uint64_t mem_frames_alloc(uint64_t n);    /* n contiguous zeroed frames, or 0 */
void     mem_frame_free(uint64_t pa);
uint64_t mem_kstack_alloc(int pages);     /* returns top; guard page below */
uint64_t mem_kstack_alloc_try(int pages); /* 0 when out of memory */
void     mem_kstack_free(uint64_t top, int pages);
void    *kmalloc(size_t n);
void     kfree(void *p);
uint64_t mem_free_bytes(void);
uint64_t mem_total_bytes(void);

#define MM_PROT_R 1
#define MM_PROT_W 2
#define MM_PROT_X 4
int      mm_map_fixed(uint64_t va, uint64_t len, int prot, bool lazy);
uint64_t mm_brk(uint64_t newbrk);
void     mm_set_brk_base(uint64_t base);
int64_t  mm_mmap(uint64_t addr, uint64_t len, int prot, int flags);
int      mm_munmap(uint64_t addr, uint64_t len);
int      mm_mprotect(uint64_t addr, uint64_t len, int prot);
int      mm_discard(uint64_t addr, uint64_t len);  /* drop pages; they come back zeroed */
int64_t  mm_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr);
int      mm_mincore(uint64_t addr, uint64_t len, uint8_t *vec); /* vec: kernel-writable, a byte a page */
int      mm_range_check(uint64_t addr, uint64_t len); /* aligned, in the user half, all mapped */
void     mm_populate(uint64_t start, uint64_t end); /* MAP_POPULATE: frames now, as far as there are */
bool     mm_fault(uint64_t addr, uint64_t err); /* true when a lazy page was supplied */
/* A fault mm_fault() left unresolved is one Linux answers with SIGBUS
 * (BUS_ADRERR): a page the region's protection allows, of a file mapping,
 * that the file cannot give (wholly past its end). */
bool     mm_fault_bus(uint64_t addr, uint64_t err);
bool     mm_user_ok(const void *p, size_t len, bool write);
uint64_t mm_stack_reserve(uint64_t size, uint64_t *base); /* returns top */
/* The region holding (addr) or the first after it (start clipped to addr),
 * with its resident pages; false past the last. For /proc/self/maps. */
struct mm_pager;
struct mm_region {
	uint64_t start, end; int prot; uint64_t resident;
	const struct mm_pager *pager; void *obj; uint64_t off; bool shared; /* a file mapping (pager set) */
	bool zero; /* anonymous MAP_SHARED (shared set, no pager) */
};
bool     mm_region_next(uint64_t addr, struct mm_region *out);
/* File mappings: the layer above (fs) pages them through this table.
 * frame: the physical frame of page (pgoff) of (obj), which a shared mapping
 * maps (the file's own page: writes reach read(2) and every other mapping);
 * 0 when there is none (wholly past the end of the file, no memory): the
 * fault is not resolved (SIGBUS, mm_fault_bus). fill: copy the bytes of page
 * (pgoff) into (dst), a zeroed page (bytes past the end of the file stay
 * zero); 0, or < 0 when it cannot (the page wholly past the end: SIGBUS).
 * hold/drop: one reference per region (a split region takes
 * another). name: the path
 * (length, no NUL; < 0: none) and st_dev/st_ino, for /proc/self/maps. */
struct mm_pager {
	uint64_t (*frame)(void *obj, uint64_t pgoff);
	int     (*fill)(void *obj, uint64_t pgoff, void *dst);
	void    (*hold)(void *obj);
	void    (*drop)(void *obj);
	int64_t (*name)(void *obj, char *buf, size_t n, uint64_t *dev, uint64_t *ino);
};
/* Make the fresh regions of [addr, addr + len) (just made by mm_mmap, no
 * frames yet) a mapping of (obj) from file byte (off): (shared): its pages
 * are the file's, supplied by (pg)->frame at each fault, never freed here;
 * else a private copy the caller fills, only named after the file. */
int      mm_map_file(uint64_t addr, uint64_t len, const struct mm_pager *pg, void *obj, uint64_t off, bool shared);
/* As mm_map_file(shared false), but the private copy is made page by page:
 * a page's first fault fills it from the file ((pg)->fill), so the pages a
 * program never touches (most of a shared library) cost nothing. */
int      mm_map_file_lazy(uint64_t addr, uint64_t len, const struct mm_pager *pg, void *obj, uint64_t off);
/* The regions of [addr, addr + len) (just made by mm_mmap) are anonymous
 * MAP_SHARED: private memory here (one process), shared in /proc's view. */
void     mm_mark_zero(uint64_t addr, uint64_t len);
/* (obj) lost its pages from (pgoff) on (a truncation): every file mapping
 * of it drops their page-table entries (a private copy's frame is freed),
 * so that a later touch faults, and SIGBUS while the file stays short. */
void     mm_unmap_file_past(const void *obj, uint64_t pgoff);
uint64_t mm_brk_start(uint64_t *cur);     /* brk's base; (*cur) its end now */

void    *mem_map_mmio(uint64_t pa, uint64_t len);  /* uncached device registers */

/* drivers/apic.c: local APIC timer and EOI, I/O APIC routing */
#define APIC_VEC_IRQ0     32  /* device interrupts: 32..55 */
#define APIC_VEC_TIMER    56
#define APIC_VEC_SPURIOUS 63
int  apic_init(void);
void apic_eoi(void);
void apic_route_irq(int gsi, int vector);  /* GSI 0..23 first I/O APIC, 24..47 second */
bool apic_has_ioapic2(void);
void apic_timer_at(uint64_t deadline_ns);  /* one shot at time_ns() == deadline; 0 disarms */
uint64_t apic_timer_deadline(void);        /* what it is set for (past: fired), 0: nothing */

/* kernel/irq.c: handlers and the idle wait */
#define KTIMER_MAX_NS 600000000000ULL /* farthest timer shot (10 min): apic arithmetic stays in range */
void irq_register(int vector, void (*fn)(void *), void *ctx);
void irq_dispatch(int vector);
void kwait(uint64_t deadline_ns, uint64_t *seen);
/* The earliest deadline of the timers above the kernel (0: none), asked by
 * every kwait(); a past one (1) means "something became runnable". */
extern uint64_t (*kwait_next_hook)(void);
int  kwait_until(bool (*ready)(void *ctx), void *ctx, uint64_t deadline_ns);
uint64_t irq_events_now(void);
extern uint64_t irq_count, idle_ns;

/* kernel/time.c: TSC clock */
void     time_init(uint64_t tsc_khz);        /* 0: find the rate itself */
uint64_t time_ns(void);                   /* monotonic since boot */
uint64_t time_tsc_to_ns(uint64_t tsc);
uint64_t time_realtime_ns(void);
void     time_delay_ns(uint64_t ns);
extern uint64_t time_tsc_khz;
extern const char *time_source;
extern char time_cal[32];   /* "given", "kvmclock", "cpuid" or "pit:1ms ±E%" (its error bound) */
struct vdso_data;
void     time_vdso_publish(struct vdso_data *d);

/* kernel/fs.c: the root file system from the baked and the boot loader's
 * archives; kernel/nofs.c's stand-ins in an image baked without it (FS=0) */
void kfs_init(const struct boot_info *bi);
const uint8_t *kfs_program(const char *path, size_t *len); /* the file, in one buffer */
extern const struct mm_pager kfs_pager;   /* file mappings of vnodes (obj: struct vnode *) */
struct elf_info;
/* Name the loaded segments of the program at (path) after it (/proc/self/maps)
 * and make their whole file pages, which the loader left untouched
 * (kfs_paged_span), be copied from the file at their first fault. false:
 * the file is gone (those pages would read as zeros). */
bool kfs_name_segments(const char *path, const struct elf_info *ei, uint64_t bias);
/* The whole pages [*lo, *hi) of a segment's file bytes (at address va, file
 * offset off, filesz bytes) paged in from the file; empty (0, 0) when there
 * are none or the offset is not congruent to the address. */
static inline void kfs_paged_span(uint64_t va, uint64_t off, uint64_t filesz, uint64_t *lo, uint64_t *hi)
{
	*lo = (va + 4095) & ~4095ULL;
	*hi = (va + filesz) & ~4095ULL;
	if (((va ^ off) & 4095) || *hi <= *lo)
		*lo = *hi = 0;
}

/* kernel/app.c: load the baked application and start it */
__attribute__((noreturn)) void app_start(int argc, char **argv);
extern int app_argc;                      /* the program's argv, for /proc/self/cmdline */
extern char **app_argv;
extern uint64_t app_stack_base, app_stack_top, app_vdso, app_start_ns;
extern const uint8_t _app_start[], _app_end[];
/* kernel/app_root.c (fs.o): check, map and name the program named by the
 * command line in the root, and its interpreter; (argc, argv) lose a
 * leading word that is not the program's path. Returns the entry to jump
 * to (the interpreter's for a dynamic program); panics with one line when
 * it cannot. */
uint64_t app_load_root(int *argc, char ***argv, struct elf_info *ei, uint64_t *bias, uint64_t *ibias);

/* kernel/ksyms.c: kernel and application symbol lookup for crash reports,
 * syscall names; a kernel name is decoded into (buf, cap bytes; KSYM_NAME_MAX
 * holds every name), an application's is its ELF's. */
#define KSYM_NAME_MAX 128
const char *ksym_lookup(uint64_t addr, uint64_t *off, char *buf, size_t cap);
const char *ksym_sysname(unsigned nr, char *buf, size_t cap); /* "?" when unknown */

/* kernel/random.c */
void rand_bytes(void *buf, size_t n);
uint32_t rand_u32(void);

/* kernel/net.c and drivers/virtio_net.c: the network, when ip= is given.
 * Images baked with NET=0 get kernel/nonet.c's stand-ins instead. */
struct cmdline;
struct netdev;
struct virtio_dev;
extern struct net_stack *knet_stack;      /* NULL without a network */
/* net= on the command line: where received frames and the stack's timers
 * are processed (kernel/net.c). */
enum knet_mode { KNET_INLINE, KNET_THREAD, KNET_POLL };
void     knet_init(const struct cmdline *cl);
enum knet_mode knet_mode_of(const struct cmdline *cl); /* net=, checked in every image (kernel/nonet.c) */
uint64_t knet_poll(void);
void     knet_flush(void);                 /* notify the device of queued frames */
/* net=poll: spin on the rings up to poll_us= for (ready)(ctx); false at once
 * in the other modes. kwait_until calls it before it first halts. */
bool     knet_spin(bool (*ready)(void *ctx), void *ctx, uint64_t deadline_ns);
void     knet_print_counters(void);
/* kernel/api.c: the REST API (api=PORT), a kernel thread; only in images
 * with the network (nonet.c: the others' knet_init refuses api=) */
void     kapi_init(const struct cmdline *cl);
int      vnet_init(struct virtio_dev *d, struct netdev *dev, bool nocsum);
void     vnet_print_counters(void);
void     vnet_flush(void);

/* syscall/syscall.c */
struct x86_syscall_frame;
void sys_dispatch(struct x86_syscall_frame *f);
void sys_print_counters(struct kline *l); /* the exit line's counters, and its end */
extern uint64_t sys_ncalls, sys_nenosys;  /* syscalls made, and how many were -ENOSYS */
void sys_print_current(void);  /* crash report: the syscall being served, if any */
__attribute__((noreturn)) void sys_exit_all(int code); /* exit_group */

#endif
