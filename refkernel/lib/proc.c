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

/* (acc) plus the sizes of the (n) strings of (list), NUL included; past
 * (limit), and no more added, once the total passes it. One function for
 * argv, envp and the file name (not inlined: under TCG its code is
 * translated once). */
static __attribute__((noinline)) size_t strings_size(char *const *list, int n, size_t acc, size_t limit)
{
	for (int i = 0; i < n && acc <= limit; i++)
		acc += strlen(list[i]) + 1;
	return acc;
}

/* Copy the (n) strings of (list) to user address (*pos), advanced past them,
 * through the buffer (k) seen at (ubase); their addresses go to (v), and the
 * slot after them is returned. */
static __attribute__((noinline)) uint64_t *put_strings(unsigned char *k, uint64_t ubase, uint64_t *pos,
						       char *const *list, int n, uint64_t *v)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list[i]) + 1;
		memcpy(k + (*pos - ubase), list[i], len);
		*v++ = *pos;
		*pos += len;
	}
	return v;
}

int proc_build_stack(void *kbuf, uint64_t ubase, size_t size,
		     int argc, char *const argv[], char *const envp[],
		     const struct proc_image *img, const uint8_t random[16],
		     uint64_t *sp)
{
	static const char empty[] = "";
	char *const execfn[1] = { argc > 0 ? argv[0] : (char *)empty };
	int envc = 0;
	if (argc < 0)
		return -EINVAL;
	while (envp && envp[envc])
		envc++;

	/* Bytes needed: 8-byte end marker, strings, random, vectors, and up to
	 * 15 + 15 bytes of alignment padding. */
	size_t strbytes = strings_size(execfn, 1, strings_size(envp, envc, strings_size(argv, argc, 0, size),
									  size), size);
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * NAUXV;
	/* few branches (each ends a block under TCG); each term's unsigned
	 * wrap is caught by the one before it */
	if ((strbytes > size) | (words > size / 8) | (size - strbytes < words * 8 + 8 + 16 + 30))
		return -E2BIG;

	/* User addresses, from the top down. */
	uint64_t top = ubase + size;
	uint64_t ustr = top - 8 - strbytes;
	uint64_t urand = (ustr - 16) & ~15ULL;
	uint64_t usp = (urand - words * 8) & ~15ULL; /* >= ubase: the total above counts the padding */
	unsigned char *k = kbuf;
#define KPTR(u) (k + ((u) - ubase))

	/* The padding between the vectors and the random bytes (< 16 bytes)
	 * zero: the 16 bytes below them, before the vectors are written. */
	__builtin_memset(KPTR(urand - 16), 0, 8); /* 8 by 8: 16 at once is a string store */
	__builtin_memset(KPTR(urand - 8), 0, 8);

	/* Strings: argv, envp, then the exec file name; their addresses in the vectors. */
	uint64_t *v = (uint64_t *)KPTR(usp);
	uint64_t pos = ustr, uexecfn;
	*v++ = (uint64_t)argc;
	v = put_strings(k, ubase, &pos, argv, argc, v);
	*v++ = 0;
	v = put_strings(k, ubase, &pos, envp, envc, v);
	*v++ = 0;
	put_strings(k, ubase, &pos, execfn, 1, &uexecfn);
	__builtin_memset(KPTR(top - 8), 0, 8); /* inline, not a call (-fno-builtin) */
	__builtin_memcpy(KPTR(urand), random, 16);

#define AUX(type, val) (v[0] = (type), v[1] = (val), v += 2)
	AUX(AT_PHDR, img->phdr);
	AUX(AT_PHENT, img->phent);
	AUX(AT_PHNUM, img->phnum);
	AUX(AT_PAGESZ, 4096);
	AUX(AT_ENTRY, img->entry);
	AUX(AT_RANDOM, urand);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_CLKTCK, 100);
	AUX(AT_HWCAP, 0);
	AUX(AT_EXECFN, uexecfn);
	AUX(AT_HWCAP2, 0);
	AUX(AT_BASE, img->base);
	AUX(AT_FLAGS, 0);
	AUX(AT_SYSINFO_EHDR, img->vdso); /* 0: no vDSO, the libc makes system calls */
	AUX(AT_NULL, 0);                 /* NAUXV entries in all */
#undef AUX
#undef KPTR
	*sp = usp;
	return 0;
}
