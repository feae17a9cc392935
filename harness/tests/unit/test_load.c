/* test_load.c: wrk and redis-benchmark parsers on captured real outputs
 * (tests/data/), the latency histogram, and the guest exit-line parser. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

static char *data(const char *name)
{
	char path[512];
	struct ut_buf b = { 0 };

	snprintf(path, sizeof path, "%s/harness/tests/data/%s", ut_root(), name);
	cr_assert_eq(ut_read_file(path, &b), 0, "cannot read %s", path);
	return b.p;
}

Test(load, wrk_latency_output)
{
	struct lp_wrk w;
	char *t = data("wrk-latency.txt");

	cr_assert_eq(lp_wrk(t, &w), 0);
	cr_assert_float_eq(w.req_per_s, 105653.87, 1e-6);
	cr_assert_float_eq(w.p50_us, 23.0, 1e-9);	/* "50%   23.00us" */
	cr_assert_float_eq(w.p99_us, 5030.0, 1e-6);	/* "99%    5.03ms" */
	cr_assert_eq(w.requests, 116192);
	cr_assert_eq(w.errors, 0);
	free(t);
}

Test(load, wrk_errors_counted)
{
	struct lp_wrk w;
	char *t = data("wrk-errors.txt");

	cr_assert_eq(lp_wrk(t, &w), 0);
	cr_assert_float_eq(w.req_per_s, 4276.12, 1e-6);
	cr_assert_float_eq(w.p50_us, 1380.0, 1e-6);
	cr_assert_float_eq(w.p99_us, 10310.0, 1e-6);
	cr_assert_eq(w.errors, 2 + 3 + 4);
	free(t);
}

Test(load, wrk_garbage_rejected)
{
	struct lp_wrk w;

	cr_assert_eq(lp_wrk("unable to connect to 10.77.0.2:8080 Connection refused\n", &w), -1);
	cr_assert_eq(lp_wrk("", &w), -1);
}

struct rows {
	int n;
	char test[4][16];
	double rps[4], p50[4], p99[4];
};

static void row(void *ctx, const char *test, double rps, double p50, double p99)
{
	struct rows *r = ctx;

	cr_assert_lt(r->n, 4);
	snprintf(r->test[r->n], sizeof r->test[0], "%s", test);
	r->rps[r->n] = rps;
	r->p50[r->n] = p50;
	r->p99[r->n] = p99;
	r->n++;
}

Test(load, redis_benchmark_csv)
{
	struct rows r = { 0 };
	char *t = data("redis-benchmark.csv");

	cr_assert_eq(lp_redis_csv(t, row, &r), 0);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.test[0], "SET");
	cr_assert_float_eq(r.rps[0], 58823.53, 1e-6);
	cr_assert_float_eq(r.p50[0], 39.0, 1e-6);	/* 0.039 ms */
	cr_assert_float_eq(r.p99[0], 79.0, 1e-6);
	cr_assert_str_eq(r.test[1], "GET");
	cr_assert_float_eq(r.rps[1], 111111.12, 1e-6);
	free(t);
}

Test(load, redis_benchmark_old_format_and_garbage)
{
	struct rows r = { 0 };

	cr_assert_eq(lp_redis_csv("\"test\",\"rps\"\n\"PING_INLINE\",\"1000.00\"\n", row, &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_float_eq(r.p50[0], -1, 1e-9);
	cr_assert_eq(lp_redis_csv("Could not connect to Redis at 10.77.0.2:6379\n", row, &r), -1);
}

Test(load, histogram_quantiles)
{
	static struct hg h;

	memset(&h, 0, sizeof h);
	for (uint64_t v = 1; v <= 10000; v++)
		hg_add(&h, v);
	cr_assert_eq(h.n, 10000);
	double p50 = hg_quantile(&h, 0.5), p99 = hg_quantile(&h, 0.99);

	cr_assert(fabs(p50 - 5000) / 5000 < 1.0 / HG_SUB, "p50 %f", p50);
	cr_assert(fabs(p99 - 9900) / 9900 < 1.0 / HG_SUB, "p99 %f", p99);
	memset(&h, 0, sizeof h);
	for (int i = 0; i < 99; i++)
		hg_add(&h, 7);
	hg_add(&h, 1000000);
	cr_assert_float_eq(hg_quantile(&h, 0.5), 7, 1e-9);	/* exact below HG_SUB */
	cr_assert(hg_quantile(&h, 1.0) > 900000);
	memset(&h, 0, sizeof h);
	cr_assert(isnan(hg_quantile(&h, 0.5)));
}

Test(load, guest_exit_line)
{
	struct rs_set r;
	struct tg_spec spec;
	static struct tg_run run;
	const char *out = "refkernel: boot_us=17439 entry_to_main\nhello from Linux\n"
			  "refkernel: exit status=0 run_us=7744 syscalls=6 clock=cmdline tsc_khz=2100000\n";

	memset(&r, 0, sizeof r);
	memset(&spec, 0, sizeof spec);
	strcpy(spec.name, "refkernel");
	run.spec = &spec;
	strcpy(run.workload, "hello");
	run.rs = &r;
	run.rep = 1;
	ut_buf_add(&run.proc.out, out, strlen(out));
	tg_parse_guest_exit(&run);
	cr_assert_eq(r.ns, 2);
	cr_assert_str_eq(r.s[0].metric, "guest_run_us");
	cr_assert_float_eq(r.s[0].value, 7744, 1e-9);
	cr_assert_str_eq(r.s[1].metric, "guest_syscalls");
	cr_assert_str_eq(tg_last_line(&run), "hello from Linux");
	ut_buf_free(&run.proc.out);
	rs_free(&r);
}

Test(load, failure_line_prefers_the_crash)
{
	static struct tg_run run;
	const char *out = "refkernel: boot_us=10037 entry_to_main\nukbench: ready httpd port=8080\n"
			  "refkernel: crash vector=14 (page fault) error=0 thread=1\n"
			  "  rip 0xffffffff80111cc0 <tcp_sack_trim+0x50>\n"
			  "  0xffffffff8010058e <x86_syscall_entry+0x3b>\n";

	ut_buf_add(&run.proc.out, out, strlen(out));
	cr_assert_str_eq(tg_last_line(&run), "refkernel: crash vector=14 (page fault) error=0 thread=1");
	ut_buf_free(&run.proc.out);
}

Test(load, guest_network_cmdline)
{
	struct nt_net n;

	memset(&n, 0, sizeof n);
	cr_assert_str_eq(nt_guest_cmdline(&n), "");
	n.active = 1;
	n.kind = NT_TAP;
	cr_assert_str_eq(nt_guest_cmdline(&n), "ip=10.77.0.2/24 gw=10.77.0.1 ");
	n.kind = NT_USER;
	cr_assert_str_eq(nt_guest_cmdline(&n), "ip=10.0.2.15/24 gw=10.0.2.2 ");
}
