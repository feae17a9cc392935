/* density.c: LightVM's density experiment (SOSP'17): the launch of one more
 * instance while N are already running, and the memory each of them costs.
 * dn_check (preflight) -> dn_up (N background instances, one after the
 * other, each until ready) -> the measured launch (run.c) -> dn_sample
 * (once it is ready) -> dn_down (always). A background instance is an
 * ordinary launch of the same job (run_init, the target's ops) that records
 * nothing; a server gets its own network namespace with its own bridge and
 * tap or veth (net.c), so every instance keeps the one guest address and MAC
 * the targets use, and instances never see each other's traffic.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

/* MemAvailable of /proc/meminfo in MiB, -1 if unreadable. */
static long mem_available_mib(void)
{
	struct ut_buf b = { 0 };
	const char *p;
	long kib = -1;

	if (ut_read_file("/proc/meminfo", &b) == 0 && b.p && (p = strstr(b.p, "MemAvailable:")))
		kib = atol(p + strlen("MemAvailable:"));
	ut_buf_free(&b);
	return kib < 0 ? -1 : kib / 1024;
}

/* The instances must stay up (a server, or a foreign image ready by a console
 * marker), and N + 1 guests' memory must fit in what the host has free. A
 * container or native instance has no guest memory of its own unless mem is
 * set (the container's limit); those are not bounded here. */
int dn_check(const struct run_job *j, char *why, size_t n)
{
	const struct wl_info *w = wl_find(j->workload);
	const struct tg_ops *o = j->spec.ops;
	int vm = o != &tg_container_ops && o != &tg_native_ops && o != &tg_command_ops;
	long mib = j->mem_mib ? j->mem_mib : vm ? TG_MEM_MIB : 0, avail;

	if (j->density <= 0)
		return 0;
	if (j->density > DN_MAX) {
		snprintf(why, n, "[run %s]: density %d: at most %d instances", j->run, j->density,
			 DN_MAX);
		return -1;
	}
	if (!tg_spec_net(&j->spec, w) && !(j->spec.foreign && j->spec.ready == READY_MARKER)) {
		snprintf(why, n, "[run %s]: density needs instances that stay up, and %s on %s "
			 "exits when done (use a server workload such as echo)", j->run, j->workload,
			 j->spec.name);
		return -1;
	}
	avail = mem_available_mib();
	if (mib > 0 && avail > 0 && (j->density + 1) * mib > avail) {
		snprintf(why, n, "[run %s]: density %d on %s: %d instances x %ld MiB = %ld MiB, more "
			 "than this host has available (%ld MiB, MemAvailable)", j->run, j->density,
			 j->spec.name, j->density + 1, mib, (j->density + 1) * mib, avail);
		return -1;
	}
	return 0;
}

int dn_up(const struct run_job *j, struct dn_set *s, struct rs_set *rs, int rep, char *why,
	  size_t n)
{
	const struct tg_ops *o = j->spec.ops;
	const struct wl_info *w = wl_find(j->workload);
	char one[UKB_WHY];

	s->n = 0;
	s->r = calloc((size_t)j->density, sizeof *s->r);
	if (!s->r) {
		snprintf(why, n, "density %d: out of memory", j->density);
		return -1;
	}
	for (int i = 0; i < j->density; i++) {
		struct tg_run *b = &s->r[i];

		run_init(b, j, NULL, 0);
		s->n = i + 1;
		if ((tg_spec_net(&j->spec, w) && nt_setup(&b->net, run_net_kind(o), one, sizeof one)) ||
		    o->prepare(b, one, sizeof one) || o->launch(b, one, sizeof one) ||
		    o->wait_ready(b, one, sizeof one)) {
			snprintf(why, n, "density %d: background instance %d did not come up: %s",
				 j->density, i + 1, one);
			if (rs && b->proc.out.len && !ukb_interrupted) {
				char kind[16];

				b->rep = rep < 0 ? 0 : rep;	/* names the log only: b records nothing */
				snprintf(kind, sizeof kind, "bg%d", i + 1);
				run_save_log(rs, b, kind, b->proc.out.p, b->proc.out.len);
			}
			return -1;
		}
	}
	return 0;
}

/* At the measured instance's readiness: every background instance must still
 * run; pss_per_instance is the mean of their process trees' PSS. */
int dn_sample(struct dn_set *s, struct tg_run *m, char *why, size_t n)
{
	long sum = 0;
	int up = 0;

	if (ukb_interrupted) {
		snprintf(why, n, "interrupted");
		return -1;
	}
	for (int i = 0; i < s->n; i++) {
		struct tg_run *b = &s->r[i];
		long k;

		if (b->proc.pid <= 0 || pr_wait(&b->proc, ut_now_ns()) != PR_TIMEOUT ||
		    (k = tg_pss_kib(b->proc.pid)) <= 0) {
			snprintf(why, n, "density %d: background instance %d is no longer up (%s)",
				 s->n, i + 1, b->proc.exited ? tg_status_why(b->proc.status) : "gone");
			return -1;
		}
		sum += k;
		up++;
	}
	tg_sample(m, "density_up", up);
	tg_sample(m, "pss_per_instance", (double)sum / up);
	return 0;
}

void dn_down(struct dn_set *s)
{
	for (int i = s->n - 1; i >= 0; i--) {
		s->r[i].spec->ops->stop(&s->r[i]);
		nt_teardown(&s->r[i].net);
	}
	free(s->r);
	s->r = NULL;
	s->n = 0;
}

/* /proc/PID/smaps: a header line per mapping ("start-end perms offset dev
 * inode [path]"), then "Size:", "Pss:", ... in kB. */
int dn_qemu_split(pid_t pid, long mem_kib, long *guest_kib, long *tcg_kib, long *anon_kib)
{
	char path[64];
	struct ut_buf b = { 0 };
	int anon = 0, rwx = 0, found = 0;
	long size = 0;

	*guest_kib = *tcg_kib = *anon_kib = 0;
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	if (mem_kib <= 0 || ut_read_file(path, &b) != 0 || !b.p) {
		ut_buf_free(&b);
		return -1;
	}
	for (char *line = b.p, *next; line && *line; line = next) {
		char perms[8], name[16] = "";
		unsigned long lo, hi, inode;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %15s", &lo, &hi, perms, &inode, name) >= 4) {
			anon = inode == 0 && !name[0];
			rwx = !strcmp(perms, "rwxp");
			size = (long)((hi - lo) / 1024);
		} else if (!strncmp(line, "Pss:", 4) && anon) {
			long pss = atol(line + 4);

			if (size == mem_kib && !strncmp(perms, "rw-p", 4) && !found) {
				*guest_kib = pss;
				found = 1;
				continue;
			}
			*anon_kib += pss;
			if (rwx)
				*tcg_kib += pss;
		}
	}
	ut_buf_free(&b);
	return found ? 0 : -1;
}
