/* vdso.c — the refkernel's vDSO: clock_gettime, gettimeofday and time
 * without entering the kernel, the way Linux's vDSO spares a system call.
 * The kernel maps this shared object into every application (auxv
 * AT_SYSINFO_EHDR; musl finds __vdso_clock_gettime there) next to a
 * read-only page of clock parameters it keeps current (struct vdso_data in
 * include/vdso.h). Anything not handled here makes the real system call. */
#include <stdint.h>
#include "vdso.h"

#define VD ((const volatile struct vdso_data *)VDSO_DATA_ADDR)

struct ts { int64_t sec, nsec; };

static long sys2(long nr, long a, long b)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

static uint64_t mono_ns(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t tsc = ((uint64_t)hi << 32 | lo) - VD->boot_tsc;
	return (uint64_t)(((unsigned __int128)tsc * VD->ns_mult) >> 32);
}

int __vdso_clock_gettime(int clk, struct ts *t)
{
	uint64_t ns;
	switch (clk) {
	case 1: case 4: case 6: case 7: /* MONOTONIC, _RAW, _COARSE, BOOTTIME */
		if (!VD->ns_mult)
			break;
		ns = mono_ns();
		t->sec = (int64_t)(ns / 1000000000);
		t->nsec = (int64_t)(ns % 1000000000);
		return 0;
	case 0: case 5: /* REALTIME, _COARSE: once the kernel has read the RTC */
		if (!VD->ns_mult || !VD->epoch_ns)
			break;
		ns = VD->epoch_ns + mono_ns();
		t->sec = (int64_t)(ns / 1000000000);
		t->nsec = (int64_t)(ns % 1000000000);
		return 0;
	}
	return (int)sys2(228, clk, (long)t);
}

int __vdso_gettimeofday(struct ts *tv, void *tz)
{
	if (!tz && tv && VD->ns_mult && VD->epoch_ns) {
		uint64_t ns = VD->epoch_ns + mono_ns();
		tv->sec = (int64_t)(ns / 1000000000);
		tv->nsec = (int64_t)(ns % 1000000000 / 1000);
		return 0;
	}
	return (int)sys2(96, (long)tv, (long)tz);
}

long __vdso_time(long *t)
{
	if (!VD->ns_mult || !VD->epoch_ns)
		return sys2(201, (long)t, 0);
	long s = (long)((VD->epoch_ns + mono_ns()) / 1000000000);
	if (t)
		*t = s;
	return s;
}
