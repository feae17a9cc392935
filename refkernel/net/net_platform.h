/* net_platform.h — what the stack needs from its host: memory and randomness.
 * platform_host.c implements it with malloc for tests and fuzzing; the kernel
 * implements it with its own allocator. Time is not here: it comes in through
 * net_timer().
 *
 * Error policy: netp_alloc returns NULL when out of memory; the stack copes
 * (drops and counts, or returns -ENOMEM). Nothing else can fail.
 */
#ifndef NET_PLATFORM_H
#define NET_PLATFORM_H
#include <stddef.h>
#include <stdint.h>

void *netp_alloc(size_t size);      /* zeroed memory, or NULL */
void netp_free(void *p);            /* (p) MAY be NULL */
uint32_t netp_random(void);         /* initial sequence numbers, ports */

#endif
