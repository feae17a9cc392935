/* sys_procfs.c — what /proc and /sys say (fs/procfs.c builds the trees):
 * only what programs read, each file from what the kernel knows: the
 * address space (mm_region_next), the threads and their CPU time, the
 * frame allocator, the fd table, the credentials and signal masks of
 * sys_proc.h. One process, pid 1: /proc/self links to /proc/1, and
 * /proc/1/task/<tid> is not there (no program here reads it). Part of fs.o. */
#include "kernel.h"
#include "syscall.h"
#include "ksched.h"
#include "vfs.h"
#include "vdso.h"
#include "x86.h"
#include "sys_fs.h"
#include "sys_proc.h"
#include "kfmt.h"

#define PROC_SUPER_MAGIC  0x9fa0
#define SYSFS_MAGIC       0x62656572
#define USER_HZ 100
#define NS_PER_TICK (1000000000ULL / USER_HZ)

static uint64_t kib(uint64_t bytes) { return bytes >> 10; }

static int64_t text(char *buf, size_t n, const char *s)
{
	size_t len = strlen(s);
	if (len > n)
		len = n;
	memcpy(buf, s, len);
	return (int64_t)len;
}

/* ---- /proc/self and the fds ---- */

static int64_t self_link(char *buf, size_t n) { return text(buf, n, "1"); }

static int64_t exe_link(char *buf, size_t n) { return text(buf, n, app_argv && app_argv[0] ? app_argv[0] : "/"); }

static int64_t cwd_link(char *buf, size_t n)
{
	int64_t len = vfs_path_of(vfs_cwd(), buf, n);
	return len > 0 ? len - 1 : len;
}

static int64_t root_link(char *buf, size_t n) { return text(buf, n, "/"); }

int64_t sys_procfs_fd_link(int fd, char *buf, size_t n)
{
	struct kfile *k = fd_get((unsigned)fd);
	if (!k)
		return -EBADF;
	struct vfs_file *f = sys_fs_file(k);
	if (f) {
		int64_t len = vfs_name_of(f->vn, buf, n);
		if (len > 0)
			return len - 1;
		if (len != -ENOENT)
			return len;
		len = kfmt_snprintf(buf, n, "/[deleted] (inode %lu)", (unsigned long)f->vn->ino);
		return MIN((int64_t)len, (int64_t)n);
	}
	int len = kfmt_snprintf(buf, n, sys_kfile_kind(k), (unsigned long)k->id);
	return MIN((int64_t)len, (int64_t)n);
}

const char *sys_kfile_kind(const struct kfile *k)
{
	if (sys_is_pipe(k))
		return "pipe:[%lu]";
	const char *kind;
	if (sys_is_epoll(k))
		return "anon_inode:[eventpoll]";
	if (sys_is_event(k, &kind))
		return kind;
	return "socket:[%lu]"; /* the one other kind there is (sys_socket.c) */
}

static int fd_next(int after)
{
	for (int fd = after + 1; fd < FD_MAX; fd++)
		if (fd_get((unsigned)fd))
			return fd;
	return -1;
}

/* ---- /proc/1: the process ---- */

static void gen_cmdline(struct pfs_buf *b)
{
	for (int i = 0; i < app_argc; i++) {
		pfs_printf(b, "%s", app_argv[i]);
		pfs_printf(b, "%c", 0);
	}
}

static void gen_environ(struct pfs_buf *b)
{
	pfs_printf(b, "HOME=/%c", 0); /* what app.c passes */
}

static void gen_comm(struct pfs_buf *b)
{
	struct thread *t = sched_find(1);
	pfs_printf(b, "%s\n", t ? t->comm : sched_current->comm);
}

struct vm { uint64_t size, rss, data, stack, exe; };

static struct vm vm_now(void)
{
	struct vm v = { 0 };
	struct mm_region r;
	for (uint64_t a = 0; mm_region_next(a, &r); a = r.end) {
		v.size += r.end - r.start;
		v.rss += r.resident * 4096;
		if (r.start >= app_stack_base && r.end <= app_stack_top)
			v.stack += r.end - r.start;
		else if ((r.prot & MM_PROT_X))
			v.exe += r.end - r.start;
		else if ((r.prot & MM_PROT_W))
			v.data += r.end - r.start;
	}
	return v;
}

/* As Linux's show_map_vma: the name (a file's path, "/dev/zero (deleted)"
 * for anonymous shared memory, or [heap], [stack], [vdso], [vvar]) after the line is padded to 72 characters and a space;
 * a file mapping shows its offset, device and inode, 's' when shared. */
static void gen_maps(struct pfs_buf *b)
{
	struct mm_region r;
	uint64_t brk_cur, brk = mm_brk_start(&brk_cur);
	char path[VFS_PATH_MAX];
	for (uint64_t a = 0; mm_region_next(a, &r); a = r.end) {
		const char *name = "";
		uint64_t dev = 0, ino = 0, off = 0;
		if (r.pager) {
			int64_t n = r.pager->name(r.obj, path, sizeof(path), &dev, &ino);
			path[n >= 0 && (size_t)n < sizeof(path) ? n : 0] = 0;
			name = path;
			off = r.off;
		} else if (r.zero) { /* Linux's shmem file of an anonymous MAP_SHARED (on its dev 00:01) */
			name = "/dev/zero (deleted)";
			dev = 1;
		} else if (r.start >= app_stack_base && r.end <= app_stack_top)
			name = "[stack]";
		else if (r.start >= brk && r.end <= ALIGN_UP(brk_cur, 4096) && brk_cur > brk)
			name = "[heap]";
		else if (app_vdso && r.start >= VDSO_ADDR && r.start < VDSO_DATA_ADDR)
			name = "[vdso]";
		else if (r.start == VDSO_DATA_ADDR)
			name = "[vvar]";
		char head[128];
		int len = kfmt_snprintf(head, sizeof(head), "%08lx-%08lx %c%c%c%c %08lx %02lx:%02lx %lu ",
					(unsigned long)r.start, (unsigned long)r.end, "-r"[!!(r.prot & MM_PROT_R)],
					"-w"[!!(r.prot & MM_PROT_W)], "-x"[!!(r.prot & MM_PROT_X)], "ps"[r.shared],
					(unsigned long)off, (unsigned long)((dev >> 8) & 0xfff), (unsigned long)(dev & 0xff),
					(unsigned long)ino);
		if (*name)
			pfs_printf(b, "%s%*s%s\n", head, len < 72 ? 73 - len : 1, "", name);
		else
			pfs_printf(b, "%s\n", head);
	}
}

static uint64_t ticks(uint64_t ns) { return ns / NS_PER_TICK; }

static void gen_stat(struct pfs_buf *b)
{
	struct vm v = vm_now();
	uint64_t brk_cur, brk = mm_brk_start(&brk_cur);
	extern uint64_t x86_page_faults;
	struct thread *t = sched_find(1);
	pfs_printf(b, "1 (%s) R 0 1 1 0 -1 4194560 %lu 0 0 0 %lu 0 0 0 20 0 %d 0 %lu %lu %lu %lu ",
		   t ? t->comm : "", (unsigned long)x86_page_faults, (unsigned long)ticks(sched_cpu_ns(true)),
		   sched_nthreads(), (unsigned long)ticks(app_start_ns), (unsigned long)v.size,
		   (unsigned long)(v.rss / 4096), (unsigned long)sys_rlimits[5].cur);
	pfs_printf(b, "0 0 %lu 0 0 0 %lu %lu %lu 0 0 0 17 0 0 0 0 0 0 0 0 %lu %lu %lu %lu %lu %lu 0\n",
		   (unsigned long)app_stack_top, (unsigned long)(sys_sig_pending() & 0x7fffffff),
		   (unsigned long)(sys_sig_blocked() & 0x7fffffff), (unsigned long)(sys_sig_ignored() & 0x7fffffff),
		   (unsigned long)brk, (unsigned long)brk_cur, 0UL, 0UL, 0UL, 0UL);
}

static void gen_statm(struct pfs_buf *b)
{
	struct vm v = vm_now();
	pfs_printf(b, "%lu %lu 0 %lu 0 %lu 0\n", (unsigned long)(v.size / 4096), (unsigned long)(v.rss / 4096),
		   (unsigned long)(v.exe / 4096), (unsigned long)((v.data + v.stack) / 4096));
}

static void gen_status(struct pfs_buf *b)
{
	struct vm v = vm_now();
	const struct sys_cred *c = &sys_cred;
	struct thread *t = sched_find(1);
	unsigned mask = vfs_umask(0);
	vfs_umask(mask);
	pfs_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\n"
		   "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t",
		   t ? t->comm : "", mask, c->ruid, c->euid, c->suid, c->fsuid, c->rgid, c->egid, c->sgid,
		   c->fsgid, FD_MAX);
	for (int i = 0; i < c->ngroups; i++)
		pfs_printf(b, "%u ", c->groups[i]);
	pfs_printf(b, "\nNStgid:\t1\nNSpid:\t1\nNSpgid:\t1\nNSsid:\t1\n");
	pfs_printf(b, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
		   "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\n"
		   "RssShmem:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n"
		   "VmLib:\t%8lu kB\nVmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\n",
		   (unsigned long)kib(v.size), (unsigned long)kib(v.size), 0UL, 0UL,
		   (unsigned long)kib(v.rss), (unsigned long)kib(v.rss), (unsigned long)kib(v.rss), 0UL, 0UL,
		   (unsigned long)kib(v.data), (unsigned long)kib(v.stack), (unsigned long)kib(v.exe), 0UL,
		   0UL, 0UL);
	pfs_printf(b, "Threads:\t%d\nSigQ:\t0/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n"
		   "SigIgn:\t%016lx\nSigCgt:\t%016lx\nCapInh:\t0000000000000000\n"
		   "CapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t000001ffffffffff\nNoNewPrivs:\t0\n"
		   "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
		   "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n",
		   sched_nthreads(), (unsigned long)sys_rlimits[11].cur, (unsigned long)sys_sig_pending(),
		   (unsigned long)sys_sig_pending(), (unsigned long)sys_sig_blocked(),
		   (unsigned long)sys_sig_ignored(), (unsigned long)sys_sig_caught(),
		   c->euid ? "0000000000000000" : "000001ffffffffff",
		   c->euid ? "0000000000000000" : "000001ffffffffff",
		   (unsigned long)(sched_switches - sched_preemptions), (unsigned long)sched_preemptions);
}

static void gen_limits(struct pfs_buf *b)
{
	static const char *const names[SYS_RLIMIT_NLIMITS][2] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" }, { "Max data size", "bytes" },
		{ "Max stack size", "bytes" }, { "Max core file size", "bytes" },
		{ "Max resident set", "bytes" }, { "Max processes", "processes" },
		{ "Max open files", "files" }, { "Max locked memory", "bytes" },
		{ "Max address space", "bytes" }, { "Max file locks", "locks" },
		{ "Max pending signals", "signals" }, { "Max msgqueue size", "bytes" },
		{ "Max nice priority", "" }, { "Max realtime priority", "" },
		{ "Max realtime timeout", "us" },
	};
	pfs_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < SYS_RLIMIT_NLIMITS; i++) {
		char s[24], h[24];
		const struct sys_rlimit *l = &sys_rlimits[i];
		if (l->cur == SYS_RLIM_INFINITY) kfmt_snprintf(s, sizeof(s), "unlimited");
		else kfmt_snprintf(s, sizeof(s), "%lu", (unsigned long)l->cur);
		if (l->max == SYS_RLIM_INFINITY) kfmt_snprintf(h, sizeof(h), "unlimited");
		else kfmt_snprintf(h, sizeof(h), "%lu", (unsigned long)l->max);
		pfs_printf(b, "%-25s %-20s %-20s %-10s\n", names[i][0], s, h, names[i][1]);
	}
}

static void gen_mounts(struct pfs_buf *b)
{
	pfs_printf(b, "rootfs / ramfs rw 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n"
		   "sysfs /sys sysfs rw,nosuid,nodev,noexec 0 0\n");
}

static void gen_cgroup(struct pfs_buf *b) { pfs_printf(b, "0::/\n"); }

/* ---- /proc: the machine ---- */

static void gen_cpuinfo(struct pfs_buf *b)
{
	uint32_t r[4], max, vendor[4] = { 0 }, brand[13] = { 0 };
	cpuid(0, 0, r);
	max = r[0];
	vendor[0] = r[1]; vendor[1] = r[3]; vendor[2] = r[2];
	cpuid(1, 0, r);
	uint32_t eax1 = r[0], ecx1 = r[2], edx1 = r[3], ebx7 = 0;
	if (max >= 7) {
		uint32_t s[4];
		cpuid(7, 0, s);
		ebx7 = s[1];
	}
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004)
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[i * 4]);
	const char *bs = (const char *)brand;
	while (*bs == ' ')
		bs++;
	uint32_t fam = (eax1 >> 8) & 15, model = (eax1 >> 4) & 15;
	if (fam == 15)
		fam += (eax1 >> 20) & 255;
	if (fam >= 6)
		model |= ((eax1 >> 16) & 15) << 4;
	pfs_printf(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n"
		   "stepping\t: %u\ncpu MHz\t\t: %lu.%03lu\ncache size\t: 512 KB\nphysical id\t: 0\n"
		   "siblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
		   "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
		   (const char *)vendor, fam, model, *bs ? bs : "unknown", eax1 & 15,
		   (unsigned long)(time_tsc_khz / 1000), (unsigned long)(time_tsc_khz % 1000), max);
	static const struct { uint8_t reg, bit; const char *name; } flags[] = {
		{ 0, 0, "fpu" }, { 0, 4, "tsc" }, { 0, 5, "msr" }, { 0, 8, "cx8" }, { 0, 9, "apic" },
		{ 0, 15, "cmov" }, { 0, 23, "mmx" }, { 0, 24, "fxsr" }, { 0, 25, "sse" }, { 0, 26, "sse2" },
		{ 1, 0, "pni" }, { 1, 1, "pclmulqdq" }, { 1, 9, "ssse3" }, { 1, 12, "fma" }, { 1, 13, "cx16" },
		{ 1, 19, "sse4_1" }, { 1, 20, "sse4_2" }, { 1, 22, "movbe" }, { 1, 23, "popcnt" },
		{ 1, 25, "aes" }, { 1, 26, "xsave" }, { 1, 28, "avx" }, { 1, 29, "f16c" }, { 1, 30, "rdrand" },
		{ 2, 3, "bmi1" }, { 2, 5, "avx2" }, { 2, 8, "bmi2" }, { 2, 9, "erms" }, { 2, 16, "avx512f" },
		{ 2, 18, "rdseed" }, { 2, 19, "adx" }, { 2, 29, "sha_ni" },
	};
	uint32_t regs[3] = { edx1, ecx1, ebx7 };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (regs[flags[i].reg] & (1u << flags[i].bit))
			pfs_printf(b, " %s", flags[i].name);
	pfs_printf(b, "\nbogomips\t: %lu.%02lu\nclflush size\t: 64\ncache_alignment\t: 64\n"
		   "address sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n",
		   (unsigned long)(time_tsc_khz / 500), (unsigned long)(time_tsc_khz / 5 % 100));
}

static void gen_meminfo(struct pfs_buf *b)
{
	uint64_t total = mem_total_bytes(), free = mem_free_bytes();
	uint64_t files = vfs_root() ? ramfs_pages_used(vfs_root()->mnt) * 4096 : 0;
	struct vm v = vm_now();
	pfs_printf(b, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
		   "Buffers:        %8lu kB\nCached:         %8lu kB\nSwapCached:     %8lu kB\n"
		   "Active:         %8lu kB\nInactive:       %8lu kB\nShmem:          %8lu kB\n"
		   "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\nAnonPages:      %8lu kB\n"
		   "Mapped:         %8lu kB\nCommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n"
		   "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n",
		   (unsigned long)kib(total), (unsigned long)kib(free), (unsigned long)kib(free), 0UL,
		   (unsigned long)kib(files), 0UL, (unsigned long)kib(v.rss), 0UL, (unsigned long)kib(files),
		   0UL, 0UL, (unsigned long)kib(v.rss), 0UL, (unsigned long)kib(total),
		   (unsigned long)kib(v.size));
}

static void gen_uptime(struct pfs_buf *b)
{
	uint64_t up = time_ns(), idle = idle_ns;
	pfs_printf(b, "%lu.%02lu %lu.%02lu\n", (unsigned long)(up / 1000000000ULL),
		   (unsigned long)(up / 10000000ULL % 100), (unsigned long)(idle / 1000000000ULL),
		   (unsigned long)(idle / 10000000ULL % 100));
}

static void gen_stat_all(struct pfs_buf *b)
{
	uint64_t user = ticks(sched_cpu_ns(true)), idle = ticks(idle_ns);
	uint64_t boot_s = (time_realtime_ns() - time_ns()) / 1000000000ULL;
	for (int i = 0; i < 2; i++)
		pfs_printf(b, "cpu%s %lu 0 0 %lu 0 0 0 0 0 0\n", i ? "0" : " ", (unsigned long)user,
			   (unsigned long)idle);
	pfs_printf(b, "intr %lu\nctxt %lu\nbtime %lu\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n",
		   (unsigned long)irq_count, (unsigned long)sched_switches, (unsigned long)boot_s);
}

static void gen_loadavg(struct pfs_buf *b) { pfs_printf(b, "0.00 0.00 0.00 1/%d 1\n", sched_nthreads()); }

static void gen_uuid(struct pfs_buf *b)
{
	uint8_t u[16];
	rand_bytes(u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++)
		pfs_printf(b, "%02x%s", u[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	pfs_printf(b, "\n");
}

static void gen_hostname(struct pfs_buf *b) { pfs_printf(b, "%s\n", sys_hostname()); }
static void gen_osrelease(struct pfs_buf *b) { pfs_printf(b, "0.1\n"); }
static void gen_ostype(struct pfs_buf *b) { pfs_printf(b, "refkernel\n"); }
static void gen_somaxconn(struct pfs_buf *b) { pfs_printf(b, "4096\n"); } /* sys_listen's clamp */
static void gen_overcommit(struct pfs_buf *b) { pfs_printf(b, "0\n"); }  /* mm.c: heuristic */
static void gen_nr_open(struct pfs_buf *b) { pfs_printf(b, "%d\n", FD_MAX); }
static void gen_file_max(struct pfs_buf *b) { pfs_printf(b, "%d\n", FD_MAX); }
static void gen_pid_max(struct pfs_buf *b) { pfs_printf(b, "4194304\n"); }
static void gen_ngroups_max(struct pfs_buf *b) { pfs_printf(b, "%d\n", SYS_NGROUPS_MAX); }
static void gen_cpu0(struct pfs_buf *b) { pfs_printf(b, "0\n"); }
static void gen_thp(struct pfs_buf *b) { pfs_printf(b, "always madvise [never]\n"); } /* 4 KiB pages only */
static void gen_thp_defrag(struct pfs_buf *b) { pfs_printf(b, "always defer defer+madvise madvise [never]\n"); }
static void gen_filesystems(struct pfs_buf *b) { pfs_printf(b, "nodev\tramfs\nnodev\tproc\nnodev\tsysfs\n"); }

static const struct pfs_entry proc_entries[] = {
	{ .path = "self", .link = self_link },
	{ .path = "1/exe", .link = exe_link },
	{ .path = "1/cwd", .link = cwd_link },
	{ .path = "1/root", .link = root_link },
	{ .path = "1/fd", .fd_link = sys_procfs_fd_link, .fd_next = fd_next },
	{ .path = "1/maps", .gen = gen_maps },
	{ .path = "1/stat", .gen = gen_stat },
	{ .path = "1/statm", .gen = gen_statm },
	{ .path = "1/status", .gen = gen_status },
	{ .path = "1/cmdline", .gen = gen_cmdline },
	{ .path = "1/environ", .gen = gen_environ, .mode = 0400 },
	{ .path = "1/comm", .gen = gen_comm, .mode = 0644 },
	{ .path = "1/limits", .gen = gen_limits },
	{ .path = "1/mounts", .gen = gen_mounts },
	{ .path = "1/cgroup", .gen = gen_cgroup },
	{ .path = "mounts", .link = NULL, .gen = gen_mounts },
	{ .path = "cpuinfo", .gen = gen_cpuinfo },
	{ .path = "meminfo", .gen = gen_meminfo },
	{ .path = "uptime", .gen = gen_uptime },
	{ .path = "stat", .gen = gen_stat_all },
	{ .path = "loadavg", .gen = gen_loadavg },
	{ .path = "filesystems", .gen = gen_filesystems },
	{ .path = "sys/net/core/somaxconn", .gen = gen_somaxconn },
	{ .path = "sys/kernel/random/uuid", .gen = gen_uuid },
	{ .path = "sys/kernel/hostname", .gen = gen_hostname },
	{ .path = "sys/kernel/osrelease", .gen = gen_osrelease },
	{ .path = "sys/kernel/ostype", .gen = gen_ostype },
	{ .path = "sys/kernel/pid_max", .gen = gen_pid_max },
	{ .path = "sys/kernel/ngroups_max", .gen = gen_ngroups_max },
	{ .path = "sys/vm/overcommit_memory", .gen = gen_overcommit },
	{ .path = "sys/fs/nr_open", .gen = gen_nr_open },
	{ .path = "sys/fs/file-max", .gen = gen_file_max },
};

static const struct pfs_entry sys_entries[] = {
	{ .path = "devices/system/cpu/online", .gen = gen_cpu0 },
	{ .path = "devices/system/cpu/possible", .gen = gen_cpu0 },
	{ .path = "devices/system/cpu/present", .gen = gen_cpu0 },
	{ .path = "kernel/mm/transparent_hugepage/enabled", .gen = gen_thp },
	{ .path = "kernel/mm/transparent_hugepage/defrag", .gen = gen_thp_defrag },
};

static void mount_one(const char *path, const char *name, uint64_t magic, uint64_t dev,
		      const struct pfs_entry *e, size_t n)
{
	struct vfs_mount *m = pfs_new(name, magic, dev, e, n);
	int r = m ? vfs_mknod(NULL, path, VFS_IFDIR | 0555, 0, NULL) : -ENOMEM;
	if (r == -EEXIST || r == 0)
		r = vfs_mount(path, m);
	if (r)
		kprintf("refkernel: warning: %s not mounted (%d)\n", path, r);
}

void sys_procfs_mount(void)
{
	mount_one("/proc", "proc", PROC_SUPER_MAGIC, 3, proc_entries, ARRAY_SIZE(proc_entries));
	mount_one("/sys", "sysfs", SYSFS_MAGIC, 4, sys_entries, ARRAY_SIZE(sys_entries));
}
