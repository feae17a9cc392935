/* vdso.h — the contract between the kernel and its vDSO (refkernel/vdso/):
 * where the vDSO and its data page live in every application's address
 * space, and the data page's layout. The kernel writes the page (through the
 * direct map); the application sees it read-only. ns_mult == 0 means "no
 * clock yet" and epoch_ns == 0 "wall clock not read yet": the vDSO then makes
 * the system call, which fills them in. */
#ifndef VDSO_H
#define VDSO_H
#include <stdint.h>

#define VDSO_ADDR      0x00007fff00000000ULL
#define VDSO_DATA_ADDR 0x00007fff00100000ULL

struct vdso_data {
	uint64_t boot_tsc;  /* TSC at time zero */
	uint64_t ns_mult;   /* ns = ((tsc - boot_tsc) * ns_mult) >> 32 */
	uint64_t epoch_ns;  /* CLOCK_REALTIME at time zero */
};

#endif
