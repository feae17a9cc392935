/* test_results.c: the CSV writers, units, and result-line parsing. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

Test(results, samples_and_summary_csv)
{
	struct rs_set r;
	struct ut_buf b = { 0 };

	memset(&r, 0, sizeof r);
	strcpy(r.experiment, "exp");
	for (int i = 1; i <= 5; i++)
		rs_add(&r, "native", "hello", "boot_to_ready", i, (double)(6 - i));
	rs_add(&r, "native", "hello", "image_size", 1, 26176);
	rs_add(&r, "native", "bad,name", "x", 1, 1);	/* refused: would break the CSV */
	rs_samples_csv(&r, &b);
	cr_assert_str_eq(b.p, "experiment,job,target,workload,metric,unit,rep,value\n"
			      "exp,run,native,hello,boot_to_ready,ms,1,5\n"
			      "exp,run,native,hello,boot_to_ready,ms,2,4\n"
			      "exp,run,native,hello,boot_to_ready,ms,3,3\n"
			      "exp,run,native,hello,boot_to_ready,ms,4,2\n"
			      "exp,run,native,hello,boot_to_ready,ms,5,1\n"
			      "exp,run,native,hello,image_size,bytes,1,26176\n");
	ut_buf_free(&b);
	rs_summary_csv(&r, &b);
	cr_assert_str_eq(b.p,
			 "experiment,job,target,workload,metric,unit,n,median,min,max,p25,p75,ci_lo,ci_hi,ci_level\n"
			 "exp,run,native,hello,boot_to_ready,ms,5,3,1,5,2,4,1,5,0.9375\n"
			 "exp,run,native,hello,image_size,bytes,1,26176,26176,26176,26176,26176,26176,26176,0.0000\n");
	ut_buf_free(&b);
	rs_free(&r);
}

Test(results, failures_are_quoted)
{
	struct rs_set r;
	struct ut_buf b = { 0 };

	memset(&r, 0, sizeof r);
	strcpy(r.experiment, "e");
	rs_fail(&r, "refkernel", "hello", 2, "timed out, \"killed\"");
	rs_failures_csv(&r, &b);
	cr_assert_str_eq(b.p, "experiment,job,target,workload,rep,reason\n"
			      "e,run,refkernel,hello,2,\"timed out, \"\"killed\"\"\"\n");
	ut_buf_free(&b);
	rs_free(&r);
}

Test(results, units)
{
	cr_assert_str_eq(rs_unit("boot_to_ready"), "ms");
	cr_assert_str_eq(rs_unit("image_size"), "bytes");
	cr_assert_str_eq(rs_unit("rss_idle"), "KiB");
	cr_assert_str_eq(rs_unit("min_mem"), "MiB");
	cr_assert_str_eq(rs_unit("ns_per_op"), "ns");
	cr_assert_str_eq(rs_unit("foo_us"), "us");
	cr_assert_str_eq(rs_unit("frobs"), "-");
}

Test(results, write_set_and_read_back)
{
	char dir[] = "/tmp/ukb-rs-XXXXXX", why[256];
	struct rs_set r;
	struct sm_table t;

	cr_assert(mkdtemp(dir));
	cr_assert_eq(rs_create(&r, "e", dir, why, sizeof why), 0, "%s", why);
	rs_add(&r, "native", "hello", "boot_to_ready", 1, 2.5);
	rs_add(&r, "native", "hello", "boot_to_ready", 2, 3.5);
	rs_fail(&r, "refkernel", "hello", 1, "build/refkernel/hello.img not found, really");
	cr_assert_eq(rs_write(&r, "{}\n"), 0);
	cr_assert_eq(sm_load(dir, &t, why, sizeof why), 0, "%s", why);
	cr_assert_eq(t.nr, 1);
	cr_assert_eq(t.r[0].n, 2);
	cr_assert_float_eq(t.r[0].median, 3.0, 1e-9);
	cr_assert_eq(t.nf, 1);
	cr_assert_str_eq(t.f[0].why, "build/refkernel/hello.img not found, really");
	cr_assert_eq(t.nt, 2);
	sm_free(&t);
	rs_free(&r);
	const char *files[] = { "samples.csv", "summary.csv", "summary.json", "failures.csv",
				"meta.json" };
	for (int i = 0; i < 5; i++) {
		char p[128];

		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		cr_assert_eq(unlink(p), 0, "%s missing", files[i]);
	}
	cr_assert_eq(rmdir(dir), 0, "temp files left behind");
}

Test(results, parse_workload_result_lines)
{
	struct rs_set r;
	struct tg_spec spec;
	static struct tg_run run;
	const char *out = "syscall: starting\n"
			  "ukbench: result getppid ns_per_op 41.2\n"
			  "ukbench: result syscall ops_per_s 1e6\n"
			  "ukbench: unavailable mmap not supported here\n"
			  "ukbench: result broken\n";

	memset(&r, 0, sizeof r);
	memset(&spec, 0, sizeof spec);
	strcpy(spec.name, "native");
	run.spec = &spec;
	strcpy(run.workload, "syscall");
	run.rs = &r;
	run.rep = 1;
	ut_buf_add(&run.proc.out, out, strlen(out));
	cr_assert_eq(tg_parse_results(&run), 2);
	cr_assert_eq(r.ns, 2);
	cr_assert_str_eq(r.s[0].workload, "syscall/getppid");
	cr_assert_str_eq(r.s[0].metric, "ns_per_op");
	cr_assert_float_eq(r.s[0].value, 41.2, 1e-9);
	cr_assert_str_eq(r.s[1].workload, "syscall");
	cr_assert_eq(r.nf, 1);
	cr_assert_str_eq(r.f[0].workload, "syscall/mmap");
	run.rep = 0;	/* warm-up: nothing recorded */
	cr_assert_eq(tg_parse_results(&run), 2);
	cr_assert_eq(r.ns, 2);
	ut_buf_free(&run.proc.out);
	rs_free(&r);
}

Test(results, exit_status_reasons)
{
	cr_assert(strstr(tg_status_why(255), "crashed"));
	cr_assert(strstr(tg_status_why(253), "panic"));
	cr_assert(strstr(tg_status_why(3), "exited with code 1"));
	cr_assert(strstr(tg_status_why(137), "signal 9"));
}
