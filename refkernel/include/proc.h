/* proc.h — the initial process stack, laid out as Linux does for a new
 * process on x86-64 (System V ABI §3.4.1):
 *
 *   sp -> argc | argv[0..argc-1] | NULL | envp[..] | NULL | auxv pairs |
 *         AT_NULL | padding | 16 random bytes (AT_RANDOM) | strings ...
 *
 * sp is 16-byte aligned. proc_build_stack() writes into a buffer (kbuf, size)
 * that the application will see at user address (ubase) .. ubase+size; the
 * stack top is ubase+size. Pointers stored on the stack are user addresses.
 * Auxv entries written: AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY,
 * AT_RANDOM, AT_UID/EUID/GID/EGID (0), AT_SECURE (0), AT_CLKTCK (100),
 * AT_HWCAP (0), AT_HWCAP2 (0), AT_BASE, AT_FLAGS (0), AT_EXECFN (argv[0]),
 * AT_SYSINFO_EHDR (the vDSO, 0 if none), AT_NULL. (random) provides the 16 bytes.
 * Returns 0 and the user stack pointer in (*sp), or -E2BIG when the strings
 * and vectors do not fit in (size).
 */
#ifndef PROC_H
#define PROC_H
#include <stddef.h>
#include <stdint.h>

struct proc_image {
	uint64_t entry;
	uint64_t vdso;      /* user address of the vDSO's ELF header, or 0 */
	uint64_t phdr;
	uint64_t phnum, phent;
	uint64_t base;      /* the interpreter's load address (AT_BASE), 0 without one */
};

int proc_build_stack(void *kbuf, uint64_t ubase, size_t size,
		     int argc, char *const argv[], char *const envp[],
		     const struct proc_image *img, const uint8_t random[16],
		     uint64_t *sp);

#endif
