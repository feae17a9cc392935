/* random.c — bytes for getrandom() and AT_RANDOM: RDRAND when the CPU has it,
 * otherwise a splitmix64 stream seeded from the TSC (weak; said at boot). */
#include "kernel.h"
#include "x86.h"

static uint64_t state;
static int have_rdrand = -1;

static uint64_t next(void)
{
	if (have_rdrand < 0) {
		uint32_t r[4];
		cpuid(1, 0, r);
		have_rdrand = (r[2] >> 30) & 1;
		state = rdtsc() ^ 0x9e3779b97f4a7c15ULL;
	}
	if (have_rdrand) {
		uint64_t v;
		for (int i = 0; i < 10; i++) {
			uint8_t ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL) ^ rdtsc();
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rand_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		uint64_t v = next();
		size_t k = MIN(n, sizeof(v));
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

uint32_t rand_u32(void)
{
	uint32_t v;
	rand_bytes(&v, sizeof(v));
	return v;
}
