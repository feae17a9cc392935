/* tg_common.c: the ops-table registry and what every target shares: building
 * a launch command (tg_arg), waiting for a workload's exit, parsing the
 * workloads' "ukbench: result" lines into samples, and naming the
 * refkernel's reserved exit statuses.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

static const struct tg_ops *const all_ops[] = {
	&tg_refkernel_ops, &tg_linuxvm_ops, &tg_container_ops, &tg_native_ops,
	&tg_qemu_image_ops, NULL,
};

const struct tg_ops *const *tg_all(void)
{
	return all_ops;
}

const struct tg_ops *tg_find(const char *kind)
{
	for (int i = 0; all_ops[i]; i++)
		if (!strcmp(all_ops[i]->kind, kind))
			return all_ops[i];
	return NULL;
}

void tg_arg(struct tg_run *r, const char *fmt, ...)
{
	size_t room = sizeof r->argstore - r->argused;
	va_list ap;
	int k;

	if (r->argc >= (int)(sizeof r->argv / sizeof r->argv[0]) - 1 || room < 2)
		return;
	va_start(ap, fmt);
	k = vsnprintf(r->argstore + r->argused, room, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= room)
		return;
	r->argv[r->argc++] = r->argstore + r->argused;
	r->argv[r->argc] = NULL;
	r->argused += (size_t)k + 1;
	/* the human-readable command line for meta.json */
	size_t c = strlen(r->cmdline);
	snprintf(r->cmdline + c, sizeof r->cmdline - c, c ? " %s" : "%s", r->argv[r->argc - 1]);
}

void tg_args_words(struct tg_run *r, const char *words)
{
	char copy[1024], *save = NULL;

	ut_strlcpy(copy, words, sizeof copy);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		tg_arg(r, "%s", w);
}

const char *tg_last_line(const struct tg_run *r)
{
	static char line[200];
	const char *p = r->proc.out.p, *end, *start;

	line[0] = '\0';
	if (!p)
		return line;
	end = p + r->proc.out.len;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > p && start[-1] != '\n')
		start--;
	snprintf(line, sizeof line, "%.*s", (int)(end - start), start);
	return line;
}

void tg_sample(struct tg_run *r, const char *metric, double value)
{
	if (r->rs && r->rep > 0)
		rs_add(r->rs, r->spec->name, r->workload, metric, r->rep, value);
}

/* "ukbench: result <test> <metric> <value>" -> sample (workload/test, metric);
 * "ukbench: unavailable <test> <why>" -> a failure row naming why. */
int tg_parse_results(struct tg_run *r)
{
	const char *p = r->proc.out.p;
	int found = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], test[UKB_NAME], metric[UKB_NAME], wl[UKB_NAME * 2 + 2];
		double v;

		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
		char *u = strstr(line, "ukbench: result ");

		if (u && sscanf(u, "ukbench: result %47s %47s %lf", test, metric, &v) == 3) {
			if (!strcmp(test, r->workload))
				snprintf(wl, sizeof wl, "%s", r->workload);
			else
				snprintf(wl, sizeof wl, "%s/%s", r->workload, test);
			if (r->rs && r->rep > 0)
				rs_add(r->rs, r->spec->name, wl, metric, r->rep, v);
			found++;
		} else if ((u = strstr(line, "ukbench: unavailable ")) &&
			   sscanf(u, "ukbench: unavailable %47s", test) == 1 && r->rs && r->rep > 0) {
			snprintf(wl, sizeof wl, "%s/%s", r->workload, test);
			rs_fail(r->rs, r->spec->name, wl, r->rep, u + strlen("ukbench: "));
		}
		p = nl ? nl + 1 : NULL;
	}
	return found;
}

int tg_wait_exit(struct tg_run *r, char *why, size_t n)
{
	int k = pr_read(&r->proc, r->deadline, NULL, NULL);

	if (k == PR_EOF)
		k = pr_wait(&r->proc, r->deadline);
	if (k == PR_INTR) {
		snprintf(why, n, "interrupted");
		return -1;
	}
	if (k != PR_EOF) {
		snprintf(why, n, "timed out after %.1f s without exiting (killed); last output: %.120s",
			 r->timeout_ms / 1000.0, tg_last_line(r));
		return -1;
	}
	r->t_ready = r->proc.t_exit;
	return 0;
}

/* QEMU's isa-debug-exit status is (code << 1) | 1; see refkernel.h. */
const char *tg_status_why(int st)
{
	static char buf[96];

	switch (st) {
	case 255: return "guest crashed (CPU exception, status 0x7f)";
	case 253: return "guest kernel panic (status 0x7e)";
	case 251: return "guest rejected its command line (status 0x7d)";
	case 249: return "guest could not load the application ELF (status 0x7c)";
	case 247: return "guest ran out of memory (status 0x7b)";
	case 0: return "QEMU exited with status 0: the guest reset or halted without reporting";
	}
	if (st > 128 && st < 128 + 65)
		snprintf(buf, sizeof buf, "killed by signal %d", st - 128);
	else if (st & 1)
		snprintf(buf, sizeof buf, "application exited with code %d", st >> 1);
	else
		snprintf(buf, sizeof buf, "QEMU failed (status %d)", st);
	return buf;
}
