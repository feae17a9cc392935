/* test_ini.c: INI parsing and experiment files, with line-numbered errors. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

Test(ini, parses_sections_and_keys)
{
	struct ini_file f;
	char why[256];
	const char *text = "# comment\n[experiment]\nreps = 3\n; other\n\n[target  null]\n"
			   "kind=qemu-image\nappend = a = b\n";

	cr_assert_eq(ini_parse_text(text, "t.ini", &f, why, sizeof why), 0, "%s", why);
	cr_assert_eq(f.nsec, 2);
	cr_assert_str_eq(f.sec[1].name, "target null");
	cr_assert_eq(f.sec[1].line, 6);
	cr_assert_str_eq(ini_get(&f.sec[0], "reps")->val, "3");
	cr_assert_eq(ini_get(&f.sec[0], "reps")->line, 3);
	cr_assert_str_eq(ini_get(&f.sec[1], "append")->val, "a = b");
	cr_assert_null(ini_get(&f.sec[1], "missing"));
	ini_free(&f);
}

static void expect_error(const char *text, const char *want)
{
	struct ini_file f;
	char why[256] = "";

	cr_assert_eq(ini_parse_text(text, "bad.ini", &f, why, sizeof why), -1);
	cr_assert(strstr(why, want), "got '%s', want '%s'", why, want);
}

Test(ini, errors_name_file_and_line)
{
	expect_error("[a]\nx = 1\nnonsense\n", "bad.ini:3: expected 'key = value'");
	expect_error("x = 1\n", "bad.ini:1: key before the first [section]");
	expect_error("[a]\n[b\n", "bad.ini:2: malformed section header");
	expect_error("[a]\nk = 1\nk = 2\n", "bad.ini:3: duplicate key 'k'");
	expect_error("[a]\n = 2\n", "bad.ini:2: empty or too long key");
}

static int load(const char *text, struct run_plan *p, char *why, size_t n)
{
	char path[] = "/tmp/ukb-ex-XXXXXX";
	int fd = mkstemp(path), rc;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = ex_load(path, p, why, n);
	unlink(path);
	return rc;
}

Test(experiment, builds_jobs)
{
	struct run_plan p;
	char why[256];
	const char *text = "[experiment]\nname = demo\nreps = 2\naccel = tcg\n"
			   "[target null-guest]\nkind = qemu-image\nkernel = build/harness/null.elf\n"
			   "ready = exit\n"
			   "[run boot]\ntargets = refkernel, null-guest, native\nworkloads = hello\n"
			   "[run cpu]\ntargets = native\nworkloads = compute, syscall\nreps = 4\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	cr_assert_str_eq(p.experiment, "demo");
	cr_assert_eq(p.njobs, 5);
	cr_assert_str_eq(p.jobs[1].spec.name, "null-guest");
	cr_assert_eq(p.jobs[1].spec.ops, &tg_qemu_image_ops);
	cr_assert_eq(p.jobs[1].spec.exit_ok, 1);
	cr_assert_eq(p.jobs[0].reps, 2);
	cr_assert_eq(p.jobs[0].accel, ACCEL_TCG);
	cr_assert_eq(p.jobs[4].reps, 4);
	cr_assert_str_eq(p.jobs[4].workload, "syscall");
	free(p.jobs);
}

static void ex_error(const char *text, const char *want)
{
	struct run_plan p;
	char why[256] = "";

	cr_assert_eq(load(text, &p, why, sizeof why), -1);
	cr_assert(strstr(why, want), "got '%s', want '%s'", why, want);
}

Test(experiment, errors)
{
	ex_error("[run a]\ntargets = nosuch\nworkloads = hello\n", ":2: unknown target 'nosuch'");
	ex_error("[run a]\ntargets = native\nworkloads = hello, bogus\n", ":3: unknown workload 'bogus'");
	ex_error("[experiment]\nreps = many\n[run a]\ntargets=native\nworkloads=hello\n",
		 ":2: reps must be an integer");
	ex_error("[target x]\nkind = qemu-image\n[run a]\ntargets=x\nworkloads=hello\n",
		 ":1: qemu-image target 'x' needs kernel");
	ex_error("[target x]\nkind = qemu-image\nkernel = k\nready = later\n", ":4: ready must be");
	ex_error("[experiment]\nreps = 2\n", "no [run NAME] section");
	ex_error("[bogus]\n", ":1: unknown section [bogus]");
	ex_error("[run a]\ntargets = native\nworkloads = hello\ncolour = red\n",
		 ":4: unknown key 'colour'");
	ex_error("[experiment]\naccel = fast\n", ":2: accel must be");
}

Test(experiment, memory_and_vcpu_sweeps)
{
	struct run_plan p;
	char why[256];
	const char *text = "[experiment]\nmem = 32\n[run a]\ntargets = refkernel\nworkloads = hello, compute\n"
			   "mem = 64, 128\nvcpus = 1,2\n[run b]\ntargets = native\nworkloads = hello\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	cr_assert_eq(p.njobs, 9);
	cr_assert_str_eq(p.jobs[0].spec.name, "refkernel-m64-c1");
	cr_assert_str_eq(p.jobs[0].workload, "hello");
	cr_assert_eq(p.jobs[0].mem_mib, 64);
	cr_assert_str_eq(p.jobs[1].workload, "compute");
	cr_assert_str_eq(p.jobs[3].spec.name, "refkernel-m128-c1");
	cr_assert_eq(p.jobs[3].mem_mib, 128);
	cr_assert_str_eq(p.jobs[7].spec.name, "refkernel-m128-c2");
	cr_assert_eq(p.jobs[7].vcpus, 2);
	cr_assert_str_eq(p.jobs[8].spec.name, "native");	/* no sweep: name unchanged */
	cr_assert_eq(p.jobs[8].mem_mib, 32);
	free(p.jobs);
	ex_error("[run a]\ntargets = native\nworkloads = hello\nmem = 64, lots\n", ":4: mem must be an integer");
}

Test(experiment, density_sweep)
{
	struct run_plan p;
	char why[256];
	const char *text = "[run d]\ntargets = refkernel, container\nworkloads = echo\n"
			   "density = 0, 4\nmem = 64, 128\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	cr_assert_eq(p.njobs, 8);
	cr_assert_str_eq(p.jobs[0].spec.name, "refkernel-m64-n0");	/* density always named */
	cr_assert_eq(p.jobs[0].density, 0);
	cr_assert_str_eq(p.jobs[3].spec.name, "refkernel-m128-n4");
	cr_assert_eq(p.jobs[3].density, 4);
	cr_assert_eq(p.jobs[3].mem_mib, 128);
	cr_assert_str_eq(p.jobs[7].spec.name, "container-m128-n4");
	/* preflight: a server fits; an exiting workload or too much memory does not */
	cr_assert_eq(dn_check(&p.jobs[3], why, sizeof why), 0, "%s", why);
	struct run_job j = p.jobs[3];
	ut_strlcpy(j.workload, "hello", sizeof j.workload);
	cr_assert_eq(dn_check(&j, why, sizeof why), -1);
	cr_assert(strstr(why, "density needs instances that stay up"), "%s", why);
	j = p.jobs[3];
	j.mem_mib = 65536;
	j.density = 64;
	cr_assert_eq(dn_check(&j, why, sizeof why), -1);
	cr_assert(strstr(why, "65 instances x 65536 MiB") && strstr(why, "MemAvailable"), "%s", why);
	free(p.jobs);
	ex_error("[run a]\ntargets = refkernel\nworkloads = echo\ndensity = 65\n",
		 ":4: density must be an integer from 0 to 64");
}

/* api = yes (refkernel's REST API): a default, overridden per [run]; only a
 * server run puts api= on the command line. */
Test(experiment, api_key)
{
	struct run_plan p;
	char why[256];
	const char *text = "[experiment]\napi = yes\n"
			   "[run on]\ntargets = refkernel\nworkloads = httpd\n"
			   "[run off]\ntargets = refkernel\nworkloads = echo\napi = no\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	cr_assert_eq(p.njobs, 2);
	cr_assert_eq(p.jobs[0].api, 1);
	cr_assert_eq(p.jobs[1].api, 0);
	free(p.jobs);
	ex_error("[experiment]\napi = maybe\n", ":2: api must be yes or no, not 'maybe'");

	struct tg_run r;
	memset(&r, 0, sizeof r);
	cr_assert_str_eq(tg_api_cmdline(&r), "");
	r.api = 1;
	cr_assert_str_eq(tg_api_cmdline(&r), "", "no network (hello, compute): no api=");
	r.net.active = 1;
	cr_assert_str_eq(tg_api_cmdline(&r), "api=8000 ");
	cr_assert_eq(r.api, 2, "marked as served for the load phase");
}

/* kind = refkernel takes params (kernel parameters put first on its command
 * line); "--" or a substitution there is refused, as is params elsewhere. */
Test(experiment, refkernel_params)
{
	struct run_plan p;
	char why[256];
	const char *text = "[target r3]\nkind = refkernel\nparams = prot=ring3 net=thread\n"
			   "[run a]\ntargets = refkernel, r3\nworkloads = syscall\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	cr_assert_eq(p.njobs, 2);
	cr_assert_str_eq(p.jobs[0].spec.params, "");
	cr_assert_str_eq(p.jobs[1].spec.params, "prot=ring3 net=thread ");
	free(p.jobs);
	ex_error("[target r3]\nkind = refkernel\nparams = prot=ring3 -- x\n", ":3: params takes kernel parameters only");
	ex_error("[target r3]\nkind = refkernel\nparams = ip=%i\n", ":3: params takes kernel parameters only");
	ex_error("[target c]\nkind = container\nparams = x\n", ":3: kind = container does not take 'params'");
}
