/* tg_container.c: target `container`: the OCI bundle build/container/<w>/
 * (config.json + rootfs/ holding only the workload) run by runc.
 * prepare (bundle exists, runc present) -> launch (runc run) -> wait_ready
 * -> measure -> stop (runc kill/delete, registered for Ctrl-C).
 */
#include <string.h>

#include "ukb.h"

static int container_prepare(struct tg_run *r, char *why, size_t n)
{
	(void)r;
	snprintf(why, n, "container target not implemented yet");
	return -1;
}

static int container_launch(struct tg_run *r, char *why, size_t n)
{
	(void)r;
	snprintf(why, n, "container target not implemented yet");
	return -1;
}

static int container_wait_ready(struct tg_run *r, char *why, size_t n)
{
	(void)r;
	snprintf(why, n, "container target not implemented yet");
	return -1;
}

static int container_measure(struct tg_run *r, char *why, size_t n)
{
	(void)r;
	(void)why;
	(void)n;
	return 0;
}

static void container_stop(struct tg_run *r)
{
	pr_kill(&r->proc);
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
