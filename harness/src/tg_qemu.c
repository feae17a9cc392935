/* tg_qemu.c: the QEMU targets `refkernel` (build/refkernel/<w>.img),
 * `linux-vm` (Debian kernel + initramfs from baselines/linux) and
 * `linux-tiny` (baselines/linux-tiny's kernel, the same initramfs); `qemu-image`
 * (tg_image.c) shares everything here but prepare. prepare builds the QEMU
 * command; launch starts QEMU paused (-S) with a QMP socket, wait_ready times
 * VMM start (until QMP answers), sends `cont` and waits for the ready
 * condition (exit, console marker, port), telling an exit from a reset by
 * QMP's events; measure records the boot figures and the footprint, stop
 * kills QEMU and removes the run's temp dir.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"
#include "app.h"

static void rm_tmpdir(void *arg)
{
	char *dir = arg, p[UKB_PATH + 32];

	snprintf(p, sizeof p, "%s/qmp.sock", dir);
	unlink(p);
	rmdir(dir);
	free(dir);
}

/* The options every QEMU target shares (the lead's refkernel contract). */
void tg_qemu_base(struct tg_run *r, const char *machine)
{
	const char *cpu = r->spec->cpu[0] ? r->spec->cpu : r->accel == ACCEL_KVM ? "host" : "max";

	tg_arg(r, "qemu-system-x86_64");
	tg_arg(r, "-M");
	tg_arg(r, "%s", machine);
	tg_arg(r, "-accel");
	tg_arg(r, "%s", r->accel == ACCEL_KVM ? "kvm" : "tcg");
	/* TCG: every feature TCG emulates (QEMU 7.2's lacks RDSEED) */
	snprintf(r->cpu_note, sizeof r->cpu_note, "%s (%s)", cpu,
		 r->spec->cpu[0] ? "the target's cpu =" : r->accel == ACCEL_KVM ?
		 "KVM: the host's CPU" : "TCG: every feature TCG emulates; no RDSEED in QEMU 7.2");
	tg_arg(r, "-cpu");
	tg_arg(r, "%s", cpu);
	tg_arg(r, "-m");
	if (r->mem_kib > 0)
		tg_arg(r, "%dK", r->mem_kib);
	else
		tg_arg(r, "%d", r->mem_mib);
	tg_arg(r, "-smp");
	tg_arg(r, "%d", r->vcpus);
	tg_args_words(r, "-nodefaults -no-user-config -nographic -serial stdio -no-reboot");
	tg_arg(r, "-device");
	tg_arg(r, "isa-debug-exit,iobase=0xf4,iosize=4");
	if (r->spec->exit_device) {	/* a second isa-debug-exit (Unikraft, Solo5) */
		tg_arg(r, "-device");
		tg_arg(r, "isa-debug-exit,iobase=0x%x,iosize=2", r->spec->exit_device);
	}
	if (r->net.active) {
		/* virtio 1.x over mmio for every guest (QEMU 7.2's microvm defaults to
		 * the legacy v1 transport, which the refkernel does not drive) */
		if (!strncmp(machine, "microvm", 7)) {
			tg_arg(r, "-global");
			tg_arg(r, "virtio-mmio.force-legacy=false");
		}
		tg_net_args_qemu(r, machine);
	}
}

static int need_file(struct tg_run *r, const char *rel, char *out, size_t outn,
		     const char *hint, char *why, size_t n)
{
	long long sz;

	ut_path(out, outn, rel);
	sz = ut_file_size(out);
	if (sz < 0) {
		snprintf(why, n, "%s not found: %s", out, hint);
		return -1;
	}
	r->image_size += sz;
	if (r->nfiles < 4)
		ut_strlcpy(r->files[r->nfiles++], out, sizeof r->files[0]);
	return 0;
}

static int refkernel_prepare(struct tg_run *r, char *why, size_t n)
{
	char rel[UKB_PATH];

	if (!r->mem_mib)
		r->mem_mib = TG_MEM_MIB;
	const struct app_def *a = app_find(r->workload);
	if (a)
		return app_refkernel_prepare(r, a, why, n);
	snprintf(rel, sizeof rel, "build/refkernel/%s.img", r->workload);
	if (need_file(r, rel, r->image, sizeof r->image,
		      "the refkernel image is not built yet (make -C refkernel)", why, n))
		return -1;
	tg_refkernel_boot(r, NULL, r->args);
	return 0;
}

void tg_refkernel_boot(struct tg_run *r, const char *initrd, const char *args)
{
	tg_qemu_base(r, "microvm");
	tg_arg(r, "-kernel");
	tg_arg(r, "%s", r->image);
	if (initrd) {
		tg_arg(r, "-initrd");
		tg_arg(r, "%s", initrd);
	}
	tg_arg(r, "-append");
	tg_arg(r, "%s%s%stsc_khz=%.0f -- %s", nt_guest_cmdline(&r->net), r->spec->params,
	       tg_api_cmdline(r), ut_tsc_khz(), args);
}

/* linux-vm and linux-tiny: a kernel from KDIR (vmlinux, KERNEL_HZ) booting
 * linux-vm's initramfs for the workload or app, with the same QEMU options. */
static int linux_prepare(struct tg_run *r, const char *kdir, const char *hint, char *why,
			 size_t n)
{
	char rel[UKB_PATH], initrd[UKB_PATH], hzfile[UKB_PATH];
	struct ut_buf hz = { 0 };
	long khz = (long)ut_tsc_khz(), kernel_hz = 250;

	if (!r->mem_mib)
		r->mem_mib = TG_MEM_MIB;
	snprintf(rel, sizeof rel, "%s/vmlinux", kdir);
	if (need_file(r, rel, r->image, sizeof r->image, hint, why, n))
		return -1;
	const struct app_def *a = app_find(r->workload);
	char cmd[1024];
	snprintf(rel, sizeof rel, "build/linux-vm/%s.cpio.gz", r->workload);
	if (a) {	/* an app: its cpio with our init appended; "-- /program args" */
		if (app_linuxvm_initrd(r, a, initrd, sizeof initrd, why, n))
			return -1;
		app_cmdline(a, r, cmd, sizeof cmd);
	} else if (need_file(r, rel, initrd, sizeof initrd,
			     "no initramfs for this workload (make -C baselines)", why, n)) {
		return -1;
	}
	snprintf(rel, sizeof rel, "%s/KERNEL_HZ", kdir);
	ut_path(hzfile, sizeof hzfile, rel);
	if (ut_read_file(hzfile, &hz) == 0 && atol(hz.p) > 0)
		kernel_hz = atol(hz.p);
	ut_buf_free(&hz);
	tg_qemu_base(r, "microvm");
	tg_arg(r, "-kernel");
	tg_arg(r, "%s", r->image);
	tg_arg(r, "-initrd");
	tg_arg(r, "%s", initrd);
	tg_arg(r, "-append");
	/* baselines/linux/run.sh: the TSC rate on the command line, or a loaded
	 * host can make the guest call its TSC unstable and hang */
	tg_arg(r, "console=ttyS0 quiet panic=-1 tsc_early_khz=%ld lpj=%ld %s-- %s", khz,
	       khz * 1000 / kernel_hz,
	       nt_guest_cmdline(&r->net), a ? cmd : r->args);
	return 0;
}

static int linuxvm_prepare(struct tg_run *r, char *why, size_t n)
{
	return linux_prepare(r, "build/linux-vm",
			     "the Linux VM kernel is not built (make -C baselines)", why, n);
}

static int linuxtiny_prepare(struct tg_run *r, char *why, size_t n)
{
	return linux_prepare(r, "build/linux-tiny",
			     "the linux-tiny kernel is not built (make -C baselines/linux-tiny)", why, n);
}

int tg_qemu_launch(struct tg_run *r, char *why, size_t n)
{
	char *dir;

	snprintf(r->tmpdir, sizeof r->tmpdir, "/tmp/ukbench.%d.XXXXXX", (int)getpid());
	if (!mkdtemp(r->tmpdir)) {
		snprintf(why, n, "cannot create a temp dir in /tmp");
		return -1;
	}
	dir = strdup(r->tmpdir);
	if (dir)
		r->cleanup_id = pr_cleanup_push(rm_tmpdir, dir);
	tg_arg(r, "-S");
	tg_arg(r, "-qmp");
	tg_arg(r, "unix:%s/qmp.sock,server=on,wait=off", r->tmpdir);
	/* QEMU opens the tap inside the run's namespace (joined before exec) */
	if (pr_spawn_ns(&r->proc, r->argv, PR_PERF_SW | (r->accel == ACCEL_KVM ? PR_PERF_KVM : 0),
			r->net.ns[0] ? r->net.ns : NULL, why, n) != 0)
		return -1;
	r->t_launch = r->proc.t_start;
	return 0;
}

struct ready_ctx {
	struct tg_run *r;
	const char *marker;
};

/* The guests' own boot figures, and the console marker if one is awaited. */
static int on_line(void *arg, const char *line, uint64_t t)
{
	struct ready_ctx *c = arg;
	const char *p;

	if ((p = strstr(line, "refkernel: boot_us=")))
		c->r->guest_boot_us = atof(p + strlen("refkernel: boot_us="));
	else if ((p = strstr(line, "linux-vm: ready_us=")))
		c->r->guest_boot_us = atof(p + strlen("linux-vm: ready_us="));
	/* KVM that cannot run the guest: QEMU stops the vCPU and waits forever */
	if (strstr(line, "emulation failure") || strstr(line, "KVM internal error")) {
		snprintf(c->r->fatal, sizeof c->r->fatal,
			 "KVM could not run the guest (%s): use --accel tcg here", line);
		return 1;
	}
	if (c->marker && strstr(line, c->marker)) {
		c->r->t_ready = t;
		return 1;
	}
	return 0;
}

/* pr_read until the deadline; a min_mem probe that printed nothing by its
 * first deadline (r->start_deadline) never started: PR_NOSTART. */
#define PR_NOSTART (-4)
static int read_console(struct tg_run *r, struct ready_ctx *c)
{
	if (r->start_deadline && r->start_deadline < r->deadline) {
		int k = pr_read(&r->proc, r->start_deadline, on_line, c);

		if (k != PR_TIMEOUT)
			return k;
		if (!r->proc.out.len)
			return PR_NOSTART;
	}
	return pr_read(&r->proc, r->deadline, on_line, c);
}

int tg_qemu_wait_ready(struct tg_run *r, char *why, size_t n)
{
	struct ready_ctx c = { .r = r, .marker = NULL };
	char sock[UKB_PATH + 16], how[UKB_WHY];
	int ready = r->spec->ready, k;

	r->guest_boot_us = -1;
	snprintf(sock, sizeof sock, "%s/qmp.sock", r->tmpdir);
	r->qmp = qmp_connect(sock, r->deadline, why, n);
	if (r->qmp < 0) {
		/* QEMU refused to start: its own error line says why */
		if (pr_read(&r->proc, ut_now_ns() + 500000000ull, NULL, NULL) == PR_EOF &&
		    tg_last_line(r)[0])
			snprintf(why, n, "QEMU did not start: %.200s", tg_last_line(r));
		return -1;
	}
	r->t_vmm = ut_now_ns();
	r->t_cont = r->t_vmm;
	/* closed after `cont` went out: the guest ran and QEMU is exiting */
	k = qmp_cmd(r->qmp, "cont", r->deadline, why, n);
	if (k == -1)
		return -1;
	if (r->net.active) {	/* servers, and qemu-image with ready = port */
		if (tg_wait_serving(r, on_line, &c, why, n))
			return -1;
		tg_ready_footprint(r);
		return 0;
	}
	if (ready == READY_MARKER)
		c.marker = r->spec->marker;
	k = read_console(r, &c);
	if (r->fatal[0]) {
		snprintf(why, n, "%s", r->fatal);
		return -1;
	}
	if (k == PR_INTR) {
		snprintf(why, n, "interrupted");
		return -1;
	}
	if (k == PR_NOSTART) {
		snprintf(why, n, "never started: no console output within %.1f s (killed)",
			 (double)(r->start_deadline - r->t_launch) / 1e9);
		return -1;
	}
	if (ready == READY_MARKER) {
		if (k == PR_MATCH) {
			tg_ready_footprint(r);
			return 0;
		}
		if (k == PR_EOF) {
			tg_end_why(r, pr_wait(&r->proc, r->deadline) == PR_EOF ? r->proc.status : -1,
				   how, sizeof how);
			snprintf(why, n, "guest exited before printing \"%s\": %s; last output: %.100s",
				 c.marker, how, tg_last_line(r));
		} else {
			snprintf(why, n, "timed out after %.1f s waiting for \"%s\" (killed); last output: %.100s",
				 r->timeout_ms / 1000.0, c.marker, tg_last_line(r));
		}
		return -1;
	}
	if (tg_wait_exit(r, why, n) != 0)
		return -1;
	return tg_exit_check(r, why, n);
}

int tg_qemu_measure(struct tg_run *r, char *why, size_t n)
{
	tg_sample(r, "boot_to_ready", (double)(r->t_ready - r->t_launch) / 1e6);
	tg_sample(r, "vmm_start", (double)(r->t_vmm - r->t_launch) / 1e6);
	tg_sample(r, "cont_to_ready", (double)(r->t_ready - r->t_cont) / 1e6);
	if (r->guest_boot_us >= 0)
		tg_sample(r, "boot_guest", r->guest_boot_us / 1000.0);
	tg_peak_rss(r);
	int rc = tg_measure_common(r, why, n);
	tg_parse_guest_exit(r);
	return rc;
}

void tg_qemu_stop(struct tg_run *r)
{
	if (!r->end[0] && r->proc.pid > 0 && !r->proc.exited)
		snprintf(r->end, sizeof r->end, "killed after ready");
	if (r->qmp > 0)
		close(r->qmp);
	r->qmp = -1;
	pr_kill(&r->proc);
	pr_cleanup_pop(r->cleanup_id);	/* removes the temp dir */
	r->cleanup_id = -1;
	r->tmpdir[0] = '\0';
}

const struct tg_ops tg_refkernel_ops = {
	.kind = "refkernel",
	.help = "build/refkernel/<w>.img booted by QEMU microvm (PVH)",
	.prepare = refkernel_prepare,
	.launch = tg_qemu_launch,
	.wait_ready = tg_qemu_wait_ready,
	.measure = tg_qemu_measure,
	.stop = tg_qemu_stop,
};

const struct tg_ops tg_linuxvm_ops = {
	.kind = "linux-vm",
	.help = "Debian cloud kernel + initramfs with the same binary, same QEMU",
	.prepare = linuxvm_prepare,
	.launch = tg_qemu_launch,
	.wait_ready = tg_qemu_wait_ready,
	.measure = tg_qemu_measure,
	.stop = tg_qemu_stop,
};

const struct tg_ops tg_linuxtiny_ops = {
	.kind = "linux-tiny",
	.help = "Linux built from Debian's source with a minimal config, linux-vm's initramfs",
	.prepare = linuxtiny_prepare,
	.launch = tg_qemu_launch,
	.wait_ready = tg_qemu_wait_ready,
	.measure = tg_qemu_measure,
	.stop = tg_qemu_stop,
};
