/* proc.c — build the initial user stack (argc, argv, envp, auxv, strings)
 * the way Linux does for a new x86-64 process (layout in proc.h).
 * Sizes are computed first, then strings are copied to the top and the
 * vectors written below them; nothing is written unless it all fits. */
#include <stddef.h>
#include <stdint.h>

#include "kerrno.h"
#include "klib.h"
#include "proc.h"

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h). */
#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE   7
#define AT_FLAGS  8
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_HWCAP  16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33

#define NAUXV 19 /* entries written, AT_NULL included */

/* Add (n) to (*acc) unless the total would pass (limit). */
static int add_fits(size_t *acc, size_t n, size_t limit)
{
	if (n > limit || *acc > limit - n)
		return 0;
	*acc += n;
	return 1;
}

int proc_build_stack(void *kbuf, uint64_t ubase, size_t size,
		     int argc, char *const argv[], char *const envp[],
		     const struct proc_image *img, const uint8_t random[16],
		     uint64_t *sp)
{
	static const char empty[] = "";
	const char *execfn = argc > 0 ? argv[0] : empty;
	int envc = 0;
	if (argc < 0)
		return -EINVAL;
	while (envp && envp[envc])
		envc++;

	/* Bytes needed: 8-byte end marker, strings, random, vectors, and up to
	 * 15 + 15 bytes of alignment padding. */
	size_t strbytes = 0;
	for (int i = 0; i < argc; i++)
		if (!add_fits(&strbytes, strlen(argv[i]) + 1, size))
			return -E2BIG;
	for (int i = 0; i < envc; i++)
		if (!add_fits(&strbytes, strlen(envp[i]) + 1, size))
			return -E2BIG;
	if (!add_fits(&strbytes, strlen(execfn) + 1, size))
		return -E2BIG;
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * NAUXV;
	size_t total = strbytes;
	if (!add_fits(&total, 8 + 16 + 30, size) || words > size / 8 ||
	    !add_fits(&total, words * 8, size))
		return -E2BIG;

	/* User addresses, from the top down. */
	uint64_t top = ubase + size;
	uint64_t ustr = top - 8 - strbytes;
	uint64_t urand = (ustr - 16) & ~15ULL;
	uint64_t usp = (urand - words * 8) & ~15ULL;
	if (usp < ubase)
		return -E2BIG;
	unsigned char *k = kbuf;
#define KPTR(u) (k + ((u) - ubase))

	/* Strings: argv, envp, then the exec file name; remember their addresses. */
	uint64_t *vec = (uint64_t *)KPTR(usp);
	uint64_t *v = vec;
	uint64_t pos = ustr;
	*v++ = (uint64_t)argc;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(KPTR(pos), argv[i], n);
		*v++ = pos;
		pos += n;
	}
	*v++ = 0;
	for (int i = 0; i < envc; i++) {
		size_t n = strlen(envp[i]) + 1;
		memcpy(KPTR(pos), envp[i], n);
		*v++ = pos;
		pos += n;
	}
	*v++ = 0;
	uint64_t uexecfn = pos;
	memcpy(KPTR(pos), execfn, strlen(execfn) + 1);
	memset(KPTR(top - 8), 0, 8);
	memcpy(KPTR(urand), random, 16);

	const uint64_t aux[NAUXV][2] = {
		{ AT_PHDR, img->phdr },     { AT_PHENT, img->phent },
		{ AT_PHNUM, img->phnum },   { AT_PAGESZ, 4096 },
		{ AT_ENTRY, img->entry },   { AT_RANDOM, urand },
		{ AT_UID, 0 },              { AT_EUID, 0 },
		{ AT_GID, 0 },              { AT_EGID, 0 },
		{ AT_SECURE, 0 },           { AT_CLKTCK, 100 },
		{ AT_HWCAP, 0 },            { AT_EXECFN, uexecfn },
		{ AT_HWCAP2, 0 },           { AT_BASE, img->base },
		{ AT_FLAGS, 0 },
		{ AT_SYSINFO_EHDR, img->vdso }, /* 0: no vDSO, the libc makes system calls */
		{ AT_NULL, 0 },
	};
	for (size_t i = 0; i < NAUXV; i++) {
		*v++ = aux[i][0];
		*v++ = aux[i][1];
	}
	/* Zero the padding between the vectors and the random bytes. */
	uint64_t uvend = usp + words * 8;
	memset(KPTR(uvend), 0, urand - uvend);
#undef KPTR
	*sp = usp;
	return 0;
}
