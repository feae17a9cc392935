/* platform_host.h — test hooks of the hosted platform (platform_host.c). */
#ifndef PLATFORM_HOST_H
#define PLATFORM_HOST_H
#include <stdint.h>

long netp_host_live_blocks(void);   /* allocated and not yet freed */
void netp_host_fail_after(long n);  /* the (n+1)th alloc fails from now; -1 off */
void netp_host_seed(uint32_t seed);
void netp_host_next_random(uint32_t v);   /* queue a value netp_random returns */

#endif
