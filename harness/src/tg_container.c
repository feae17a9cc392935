/* tg_container.c: target `container`: the OCI bundle build/container/<w>/
 * (rootfs/ holding only the workload, read-only) run by runc, as
 * baselines/container/run.sh does: prepare writes a per-run config.json with
 * build/container/ocigen (argv, netns, memory limit) into a temp bundle ->
 * launch `runc run` -> wait_ready (exit) -> measure -> stop (runc delete -f,
 * also registered for Ctrl-C, and the temp bundle removed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ukb.h"
#include "app.h"

struct ct_clean {
	char id[64];
	char dir[UKB_PATH];
};

static void ct_cleanup(void *arg)
{
	struct ct_clean *c = arg;
	char out[128], cfg[UKB_PATH + 16];
	char *argv[] = { "runc", "delete", "-f", c->id, NULL };

	ut_capture(argv, out, sizeof out, 10000);
	snprintf(cfg, sizeof cfg, "%s/config.json", c->dir);
	unlink(cfg);
	rmdir(c->dir);
	free(c);
}

/* All bytes the container needs: every regular file of the rootfs + config. */
static long long tree_size(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long long sum = 0;

	if (!d || depth > 8) {
		if (d)
			closedir(d);
		return 0;
	}
	while ((e = readdir(d))) {
		char p[UKB_PATH + 256];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			sum += st.st_size;
		else if (S_ISDIR(st.st_mode))
			sum += tree_size(p, depth + 1);
	}
	closedir(d);
	return sum;
}

static int container_prepare(struct tg_run *r, char *why, size_t n)
{
	char rel[UKB_PATH], bundle[UKB_PATH], rootfs[UKB_PATH + 16], cfg[UKB_PATH + 16];

	if (!ut_have_tool("runc")) {
		snprintf(why, n, "runc not found: the container target needs it (apt-get install runc)");
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(why, n, "runc needs root here (no rootless setup): container target not available");
		return -1;
	}
	const struct app_def *a = app_find(r->workload);
	if (a)
		return app_container_prepare(r, a, why, n);
	snprintf(rel, sizeof rel, "build/container/%s", r->workload);
	ut_path(bundle, sizeof bundle, rel);
	snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
	snprintf(cfg, sizeof cfg, "%s/config.json", bundle);
	snprintf(r->image, sizeof r->image, "%s/%s", rootfs, r->workload);
	if (ut_file_size(cfg) < 0 || ut_file_size(r->image) < 0) {
		snprintf(why, n, "%s not found: the OCI bundle is not built (make -C baselines)", r->image);
		return -1;
	}
	r->image_size = tree_size(rootfs, 0) + ut_file_size(cfg);
	ut_strlcpy(r->files[0], r->image, sizeof r->files[0]);
	ut_strlcpy(r->files[1], cfg, sizeof r->files[1]);
	r->nfiles = 2;
	return 0;
}

static int container_launch(struct tg_run *r, char *why, size_t n)
{
	static int seq;
	char ocigen[UKB_PATH], rootfs[UKB_PATH], out[UKB_PATH + 16], line[200], mem[16];
	struct ct_clean *c;
	int st;

	ut_path(ocigen, sizeof ocigen, "build/container/ocigen");
	const struct app_def *a = app_find(r->workload);
	snprintf(rootfs, sizeof rootfs, "%s", r->image);
	*strrchr(rootfs, '/') = '\0';
	if (a)	/* an app: the bundle's rootfs is its unpacked cpio */
		snprintf(rootfs, sizeof rootfs, "%s/container/%s/rootfs", ut_build(), a->name);
	snprintf(r->tmpdir, sizeof r->tmpdir, "/tmp/ukbench.%d.XXXXXX", (int)getpid());
	if (!mkdtemp(r->tmpdir)) {
		snprintf(why, n, "cannot create a temp dir in /tmp");
		return -1;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		rmdir(r->tmpdir);
		snprintf(why, n, "out of memory");
		return -1;
	}
	snprintf(c->id, sizeof c->id, "ukb-%d-%d", (int)getpid(), ++seq);
	ut_strlcpy(c->dir, r->tmpdir, sizeof c->dir);
	r->cleanup_id = pr_cleanup_push(ct_cleanup, c);
	snprintf(out, sizeof out, "%s/config.json", r->tmpdir);
	/* ocigen --rootfs DIR --out FILE [--memory MiB] -- /w args */
	struct tg_run g;

	memset(&g, 0, sizeof g);
	tg_arg(&g, "%s", ocigen);
	tg_arg(&g, "--rootfs");
	tg_arg(&g, "%s", rootfs);
	tg_arg(&g, "--out");
	tg_arg(&g, "%s", out);
	if (r->net.cns[0]) {	/* join the container end of the run's veth pair */
		tg_arg(&g, "--netns");
		tg_arg(&g, "/var/run/netns/%s", r->net.cns);
	}
	if (r->mem_mib) {
		snprintf(mem, sizeof mem, "%d", r->mem_mib);
		tg_arg(&g, "--memory");
		tg_arg(&g, "%s", mem);
	}
	if (a) {	/* a tmpfs /tmp, and the program with its arguments */
		char cmd[1024];
		app_cmdline(a, r, cmd, sizeof cmd);
		tg_arg(&g, "--tmp");
		tg_arg(&g, "--");
		tg_args_words(&g, cmd);
	} else {
		tg_arg(&g, "--");
		tg_arg(&g, "/%s", r->workload);
		tg_args_words(&g, r->args);
	}
	st = ut_capture(g.argv, line, sizeof line, 10000);
	if (st != 0) {
		snprintf(why, n, "ocigen failed (status %d): %s", st, line);
		return -1;
	}
	tg_arg(r, "runc");
	tg_arg(r, "run");
	tg_arg(r, "--bundle");
	tg_arg(r, "%s", r->tmpdir);
	tg_arg(r, "%s", c->id);
	if (pr_spawn(&r->proc, r->argv, 1, why, n) != 0)
		return -1;
	r->t_launch = r->proc.t_start;
	return 0;
}

static int container_wait_ready(struct tg_run *r, char *why, size_t n)
{
	const struct wl_info *w = wl_find(r->workload);
	const char *err;

	if (w && !w->ready_exit)
		return tg_wait_serving(r, NULL, NULL, why, n);
	if (tg_wait_exit(r, why, n) != 0)
		return -1;
	/* runc's own failures exit 1 too: they log level=error */
	err = r->proc.out.p ? strstr(r->proc.out.p, "level=error") : NULL;
	if (err) {
		snprintf(why, n, "runc failed: %.*s", (int)strcspn(err, "\n"), err);
		return -1;
	}
	if (r->proc.status != 0) {
		snprintf(why, n, "%s exited with status %d: %.150s", r->workload, r->proc.status,
			 tg_last_line(r));
		return -1;
	}
	return 0;
}

static int container_measure(struct tg_run *r, char *why, size_t n)
{
	tg_sample(r, "boot_to_ready", (double)(r->t_ready - r->t_launch) / 1e6);
	return tg_measure_common(r, why, n);
}

static void container_stop(struct tg_run *r)
{
	pr_kill(&r->proc);
	pr_cleanup_pop(r->cleanup_id);	/* runc delete -f, temp bundle removed */
	r->cleanup_id = -1;
}

const struct tg_ops tg_container_ops = {
	.kind = "container",
	.help = "build/container/<w>/ OCI bundle run by runc",
	.prepare = container_prepare,
	.launch = container_launch,
	.wait_ready = container_wait_ready,
	.measure = container_measure,
	.stop = container_stop,
};
