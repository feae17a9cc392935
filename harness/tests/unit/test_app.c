/* test_app.c: app definitions (app.c): a good one and its wl_info, and bad
 * ones, each reported as "FILE:LINE: what is wrong". */
#include <criterion/criterion.h>
#include <string.h>

#include "app.h"

static const char good[] =
	"# a comment\n"
	"package   = nginx-light\n"
	"program   = /usr/sbin/nginx\n"
	"args      = -c /etc/nginx/nginx.conf\n"
	"rootfs    = rootfs\n"
	"port      = 8080\n"
	"ready     = http\n"
	"load      = wrk\n"
	"load_args = -t1 -c8\n";

Test(app, a_good_definition_and_what_the_job_driver_sees)
{
	struct app_def a;
	char why[256] = "";

	cr_assert_eq(app_parse(good, "x/app.conf", "nginx", &a, why, sizeof why), 0, "%s", why);
	cr_assert_str_eq(a.program, "/usr/sbin/nginx");
	cr_assert_str_eq(a.args, "-c /etc/nginx/nginx.conf");
	cr_assert_eq(a.port, 8080);
	cr_assert_eq(a.load, APP_LOAD_WRK);
	cr_assert_str_eq(a.wl.name, "nginx");
	cr_assert_eq(a.wl.ready_exit, 0);
	cr_assert_eq(a.wl.port, 8080);
	cr_assert_str_eq(a.wl.probe, "GET / HTTP/1.0\r\n\r\n");
	cr_assert_str_eq(a.wl.reply, "HTTP/1.");
}

Test(app, a_run_to_completion_app)
{
	struct app_def a;
	char why[256] = "";
	const char *t = "package = sqlite3\nprogram = /usr/bin/sqlite3\nready = exit\n"
			"load = sqlite-timer\nops = 100\n";

	cr_assert_eq(app_parse(t, "s/app.conf", "sqlite", &a, why, sizeof why), 0, "%s", why);
	cr_assert_eq(a.wl.ready_exit, 1);
	cr_assert_eq(a.ops, 100);
}

static void bad(const char *text, const char *want)
{
	struct app_def a;
	char why[256] = "";

	cr_assert_eq(app_parse(text, "apps/x/app.conf", "x", &a, why, sizeof why), -1, "accepted: %s", text);
	cr_assert_str_eq(why, want);
}

Test(app, bad_definitions_name_file_and_line)
{
	bad("package = p\nprot = 80\n", "apps/x/app.conf:2: unknown key 'prot'");
	bad("package = p\nprogram usr/bin/x\n", "apps/x/app.conf:2: expected 'key = value', got 'program usr/bin/x'");
	bad("program = usr/bin/x\n", "apps/x/app.conf:1: program must be an absolute path, not 'usr/bin/x'");
	bad("package = p\nprogram = /x\nready = http\nport = 0\n", "apps/x/app.conf:4: port must be 1-65535, not '0'");
	bad("package = p\nprogram = /x\nready = http\nport = 80x\n", "apps/x/app.conf:4: port must be 1-65535, not '80x'");
	bad("package = p\nprogram = /x\nready = sometimes\n",
	    "apps/x/app.conf:3: ready must be http, redis, memcached, tcp or exit, not 'sometimes'");
	bad("package = p\nprogram = /x\nready = http\n", "apps/x/app.conf:3: ready = http needs a 'port'");
	bad("package = p\nprogram = /x\nready = exit\nload = wrk\n",
	    "apps/x/app.conf:4: load = wrk needs a server (ready is not exit)");
	bad("package = p\nprogram = /x\nready = exit\nload = sqlite-timer\n",
	    "apps/x/app.conf:4: load = sqlite-timer needs 'ops'");
	bad("package = p\nprogram = /x\nready = exit\nload = ab\n",
	    "apps/x/app.conf:4: load must be wrk, redis-benchmark, memtext, sqlite-timer or none, not 'ab'");
	bad("package = p\nprogram = /x\nrootfs = ../etc\nready = exit\n",
	    "apps/x/app.conf:3: rootfs must be a folder beside app.conf, not '../etc'");
	bad("program = /x\nready = exit\n", "apps/x/app.conf:2: no 'package' (the Debian package of the program)");
	bad("package = p\nready = exit\n", "apps/x/app.conf:2: no 'program' (its absolute path)");
	bad("package =\n", "apps/x/app.conf:1: package: empty value");
}

Test(app, a_missing_program_names_its_package)
{
	struct app_def a;
	char why[256] = "";

	cr_assert_eq(app_parse("package = no-such-pkg\nprogram = /no/such/prog\nready = exit\n",
			       "a/app.conf", "ghost", &a, why, sizeof why), 0, "%s", why);
	cr_assert_eq(app_check(&a, why, sizeof why), -1);
	cr_assert_str_eq(why, "app ghost: /no/such/prog is missing: Debian package no-such-pkg is not installed (make deps)");
}
