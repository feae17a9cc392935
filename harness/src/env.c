/* env.c: what this host can do. env_probe_accel() decides whether KVM is
 * *usable* the way the design asks: it boots the tiny probe guest
 * (harness/guest/probe.S, a ring-0 loop timed with rdtsc) under TCG and under
 * KVM and counts KVM only when its loop is not slower. env_main() prints the
 * whole inventory; env_meta() puts the host facts into meta.json.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ukb.h"

static struct env_probe probe;

/* Boot the probe guest; the loop's duration in microseconds, or -1. */
static double probe_loop(const char *accel, char *why, size_t n)
{
	char elf[UKB_PATH], line[128];
	struct pr_child c;
	double us = -1;
	char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm", "-accel", (char *)accel, "-cpu",
		!strcmp(accel, "kvm") ? "host" : "max", "-m", "16", "-smp", "1", "-nodefaults",
		"-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot", "-device",
		"isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", elf, NULL,
	};

	snprintf(elf, sizeof elf, "%s/harness/probe.elf", ut_build());
	if (ut_file_size(elf) < 0) {
		snprintf(why, n, "%s missing (make -C harness)", elf);
		return -1;
	}
	if (pr_spawn(&c, argv, 0, why, n) != 0)
		return -1;
	int k = pr_read(&c, ut_now_ns() + 15000000000ull, NULL, NULL);
	const char *p = c.out.p ? strstr(c.out.p, "probe: tsc=") : NULL;

	if (k == PR_EOF && p) {
		us = (double)strtoull(p + 11, NULL, 16) / ut_tsc_khz() * 1000.0;
	} else {
		snprintf(line, sizeof line, "%.100s", c.out.p ? c.out.p : "");
		line[strcspn(line, "\n")] = '\0';
		snprintf(why, n, "%s probe %s%s%s", accel,
			 k == PR_TIMEOUT ? "timed out after 15 s" : "failed",
			 line[0] ? ": " : "", line);
	}
	pr_kill(&c);
	return us;
}

const struct env_probe *env_probe_accel(void)
{
	char why[UKB_WHY] = "";
	int fd;

	if (probe.done)
		return &probe;
	probe.done = 1;
	probe.kvm_loop_us = probe.tcg_loop_us = -1;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	probe.kvm_dev = fd >= 0;
	if (fd >= 0)
		close(fd);
	probe.tcg_loop_us = probe_loop("tcg", why, sizeof why);
	if (probe.tcg_loop_us < 0) {
		snprintf(probe.note, sizeof probe.note, "%s", why);
		return &probe;
	}
	if (!probe.kvm_dev) {
		snprintf(probe.note, sizeof probe.note, "no usable /dev/kvm; tcg loop %.1f ms",
			 probe.tcg_loop_us / 1000);
		return &probe;
	}
	probe.kvm_loop_us = probe_loop("kvm", why, sizeof why);
	if (probe.kvm_loop_us < 0) {
		snprintf(probe.note, sizeof probe.note, "%s", why);
		return &probe;
	}
	probe.kvm_usable = probe.kvm_loop_us <= probe.tcg_loop_us;
	snprintf(probe.note, sizeof probe.note,
		 "ring-0 loop: tcg %.1f ms, kvm %.1f ms: KVM %s", probe.tcg_loop_us / 1000,
		 probe.kvm_loop_us / 1000,
		 probe.kvm_usable ? "not slower, usable" : "slower, not used");
	return &probe;
}

static void cpu_model(char *out, size_t n)
{
	struct ut_buf b = { 0 };
	char *p;

	ut_strlcpy(out, "unknown", n);
	if (ut_read_file("/proc/cpuinfo", &b) == 0 && (p = strstr(b.p, "model name"))) {
		p = strchr(p, ':');
		if (p) {
			p++;
			snprintf(out, n, "%.*s", (int)strcspn(p, "\n"), p);
			memmove(out, ut_trim(out), strlen(ut_trim(out)) + 1);
		}
	}
	ut_buf_free(&b);
}

static long mem_kib(void)
{
	struct ut_buf b = { 0 };
	long v = -1;
	char *p;

	if (ut_read_file("/proc/meminfo", &b) == 0 && (p = strstr(b.p, "MemTotal:")))
		v = atol(p + 9);
	ut_buf_free(&b);
	return v;
}

static void version_of(const char *tool, const char *flag, char *out, size_t n)
{
	char *argv[] = { (char *)tool, (char *)flag, NULL };

	if (!ut_have_tool(tool)) {
		ut_strlcpy(out, "missing", n);
		return;
	}
	if (ut_capture(argv, out, n, 5000) < 0 || !out[0])
		ut_strlcpy(out, "present", n);
}

static int netns_ok(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0)
		return 0;
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int perf_ok(void)
{
	int fds[PF_N];
	int ok = pf_open(getpid(), fds) == 0;

	pf_close(fds);
	return ok;
}

void env_meta(struct ut_buf *b)
{
	struct utsname u;
	char cpu[128], qemu[128], runc[128], redis[128], gp[128], ipv[128];

	uname(&u);
	cpu_model(cpu, sizeof cpu);
	version_of("qemu-system-x86_64", "--version", qemu, sizeof qemu);
	version_of("runc", "--version", runc, sizeof runc);
	version_of("redis-benchmark", "--version", redis, sizeof redis);
	version_of("gnuplot", "--version", gp, sizeof gp);
	version_of("ip", "-V", ipv, sizeof ipv);
	ut_buf_printf(b, "  \"host\": {\"name\": ");
	ut_json_str(b, u.nodename);	/* merge.c: which host ran which block */
	ut_buf_printf(b, ", \"cpu\": ");
	ut_json_str(b, cpu);
	ut_buf_printf(b, ", \"cores\": %ld, \"mem_kib\": %ld, \"kernel\": ",
		      sysconf(_SC_NPROCESSORS_ONLN), mem_kib());
	ut_json_str(b, u.release);
	ut_buf_printf(b, "},\n  \"tools\": {\"qemu\": ");
	ut_json_str(b, qemu);
	ut_buf_printf(b, ", \"runc\": ");
	ut_json_str(b, runc);
	ut_buf_printf(b, ", \"redis_benchmark\": ");
	ut_json_str(b, redis);
	ut_buf_printf(b, ", \"wrk\": \"%s\"", ut_have_tool("wrk") ? "present (no version flag)" : "missing");
	ut_buf_printf(b, ", \"gnuplot\": ");
	ut_json_str(b, gp);
	ut_buf_printf(b, ", \"iproute2\": ");
	ut_json_str(b, ipv);
	for (int k = 0; k < 2; k++) {	/* linux_vm_kernel, linux_tiny_kernel */
		char path[UKB_PATH];
		struct ut_buf v = { 0 };

		ut_buf_printf(b, ", \"linux_%s_kernel\": ", k ? "tiny" : "vm");
		ut_path(path, sizeof path, k ? "build/linux-tiny/VERSION" : "build/linux-vm/VERSION");
		ut_read_file(path, &v);
		ut_json_str(b, v.p ? ut_trim(v.p) : "not built");
		ut_buf_free(&v);
	}
	ut_buf_printf(b, "},\n");
	if (probe.done) {
		ut_buf_printf(b, "  \"accel_probe\": {\"kvm_dev\": %s, \"kvm_usable\": %s, "
				 "\"tcg_loop_us\": %.1f, \"kvm_loop_us\": %.1f, \"note\": ",
			      probe.kvm_dev ? "true" : "false", probe.kvm_usable ? "true" : "false",
			      probe.tcg_loop_us, probe.kvm_loop_us);
		ut_json_str(b, probe.note);
		ut_buf_printf(b, "},\n");
	}
}

static void built(const char *label, const char *fmt)
{
	int nw;
	const struct wl_info *w = wl_all(&nw);
	char rel[UKB_PATH], path[UKB_PATH];

	printf("%-16s", label);
	for (int i = 0; i < nw; i++) {
		snprintf(rel, sizeof rel, fmt, w[i].name);
		ut_path(path, sizeof path, rel);
		if (access(path, F_OK) == 0)
			printf(" %s", w[i].name);
	}
	printf("\n");
}

int env_main(int argc, char **argv)
{
	char s[128];
	struct utsname u;
	const struct env_probe *e;
	static const char *const tools[] = { "qemu-system-x86_64", "runc", "podman", "ip",
					     "wrk", "redis-benchmark", "gnuplot", NULL };

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ukbench env\n"
		       "Print what this host can do: CPU, TSC rate, whether KVM is usable (a ring-0\n"
		       "loop in a tiny guest timed under KVM and TCG; KVM counts only if not slower),\n"
		       "runc, podman, network namespaces, load generators, and what is built.\n");
		return 0;
	}
	if (argc > 1) {
		ut_err("env takes no arguments (see ukbench env --help)");
		return 2;
	}
	uname(&u);
	cpu_model(s, sizeof s);
	printf("cpu:            %s, %ld cores, %ld MiB\n", s, sysconf(_SC_NPROCESSORS_ONLN),
	       mem_kib() / 1024);
	printf("kernel:         %s %s\n", u.sysname, u.release);
	printf("tsc_khz:        %.0f\n", ut_tsc_khz());
	fflush(stdout);
	e = env_probe_accel();
	printf("kvm:            %s; %s\n", e->kvm_dev ? "/dev/kvm opens" : "no /dev/kvm",
	       e->note);
	printf("accel auto:     %s\n", e->kvm_usable ? "kvm" : "tcg");
	printf("kvm tracepoints:%s\n",
	       access("/sys/kernel/tracing/events/kvm/kvm_exit/id", R_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/events/kvm/kvm_exit/id", R_OK) == 0 ?
	       " readable (counted per KVM run)" : " not readable (tracefs not mounted or no kvm events)");
	printf("perf counters:  %s\n", perf_ok() ? "software counters open" : "perf_event_open refused");
	printf("netns:          %s\n", netns_ok() ? "yes (root, unshare(CLONE_NEWNET) works)" :
						    "no (not root or not permitted)");
	printf("tap:            %s\n", access("/dev/net/tun", R_OK | W_OK) == 0 ? "/dev/net/tun" : "no");
	for (int i = 0; tools[i]; i++) {
		char v[128];

		version_of(tools[i], !strcmp(tools[i], "ip") ? "-V" : "--version", v, sizeof v);
		if (!strcmp(tools[i], "wrk") && strcmp(v, "missing"))
			ut_strlcpy(v, "present", sizeof v);	/* wrk has no version flag */
		printf("%-19s %s\n", tools[i], v);
	}
	built("workloads:", "build/workloads/%s");
	built("refkernel:", "build/refkernel/%s.img");
	built("linux-vm:", "build/linux-vm/%s.cpio.gz");
	built("container:", "build/container/%s/config.json");
	return 0;
}
