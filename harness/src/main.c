/* main.c: ukbench's command line (design "ukbench: the command line"):
 * env, list, run, bench, report, plot, each with --help. Exit status: 0
 * success, 1 a measurement failed, 2 bad usage (nothing was started).
 * main() -> pr_init() -> the command's function.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "ukb.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ukbench COMMAND [ARGS]\n"
		"  env                      what this host can do: KVM usable?, runc, podman, netns, tools\n"
		"  list                     targets, workloads, experiments\n"
		"  run -t TARGET -w WORKLOAD [--reps N] [--accel auto|kvm|tcg] [--mem MiB] [-o DIR]\n"
		"      [-f FILE]            run workloads on targets (comma lists run several;\n"
		"                           -f: targets defined in an experiment file)\n"
		"  bench EXPERIMENT         run an experiment file (experiments/*.ini) end to end\n"
		"      [--dry-run]          ... or only list its jobs and a rough duration\n"
		"      [--slurm ...]        ... as a Slurm job array, one host per block\n"
		"  merge OUT DIR...         combine partial result sets (Slurm blocks) into one\n"
		"  report DIR               print the summary table of a result set (markdown)\n"
		"  plot DIR                 draw the result set's plots with gnuplot\n"
		"  compare A B              medians, ratios and a Mann-Whitney U test between two sets\n"
		"'ukbench COMMAND --help' says more. Exit status: 0 success, 1 a measurement\n"
		"failed, 2 bad usage.\n");
}

static int list_main(int argc, char **argv)
{
	int nw;
	const struct wl_info *w = wl_all(&nw);
	char dir[UKB_PATH];
	DIR *d;
	struct dirent *e;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ukbench list\nList the targets, the workloads and the experiment files.\n");
		return 0;
	}
	if (argc > 1) {
		ut_err("list takes no arguments");
		return 2;
	}
	printf("targets:\n");
	for (const struct tg_ops *const *o = tg_all(); *o; o++)
		printf("  %-12s %s\n", (*o)->kind, (*o)->help);
	printf("workloads:\n");
	for (int i = 0; i < nw; i++)
		printf("  %-12s %s\n", w[i].name, w[i].help);
	printf("experiments:\n");
	snprintf(dir, sizeof dir, "%s/experiments", ut_root());
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		size_t k = strlen(e->d_name);

		if (k > 4 && !strcmp(e->d_name + k - 4, ".ini"))
			printf("  experiments/%s\n", e->d_name);
	}
	if (d)
		closedir(d);
	return 0;
}

static int run_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ukbench run -t TARGET[,TARGET...] -w WORKLOAD[,WORKLOAD...] [options]\n"
		"  --reps N          measured repetitions (default 5)\n"
		"  --warmup N        unrecorded warm-up launches first (default 1)\n"
		"  --accel A         auto (KVM only if the probe finds it not slower), kvm, tcg\n"
		"  --mem MiB         guest memory (default: 128 for every VM)\n"
		"  --vcpus N         guest vCPUs (default 1)\n"
		"  --timeout S       per launch, then the run is killed and recorded as failed (60)\n"
		"  --duration S      load phase of server workloads, seconds (3)\n"
		"  --min-mem         also bisect the least guest memory (1..256 MiB) that works\n"
		"  --api             refkernel servers boot with api=8000; guest_mem_used from /os/memory\n"
		"  --args \"A B\"      arguments for the workload\n"
		"  --pcap MODE       packet traces of server runs: off, head (first 2 MiB, default), full\n"
		"  -o DIR            result folder (default results/run-<UTC time>)\n"
		"  -f, --experiment FILE  take [target NAME] definitions (qemu-image, command)\n"
		"                    from an experiment file; -t names them\n"
		"TARGET: refkernel, linux-vm, linux-tiny, container, native, or a target of FILE.\n"
		"Prints the result folder.\n");
	return status;
}

static int intarg(const char *opt, const char *v, int lo, int hi, int *out)
{
	char *end;
	long x = v ? strtol(v, &end, 10) : 0;

	if (!v || !*v || *end || x < lo || x > hi) {
		ut_err("%s needs an integer from %d to %d", opt, lo, hi);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int run_main(int argc, char **argv, int full_argc, char **full_argv)
{
	struct run_plan p;
	char tl[512] = "", wl[512] = "", *tv[16], *wv[16], why[UKB_WHY];
	struct run_job j;
	int ntv, nwv, rc, nft = 0;
	static struct tg_spec ft[32];	/* the file's targets */
	const char *file = NULL;

	memset(&p, 0, sizeof p);
	memset(&j, 0, sizeof j);
	ut_strlcpy(p.experiment, "run", sizeof p.experiment);
	ut_strlcpy(j.run, "run", sizeof j.run);
	j.reps = 5;
	j.warmup = 1;
	j.vcpus = 1;
	j.timeout_ms = 60000;
	j.duration_ms = 3000;
	j.accel = ACCEL_AUTO;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int s;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return run_usage(0);
		if (!strcmp(a, "--min-mem")) {
			j.min_mem = 1;
			continue;
		}
		if (!strcmp(a, "--api")) {	/* as api = yes in an experiment */
			j.api = 1;
			continue;
		}
		if (!v) {
			ut_err("run: unknown option or missing value: %s", a);
			return run_usage(2);
		}
		i++;
		if (!strcmp(a, "-t"))
			ut_strlcpy(tl, v, sizeof tl);
		else if (!strcmp(a, "-w"))
			ut_strlcpy(wl, v, sizeof wl);
		else if (!strcmp(a, "-o"))
			ut_strlcpy(p.outdir, v, sizeof p.outdir);
		else if (!strcmp(a, "--pcap")) {
			if ((j.pcap = pc_parse_mode(v)) < 0) {
				ut_err("--pcap must be off, head or full, not '%s'", v);
				return 2;
			}
		} else if (!strcmp(a, "-f") || !strcmp(a, "--experiment"))
			file = v;
		else if (!strcmp(a, "--args"))
			ut_strlcpy(j.args, v, sizeof j.args);
		else if (!strcmp(a, "--reps")) {
			if (intarg(a, v, 1, 1000, &j.reps))
				return 2;
		} else if (!strcmp(a, "--warmup")) {
			if (intarg(a, v, 0, 100, &j.warmup))
				return 2;
		} else if (!strcmp(a, "--mem")) {
			if (intarg(a, v, 1, 65536, &j.mem_mib))
				return 2;
		} else if (!strcmp(a, "--vcpus")) {
			if (intarg(a, v, 1, 64, &j.vcpus))
				return 2;
		} else if (!strcmp(a, "--timeout")) {
			if (intarg(a, v, 1, 3600, &s))
				return 2;
			j.timeout_ms = s * 1000;
		} else if (!strcmp(a, "--duration")) {
			if (intarg(a, v, 1, 600, &s))
				return 2;
			j.duration_ms = s * 1000;
		} else if (!strcmp(a, "--accel")) {
			if ((j.accel = ex_parse_accel(v)) < 0) {
				ut_err("--accel must be auto, kvm or tcg, not '%s'", v);
				return 2;
			}
		} else {
			ut_err("run: unknown option %s", a);
			return run_usage(2);
		}
	}
	ntv = ut_split(tl, ',', tv, 16);
	nwv = ut_split(wl, ',', wv, 16);
	if (!ntv || !nwv) {
		ut_err("run: needs -t TARGET and -w WORKLOAD");
		return run_usage(2);
	}
	for (int w = 0; w < nwv; w++)
		if (!wl_find(wv[w])) {
			ut_err("unknown workload '%s' (see ukbench list)", wv[w]);
			return 2;
		}
	if (file && ex_targets(file, ft, 32, &nft, why, sizeof why) != 0) {
		ut_err("%s", why);
		return 2;
	}
	p.source = file;
	for (int t = 0; t < ntv; t++) {
		const struct tg_ops *o = tg_find(tv[t]);
		const struct tg_spec *fs = NULL;

		for (int k = 0; k < nft && !fs; k++)
			if (!strcmp(ft[k].name, tv[t]))
				fs = &ft[k];
		if (!fs && (!o || o == &tg_qemu_image_ops || o == &tg_command_ops)) {
			ut_err("unknown target '%s' (refkernel, linux-vm, linux-tiny, container, native; qemu-image and command targets come from an experiment file: -f FILE)",
			       tv[t]);
			return 2;
		}
		for (int w = 0; w < nwv; w++) {
			if (fs) {
				j.spec = *fs;
			} else {
				memset(&j.spec, 0, sizeof j.spec);
				ut_strlcpy(j.spec.name, o->kind, sizeof j.spec.name);
				j.spec.ops = o;
				j.spec.exit_ok = o == &tg_native_ops || o == &tg_container_ops ? 0 : 1;
			}
			ut_strlcpy(j.baseline, j.spec.baseline_of, sizeof j.baseline);
			ut_strlcpy(j.workload, wv[w], sizeof j.workload);
			run_plan_add(&p, &j);
		}
	}

	if (run_preflight(&p, why, sizeof why) != 0) {
		ut_err("%s", why);
		free(p.jobs);
		return 2;
	}
	rc = run_execute(&p, full_argc, full_argv);
	free(p.jobs);
	return rc;
}

static int bench_main(int argc, char **argv, int full_argc, char **full_argv)
{
	struct run_plan p;
	char why[UKB_WHY];
	int rc;

	const char *outdir = NULL;
	int dry = 0;

	if (sl_bench_wants(argc, argv))	/* --slurm, --block: slurm.c */
		return sl_bench_main(argc, argv, full_argc, full_argv);
	if (argc >= 2 && !strcmp(argv[1], "--dry-run")) {	/* dryrun.c */
		dry = 1;
		argv++;
		argc--;
	}
	if (argc == 4 && !strcmp(argv[1], "-o")) {
		outdir = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: ukbench bench [--dry-run] [-o DIR] EXPERIMENT.ini\n"
		       "Run every [run] section of an experiment file (targets x workloads x reps),\n"
		       "write a result set under results/<experiment>-<UTC time>/ and point\n"
		       "results/latest at it. Then: ukbench report results/latest; ukbench plot\n"
		       "results/latest (-o DIR: write there instead, no latest link). --dry-run:\n"
		       "check the file and list its jobs (targets x workloads x configurations x\n"
		       "reps), the files each needs and a rough duration; nothing starts. The file\n"
		       "format is described in experiments/README.md. On a Slurm cluster:\n"
		       "ukbench bench --slurm --help.\n");
		return 0;
	}
	if (argc != 2) {
		ut_err("bench needs exactly one experiment file (see ukbench bench --help)");
		return 2;
	}
	if (ex_load(argv[1], &p, why, sizeof why) != 0) {
		ut_err("%s", why);
		return 2;
	}
	if (outdir)
		ut_strlcpy(p.outdir, outdir, sizeof p.outdir);
	if (run_preflight(&p, why, sizeof why) != 0) {
		ut_err("%s", why);
		free(p.jobs);
		return 2;
	}
	rc = dry ? ex_dry_run(&p, stdout) : run_execute(&p, full_argc, full_argv);
	free(p.jobs);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	pr_init();
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "env"))
		return env_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return list_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1, argc, argv);
	if (!strcmp(cmd, "bench"))
		return bench_main(argc - 1, argv + 1, argc, argv);
	if (!strcmp(cmd, "report"))
		return report_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "plot"))
		return plot_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return merge_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return compare_main(argc - 1, argv + 1);
	ut_err("unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}
