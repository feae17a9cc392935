/* main.c — kmain, called by boot.S on the boot stack with the boot protocol's
 * magic and info pointer. Order: console -> boot info -> command line ->
 * memory and final page tables -> CPU tables (IDT, TSS, syscall) -> clock ->
 * network -> the root file system -> the application. Nothing here returns. */
#include "kernel.h"
#include "cmdline.h"
#include "x86.h"
#include "ksched.h"

extern const char app_name[];
static struct cmdline cl;
struct cmdline *kernel_cmdline = &cl;
const char *boot_proto;

/* Boot stages, timed with the TSC; printed with `boot_trace` on the command
 * line so the cost of each step of the boot path can be read off. */
static struct { const char *name; uint64_t tsc; } stages[10];
static int nstages;

void boot_stage(const char *name)
{
	if (nstages < (int)ARRAY_SIZE(stages))
		stages[nstages++] = (typeof(stages[0])){ name, rdtsc() };
}

void boot_trace_print(void)
{
	if (!cmdline_get(&cl, "boot_trace"))
		return;
	uint64_t prev = x86_boot_tsc;
	for (int i = 0; i < nstages; i++) {
		kprintf("refkernel: boot_trace %s_us=%lu\n", stages[i].name,
			(unsigned long)(time_tsc_to_ns(stages[i].tsc - prev) / 1000));
		prev = stages[i].tsc;
	}
}

/* crash_test on the command line: fault inside the kernel on purpose, so the
 * tests can check that a kernel crash is reported with kernel symbols. */
__attribute__((noinline)) static void crash_test_fault(volatile int *p)
{
	*p = 1;
}
static volatile int *volatile crash_test_ptr; /* NULL, unknown to GCC: a real call and fault */

void kmain(uint32_t magic, uint32_t info)
{
	struct boot_info bi;

	boot_stage("asm");
	console_init();
	if (boot_parse(magic, info, &bi))
		kpanic(KEXIT_PANIC, "no usable boot information (%s boot, magic %#x)", bi.proto, magic);
	if (cmdline_parse(bi.cmdline, &cl))
		kpanic(KEXIT_CMDLINE, "bad command line: %s", cl.error);
	const char *unknown = cmdline_unknown(&cl, cmdline_known);
	if (unknown)
		kpanic(KEXIT_PARAM, "unknown kernel parameter \"%s\" (include/refkernel.h lists them)", unknown);
	static const char *const prots[] = { "ring0", "ring3", "ring3-kpti", NULL };
	int prot = cmdline_choice(&cl, "prot", prots);
	if (prot < 0)
		kpanic(KEXIT_VALUE, "prot=%s: wants ring0, ring3 or ring3-kpti", cmdline_get(&cl, "prot"));
	x86_set_prot(prot);
	unsigned long long khz = 0;
	if (cmdline_get_u64(&cl, "tsc_khz", &khz) < 0 || (cmdline_get(&cl, "tsc_khz") && khz == 0))
		kpanic(KEXIT_CMDLINE, "bad command line: tsc_khz= wants a positive number of kHz");
	boot_stage("console_cmdline");
	if (mem_init(&bi))
		kpanic(KEXIT_OOM, "memory too small to start the kernel");
	boot_stage("mem_init");
	boot_proto = bi.proto;
	x86_cpu_init();
	if (prot)
		kprintf("refkernel: prot=%s pcid=%s\n", prots[prot], x86_prot == X86_RING3_KPTI ?
			(x86_pcid() ? "yes" : "no") : "unused");
	sched_init();
	boot_stage("cpu_init");
	time_init(khz); /* parsed and checked above */
	boot_stage("time_init");
	if (cmdline_get(&cl, "crash_test"))
		crash_test_fault(crash_test_ptr);
	unsigned long long slice_ms;
	if (cmdline_get_u64(&cl, "sched_slice_ms", &slice_ms) > 0 && slice_ms > 0)
		sched_slice_ns = slice_ms * 1000000ULL;
	knet_init(&cl);
	boot_stage("net_init");
	kfs_init(&bi);
	boot_stage("root_fs");
	kapi_init(&cl); /* api=PORT: the REST API's kernel thread (kernel/api.c; nonet.c without the network) */

	/* argv: the image's workload name, then the words after "--" (an
	 * image without a baked program takes its path from the first of them) */
	static char *argv[CMDLINE_MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)app_name;
	for (int i = 0; i < cl.argc; i++)
		argv[argc++] = cl.argv[i];
	argv[argc] = NULL;
	app_start(argc, argv);
}
