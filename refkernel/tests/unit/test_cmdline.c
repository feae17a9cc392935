/* test_cmdline.c — kernel command line: parameters, flags, argv after "--",
 * quotes and escapes, errors and limits, lookups. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

static struct cmdline cl;
static char buf[8192];

static int parse(const char *s)
{
	snprintf(buf, sizeof(buf), "%s", s);
	memset(&cl, 0xa5, sizeof(cl));
	return cmdline_parse(buf, &cl);
}

Test(cmdline, empty)
{
	cr_assert_eq(parse(""), 0);
	cr_assert_eq(cl.nparams, 0);
	cr_assert_eq(cl.argc, 0);
	cr_assert_null(cl.argv[0]);
	cr_assert_null(cl.error);
	cr_assert_eq(parse("  \t "), 0);
	cr_assert_eq(cl.nparams, 0);
	cr_assert_eq(cmdline_parse(NULL, &cl), 0);
	cr_assert_eq(cl.nparams, 0);
}

Test(cmdline, params_and_flags)
{
	cr_assert_eq(parse("tsc_khz=2400000 quiet  a=b=c\tvirtio_mmio.device=512@0xfeb00e00:12 e="), 0);
	cr_assert_eq(cl.nparams, 5);
	cr_assert_str_eq(cl.params[0].key, "tsc_khz");
	cr_assert_str_eq(cl.params[0].value, "2400000");
	cr_assert_str_eq(cl.params[1].key, "quiet");
	cr_assert_str_eq(cl.params[1].value, "");
	cr_assert_str_eq(cl.params[2].key, "a");
	cr_assert_str_eq(cl.params[2].value, "b=c");
	cr_assert_str_eq(cl.params[3].key, "virtio_mmio.device");
	cr_assert_str_eq(cl.params[3].value, "512@0xfeb00e00:12");
	cr_assert_str_eq(cl.params[4].key, "e");
	cr_assert_str_eq(cl.params[4].value, "");
	cr_assert_eq(cl.argc, 0);
	cr_assert_null(cl.argv[0]);
	/* Pointers point into the buffer. */
	cr_assert(cl.params[0].key >= buf && cl.params[0].key < buf + sizeof(buf));
}

Test(cmdline, argv_after_separator)
{
	cr_assert_eq(parse("tsc_khz=1 -- hello 3 x=y -- --"), 0);
	cr_assert_eq(cl.nparams, 1);
	cr_assert_eq(cl.argc, 5);
	cr_assert_str_eq(cl.argv[0], "hello");
	cr_assert_str_eq(cl.argv[1], "3");
	cr_assert_str_eq(cl.argv[2], "x=y");
	cr_assert_str_eq(cl.argv[3], "--");
	cr_assert_str_eq(cl.argv[4], "--");
	cr_assert_null(cl.argv[5]);

	cr_assert_eq(parse("--"), 0);
	cr_assert_eq(cl.argc, 0);
	cr_assert_null(cl.argv[0]);
	cr_assert_eq(parse("-- a"), 0);
	cr_assert_eq(cl.nparams, 0);
	cr_assert_eq(cl.argc, 1);
	/* "--x" and a quoted "--" are ordinary words. */
	cr_assert_eq(parse("--x \"--\" -- z"), 0);
	cr_assert_eq(cl.nparams, 2);
	cr_assert_str_eq(cl.params[0].key, "--x");
	cr_assert_str_eq(cl.params[1].key, "--");
	cr_assert_eq(cl.argc, 1);
}

Test(cmdline, quotes_and_escapes)
{
	cr_assert_eq(parse("msg=\"hello world\" -- \"a b\" c\"d e\"f \"\" x\\\"y \\\\ p\\q \"q\\\"t\""), 0);
	cr_assert_eq(cl.nparams, 1);
	cr_assert_str_eq(cl.params[0].key, "msg");
	cr_assert_str_eq(cl.params[0].value, "hello world");
	cr_assert_eq(cl.argc, 7);
	cr_assert_str_eq(cl.argv[0], "a b");
	cr_assert_str_eq(cl.argv[1], "cd ef");
	cr_assert_str_eq(cl.argv[2], "");
	cr_assert_str_eq(cl.argv[3], "x\"y");
	cr_assert_str_eq(cl.argv[4], "\\");
	cr_assert_str_eq(cl.argv[5], "p\\q"); /* other backslashes stay */
	cr_assert_str_eq(cl.argv[6], "q\"t");
	cr_assert_eq(parse("-- \"tab\tand  spaces\""), 0);
	cr_assert_str_eq(cl.argv[0], "tab\tand  spaces");
}

Test(cmdline, errors)
{
	cr_assert_eq(parse("a=\"open"), -EINVAL);
	cr_assert_str_eq(cl.error, "unterminated quote");
	cr_assert_eq(parse("-- \"x"), -EINVAL);
	cr_assert_str_eq(cl.error, "unterminated quote");
	cr_assert_eq(parse("=x"), -EINVAL);
	cr_assert_str_eq(cl.error, "empty parameter name");
	cr_assert_eq(parse("ok \"\""), -EINVAL);
	cr_assert_str_eq(cl.error, "empty parameter name");
	cr_assert_eq(parse("a=b\\"), -EINVAL);
	cr_assert_str_eq(cl.error, "trailing backslash");
	cr_assert_eq(parse("-- x\\"), -EINVAL);
	cr_assert_str_eq(cl.error, "trailing backslash");
}

static void build_words(char *out, size_t size, const char *prefix, int n)
{
	size_t pos = (size_t)snprintf(out, size, "%s", prefix);
	for (int i = 0; i < n; i++)
		pos += (size_t)snprintf(out + pos, size - pos, " w%d", i);
}

Test(cmdline, limits)
{
	char line[4096];
	build_words(line, sizeof(line), "", CMDLINE_MAX_PARAMS);
	cr_assert_eq(parse(line), 0);
	cr_assert_eq(cl.nparams, CMDLINE_MAX_PARAMS);
	cr_assert_str_eq(cl.params[63].key, "w63");

	build_words(line, sizeof(line), "", CMDLINE_MAX_PARAMS + 1);
	cr_assert_eq(parse(line), -E2BIG);
	cr_assert_not_null(cl.error);
	cr_assert(strstr(cl.error, "parameters"));

	build_words(line, sizeof(line), "--", CMDLINE_MAX_ARGS);
	cr_assert_eq(parse(line), 0);
	cr_assert_eq(cl.argc, CMDLINE_MAX_ARGS);
	cr_assert_str_eq(cl.argv[63], "w63");
	cr_assert_null(cl.argv[64]);

	build_words(line, sizeof(line), "--", CMDLINE_MAX_ARGS + 1);
	cr_assert_eq(parse(line), -E2BIG);
	cr_assert(strstr(cl.error, "arguments"));
}

Test(cmdline, get_last_wins)
{
	cr_assert_eq(parse("x=1 y=2 x=3 flag -- x=9"), 0);
	cr_assert_str_eq(cmdline_get(&cl, "x"), "3");
	cr_assert_str_eq(cmdline_get(&cl, "y"), "2");
	cr_assert_str_eq(cmdline_get(&cl, "flag"), "");
	cr_assert_null(cmdline_get(&cl, "z"));
	cr_assert_null(cmdline_get(&cl, "fla"));
	cr_assert_null(cmdline_get(&cl, "flagx"));
}

Test(cmdline, get_u64)
{
	unsigned long long v = 77;
	cr_assert_eq(parse("d=2400000 h=0xFfeb00e00 z=0 max=18446744073709551615 "
			   "hmax=0xffffffffffffffff over=18446744073709551616 "
			   "hover=0x10000000000000000 neg=-1 junk=12a x=0x flag sp=\" 1\" hx=0X1f"), 0);
	cr_assert_eq(cmdline_get_u64(&cl, "d", &v), 1);
	cr_assert_eq(v, 2400000);
	cr_assert_eq(cmdline_get_u64(&cl, "h", &v), 1);
	cr_assert_eq(v, 0xffeb00e00ULL);
	cr_assert_eq(cmdline_get_u64(&cl, "hx", &v), 1);
	cr_assert_eq(v, 0x1f);
	cr_assert_eq(cmdline_get_u64(&cl, "z", &v), 1);
	cr_assert_eq(v, 0);
	cr_assert_eq(cmdline_get_u64(&cl, "max", &v), 1);
	cr_assert_eq(v, 18446744073709551615ULL);
	cr_assert_eq(cmdline_get_u64(&cl, "hmax", &v), 1);
	cr_assert_eq(v, 0xffffffffffffffffULL);
	v = 77;
	cr_assert_eq(cmdline_get_u64(&cl, "absent", &v), 0);
	cr_assert_eq(v, 77);
	const char *bad[] = { "over", "hover", "neg", "junk", "x", "flag", "sp" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(cmdline_get_u64(&cl, bad[i], &v), -EINVAL, "%s", bad[i]);
		cr_assert_eq(v, 77, "%s changed the output", bad[i]);
	}
}

Test(cmdline, qemu_mmio_words_after_args_are_params)
{
	/* QEMU microvm appends these after whatever -append said. */
	cr_assert_eq(parse("tsc_khz=1 -- hello 7 virtio_mmio.device=512@0xfeb00e00:12 "
			   "virtio_mmio.device=512@0xfeb00c00:11"), 0);
	cr_assert_eq(cl.argc, 2);
	cr_assert_str_eq(cl.argv[0], "hello");
	cr_assert_str_eq(cl.argv[1], "7");
	cr_assert_null(cl.argv[2]);
	cr_assert_eq(cl.nparams, 3);
	cr_assert_str_eq(cl.params[1].key, "virtio_mmio.device");
	cr_assert_str_eq(cl.params[1].value, "512@0xfeb00e00:12");
	cr_assert_str_eq(cmdline_get(&cl, "virtio_mmio.device"), "512@0xfeb00c00:11");
	/* Quoted, it is an argument like any other. */
	cr_assert_eq(parse("-- \"virtio_mmio.device=x\""), 0);
	cr_assert_eq(cl.argc, 1);
	cr_assert_eq(cl.nparams, 0);
}

/* Random lines over a small alphabet: never crash, and the result is sane. */
Test(cmdline, random_lines)
{
	static const char alpha[] = "ab=\" \\\t-x";
	srand(99);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % 40);
		char line[64];
		for (size_t i = 0; i < n; i++)
			line[i] = alpha[rand() % (sizeof(alpha) - 1)];
		line[n] = '\0';
		char *copy = malloc(n + 1); /* exact size: ASan sees overruns */
		memcpy(copy, line, n + 1);
		struct cmdline c;
		int r = cmdline_parse(copy, &c);
		if (r == 0) {
			cr_assert_null(c.error);
			cr_assert(c.nparams >= 0 && c.nparams <= CMDLINE_MAX_PARAMS);
			cr_assert(c.argc >= 0 && c.argc <= CMDLINE_MAX_ARGS);
			cr_assert_null(c.argv[c.argc]);
			for (int i = 0; i < c.argc; i++)
				cr_assert(c.argv[i] >= copy && c.argv[i] <= copy + n);
			for (int i = 0; i < c.nparams; i++) {
				cr_assert(c.params[i].key >= copy && c.params[i].key <= copy + n);
				cr_assert_neq(c.params[i].key[0], '\0');
				cr_assert(c.params[i].value >= copy && c.params[i].value <= copy + n);
				cr_assert_null(strchr(c.params[i].key, '='));
			}
		} else {
			cr_assert(r == -EINVAL || r == -E2BIG, "line [%s] returned %d", line, r);
			cr_assert_not_null(c.error);
		}
		free(copy);
	}
}

/* The kernel's parameter table: everything refkernel.h documents and what
 * QEMU adds is known; anything else is named. */
Test(cmdline, known_parameters)
{
	cr_assert_eq(parse("tsc_khz=1 ip=10.0.0.2/24 gw=10.0.0.1 net_nocsum arp_reachable_ms=100 "
			   "sched_slice_ms=5 hostname=h boot_trace crash_test prot=ring3 "
			   "virtio_mmio.device=512@0xfeb00e00:12 -- notakey=1 --bogus"), 0);
	cr_assert_null(cmdline_unknown(&cl, cmdline_known));
	cr_assert_eq(parse("tsc_khz=1 tsc_kHz=2 quiet"), 0);
	cr_assert_str_eq(cmdline_unknown(&cl, cmdline_known), "tsc_kHz");
	cr_assert_eq(parse("quiet"), 0);
	cr_assert_str_eq(cmdline_unknown(&cl, cmdline_known), "quiet");
	cr_assert_eq(parse("virtio_mmio.devic=1"), 0);
	cr_assert_str_eq(cmdline_unknown(&cl, cmdline_known), "virtio_mmio.devic");
	static const char *const none[] = { NULL };
	cr_assert_eq(parse("-- a b"), 0);
	cr_assert_null(cmdline_unknown(&cl, none));
	cr_assert_eq(parse("x"), 0);
	cr_assert_str_eq(cmdline_unknown(&cl, none), "x");
}

Test(cmdline, choices)
{
	static const char *const prot[] = { "ring0", "ring3", "ring3-kpti", NULL };
	cr_assert_eq(parse("tsc_khz=1"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), 0);
	cr_assert_eq(parse("prot=ring0"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), 0);
	cr_assert_eq(parse("prot=ring3"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), 1);
	cr_assert_eq(parse("prot=ring0 prot=ring3-kpti"), 0); /* the last one wins */
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), 2);
	cr_assert_eq(parse("prot=ring3-KPTI"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), -EINVAL);
	cr_assert_eq(parse("prot"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), -EINVAL);
	cr_assert_eq(parse("prot=ring"), 0);
	cr_assert_eq(cmdline_choice(&cl, "prot", prot), -EINVAL);
}
