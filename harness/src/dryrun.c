/* dryrun.c: `ukbench bench --dry-run FILE`: the plan ex_load() made, listed
 * job by job (run, target, workload, reps, memory, vCPUs, accelerator), with
 * the files each job will look for and a rough duration, without starting
 * anything. ex_load() and run_preflight() have already refused a bad file
 * (file:line, exit 2) exactly as a real run would.
 * ex_dry_run() -> job_files() (what is missing) + job_secs() (the estimate).
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "ukb.h"
#include "app.h"

/* Seconds of one launch under TCG on this project's 2-core machines: guesses
 * by kind from the figures in docs/results.md (hello boots, load phases),
 * not a measurement; a run's progress line gives the real remaining time. */
static double launch_secs(const struct run_job *j)
{
	const struct tg_ops *o = j->spec.ops;
	const struct app_def *a = app_find(j->workload);
	const struct wl_info *w = wl_find(j->workload);
	double s;

	if (o == &tg_native_ops)
		s = 0.05;
	else if (o == &tg_container_ops)
		s = 0.5;
	else if (o == &tg_linuxvm_ops || o == &tg_linuxtiny_ops)
		s = 3.0;
	else if (o == &tg_command_ops)
		s = 1.0;
	else if (o == &tg_qemu_image_ops && j->spec.machine[0] && strncmp(j->spec.machine, "microvm", 7))
		s = 2.0;	/* pc, q35: SeaBIOS first */
	else
		s = a ? 1.5 : 0.5;
	if (tg_spec_net(&j->spec, w) || (a && !w->ready_exit)) {
		int loads = 1;

		if (a && a->load == APP_LOAD_REDIS) {	/* one redis-benchmark per pipeline depth */
			char pl[64], *v[8];

			ut_strlcpy(pl, a->pipeline[0] ? a->pipeline : "1", sizeof pl);
			for (char *c = pl; *c; c++)
				if (*c == ' ')
					*c = ',';
			loads = ut_split(pl, ',', v, 8);
			s += 3.0 * loads + 1;
		} else {
			s += j->duration_ms / 1000.0 * loads + 1;
		}
	}
	return s;
}

static double job_secs(const struct run_job *j)
{
	/* density = N: N more boots (each waited for) before every launch */
	double l = launch_secs(j), s = l * (j->warmup + j->reps) * (1 + j->density);

	/* min_mem: ~9 bisection probes over 1..256 MiB and ~3 in 128 KiB steps */
	if (j->min_mem && j->spec.ops != &tg_native_ops && j->spec.ops != &tg_command_ops)
		s += l * (j->spec.ops == &tg_container_ops ? 9 : 12);
	return s;
}

/* The first file job (j) needs that is not there ("" if none known missing).
 * Paths with a substitution other than %w are not checked. */
static void job_files(const struct run_job *j, char *out, size_t n)
{
	const struct tg_spec *s = &j->spec;
	const struct app_def *a = app_find(j->workload);
	char rel[UKB_PATH], p[UKB_PATH];
	const char *need[2 + TG_MAX_DISKS] = { NULL };
	int k = 0;

	out[0] = '\0';
	if (s->ops == &tg_qemu_image_ops || s->ops == &tg_command_ops) {
		need[k++] = s->kernel;
		need[k++] = s->initrd;
		for (int d = 0; d < s->ndisks; d++)
			need[k++] = s->disks[d];
	} else if (s->ops == &tg_refkernel_ops) {
		snprintf(rel, sizeof rel, "build/refkernel/%s.img", a ? "refkernel" : j->workload);
		need[k++] = rel;
	} else if (s->ops == &tg_linuxvm_ops || s->ops == &tg_linuxtiny_ops) {
		snprintf(rel, sizeof rel, "build/%s/vmlinux",
			 s->ops == &tg_linuxvm_ops ? "linux-vm" : "linux-tiny");
		need[k++] = rel;
	} else if (s->ops == &tg_container_ops && !a) {
		snprintf(rel, sizeof rel, "build/container/%s", j->workload);
		need[k++] = rel;
	}
	for (int i = 0; i < k; i++) {
		const char *t = need[i], *pc;
		size_t len = 0;

		if (!t || !t[0])
			continue;
		/* %w -> the workload; any other substitution: not checked */
		for (pc = t; *pc && len + 1 < sizeof p; pc++) {
			if (pc[0] == '%' && pc[1] == 'w') {
				len += (size_t)snprintf(p + len, sizeof p - len, "%s", j->workload);
				pc++;
			} else if (pc[0] == '%') {
				break;
			} else {
				p[len++] = *pc;
			}
		}
		if (*pc)
			continue;
		p[len] = '\0';
		ut_path(rel, sizeof rel, p);
		if (access(rel, F_OK) != 0) {
			snprintf(out, n, "%s", rel);
			return;
		}
	}
}

static void fmt_secs(char *out, size_t n, double s)
{
	if (s < 90)
		snprintf(out, n, "%.0fs", s);
	else if (s < 5400)
		snprintf(out, n, "%.0fmin", s / 60);
	else
		snprintf(out, n, "%.1fh", s / 3600);
}

int ex_dry_run(const struct run_plan *p, FILE *f)
{
	int launches = 0, skipped = 0, failing = 0;
	double total = 0;
	char est[32];

	fprintf(f, "experiment %s (%s): %d jobs, baseline %s\n", p->experiment,
		p->source ? p->source : "", p->njobs, p->baseline[0] ? p->baseline : "(none)");
	fprintf(f, "%-12s %-22s %-10s %5s %6s %5s %5s %-5s %7s  %s\n", "run", "target", "workload",
		"reps", "warmup", "mem", "vcpus", "accel", "est", "files");
	for (int i = 0; i < p->njobs; i++) {
		const struct run_job *j = &p->jobs[i];
		char miss[UKB_PATH], mem[16], note[UKB_PATH + 64];
		double s = job_secs(j);

		job_files(j, miss, sizeof miss);
		if (!miss[0]) {
			snprintf(note, sizeof note, "ok");
		} else if (j->spec.optional) {
			snprintf(note, sizeof note, "skipped (optional = yes): %s not found", miss);
			skipped++;
			s = 0;
		} else {
			snprintf(note, sizeof note, "would fail: %s not found", miss);
			failing++;
		}
		if (j->mem_kib)
			snprintf(mem, sizeof mem, "%dK", j->mem_kib);
		else if (j->mem_mib)
			snprintf(mem, sizeof mem, "%d", j->mem_mib);
		else
			snprintf(mem, sizeof mem, "%s", j->spec.ops == &tg_native_ops ||
				 j->spec.ops == &tg_container_ops || j->spec.ops == &tg_command_ops ? "-" :
				 "128");	/* TG_MEM_MIB */
		fmt_secs(est, sizeof est, s);
		fprintf(f, "%-12s %-22s %-10s %5d %6d %5s %5d %-5s %7s  %s%s\n", j->run, j->spec.name,
			j->workload, j->reps, j->warmup, mem, j->vcpus,
			j->accel == ACCEL_TCG ? "tcg" : j->accel == ACCEL_KVM ? "kvm" : "auto", est,
			note, j->min_mem ? "; + min_mem" : "");
		launches += j->warmup + j->reps;
		total += s;
	}
	fmt_secs(est, sizeof est, total);
	fprintf(f, "%d jobs, %d launches (plus min_mem probes); %d skipped, %d would fail; "
		   "estimated ~%s under TCG (a rough guess by kind; the run's progress line "
		   "tells the real remaining time)\n", p->njobs, launches, skipped, failing, est);
	return 0;
}
