/* test_image.c: qemu-image and command targets as parsed (keys per kind,
 * paths from the file's folder, exit lists), the shell-quoted launch line and
 * the per-job baselines the report reads from meta.json. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukb.h"

static char dir[64];

/* The experiment in a fresh folder with an 8-byte disk.img beside it. */
static int load(const char *text, struct run_plan *p, char *why, size_t n)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(dir, sizeof dir, "/tmp/ukb-img-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/disk.img", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("12345678", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/x.ini", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	rc = ex_load(path, p, why, n);
	unlink(path);
	snprintf(path, sizeof path, "%s/disk.img", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}

Test(image, parses_a_foreign_target)
{
	struct run_plan p;
	char why[256] = "", want[128];
	const char *text = "[target uk]\nkind = qemu-image\nkernel = img/%w.elf\ndisk = disk.img\n"
			   "exit_device = 0x501\nexit_code = 0, 21\nexit_status = 7\nreset_ok = yes\n"
			   "machine = pc\nready = port:80\nnet_device = e1000\nbaseline_of = null-pc\n"
			   "[run a]\ntargets = uk\nworkloads = hello\nbaseline = other\n";

	cr_assert_eq(load(text, &p, why, sizeof why), 0, "%s", why);
	const struct tg_spec *t = &p.jobs[0].spec;

	snprintf(want, sizeof want, "%s/img/%%w.elf", dir);
	cr_assert(strstr(t->kernel, "/img/%w.elf") && strstr(t->kernel, dir + 5), "%s", t->kernel);
	cr_assert_eq(t->ndisks, 1);
	cr_assert_eq(t->exit_device, 0x501);
	cr_assert_eq(t->nexit, 3);
	cr_assert_eq(t->exit_list[0], 1);	/* code 0 -> QEMU status 1 */
	cr_assert_eq(t->exit_list[1], 43);
	cr_assert_eq(t->exit_list[2], 7);
	cr_assert(t->reset_ok && t->foreign && t->want_net);
	cr_assert_eq(t->net_device, TG_NET_E1000);
	cr_assert_str_eq(p.jobs[0].baseline, "null-pc");	/* the target's own wins */
	free(p.jobs);
}

static void refused(const char *text, const char *want)
{
	struct run_plan p;
	char why[256] = "";

	cr_assert_eq(load(text, &p, why, sizeof why), -1);
	cr_assert(strstr(why, want), "got '%s', want '%s'", why, want);
}

Test(image, bad_input_names_file_and_line)
{
	refused("[target t]\nkind = command\ncommand = /bin/true\nkernel = x\nmachine = q35\n"
		"[run a]\ntargets = t\nworkloads = hello\n",
		"x.ini:5: kind = command does not take 'machine'");
	refused("[target t]\nkind = native\ncpu = max\n[run a]\ntargets = t\nworkloads = hello\n",
		"x.ini:3: kind = native does not take 'cpu'");
	refused("[target t]\nkind = qemu-image\nkernel = k\ndisk = disk.img, gone.img\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:4: disk /tmp/ukb-img-");
	refused("[target t]\nkind = qemu-image\nkernel = k\ndisk = %w.img\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:4: disk /tmp/ukb-img-");
	refused("[target t]\nkind = qemu-image\nkernel = k\nready = port:1\nnet_device = ne2k\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:5: net_device must be");
	refused("[target t]\nkind = qemu-image\nkernel = k\nexit_device = 0xf4\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:4: exit_device is an I/O port");
	refused("[target t]\nkind = qemu-image\nkernel = k\nexit_code = 200\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:4: exit_code must be an integer from 0 to 127");
	refused("[target t]\nkind = command\ntap = a/b\ncommand = x\n"
		"[run a]\ntargets = t\nworkloads = hello\n", "x.ini:3: tap must be an interface name");
	refused("[target t]\nkind = command\n[run a]\ntargets = t\nworkloads = hello\n",
		"x.ini:1: command target 't' needs command = ...");
}

Test(image, shell_quoted_words_split_back)
{
	struct ut_buf b = { 0 };

	tg_shell_quote(&b, "-append");
	ut_buf_add(&b, " ", 1);
	tg_shell_quote(&b, "--rootfs=ramfs /hello it's");
	ut_buf_add(&b, " ", 1);
	tg_shell_quote(&b, "");
	ut_buf_add(&b, " ", 1);
	tg_shell_quote(&b, "file=/a/b.img,if=none");
	cr_assert_str_eq(b.p, "-append '--rootfs=ramfs /hello it'\\''s' '' file=/a/b.img,if=none");
	ut_buf_free(&b);
}

Test(image, per_job_baselines_from_meta)
{
	struct rb_map m;
	const char *meta = "{\n  \"baseline\": \"null-mv\",\n  \"jobs\": [\n"
			   "    {\"target\": \"x-pc\", \"job\": \"a\", \"kind\": \"qemu-image\",\n"
			   "     \"baseline\": \"null-pc\", \"ended\": {}},\n"
			   "    {\"target\": \"rk\", \"job\": \"a\", \"kind\": \"refkernel\",\n"
			   "     \"baseline\": \"\", \"ended\": {}}\n  ]\n}\n";

	cr_assert_eq(rb_load(meta, &m), 1);
	cr_assert_str_eq(rb_find(&m, "a", "x-pc"), "null-pc");
	cr_assert_null(rb_find(&m, "a", "rk"));
	cr_assert_null(rb_find(&m, "b", "x-pc"));
}
