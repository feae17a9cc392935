/* app_tg.c: apps on the targets. Each target's prepare (and launch, for
 * native and container) hands an app to these: the same build/apps/<app>.cpio
 * everywhere — unpacked and chrooted into (native), unpacked as the bundle's
 * rootfs (container), the initramfs with our init appended (linux-vm), the
 * -initrd of the bare kernel build/refkernel/refkernel.img (refkernel).
 * Then app_measure() replaces tg_measure_common()'s body for apps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

/* meta.json's files: the cpio, its manifest, the program as the target sees
 * it (after the kernel for linux-vm; r->files holds 4) */
static void app_files(struct tg_run *r, const char *cpio, const char *program)
{
	if (r->nfiles > 1)
		r->nfiles = 1;	/* after the kernel, for linux-vm */
	ut_strlcpy(r->files[r->nfiles++], cpio, sizeof r->files[0]);
	snprintf(r->files[r->nfiles++], sizeof r->files[0], "%.*s.manifest", (int)(strlen(cpio) - 5), cpio);
	ut_strlcpy(r->files[r->nfiles++], program, sizeof r->files[0]);
}

/* The program and its arguments, then the job's own ones. */
void app_cmdline(const struct app_def *a, const struct tg_run *r, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s%s", a->program, a->args[0] ? " " : "", a->args,
		 r->args[0] ? " " : "", r->args);
}

int app_native_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	char cpio[UKB_PATH], prog[UKB_PATH * 2];

	if (geteuid() != 0) {
		snprintf(why, n, "app %s on native: chroot into its tree needs root", a->name);
		return -1;
	}
	if (app_build(a, "native", cpio, sizeof cpio, why, n) != 0)
		return -1;
	snprintf(prog, sizeof prog, "%s/native/%s%s", ut_build(), a->name, a->program);
	ut_strlcpy(r->image, cpio, sizeof r->image);
	r->image_size = ut_file_size(cpio);
	app_files(r, cpio, prog);
	return 0;
}

int app_native_launch(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	char cmd[1024], root[UKB_PATH];

	if (r->net.kind == NT_USER) {
		snprintf(why, n, "app %s needs the run's network namespace (root)", a->name);
		return -1;
	}
	snprintf(root, sizeof root, "%s/native/%s", ut_build(), a->name);
	app_cmdline(a, r, cmd, sizeof cmd);
	/* baselines/native/run.sh's chroot: a private /tmp, the host's /dev and /proc */
	tg_arg(r, "unshare");
	tg_arg(r, "-m");
	tg_arg(r, "--propagation");
	tg_arg(r, "private");
	tg_arg(r, "sh");
	tg_arg(r, "-c");
	tg_arg(r, "r=$0; mount -t tmpfs -o mode=1777,size=64m tmpfs \"$r/tmp\" && "
		  "mount --rbind /dev \"$r/dev\" && mount -t proc proc \"$r/proc\" && "
		  "exec chroot \"$r\" \"$@\"");
	tg_arg(r, "%s", root);
	tg_args_words(r, cmd);
	if (pr_spawn_ns(&r->proc, r->argv, PR_PERF_SW, r->net.ns[0] ? r->net.ns : NULL, why, n))
		return -1;
	r->t_launch = r->proc.t_start;
	return 0;
}

int app_container_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	char cpio[UKB_PATH], prog[UKB_PATH * 2];

	if (app_build(a, "container", cpio, sizeof cpio, why, n) != 0)
		return -1;
	snprintf(prog, sizeof prog, "%s/container/%s/rootfs%s", ut_build(), a->name, a->program);
	ut_strlcpy(r->image, prog, sizeof r->image);
	r->image_size = ut_file_size(cpio);
	app_files(r, cpio, prog);
	return 0;
}

/* build/linux-vm/<app>.initrd: the app's cpio, then init-apps.cpio. */
int app_linuxvm_initrd(struct tg_run *r, const struct app_def *a, char *initrd, size_t in,
		       char *why, size_t n)
{
	char cpio[UKB_PATH], init[UKB_PATH], cmd[3 * UKB_PATH + 64], prog[UKB_PATH];
	struct stat sc, si, so;

	if (app_build(a, NULL, cpio, sizeof cpio, why, n) != 0)
		return -1;
	snprintf(init, sizeof init, "%s/linux-vm/init-apps.cpio", ut_build());
	snprintf(initrd, in, "%s/linux-vm/%s.initrd", ut_build(), a->name);
	if (stat(init, &si) != 0) {
		snprintf(why, n, "%s not built (make -C baselines/linux)", init);
		return -1;
	}
	if (stat(cpio, &sc) != 0 || stat(initrd, &so) != 0 || so.st_mtime < sc.st_mtime ||
	    so.st_mtime < si.st_mtime) {
		snprintf(cmd, sizeof cmd, "cat %s %s > %s.tmp && mv %s.tmp %s", cpio, init, initrd,
			 initrd, initrd);
		if (system(cmd) != 0) {
			snprintf(why, n, "cannot write %s", initrd);
			return -1;
		}
	}
	/* the program's bytes are the cpio's (the manifest lists them) */
	snprintf(prog, sizeof prog, "%s", a->program);
	app_files(r, cpio, prog);
	r->image_size += ut_file_size(initrd);
	return 0;
}

/* The bare kernel with the app's cpio as -initrd, the program's command
 * line after "--": the same QEMU options as every refkernel run. */
int app_refkernel_prepare(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	char cpio[UKB_PATH], cmd[1024];
	long long ksz;

	ut_path(r->image, sizeof r->image, "build/refkernel/refkernel.img");
	ksz = ut_file_size(r->image);
	if (ksz < 0) {
		snprintf(why, n, "%s not found: the bare refkernel is not built (make -C refkernel)",
			 r->image);
		return -1;
	}
	if (app_build(a, NULL, cpio, sizeof cpio, why, n) != 0)
		return -1;
	ut_strlcpy(r->files[0], r->image, sizeof r->files[0]);
	r->nfiles = 1;
	/* the program's bytes are the cpio's (the manifest lists them) */
	app_files(r, cpio, a->program);
	r->image_size = ksz + ut_file_size(cpio);
	app_cmdline(a, r, cmd, sizeof cmd);
	tg_refkernel_boot(r, cpio, cmd);
	return 0;
}

int app_measure(struct tg_run *r, const struct app_def *a, char *why, size_t n)
{
	int rc = 0;

	tg_sample(r, "image_size", (double)r->image_size);
	if (r->net.active)
		rc = app_load_phase(r, a, why, n);
	tg_counters(r);
	if (!r->net.active && rc == 0)
		rc = app_results(r, a, why, n);
	return rc;
}
