/* tsckhz: print the host TSC frequency in kHz, for the guest's tsc_early_khz=.
 * main() -> measure() three times over ~20 ms each against CLOCK_MONOTONIC_RAW,
 * prints the median. Exit 1 with one line if the clock cannot be read. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One sample: TSC ticks over at least 20 ms of wall time, in kHz. */
static int64_t measure(void)
{
	int64_t t0 = now_ns(), t1;
	uint64_t c0 = __rdtsc(), c1;

	if (t0 < 0)
		return -1;
	do {
		t1 = now_ns();
	} while (t1 - t0 < 20000000);
	c1 = __rdtsc();
	return (int64_t)((c1 - c0) * 1000000 / (uint64_t)(t1 - t0));
}

int main(void)
{
	int64_t s[3], t;

	for (int i = 0; i < 3; i++) {
		s[i] = measure();
		if (s[i] <= 0) {
			fprintf(stderr, "tsckhz: cannot read CLOCK_MONOTONIC_RAW\n");
			return 1;
		}
	}
	/* median of three */
	if (s[0] > s[1]) { t = s[0]; s[0] = s[1]; s[1] = t; }
	if (s[1] > s[2]) { t = s[1]; s[1] = s[2]; s[2] = t; }
	if (s[0] > s[1]) { t = s[0]; s[0] = s[1]; s[1] = t; }
	printf("%lld\n", (long long)s[1]);
	return 0;
}
