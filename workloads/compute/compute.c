/* compute: the CPU-bound control. Checks SHA-256 against known vectors, then
 * hashes a buffer repeatedly and sorts N pseudo-random integers, printing
 * ns figures. Needs only write, clock_gettime, mmap/brk (malloc) and exit. */
#include "ukb.h"
#include "sha256.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: deterministic input, identical on every target. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void isort(uint32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		uint32_t v = a[i];
		long j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void sift(uint32_t *a, long n, long i)
{
	for (;;) {
		long c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		uint32_t t = a[i]; a[i] = a[c]; a[c] = t;
		i = c;
	}
}

static void hsort(uint32_t *a, long n)
{
	for (long i = n / 2 - 1; i >= 0; i--)
		sift(a, n, i);
	for (long i = n - 1; i > 0; i--) {
		uint32_t t = a[0]; a[0] = a[i]; a[i] = t;
		sift(a, i, 0);
	}
}

/* Introsort: quicksort with median-of-three, heapsort past a depth limit,
 * insertion sort for small ranges. Our own, so no target's libc is timed. */
static void introsort(uint32_t *a, long n, int depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			hsort(a, n);
			return;
		}
		uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint32_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < p) i++;
			while (a[j] > p) j--;
			if (i >= j)
				break;
			uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
			i++; j--;
		}
		introsort(a, j + 1, depth);
		a += j + 1;
		n -= j + 1;
	}
	isort(a, n);
}

static int check_vectors(void)
{
	static const struct { const char *msg; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t d[32];
		char hex[65];
		sha256(v[i].msg, strlen(v[i].msg), d);
		sha256_hex(d, hex);
		if (strcmp(hex, v[i].hex)) {
			ukb_printf("compute: SHA-256 self-test %zu failed: %s\n", i, hex);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t size = 1 << 20;
	long rounds = 160, n = 1000000, reps = 3, scale = 1;
	struct ukb_opt opts[] = {
		{ "size", UKB_OPT_SIZE, &size, 64, 1 << 30, "SHA-256 buffer size (default 1m)" },
		{ "rounds", UKB_OPT_INT, &rounds, 1, 1000000, "times the buffer is hashed (default 160)" },
		{ "reps", UKB_OPT_INT, &reps, 1, 1000000, "sorts of n fresh integers (default 3)" },
		{ "n", UKB_OPT_INT, &n, 1, 100000000, "integers to sort (default 1000000)" },
		{ "scale", UKB_OPT_INT, &scale, 1, 10000, "multiply rounds and reps (a bare number does too)" },
	};
	int first = ukb_args_parse(argc, argv, "compute", "[--size S] [--rounds R] [--n N] [--reps R] [--scale K | K]",
				   opts, sizeof(opts) / sizeof(opts[0]));
	if (first < argc) {     /* a bare number scales the run, e.g. "compute 4" */
		char *end;
		long k = strtol(argv[first], &end, 10);
		if (*end || k < 1 || k > 10000) {
			ukb_printf("compute: bad scale '%s'\n", argv[first]);
			return 2;
		}
		scale = k;
	}
	if (check_vectors())
		return 1;

	uint8_t *buf = malloc(size), d[32];
	uint32_t *arr = malloc((size_t)n * sizeof(*arr));
	uint64_t seed = 0x9e3779b97f4a7c15ull, t0, ns;
	char hex[65];
	if (!buf || !arr) {
		ukb_printf("compute: out of memory (size %zu, n %ld)\n", size, n);
		return 1;
	}
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)rng_next(&seed);

	/* SHA-256: each round hashes the buffer with the previous digest
	 * folded into its head, so no round can be skipped. */
	memset(d, 0, sizeof(d));
	t0 = ukb_now_ns();
	for (long r = 0; r < rounds * scale; r++) {
		memcpy(buf, d, sizeof(d));
		sha256(buf, size, d);
	}
	ns = ukb_now_ns() - t0;
	sha256_hex(d, hex);
	ukb_printf("compute: sha256 %ld x %zu bytes -> %s\n", rounds * scale, size, hex);
	ukb_result("sha256", "ns_per_byte", (double)ns / ((double)size * rounds * scale));
	ukb_result("sha256", "mib_per_s", ((double)size * rounds * scale / 1048576.0) / (ns / 1e9));

	/* Sort: reps x scale sorts of n fresh integers, each verified. */
	uint64_t sum = 0;
	ns = 0;
	reps *= scale;
	for (long r = 0; r < reps; r++) {
		for (long i = 0; i < n; i++)
			arr[i] = (uint32_t)rng_next(&seed);
		t0 = ukb_now_ns();
		introsort(arr, n, 64);
		ns += ukb_now_ns() - t0;
		for (long i = 1; i < n; i++)
			if (arr[i - 1] > arr[i]) {
				ukb_printf("compute: sort produced unsorted output at %ld\n", i);
				return 1;
			}
		sum += arr[n / 2];
	}
	ukb_printf("compute: sort %ld x %ld integers, median sum %llu\n", reps, n,
		   (unsigned long long)sum);
	ukb_result("sort", "ns_per_elem", (double)ns / ((double)n * reps));
	ukb_result("sort", "ns_per_op", (double)ns / reps);
	free(arr);
	free(buf);
	return 0;
}
