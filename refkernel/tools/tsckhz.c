/* tsckhz — print the host TSC frequency in kHz, measured against
 * CLOCK_MONOTONIC over 50 ms (QEMU's TCG guests see the host TSC rate). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	uint64_t n0 = mono_ns(), t0 = __rdtsc(), n1, t1;
	do {
		n1 = mono_ns();
		t1 = __rdtsc();
	} while (n1 - n0 < 50000000);
	printf("%llu\n", (unsigned long long)((t1 - t0) * 1000000 / (n1 - n0)));
	return 0;
}
