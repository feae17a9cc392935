/* Unit tests: token-compressed names (lib/symtok.c decoding what
 * tools/symtok_enc.c encodes). Every syscall name of syscall/sysnames.txt and
 * a kernel-like function list round-trip, and lookups by number and by
 * address give what the uncompressed tables they replaced gave (the old
 * sys_name scan and the old ksyms walk, kept here as the reference). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symtok.h"
#include "symtok_enc.h"

#define SYS_MAX 512
#define NFN 900

static char *sysn[SYS_MAX];
static size_t nsys;
static char *fn[NFN];
static uint64_t fnaddr[NFN];
static struct symtok_enc enc;

static void load_sysnames(void)
{
	FILE *f = fopen("syscall/sysnames.txt", "r");
	if (!f)
		cr_skip_test("run from refkernel/ (syscall/sysnames.txt)");
	char line[256];
	nsys = 0;
	while (fgets(line, sizeof(line), f) && nsys < SYS_MAX) {
		line[strcspn(line, "\n")] = 0;
		sysn[nsys++] = strdup(line);
	}
	fclose(f);
	cr_assert_gt(nsys, 400, "syscall/sysnames.txt has %zu names", nsys);
}

/* Function names the way the kernel's look: layer prefixes, shared suffixes,
 * compiler clones, with a few at one address (delta 0). */
static void make_functions(void)
{
	static const char *pre[] = { "sys_", "mm_", "tcp_", "vfs_", "x86_", "sched_", "" };
	static const char *suf[] = { "", "_alloc", "_free", ".isra.0", ".cold", "_locked" };
	uint64_t a = 0xffffffff80100000ULL;
	srand(13);
	for (int i = 0; i < NFN; i++) {
		char b[128];
		const char *base = sysn[(size_t)rand() % nsys];
		snprintf(b, sizeof(b), "%s%s%s", pre[rand() % 7], *base ? base : "nop", suf[rand() % 6]);
		fn[i] = strdup(b);
		fnaddr[i] = a;
		a += rand() % 8 ? 1 + (uint64_t)(rand() % 400) : i % 50 ? 0 : 70000; /* some far apart */
	}
}

static void setup(void)
{
	load_sysnames();
	make_functions();
	const char *all[SYS_MAX + NFN];
	for (size_t i = 0; i < nsys; i++)
		all[i] = sysn[i];
	for (int i = 0; i < NFN; i++)
		all[nsys + i] = fn[i];
	cr_assert_eq(symtok_train(&enc, all, nsys + NFN), 0);
}

TestSuite(symtok, .init = setup);

static size_t put_uleb(uint8_t *p, uint64_t d)
{
	size_t k = 0;
	do {
		p[k++] = (uint8_t)((d & 0x7f) | (d >= 0x80 ? 0x80 : 0));
		d >>= 7;
	} while (d);
	return k;
}

/* The old sys_name(): a scan of NUL-separated names. */
static const char *old_sys_name(const char *names, size_t size, unsigned nr)
{
	const char *p = names;
	for (unsigned i = 0; i < nr && p < names + size - 1; i++)
		while (*p++)
			;
	return p < names + size - 1 && *p ? p : "?";
}

/* The old ksym_lookup(): ULEB128 distances and plain names. */
static const char *old_ksym(const uint8_t *t, uint32_t count, uint64_t base, uint64_t addr, uint64_t *off)
{
	const uint8_t *p = t;
	const char *best = NULL;
	uint64_t a = base;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t d = 0;
		for (int sh = 0; sh < 64; sh += 7) {
			d |= (uint64_t)(*p & 0x7f) << sh;
			if (!(*p++ & 0x80))
				break;
		}
		a += d;
		if (a > addr)
			break;
		best = (const char *)p;
		*off = addr - a;
		while (*p++)
			;
	}
	return best;
}

Test(symtok, every_name_round_trips_and_compresses)
{
	uint8_t code[300];
	char out[300];
	size_t plain = 0, packed = enc.size;
	for (size_t i = 0; i < nsys + NFN; i++) {
		const char *s = i < nsys ? sysn[i] : fn[i - nsys];
		size_t n = symtok_encode(&enc, s, code);
		cr_assert_gt(n, 0, "%s", s);
		cr_assert_eq(code[n - 1], 0);
		cr_assert_eq(memchr(code, 0, n), code + n - 1, "%s: a 0 inside the codes", s);
		const uint8_t *next = symtok_expand(enc.tt, code, out, sizeof(out));
		cr_assert_eq(next, code + n);
		cr_assert_str_eq(out, s);
		plain += strlen(s) + 1;
		packed += n;
	}
	cr_assert_lt(packed * 10, plain * 7, "table and names %zu bytes of %zu: not 30%% smaller", packed, plain);
	cr_assert_leq(enc.nchars + enc.ntok, 255u);
	for (unsigned c = 1; c <= enc.nchars + enc.ntok; c++)
		cr_assert_leq(enc.len[c], SYMTOK_TOKEN_MAX);
}

Test(symtok, lookup_by_number_is_the_old_scan)
{
	static char plain[8192];
	static uint8_t packed[8192];
	size_t ps = 0, ks = 0;
	for (size_t i = 0; i < nsys; i++) {
		memcpy(plain + ps, sysn[i], strlen(sysn[i]) + 1);
		ps += strlen(sysn[i]) + 1;
		ks += symtok_encode(&enc, sysn[i], packed + ks);
	}
	plain[ps++] = 0; /* sysnames.c's string literal ended in one more NUL */
	packed[ks++] = 0;
	char out[64];
	for (unsigned nr = 0; nr < SYS_MAX + 40; nr++) {
		const char *want = old_sys_name(plain, ps, nr);
		const char *got = symtok_nth(enc.tt, packed, ks, nr, out, sizeof(out));
		cr_assert_str_eq(got ? got : "?", want, "number %u", nr);
	}
	cr_assert_str_eq(symtok_nth(enc.tt, packed, ks, 0, out, sizeof(out)), "read");
	cr_assert_null(symtok_nth(enc.tt, packed, ks, ~0u, out, sizeof(out)));
}

Test(symtok, lookup_by_address_is_the_old_walk)
{
	static uint8_t plain[65536], packed[65536];
	size_t ps = 0, ks = 0;
	for (int i = 0; i < NFN; i++) {
		uint64_t d = fnaddr[i] - (i ? fnaddr[i - 1] : fnaddr[0]);
		ps += put_uleb(plain + ps, d);
		memcpy(plain + ps, fn[i], strlen(fn[i]) + 1);
		ps += strlen(fn[i]) + 1;
		ks += put_uleb(packed + ks, d);
		ks += symtok_encode(&enc, fn[i], packed + ks);
	}
	char out[128];
	for (int i = 0; i < NFN; i++) {
		uint64_t probe[] = { fnaddr[i] - 1, fnaddr[i], fnaddr[i] + 1, fnaddr[i] + 65536 };
		for (int k = 0; k < 4; k++) {
			uint64_t o1 = 7, o2 = 7;
			const char *want = old_ksym(plain, NFN, fnaddr[0], probe[k], &o1);
			const char *got = symtok_addr(enc.tt, packed, NFN, fnaddr[0], probe[k], &o2, out, sizeof(out));
			if (!want) {
				cr_assert_null(got, "%#lx", (unsigned long)probe[k]);
				continue;
			}
			cr_assert_not_null(got, "%#lx", (unsigned long)probe[k]);
			cr_assert_str_eq(got, want, "%#lx", (unsigned long)probe[k]);
			cr_assert_eq(o2, o1);
		}
	}
	uint64_t off = 0;
	cr_assert_null(symtok_addr(enc.tt, packed, 0, fnaddr[0], fnaddr[0], &off, out, sizeof(out)));
}

Test(symtok, a_short_buffer_cuts_the_name)
{
	uint8_t code[300];
	const char *s = "sched_get_priority_max";
	cr_assert_gt(symtok_encode(&enc, s, code), 0);
	char out[8];
	memset(out, 'x', sizeof(out));
	symtok_expand(enc.tt, code, out, sizeof(out));
	cr_assert_str_eq(out, "sched_g");
	symtok_expand(enc.tt, code, out, 1);
	cr_assert_str_eq(out, "");
	out[0] = 'x';
	symtok_expand(enc.tt, code, out, 0);
	cr_assert_eq(out[0], 'x', "cap 0 writes nothing");
	cr_assert_eq(symtok_encode(&enc, "caf\xc3\xa9", code), 0, "a character no name has cannot be encoded");
}

Test(symtok, a_bad_table_gives_a_wrong_name_not_a_hang)
{
	/* one character 'a' (code 1); token 0 is code 2 = (2, 2): itself */
	const uint8_t tt[] = { 1, 1, 'a', 2, 2 };
	const uint8_t name[] = { 1, 2, 9, 1, 0 };
	char out[256];
	const uint8_t *next = symtok_expand(tt, name, out, sizeof(out));
	cr_assert_eq(next, name + sizeof(name));
	cr_assert_eq(out[0], 'a');
	cr_assert_eq(out[strlen(out) - 1], 'a');
	cr_assert_lt(strlen(out), 2 + 2 * SYMTOK_TOKEN_MAX + 2, "the cycle is cut: %zu characters", strlen(out));
	cr_assert_neq(strchr(out, '?'), NULL, "unknown code 9 and the cut cycle print '?'");
}
