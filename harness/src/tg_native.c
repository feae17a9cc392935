/* tg_native.c: target `native`, the ceiling: the workload binary as a plain
 * host process. prepare (binary exists) -> launch (fork/exec, counters on)
 * -> wait_ready (exit for run-to-completion workloads) -> measure -> stop.
 */
#include <string.h>

#include "ukb.h"
#include "app.h"

static int native_prepare(struct tg_run *r, char *why, size_t n)
{
	char rel[UKB_PATH];
	const struct app_def *a = app_find(r->workload);

	if (a)
		return app_native_prepare(r, a, why, n);
	snprintf(rel, sizeof rel, "build/workloads/%s", r->workload);
	ut_path(r->image, sizeof r->image, rel);
	r->image_size = ut_file_size(r->image);
	if (r->image_size < 0) {
		snprintf(why, n, "%s not found: build the workloads first (make -C workloads)",
			 r->image);
		return -1;
	}
	ut_strlcpy(r->files[0], r->image, sizeof r->files[0]);
	r->nfiles = 1;
	return 0;
}

static int native_launch(struct tg_run *r, char *why, size_t n)
{
	const struct app_def *a = app_find(r->workload);

	if (a)
		return app_native_launch(r, a, why, n);
	tg_arg(r, "%s", r->image);
	tg_args_words(r, r->args);
	if (r->net.kind == NT_USER) {	/* no namespace: a free port instead */
		tg_arg(r, "--port");
		tg_arg(r, "%d", r->net.port);
	}
	/* servers run inside the run's namespace */
	if (pr_spawn_ns(&r->proc, r->argv, PR_PERF_SW, r->net.ns[0] ? r->net.ns : NULL, why, n))
		return -1;
	r->t_launch = r->proc.t_start;
	return 0;
}

static int native_wait_ready(struct tg_run *r, char *why, size_t n)
{
	const struct wl_info *w = wl_find(r->workload);

	if (w && !w->ready_exit)
		return tg_wait_serving(r, NULL, NULL, why, n);
	if (tg_wait_exit(r, why, n) != 0)
		return -1;
	if (r->proc.status != 0) {
		snprintf(why, n, "%s exited with status %d: %.150s", r->workload, r->proc.status,
			 tg_last_line(r));
		return -1;
	}
	return 0;
}

static int native_measure(struct tg_run *r, char *why, size_t n)
{
	tg_sample(r, "boot_to_ready", (double)(r->t_ready - r->t_launch) / 1e6);
	return tg_measure_common(r, why, n);
}

static void native_stop(struct tg_run *r)
{
	pr_kill(&r->proc);
}

const struct tg_ops tg_native_ops = {
	.kind = "native",
	.help = "the workload as a plain host process (the ceiling)",
	.prepare = native_prepare,
	.launch = native_launch,
	.wait_ready = native_wait_ready,
	.measure = native_measure,
	.stop = native_stop,
};
