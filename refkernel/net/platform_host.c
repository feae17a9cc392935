/* platform_host.c — net_platform.h for hosted builds (tests, fuzzing): calloc
 * and free with a count of live blocks as a leak check, an optional failure
 * injection, and a seedable xorshift generator. */
#include <stdlib.h>
#include "net_platform.h"
#include "platform_host.h"

static long live_blocks;
static long fail_countdown = -1;    /* <0: never fail */
static uint32_t rng_state = 0x12345678;

void *netp_alloc(size_t size)
{
	if (fail_countdown == 0)
		return NULL;
	if (fail_countdown > 0)
		fail_countdown--;
	void *p = calloc(1, size);
	if (p)
		live_blocks++;
	return p;
}

void netp_free(void *p)
{
	if (!p)
		return;
	live_blocks--;
	free(p);
}

static uint32_t forced[4];
static int nforced;

uint32_t netp_random(void)
{
	if (nforced > 0) {
		uint32_t v = forced[0];
		for (int i = 1; i < nforced; i++)
			forced[i - 1] = forced[i];
		nforced--;
		return v;
	}
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

long netp_host_live_blocks(void) { return live_blocks; }
void netp_host_fail_after(long n) { fail_countdown = n; }
void netp_host_seed(uint32_t seed) { rng_state = seed ? seed : 1; }

void netp_host_next_random(uint32_t v)
{
	if (nforced < 4)
		forced[nforced++] = v;
}
