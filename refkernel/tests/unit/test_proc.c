/* test_proc.c — the initial process stack: argc/argv/envp/auxv layout,
 * alignment, strings reached through user addresses, and -E2BIG. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/auxvec.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

#define UBASE 0x00007ffffff00000ULL

static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const struct proc_image pimg = { .entry = 0x401234, .phdr = 0x400040, .phnum = 6, .phent = 56 };

struct stk {
	unsigned char *k;
	uint64_t ubase;
	size_t size;
};

/* Translate a user address back into the buffer, checking it is inside. */
static void *k_of(const struct stk *s, uint64_t u, size_t n)
{
	cr_assert_geq(u, s->ubase, "user address %#llx below the stack", (unsigned long long)u);
	cr_assert_leq(u + n, s->ubase + s->size, "user address %#llx above the stack", (unsigned long long)u);
	return s->k + (u - s->ubase);
}

static uint64_t word(const struct stk *s, uint64_t u)
{
	uint64_t v;
	memcpy(&v, k_of(s, u, 8), 8);
	return v;
}

static const char *str(const struct stk *s, uint64_t u)
{
	const char *p = k_of(s, u, 1);
	size_t n = strnlen(p, (size_t)(s->ubase + s->size - u));
	cr_assert_lt(u + n, s->ubase + s->size, "string not terminated inside the stack");
	return p;
}

/* Walks the stack at (sp), checks it against argv/envp and the auxv contract,
 * and returns the auxv values by type in (aux_out), ~0 when absent. */
static void verify(const struct stk *s, uint64_t sp, int argc, char *const argv[], char *const envp[],
		   uint64_t aux_out[64])
{
	cr_assert_eq(sp % 16, 0, "sp %#llx not 16-byte aligned", (unsigned long long)sp);
	uint64_t p = sp;
	cr_assert_eq(word(s, p), (uint64_t)argc);
	p += 8;
	for (int i = 0; i < argc; i++, p += 8)
		cr_assert_str_eq(str(s, word(s, p)), argv[i]);
	cr_assert_eq(word(s, p), 0, "argv not NULL-terminated");
	p += 8;
	int envc = 0;
	for (; envp && envp[envc]; envc++, p += 8)
		cr_assert_str_eq(str(s, word(s, p)), envp[envc]);
	cr_assert_eq(word(s, p), 0, "envp not NULL-terminated");
	p += 8;
	for (int i = 0; i < 64; i++)
		aux_out[i] = ~0ULL;
	int seen = 0;
	for (;; p += 16) {
		uint64_t type = word(s, p), val = word(s, p + 8);
		if (type == AT_NULL)
			break;
		cr_assert_lt(type, 64);
		cr_assert_eq(aux_out[type], ~0ULL, "auxv type %llu twice", (unsigned long long)type);
		aux_out[type] = val;
		cr_assert_lt(++seen, 32, "auxv not terminated");
	}
	cr_assert_eq(aux_out[AT_PHDR], pimg.phdr);
	cr_assert_eq(aux_out[AT_PHENT], pimg.phent);
	cr_assert_eq(aux_out[AT_PHNUM], pimg.phnum);
	cr_assert_eq(aux_out[AT_PAGESZ], 4096);
	cr_assert_eq(aux_out[AT_ENTRY], pimg.entry);
	cr_assert_eq(aux_out[AT_UID], 0);
	cr_assert_eq(aux_out[AT_EUID], 0);
	cr_assert_eq(aux_out[AT_GID], 0);
	cr_assert_eq(aux_out[AT_EGID], 0);
	cr_assert_eq(aux_out[AT_SECURE], 0);
	cr_assert_eq(aux_out[AT_CLKTCK], 100);
	cr_assert_eq(aux_out[AT_HWCAP], 0);
	cr_assert_neq(aux_out[AT_RANDOM], ~0ULL);
	cr_assert(memcmp(k_of(s, aux_out[AT_RANDOM], 16), rnd, 16) == 0);
	cr_assert_gt(aux_out[AT_RANDOM], p, "random bytes overlap the vectors");
	cr_assert_neq(aux_out[AT_EXECFN], ~0ULL);
	cr_assert_str_eq(str(s, aux_out[AT_EXECFN]), argc > 0 ? argv[0] : "");
}

static struct stk new_stack(size_t size)
{
	struct stk s = { malloc(size ? size : 1), UBASE, size };
	memset(s.k, 0xcc, size);
	return s;
}

Test(proc, typical_layout)
{
	char *argv[] = { "hello", "3", "with space", NULL };
	char *envp[] = { "HOME=/", "TERM=linux", NULL };
	struct stk s = new_stack(16384);
	uint64_t sp = 0, aux[64];
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 3, argv, envp, &pimg, rnd, &sp), 0);
	verify(&s, sp, 3, argv, envp, aux);
	/* Everything sits near the top; the stack below sp is left for the app. */
	cr_assert_gt(sp, s.ubase + s.size - 1024);
	free(s.k);
}

Test(proc, empty_env_and_null_env)
{
	char *argv[] = { "a", NULL };
	char *envp[] = { NULL };
	struct stk s = new_stack(4096);
	uint64_t sp, aux[64];
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 1, argv, envp, &pimg, rnd, &sp), 0);
	verify(&s, sp, 1, argv, envp, aux);
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 1, argv, NULL, &pimg, rnd, &sp), 0);
	verify(&s, sp, 1, argv, NULL, aux);
	free(s.k);
}

Test(proc, zero_args)
{
	char *argv[] = { NULL };
	struct stk s = new_stack(4096);
	uint64_t sp, aux[64];
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 0, argv, NULL, &pimg, rnd, &sp), 0);
	verify(&s, sp, 0, argv, NULL, aux);
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, -1, argv, NULL, &pimg, rnd, &sp), -EINVAL);
	free(s.k);
}

Test(proc, alignment_for_every_parity)
{
	/* Vary argc/envc and string lengths so every padding case occurs. */
	static char names[8][40];
	char *argv[9], *envp[9];
	for (int na = 0; na < 8; na++) {
		for (int ne = 0; ne < 4; ne++) {
			for (int len = 1; len < 20; len += 3) {
				for (int i = 0; i < na; i++) {
					memset(names[i], 'a' + i, (size_t)len + i);
					names[i][len + i] = '\0';
					argv[i] = names[i];
				}
				argv[na] = NULL;
				for (int i = 0; i < ne; i++)
					envp[i] = i % 2 ? "X=1" : "LONGER_NAME=value";
				envp[ne] = NULL;
				struct stk s = new_stack(4096 + 8 * (size_t)len);
				uint64_t sp, aux[64];
				cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, na, argv, envp, &pimg, rnd, &sp), 0);
				verify(&s, sp, na, argv, envp, aux);
				free(s.k);
			}
		}
	}
}

Test(proc, unaligned_top)
{
	char *argv[] = { "prog", "x", NULL };
	/* ubase + size not a multiple of 16: sp must still be aligned. */
	for (size_t size = 1000; size < 1040; size++) {
		struct stk s = new_stack(size);
		s.ubase = UBASE + 8;
		uint64_t sp, aux[64];
		cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 2, argv, NULL, &pimg, rnd, &sp), 0);
		verify(&s, sp, 2, argv, NULL, aux);
		free(s.k);
	}
}

Test(proc, e2big_at_every_small_size)
{
	char *argv[] = { "hello", "arg-one", "arg-two", NULL };
	char *envp[] = { "A=b", NULL };
	int ok = 0;
	size_t smallest = 0;
	/* Exact-size buffers: ASan catches any write outside [0, size). */
	for (size_t size = 0; size <= 1024; size++) {
		struct stk s = new_stack(size);
		uint64_t sp = 0xdead, aux[64];
		int r = proc_build_stack(s.k, s.ubase, s.size, 3, argv, envp, &pimg, rnd, &sp);
		if (r == 0) {
			verify(&s, sp, 3, argv, envp, aux);
			if (!ok)
				smallest = size;
			ok = 1;
		} else {
			cr_assert_eq(r, -E2BIG);
			cr_assert_eq(sp, 0xdead, "sp written on failure");
			cr_assert(!ok, "size %zu fails but a smaller one worked", size);
		}
		free(s.k);
	}
	cr_assert(ok);
	/* Vectors 1+3+1+1+1+38 words = 360 bytes, strings 35+6, random 16, marker 8. */
	cr_assert_leq(smallest, 360 + 41 + 16 + 8 + 30);
}

Test(proc, e2big_huge_string)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	char *argv[] = { "prog", big, NULL };
	struct stk s = new_stack(65536);
	uint64_t sp;
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 2, argv, NULL, &pimg, rnd, &sp), -E2BIG);
	char *envp[] = { big, NULL };
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 1, argv, envp, &pimg, rnd, &sp), -E2BIG);
	free(s.k);
	free(big);
}

Test(proc, e2big_too_many_pointers)
{
	enum { N = 3000 };
	char **envp = calloc(N + 1, sizeof(char *));
	for (int i = 0; i < N; i++)
		envp[i] = "";
	char *argv[] = { "p", NULL };
	struct stk s = new_stack(16384); /* 3000 pointers need 24000 bytes */
	uint64_t sp, aux[64];
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 1, argv, envp, &pimg, rnd, &sp), -E2BIG);
	free(s.k);
	s = new_stack(65536);
	cr_assert_eq(proc_build_stack(s.k, s.ubase, s.size, 1, argv, envp, &pimg, rnd, &sp), 0);
	verify(&s, sp, 1, argv, envp, aux);
	free(s.k);
	free(envp);
}
